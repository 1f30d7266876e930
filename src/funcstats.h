/*
 * funcstats: per-function (or per-line) self and total sample counts from
 * a call tree, the numbers of the live view's table and of `report`.
 *
 * Self counts the samples whose innermost frame is the function; total
 * counts the samples with the function anywhere on the stack, once per
 * sample however deep the recursion: a node adds its subtree's total only
 * where it is the outermost occurrence of its function on its path.
 */
#ifndef PYTOP_FUNCSTATS_H
#define PYTOP_FUNCSTATS_H

#include <stddef.h>
#include <stdint.h>

#include "calltree.h"

struct func_stat {
    const char *name; /* borrowed from the tree */
    const char *file;
    /* A native frame's source file: by line its frame's; by function that
     * of its frames, "" when they differ (code inlined from elsewhere). */
    const char *src;
    int line; /* the first line seen (by function) or the line (by line);
               * by function, 0 for a native frame */
    int kind; /* enum ct_kind */
    uint64_t self, total;
    uint32_t frame; /* a frame of the row in the tree (the first one): the row's id there */
};

struct funcstats {
    struct func_stat *v;
    size_t n;
    uint64_t samples; /* the tree's total */
    /* Which row each frame of the tree counts in: row_of[frame] is an
     * index into v, CT_NONE for frames without one. nframes entries. */
    uint32_t *row_of;
    uint32_t nframes;
};

/* Compute the statistics of t, by line (a row per frame) or by function
 * (frames of the same name and file together). Python frames only unless
 * with_roots (process and thread frames too). 0, or -1 out of memory. */
int funcstats_compute(const struct calltree *t, int by_line, int with_roots, struct funcstats *out);

/* The frame standing for frame's row (the row's first frame), CT_NONE
 * when frame has no row. */
uint32_t funcstats_frame(const struct funcstats *fs, uint32_t frame);

void funcstats_free(struct funcstats *fs);

#endif
