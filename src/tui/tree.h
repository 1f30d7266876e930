/*
 * tui/tree: the live view's call tree (T): every stack from the roots
 * down, one line per node with %Total and %Own, folding as outline
 * does; the hottest path open when it is first shown. The frames of a
 * node are merged as the table merges them (by function or by line).
 */
#ifndef PYTOP_TUI_TREE_H
#define PYTOP_TUI_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "calltree.h"
#include "tui/outline.h"
#include "tui/screen.h"

struct tree_view {
    struct ct_regroup merged; /* src's tree, its frames merged by row */
    struct outline ol;
    size_t sel, top;
    int page;
    uint64_t sel_path; /* the selection, across snapshots */
    int opened;        /* the hottest path was opened */
};

void tree_view_init(struct tree_view *tv);
void tree_view_free(struct tree_view *tv);

/* Lay the tree of src out again (every snapshot): what is open stays
 * open and the selection stays on its node while it is there. 0, or -1
 * when out of memory. */
int tree_view_update(struct tree_view *tv, const struct outline_src *src);

/* Draw it in rows rows from screen row first. */
void tree_view_draw(struct tree_view *tv, const struct outline_src *src, struct screen *s,
                    int first, int rows, int cols);

enum tree_key {
    TREE_KEY_NONE,    /* used (or ignored): redraw */
    TREE_KEY_OTHER,   /* not a key of the tree: the view's */
    TREE_KEY_BACK,    /* Esc: back to the table */
    TREE_KEY_CALLERS, /* Enter: the callers / callees of *frame's function */
};

/* React to a key; -1 when out of memory. */
int tree_view_key(struct tree_view *tv, const struct outline_src *src, int key, uint32_t *frame);

/* The samples under which a child is folded: 1% of total, at least 1. */
uint64_t tree_view_limit(uint64_t total);

#endif
