/*
 * tui/picker: the process picker. See picker.h.
 */
#include "config.h"
#include "tui/picker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc/container.h"
#include "util.h"

enum picker_col {
    PC_PID,
    PC_PPID,
    PC_CONTAINER,
    PC_ROLE,
    PC_PORTS,
    PC_PYTHON,
    PC_CPU,
    PC_RSS,
    PC_THREADS,
    PC_N
};

static const char *const col_titles[PC_N] = {"PID",    "PPID", "CONTAINER", "ROLE",   "PORTS",
                                             "PYTHON", "CPU%", "RSS",       "THREADS"};
static const int col_right[PC_N] = {1, 1, 0, 0, 0, 0, 1, 1, 1};
/* Columns given up first when the terminal is narrow. */
static const enum picker_col drop_order[] = {PC_THREADS, PC_PPID, PC_RSS, PC_PORTS, PC_CONTAINER};

#define PICKER_CONTAINER_COLS 24 /* the widest CONTAINER cell */
#define PICKER_TOP_ROWS       4  /* title, hint, status, column titles */
/* Before the columns: '>' on the selected row (visible without colours
 * too), '*' on the process profiled now, and a space. */
#define PICKER_MARK_COLS 3

void picker_init(struct picker *p, const struct pyprocs *procs)
{
    memset(p, 0, sizeof *p);
    p->procs = procs;
    snprintf(p->title, sizeof p->title, "Python processes");
}

void picker_free(struct picker *p)
{
    free(p->rows);
    free(p->only);
    memset(p, 0, sizeof *p);
}

int picker_restrict(struct picker *p, const pid_t *pids, size_t n)
{
    pid_t *v = NULL;
    if (n > 0) {
        v = malloc(n * sizeof *v);
        if (v == NULL)
            return -1;
        memcpy(v, pids, n * sizeof *v);
    }
    free(p->only);
    p->only = v;
    p->nonly = n;
    return 0;
}

static int listed(const struct picker *p, const struct pyproc *r)
{
    if (r->role == ROLE_NONE)
        return 0;
    if (p->nonly == 0)
        return 1;
    for (size_t i = 0; i < p->nonly; i++)
        if (p->only[i] == r->pid)
            return 1;
    return 0;
}

void picker_update(struct picker *p)
{
    const struct pyprocs *pp = p->procs;
    if (vec_reserve((void **)&p->rows, &p->rows_cap, sizeof *p->rows, pp->n ? pp->n : 1) != 0) {
        p->nrows = 0; /* the old rows index the old table */
        return;
    }
    p->nrows = 0;
    for (size_t i = 0; i < pp->n; i++)
        if (listed(p, &pp->v[i]))
            p->rows[p->nrows++] = i;
    /* Follow the selected process; if it is gone, stay at its place. */
    for (size_t k = 0; k < p->nrows; k++)
        if (pp->v[p->rows[k]].pid == p->sel_pid) {
            p->selected = k;
            return;
        }
    if (p->selected >= p->nrows)
        p->selected = p->nrows ? p->nrows - 1 : 0;
    p->sel_pid = p->nrows ? pp->v[p->rows[p->selected]].pid : 0;
}

void picker_select_busiest(struct picker *p)
{
    const struct pyprocs *pp = p->procs;
    size_t best = 0;
    int found = 0;
    for (size_t k = 0; k < p->nrows; k++) {
        const struct pyproc *r = &pp->v[p->rows[k]];
        if (r->role != ROLE_UVICORN_WORKER && r->role != ROLE_GUNICORN_WORKER)
            continue;
        if (!found || r->cpu_pct > pp->v[p->rows[best]].cpu_pct)
            best = k;
        found = 1;
    }
    p->selected = best;
    p->sel_pid = p->nrows ? pp->v[p->rows[best]].pid : 0;
}

const struct pyproc *picker_selected(const struct picker *p)
{
    if (p->selected >= p->nrows)
        return NULL;
    return &p->procs->v[p->rows[p->selected]];
}

static int is_worker(enum role r)
{
    return r == ROLE_UVICORN_WORKER || r == ROLE_GUNICORN_WORKER;
}

ssize_t picker_server(const struct picker *p, pid_t **out, pid_t *master)
{
    const struct pyproc *sel = picker_selected(p);
    *out = NULL;
    *master = 0;
    if (sel == NULL)
        return 0;
    const struct pyprocs *pp = p->procs;
    pid_t m = sel->master;
    size_t n = 0;
    pid_t *v = malloc((pp->n ? pp->n : 1) * sizeof *v);
    if (v == NULL)
        return -1;
    if (m != 0)
        for (size_t i = 0; i < pp->n; i++)
            if (is_worker(pp->v[i].role) && pp->v[i].master == m)
                v[n++] = pp->v[i].pid;
    if (n == 0) {
        v[n++] = sel->pid; /* not a server, or a master without workers */
        m = 0;
    }
    *out = v;
    *master = m;
    return (ssize_t)n;
}

static void move(struct picker *p, long delta)
{
    if (p->nrows == 0)
        return;
    long s = (long)p->selected + delta;
    if (s < 0)
        s = 0;
    if (s >= (long)p->nrows)
        s = (long)p->nrows - 1;
    p->selected = (size_t)s;
    p->sel_pid = p->procs->v[p->rows[p->selected]].pid;
}

enum picker_action picker_key(struct picker *p, int key)
{
    long page = p->page > 1 ? p->page : 1;
    if (key == SCREEN_KEY_UP || key == 'k')
        move(p, -1);
    else if (key == SCREEN_KEY_DOWN || key == 'j')
        move(p, 1);
    else if (key == SCREEN_KEY_PPAGE)
        move(p, -page);
    else if (key == SCREEN_KEY_NPAGE)
        move(p, page);
    else if (key == SCREEN_KEY_HOME)
        move(p, -(long)p->nrows);
    else if (key == SCREEN_KEY_END)
        move(p, (long)p->nrows);
    else if (key == '\n' || key == '\r' || key == SCREEN_KEY_ENTER)
        return p->nrows ? PICKER_PICK : PICKER_NONE;
    else if (key == 'a')
        return p->nrows ? PICKER_ALL : PICKER_NONE;
    else if (key == SCREEN_KEY_ESC || key == 'p')
        return p->can_cancel ? PICKER_CANCEL : PICKER_NONE;
    else if (key == 'q' || key == SCREEN_KEY_F10 || key == SCREEN_KEY_SIGNAL)
        return PICKER_QUIT;
    return PICKER_NONE;
}

/* ---- drawing ---------------------------------------------------------- */

static void cell(const struct pyproc *r, enum picker_col c, char *buf, size_t size)
{
    switch (c) {
    case PC_PID:
        snprintf(buf, size, "%d", (int)r->pid);
        break;
    case PC_PPID:
        snprintf(buf, size, "%d", (int)r->ppid);
        break;
    case PC_CONTAINER: {
        char text[sizeof r->container.name + 32];
        container_format(&r->container, text, sizeof text);
        /* A root's path can be long, and its end tells it: the command
         * keeps its room. */
        size_t len = strlen(text);
        if (len > PICKER_CONTAINER_COLS) {
            const char *tail = text + len - (PICKER_CONTAINER_COLS - 1);
            while (((unsigned char)*tail & 0xC0) == 0x80)
                tail++; /* not inside a UTF-8 sequence */
            snprintf(buf, size, "\u2026%s", tail);
        } else
            snprintf(buf, size, "%s", text);
        break;
    }
    case PC_ROLE:
        if (is_worker(r->role) && r->worker_count > 0)
            snprintf(buf, size, "%s %d/%d", roles_name(r->role), r->worker_index, r->worker_count);
        else
            snprintf(buf, size, "%s", roles_name(r->role));
        break;
    case PC_PORTS:
        snprintf(buf, size, "%s", r->ports);
        break;
    case PC_PYTHON:
        snprintf(buf, size, "%s", r->python);
        break;
    case PC_CPU:
        snprintf(buf, size, "%.1f", r->cpu_pct);
        break;
    case PC_RSS:
        pyprocs_format_rss(r->rss_kib, buf, size);
        break;
    case PC_THREADS:
        snprintf(buf, size, "%d", r->threads);
        break;
    case PC_N:
        buf[0] = '\0';
        break;
    }
}

/* Column widths (0: dropped) for cols terminal columns; returns where the
 * command starts. Column 0 is the current-target mark. */
static int layout(const struct picker *p, int cols, int *w)
{
    char buf[128];
    /* The container's column only when some process is in one. */
    int contained = 0;
    for (size_t k = 0; k < p->nrows; k++) {
        const struct pyproc *r = &p->procs->v[p->rows[k]];
        contained |= r->container.nspid > 0 || r->container.name[0] != '\0';
    }
    for (int c = 0; c < PC_N; c++) {
        w[c] = screen_width(col_titles[c]);
        for (size_t k = 0; k < p->nrows; k++) {
            cell(&p->procs->v[p->rows[k]], (enum picker_col)c, buf, sizeof buf);
            int cw = screen_width(buf);
            if (cw > w[c])
                w[c] = cw;
        }
        if (c == PC_CONTAINER && !contained)
            w[c] = 0;
    }
    for (size_t d = 0;; d++) {
        int used = PICKER_MARK_COLS;
        for (int c = 0; c < PC_N; c++)
            used += w[c] ? w[c] + 1 : 0;
        if (cols - used >= 24 || d == sizeof drop_order / sizeof drop_order[0])
            return used;
        w[drop_order[d]] = 0;
    }
}

static void draw_row(struct screen *s, int row, int cols, const int *w, int cmd_x, int attr,
                     const char *mark, const char *const *cells, const char *command)
{
    screen_text(s, row, 0, attr, "", cols);
    screen_text(s, row, 0, attr, mark, PICKER_MARK_COLS - 1);
    int x = PICKER_MARK_COLS;
    for (int c = 0; c < PC_N; c++) {
        if (w[c] == 0)
            continue;
        int cw = screen_width(cells[c]);
        int pad = col_right[c] && cw < w[c] ? w[c] - cw : 0;
        if (x + pad < cols)
            screen_text(s, row, x + pad, attr, cells[c], w[c] - pad);
        x += w[c] + 1;
    }
    if (cmd_x < cols)
        screen_text(s, row, cmd_x, attr, command, cols - cmd_x);
}

void picker_draw(struct picker *p, struct screen *s)
{
    int rows, cols;
    screen_size(s, &rows, &cols);
    if (rows <= 0 || cols <= 0)
        return;
    char line[512];
    if (p->nonly > 0)
        snprintf(line, sizeof line, "pytop \u2014 %s", p->title);
    else
        snprintf(line, sizeof line, "pytop \u2014 %s (%zu)", p->title, p->nrows);
    screen_text(s, 0, 0, SA_BOLD, line, cols);
    screen_text(s, 1, 0, SA_DIM,
                "Enter: profile the selected process \u00b7 a: every worker of its server", cols);
    screen_text(s, 2, 0, SA_STATUS, p->status, cols);
    int w[PC_N];
    int cmd_x = layout(p, cols, w);
    draw_row(s, PICKER_TOP_ROWS - 1, cols, w, cmd_x, SA_TITLE, "", col_titles, "COMMAND");
    int body = rows - PICKER_TOP_ROWS - 1;
    if (body < 1)
        body = 1;
    p->page = body;
    if (p->selected < p->top)
        p->top = p->selected;
    if (p->selected >= p->top + (size_t)body)
        p->top = p->selected - (size_t)body + 1;
    for (int r = 0; r < body; r++) {
        int row = PICKER_TOP_ROWS + r;
        size_t k = p->top + (size_t)r;
        if (k >= p->nrows) {
            screen_text(s, row, 0, SA_NORMAL, k == 0 && r == 0 ? "  no Python process found" : "",
                        cols);
            continue;
        }
        const struct pyproc *pr = &p->procs->v[p->rows[k]];
        char bufs[PC_N][128];
        const char *cells[PC_N];
        for (int c = 0; c < PC_N; c++) {
            cell(pr, (enum picker_col)c, bufs[c], sizeof bufs[c]);
            cells[c] = bufs[c];
        }
        int attr = k == p->selected ? SA_SELECTED : pr->supported ? SA_NORMAL : SA_DIM;
        char mark[3] = {k == p->selected ? '>' : ' ', pr->pid == p->current ? '*' : ' ', '\0'};
        draw_row(s, row, cols, w, cmd_x, attr, mark, cells, pr->command);
    }
    if (rows > PICKER_TOP_ROWS + 1) {
        static const char *const keys[][2] = {
            {"Enter", "Profile"}, {"a", "All workers"}, {"\u2191\u2193", "Move"},
            {"Esc", "Back"},      {"q", "Quit"},
        };
        int x = 0;
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
            if (i == 3 && !p->can_cancel)
                continue;
            int kw = screen_width(keys[i][0]), lw = screen_width(keys[i][1]) + 1;
            if (x + kw + lw > cols)
                break;
            screen_text(s, rows - 1, x, SA_KEY, keys[i][0], kw);
            screen_text(s, rows - 1, x + kw, SA_KEYLABEL, keys[i][1], lw);
            x += kw + lw;
        }
        if (x < cols)
            screen_text(s, rows - 1, x, SA_KEYLABEL, "", cols - x);
    }
    screen_refresh(s);
}
