/*
 * report/compare: what changed between two profiles of one program, for
 * `pytop diff`: every function's own and total share of its profile's
 * samples before and after (shares, not counts, so that profiles of
 * different lengths compare), the largest changes first.
 */
#ifndef PYTOP_REPORT_COMPARE_H
#define PYTOP_REPORT_COMPARE_H

#include <stddef.h>
#include <stdint.h>

#include "calltree.h"

struct compare_row {
    const char *name, *file, *src; /* borrowed from the trees */
    int line, kind;
    double own_before, own_after, total_before, total_after; /* percent */
};

struct comparison {
    struct compare_row *v; /* by the size of the change of total share, largest first */
    size_t n;
    uint64_t samples_before, samples_after;
};

/* Compare before with after (by function; both trees must outlive c).
 * 0, or -1 when out of memory. */
int compare_profiles(const struct calltree *before, const struct calltree *after,
                     struct comparison *c);

void comparison_free(struct comparison *c);

#endif
