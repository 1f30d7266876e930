/*
 * report/difftree: two profiles laid over each other, for `pytop diff`'s
 * differential flamegraph, without building a third tree.
 *
 * Each call path of BEFORE is matched to the same path of AFTER (same
 * frames from the root), or marked gone when AFTER has no such path. For
 * each AFTER node this keeps its twin in BEFORE and the width to draw it
 * at: its AFTER samples, plus the gone paths below it at their share of
 * BEFORE scaled to AFTER's total; a gone node is drawn at its BEFORE
 * samples times before_unit. Widths add up (a node is its own samples
 * plus its children), as a flamegraph needs. They are integers: one
 * AFTER sample weighs before_all / g, one BEFORE sample after_all / g (g
 * their greatest common divisor), so both are exact parts of one whole,
 * scaled down only past 2^60.
 */
#ifndef PYTOP_REPORT_DIFFTREE_H
#define PYTOP_REPORT_DIFFTREE_H

#include <stdint.h>

#include "calltree.h"

struct difftree {
    const struct calltree *before, *after; /* borrowed */
    uint32_t *twin;       /* per AFTER node: BEFORE's node of the same path, or CT_NONE */
    unsigned char *gone;  /* per BEFORE node: 1 when AFTER has no such path */
    uint64_t *weight;     /* per AFTER node: the width to draw it at */
    uint64_t before_unit; /* the width of one BEFORE sample */
};

/* Match before to after (both must outlive d). 0, or -1 when out of
 * memory. */
int difftree_build(struct difftree *d, const struct calltree *before, const struct calltree *after);

void difftree_free(struct difftree *d);

#endif
