/*
 * report/capture: the files `pytop watch` writes for one slow request: a
 * flamegraph SVG and a markdown and an HTML report of that request's
 * samples alone, each written atomically, so that a reader (a person, a
 * notifier attaching them) never finds one half-written.
 */
#ifndef PYTOP_REPORT_CAPTURE_H
#define PYTOP_REPORT_CAPTURE_H

#include <stddef.h>

#include "calltree.h"
#include "error.h"
#include "output/meta.h"
#include "report/analysis.h"
#include "report/category.h"

#define CAPTURE_FILES 3 /* .svg, .md, .html */

struct capture {
    char path[CAPTURE_FILES][4096]; /* the files written */
    /* The hottest functions by own samples, for an alert's text. */
    char top[3][300];
    double top_pct[3];
    int ntop;
    double waiting_pct; /* share of the samples where the request waited */
};

/* Write base + ".svg", ".md" and ".html" for the samples in t of request
 * q (meta: target and rate for the titles). Either all three are written
 * or none (what was written is removed). 0, or -1 with err. */
int capture_write(const char *base, const struct calltree *t, const struct profile_meta *meta,
                  const struct report_request *q, const struct category_table *ct,
                  struct capture *out, struct pt_error *err);

#endif
