/*
 * tui/outline: a call tree as an indented list that folds, the rows of
 * the live view's call tree (T) and of each half of its callers /
 * callees view.
 *
 * The tree is a new snapshot every second; what the user opened must
 * stay open and the selection must stay on its node. So a node is known
 * by its path: a hash of the keys of the frames from the top down to it
 * (keys the caller gives per frame, the same in every snapshot). The
 * open nodes are a set of such paths.
 *
 * An open node shows its children by total, largest first; those below
 * a limit (1% of the samples) are folded into one "more" row, itself
 * opened like a node.
 */
#ifndef PYTOP_TUI_OUTLINE_H
#define PYTOP_TUI_OUTLINE_H

#include <stddef.h>
#include <stdint.h>

#include "calltree.h"
#include "funcstats.h"
#include "tui/screen.h"

/* What the tree views read: the tree the table's rows were computed
 * from, those rows, and per frame of the tree the frame standing for its
 * row (funcstats_frame) and its row's key, the same in every snapshot. */
struct outline_src {
    const struct calltree *t;
    const struct funcstats *fs;
    const uint32_t *as;
    const uint64_t *key;
    double rate;        /* samples per second */
    int order, reverse; /* the table's sort, as an outline order */
    const char *filter; /* the table's filter: its matches drawn bold */
};

struct outline_row {
    uint32_t node;   /* the tree's node; for a "more" row, the parent of what it folds */
    uint32_t hidden; /* 0 for a node; else a "more" row folding this many children */
    uint64_t total;  /* the node's total, or the folded children's together */
    uint64_t path;   /* the node's path (a "more" row: its own) */
    int depth;       /* 0 for the children of the tree's root */
};

/* The order of a node's children (those not folded). */
enum outline_order { OUTLINE_BY_TOTAL, OUTLINE_BY_NAME };

struct outline_level; /* one open node's children, while laying out */

struct outline {
    uint64_t *open; /* the open paths, sorted */
    size_t nopen, open_cap;
    struct outline_row *rows; /* what is shown, top to bottom */
    size_t nrows, rows_cap;
    uint64_t *paths; /* the current tree's paths, by node */
    size_t paths_cap;
    uint32_t *pool; /* children being laid out, level after level */
    size_t pool_cap;
    struct outline_level *levels;
    size_t levels_cap;
    int order, reverse; /* how children are ordered: set before a build */
    uint64_t limit;     /* the last build's */
};

/* Every node's path in t: paths[node], t->nnodes of them. */
void outline_paths(const struct calltree *t, const uint64_t *key, uint64_t *paths);

void outline_init(struct outline *o);
void outline_free(struct outline *o);

/* Lay out the rows of t (the root's children at depth 0); key[frame] is
 * each frame's key. Children under limit samples are folded. 0, or -1
 * when out of memory. */
int outline_build(struct outline *o, const struct calltree *t, const uint64_t *key, uint64_t limit);

/* Whether row i's node is open (a "more" row: never). */
int outline_is_open(const struct outline *o, const struct outline_row *r);

/* Open (1) or close (0) row i: a node shows or hides its children, a
 * "more" row shows what it folds. Rebuild to see it. 0, or -1 out of
 * memory. */
int outline_set(struct outline *o, size_t i, int open);

/* Open row i's node and everything below it in t (the last build's
 * tree). 0, or -1 out of memory. */
int outline_open_below(struct outline *o, const struct calltree *t, size_t i);

/* Open the path of the largest child at each level from the top, while
 * it holds limit samples or more. 0, or -1 out of memory. */
int outline_open_hottest(struct outline *o, const struct calltree *t, const uint64_t *key,
                         uint64_t limit);

/* The row showing path, or nrows when none does. */
size_t outline_find(const struct outline *o, uint64_t path);

/* The row of row i's parent (i itself at depth 0). */
size_t outline_parent(const struct outline *o, size_t i);

/* Draw row r's name column at (y, x) in width cells: its indent (its
 * depth less shift levels), whether it is open, and its function as the
 * table's row for it reads (t: the tree the rows were built from, over
 * src's frames); bold where the table's filter would keep it. */
void outline_draw_name(struct screen *s, int y, int x, int width, int attr, const struct outline *o,
                       const struct outline_row *r, const struct calltree *t,
                       const struct outline_src *src, int shift);

/* Deep stacks: how many levels of indent the rows top..top+page leave
 * out, so that the deepest of them is indented at most half of width and
 * the levels on screen still read as levels (the outermost, a chain of
 * single callers as a rule, go flush left). */
int outline_shift(const struct outline *o, size_t top, int page, int width);

/* Move a selection *sel over n rows by delta, and *top so that it shows
 * in page rows. */
void outline_move(size_t *sel, size_t *top, size_t n, long delta, int page);

/* Sort nodes of t: by total, largest first, or by name (reverse: the
 * other way round); ties in the order the tree first saw them. */
void outline_sort(const struct calltree *t, uint32_t *nodes, size_t n, int order, int reverse);

/* A share in percent, as the tree views write it ("  12.3"). */
void outline_pct(uint64_t n, uint64_t base, char *out, size_t size);

/* How far a key moves a selection over n rows, page rows a page; 0 for a
 * key that does not move it. */
long outline_key_delta(int key, long page, size_t n);

#endif
