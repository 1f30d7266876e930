/*
 * tui/view: the live view's model and its drawing.
 *
 * The model is what the screen shows: a header about the target, the
 * function table (funcstats rows, filtered and sorted through an index,
 * with a selection that follows its function across refreshes), a status
 * line, a banner when the target is gone, the help screen and a text view
 * (the stack snapshot). view_key() turns a key into a change of the model
 * or an action the caller carries out (save, reset, toggles that need the
 * sampler). Everything draws through tui/screen, so a memory screen
 * renders it for tests and benchmarks.
 */
#ifndef PYTOP_TUI_VIEW_H
#define PYTOP_TUI_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "calltree.h"
#include "funcstats.h"
#include "tui/callers.h"
#include "tui/endpoints.h"
#include "tui/flame.h"
#include "tui/names.h"
#include "tui/outline.h"
#include "tui/screen.h"
#include "tui/tree.h"

enum view_col {
    VIEW_COL_OWN_PCT,
    VIEW_COL_TOTAL_PCT,
    VIEW_COL_OWN_TIME,
    VIEW_COL_TOTAL_TIME,
    VIEW_COL_FUNCTION,
    VIEW_NCOLS
};

/* What the header says; filled by the caller about once a second.
 * Negative numbers are unknown and not shown. */
struct view_header {
    char target[512];    /* "PID 42 (python3 app.py)" */
    char role[96];       /* "uvicorn worker 2/4" */
    char python[64];     /* "Python 3.12.1" */
    char container[300]; /* "PID 1 in web-1": where it runs, if not pytop's */
    double rate, achieved, elapsed;
    uint64_t samples, lost;
    int threads_running, threads_total;
    double cpu_pct;
    long rss_kib;
    double gil_pct;
    double pause_us; /* --blocking / --native: mean pause per sample; < 0 none */
    int tasks;       /* asyncio tasks at the last tick; < 0: --async is off */
};

enum view_mode {
    VIEW_TABLE,
    VIEW_HELP,
    VIEW_TEXT,
    VIEW_MODE_ENDPOINTS,
    VIEW_MODE_TREE,    /* T: the call tree */
    VIEW_MODE_CALLERS, /* Enter on a function: its callers and callees */
    VIEW_MODE_FLAME,   /* F: the flamegraph in the terminal */
};

/* What a key asks of the caller. */
enum view_action {
    VIEW_NONE, /* nothing to do (maybe a redraw) */
    VIEW_QUIT,
    VIEW_SAVE,   /* save a flamegraph */
    VIEW_RESET,  /* reset the statistics */
    VIEW_LINES,  /* toggle function / line aggregation (v->by_line flipped) */
    VIEW_IDLE,   /* toggle idle samples */
    VIEW_WINDOW, /* toggle the window (v->window flipped) */
    VIEW_THREADS,
    VIEW_PICKER,
    VIEW_STACKS,
    VIEW_FREEZE,    /* v->frozen flipped */
    VIEW_NATIVE,    /* v->native_hidden flipped */
    VIEW_ASYNC,     /* toggle asyncio tasks (A) */
    VIEW_ENDPOINTS, /* the endpoint table is shown (e): requests must be tracked */
    VIEW_ENDPOINT,  /* v->endpoint changed: the table is of that endpoint only ("" all) */
};

struct view_layout {
    int x[VIEW_NCOLS], w[VIEW_NCOLS]; /* w == 0: not shown */
};

struct view_sort_key;

struct view {
    struct funcstats fs; /* the rows; strings borrowed from the caller's tree */
    /* Indexes into fs.v: the filtered rows. Only order[sorted_lo..sorted_hi)
     * is in sort order (the rows on screen and the selection); the rows
     * before it rank above it and those after below, in no order. */
    size_t *order;
    size_t norder, order_cap;
    size_t sorted_lo, sorted_hi;
    struct view_sort_key *keys; /* order's sort keys, position by position */
    enum view_col sort;
    int reverse;
    char filter[128];
    int editing; /* typing the filter */
    size_t selected, top;
    char sel_name[256], sel_file[512]; /* the selected row, across refreshes */
    /* The next rows are another set of samples (an endpoint's, or every
     * one again): they start at the top, not at the old selection. */
    int selection_reset;
    enum view_mode mode;
    char status[1024];
    unsigned status_seq; /* advanced by every view_status */
    char banner[512];    /* "" = none */
    char *text_buf;      /* VIEW_TEXT: the text shown, owned */
    const char **text;   /* its lines, into text_buf */
    size_t ntext, text_top;
    char text_title[256];
    double rate; /* samples per second: times = samples / rate */
    int by_line, window, idle, frozen;
    int gil_only, blocking; /* shown in the header: what -g and --blocking ask */
    int native;             /* sampled with -n: the n key shows / hides native frames */
    int native_hidden;
    char threads[64]; /* "all", "thread 123" */
    struct view_header h;
    int page;               /* table rows shown by the last draw */
    struct endpoints eps;   /* VIEW_ENDPOINTS: the endpoint table */
    char endpoint[RQ_NAME]; /* the function table of this endpoint only; "" all */
    /* The tree the rows were computed from, for the call tree and the
     * callers view, and per frame of it what those read (outline_src). */
    const struct calltree *tree;
    struct calltree own_tree;
    int owns_tree;
    uint32_t *frame_as;
    uint64_t *frame_key;
    struct ct_frame *frame_seen; /* what each key was hashed from (strings not owned) */
    size_t frames_cap;
    int frames_ready;
    int rows_stale; /* rows set while a tree view showed: not filtered nor sorted yet */
    struct tree_view tv;
    struct callers_view cv;
    struct flame_view flame;
    enum view_mode cv_back;   /* where the callers view goes back to */
    enum view_mode help_back; /* where the help goes back to */
};

void view_init(struct view *v, double rate);
void view_free(struct view *v);

/* Replace the rows with fs (taken over; the old ones are freed), keep the
 * selection on the same function, re-filter and re-sort. */
void view_set_rows(struct view *v, struct funcstats *fs);

/* The call tree the next rows (view_set_rows) are computed from: taken
 * over when take, else borrowed until the next call; NULL for none. */
void view_set_tree(struct view *v, struct calltree *tree, int take);

/* Re-apply the filter and the sort order to the rows. */
void view_update(struct view *v);

/* Show text (a malloc'd string, taken over: freed even on failure) in the
 * text view, titled, a line per line. 0, or -1 when out of memory. */
int view_show_text(struct view *v, const char *title, char *text);

/* React to a key (see screen_key). */
enum view_action view_key(struct view *v, int key);

/* printf into the status line. */
void view_status(struct view *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void view_draw(struct view *v, struct screen *s);

/* Pure parts, for tests. */
void view_layout(int cols, struct view_layout *l);
/* Whether row f passes the filter (function, file or module, ignoring case). */
int view_matches(const struct func_stat *f, const char *filter);
/* The column titles. */
const char *view_col_title(enum view_col c);

#endif
