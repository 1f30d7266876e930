/*
 * report/html: `pytop report -f html`, the report as one page a browser
 * opens offline: the same sections and figures as report/text, the
 * categories drawn as a bar chart, and the profile's interactive
 * flamegraph (output/flamegraph) inline below them.
 */
#ifndef PYTOP_REPORT_HTML_H
#define PYTOP_REPORT_HTML_H

#include <stdio.h>

#include "error.h"
#include "report/analysis.h"

/* Write r, computed from the tree of the profile src describes, as a
 * self-contained HTML page: inline style and scripts, no external URL.
 * Everything read from the profile is escaped. 0, or -1 with PT_E_IO
 * (out cannot be written) or PT_E_NOMEM (drawing the flamegraph). */
int report_write_html(FILE *out, const struct report *r, const struct report_source *src,
                      struct pt_error *err);

#endif
