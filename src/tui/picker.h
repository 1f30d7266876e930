/*
 * tui/picker: the live view's process picker.
 *
 * A table of Python processes (from proc/pyprocs, refreshed by the caller
 * about once a second) with a selection that stays on its process across
 * refreshes. It opens when `pytop` is started without a target, when a
 * port is held by a server's master and workers (then only those are
 * listed, the busiest worker selected) and on the `p` key. Enter picks the
 * selected process, `a` every worker of its server; what happens then is
 * the caller's business. Draws through tui/screen like the view.
 */
#ifndef PYTOP_TUI_PICKER_H
#define PYTOP_TUI_PICKER_H

#include <stddef.h>
#include <sys/types.h>

#include "proc/pyprocs.h"
#include "tui/screen.h"

enum picker_action {
    PICKER_NONE,
    PICKER_PICK,   /* profile the selected process */
    PICKER_ALL,    /* profile every worker of the selected process's server */
    PICKER_CANCEL, /* back to the view (only when there is one) */
    PICKER_QUIT,
};

struct picker {
    const struct pyprocs *procs; /* borrowed; the caller refreshes it */
    size_t *rows;                /* indexes into procs->v, the rows shown */
    size_t nrows, rows_cap;
    pid_t *only; /* list only these processes (a port's holders); owned */
    size_t nonly;
    pid_t sel_pid; /* the selected process, across refreshes */
    size_t selected, top;
    int page;
    pid_t current;   /* the process profiled now, marked; 0 if none */
    int can_cancel;  /* Esc returns to a view */
    char title[256]; /* "Python processes", "Port 8000: ..." */
    char status[512];
};

void picker_init(struct picker *p, const struct pyprocs *procs);
void picker_free(struct picker *p);

/* List only pids[0..n) from now on (n == 0: every Python process).
 * 0, or -1 when out of memory. */
int picker_restrict(struct picker *p, const pid_t *pids, size_t n);

/* Rebuild the rows after the caller refreshed procs; the selection stays
 * on its process (or the nearest row if it is gone). */
void picker_update(struct picker *p);

/* Select the worker with the highest CPU % (the first row when there is
 * no worker). */
void picker_select_busiest(struct picker *p);

/* The selected row, NULL when the list is empty. */
const struct pyproc *picker_selected(const struct picker *p);

/* For `a`: the workers of the selected process's server (its master's
 * workers, or a master's own), into a malloc'd array; *master is their
 * master. A process that is not part of a server gives just itself and
 * *master = 0. The count, 0 when nothing is selected, -1 out of memory. */
ssize_t picker_server(const struct picker *p, pid_t **out, pid_t *master);

enum picker_action picker_key(struct picker *p, int key);

void picker_draw(struct picker *p, struct screen *s);

#endif
