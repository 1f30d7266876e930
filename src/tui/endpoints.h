/*
 * tui/endpoints: the live view's endpoint table (the e key): one row per
 * endpoint the request tracker has seen, with its requests, those in
 * flight, its shares of CPU and wall samples, and the durations observed
 * from outside. The selection follows its endpoint across refreshes.
 */
#ifndef PYTOP_TUI_ENDPOINTS_H
#define PYTOP_TUI_ENDPOINTS_H

#include <stddef.h>

#include "requests.h"
#include "tui/screen.h"

enum ep_col {
    EP_COL_REQUESTS,
    EP_COL_IN_FLIGHT,
    EP_COL_CPU,
    EP_COL_WALL,
    EP_COL_P50,
    EP_COL_P95,
    EP_COL_MAX,
    EP_COL_SLOW,
    EP_COL_NAME,
    EP_NCOLS
};

struct endpoints {
    struct rq_table t;
    size_t selected, top;
    char sel_name[RQ_NAME]; /* the selected endpoint, across refreshes */
    int page;               /* rows shown by the last draw */
    double period;          /* seconds between samples: the durations' resolution */
};

void endpoints_init(struct endpoints *e, double rate);
void endpoints_free(struct endpoints *e);

/* Replace the rows with t (taken over), keeping the selection on the
 * same endpoint. */
void endpoints_set(struct endpoints *e, struct rq_table *t);

/* The selected endpoint's name, or NULL when there is none. */
const char *endpoints_selected(const struct endpoints *e);

/* Move the selection by delta rows (clamped). */
void endpoints_move(struct endpoints *e, long delta);

/* Draw the column titles at row first and the rows under them, rows
 * lines in all, then a note on what the figures are at row note (< 0:
 * none). */
void endpoints_draw(struct endpoints *e, struct screen *s, int first, int rows, int cols, int note);

#endif
