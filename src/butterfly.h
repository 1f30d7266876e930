/*
 * butterfly: the callers and the callees of one function of a call tree,
 * the view perf report's and pprof's users know (gprof's call graph
 * entry, drawn as a tree both ways).
 *
 * Two trees over the frames of the tree they are computed from (shared,
 * as calltree_select shares them), each with the function as its root:
 *
 *   up    the root's children are the function's callers, their children
 *         the callers' callers, and so on out to the outermost frame; a
 *         node's total is the samples of the function that came through
 *         that chain of callers (the root's self: those with no caller);
 *   down  the function's callees, merged over every place it runs (what
 *         flamegraphs zoomed into each of its occurrences show, added
 *         up); the root's self is the function's own samples.
 *
 * Frames count as one where funcstats puts them in one row (by function
 * or by line, as the table shows them): every node's frame is the first
 * frame of its row. Only the outermost occurrence of the function on a
 * stack counts, as in funcstats' totals, so both roots' totals are the
 * function's %Total and the shares under each add up to 100%.
 */
#ifndef PYTOP_BUTTERFLY_H
#define PYTOP_BUTTERFLY_H

#include <stdint.h>

#include "calltree.h"
#include "funcstats.h"

struct butterfly {
    struct calltree up, down;
};

/* The callers and callees of row `row` of fs, which was computed from t.
 * 0, or -1 when out of memory. */
int butterfly_compute(const struct calltree *t, const struct funcstats *fs, uint32_t row,
                      struct butterfly *out);

void butterfly_free(struct butterfly *b);

#endif
