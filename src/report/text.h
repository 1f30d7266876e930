/*
 * report/text: `pytop report` as text for a terminal (80 columns) or as
 * markdown for a ticket or a chat: what was profiled, the categories,
 * the hottest functions and paths, the processes, threads and tasks,
 * and the advice; and `pytop diff`'s table of what changed.
 */
#ifndef PYTOP_REPORT_TEXT_H
#define PYTOP_REPORT_TEXT_H

#include <stdio.h>

#include "error.h"
#include "report/analysis.h"
#include "report/compare.h"

/* Write r as text (markdown = 0) or markdown. 0, or -1 with PT_E_IO when
 * out cannot be written. */
int report_write_text(FILE *out, const struct report *r, const struct report_source *src,
                      int markdown, struct pt_error *err);

/* Write the largest changes of c (at most rows of them) between the
 * profiles before and after, as text or markdown. 0, or -1 with PT_E_IO. */
int diff_write_text(FILE *out, const struct comparison *c, const struct report_source *before,
                    const struct report_source *after, size_t rows, int markdown,
                    struct pt_error *err);

#endif
