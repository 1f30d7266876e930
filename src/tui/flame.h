/*
 * tui/flame: the live view's flamegraph in the terminal (F): an icicle,
 * the roots at the top and callees below, as wide as the screen, one row
 * per depth, each box as wide as its share of the samples, its label cut
 * to fit, coloured by module as the SVG is (monochrome where the terminal
 * has no colours or NO_COLOR is set).
 *
 * Arrows move between boxes (Up to the caller, Down to the widest callee,
 * Left and Right along the row), Enter zooms into the selected box (it
 * takes the whole width), Esc zooms out one level and, at the top, goes
 * back to the table. `/` highlights the boxes whose function or file
 * holds the text and says what share of the samples they hold, as the
 * SVG's search does. Frames are merged as the table merges them.
 */
#ifndef PYTOP_TUI_FLAME_H
#define PYTOP_TUI_FLAME_H

#include <stddef.h>
#include <stdint.h>

#include "calltree.h"
#include "tui/outline.h"
#include "tui/screen.h"

/* A box drawn by the last draw: where it is, for Left and Right. */
struct flame_box {
    uint32_t node;
    int depth; /* below the zoomed node, which is depth 0 */
    int x0, x1;
};

struct flame_view {
    struct ct_regroup merged; /* src's tree, its frames merged by row */
    uint64_t *paths;          /* t's paths (outline_paths) */
    size_t paths_cap;
    uint32_t zoom, sel;           /* nodes of t */
    uint64_t zoom_path, sel_path; /* the same, across snapshots */
    int top;                      /* the first depth shown (deep stacks scroll) */
    char search[128];
    int editing;  /* typing the search */
    double match; /* % of the samples under a matching box */
    struct flame_box *boxes;
    size_t nboxes, boxes_cap;
    unsigned char *hit; /* per frame of t: its function or file holds search */
    size_t hit_cap;
};

void flame_view_init(struct flame_view *fv);
void flame_view_free(struct flame_view *fv);

/* Compute it again from a new snapshot: the zoom and the selection stay
 * on their paths while those have samples. 0, or -1 out of memory. */
int flame_view_update(struct flame_view *fv, const struct outline_src *src);

void flame_view_draw(struct flame_view *fv, const struct outline_src *src, struct screen *s,
                     int first, int rows, int cols);

enum flame_key {
    FLAME_KEY_NONE,  /* used: redraw */
    FLAME_KEY_OTHER, /* not its key: the live view's */
    FLAME_KEY_BACK,  /* Esc at the top, or F: back to the table */
};

/* React to a key; -1 out of memory. */
int flame_view_key(struct flame_view *fv, const struct outline_src *src, int key);

#endif
