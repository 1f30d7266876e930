/*
 * tui/callers: the live view's callers / callees of one function (Enter
 * on a row): the function in the middle, its callers above it (each
 * opening onto its own callers, out to the outermost frame), its callees
 * below it (each opening onto its own), every line with the share of
 * the function's total that went through it. Enter on a caller or a
 * callee centres the view on that function; Backspace and Esc go back
 * one function, then to the table.
 */
#ifndef PYTOP_TUI_CALLERS_H
#define PYTOP_TUI_CALLERS_H

#include <stddef.h>
#include <stdint.h>

#include "butterfly.h"
#include "tui/outline.h"
#include "tui/screen.h"

#define CALLERS_HISTORY 64

struct callers_view {
    uint64_t focus[CALLERS_HISTORY]; /* the keys of the functions centred on; the last is shown */
    int nfocus;
    char name[512];     /* the function's name as last seen, for when it is gone */
    uint32_t row;       /* its row in the snapshot, CT_NONE when it has none now */
    struct butterfly b; /* valid when have */
    int have;
    struct outline up, down;
    size_t sel, top; /* over the list: the callers' rows, the function, the callees' rows */
    int page;
    int recentre;      /* place the function a third of the page down at the next draw */
    int sel_part;      /* 0 callers, 1 the function, 2 callees */
    uint64_t sel_path; /* in its part */
};

void callers_view_init(struct callers_view *cv);
void callers_view_free(struct callers_view *cv);

/* Centre on the function of src's frame, after the one shown (Backspace
 * comes back to it) or instead of everything (fresh). 0, or -1 when out
 * of memory. */
int callers_view_focus(struct callers_view *cv, const struct outline_src *src, uint32_t frame,
                       int fresh);

/* Compute it again from a new snapshot. 0, or -1 when out of memory. */
int callers_view_update(struct callers_view *cv, const struct outline_src *src);

void callers_view_draw(struct callers_view *cv, const struct outline_src *src, struct screen *s,
                       int first, int rows, int cols);

enum callers_key {
    CALLERS_KEY_NONE,  /* used (or ignored): redraw */
    CALLERS_KEY_OTHER, /* not a key of this view: the live view's */
    CALLERS_KEY_BACK,  /* back out of the first function: to the table */
};

/* React to a key; -1 when out of memory. */
int callers_view_key(struct callers_view *cv, const struct outline_src *src, int key);

/* The frame of the function shown, CT_NONE when it has no row now. */
uint32_t callers_view_frame(const struct callers_view *cv, const struct outline_src *src);

#endif
