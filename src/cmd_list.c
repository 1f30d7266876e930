/*
 * cmd_list: `pytop list [--all]`, a table of the Python processes with the
 * role of each in a uvicorn or gunicorn server.
 *
 * The rows come from proc/pyprocs. CPU % needs two looks at the process
 * table: the first is taken and every process is probed for Python, and
 * the second look comes at least LIST_CPU_INTERVAL_MS after the first (the
 * probing usually fills most of that time).
 */
#include "config.h"
#include "commands.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "proc/pyprocs.h"
#include "proc/roles.h"
#include "remote/access.h"
#include "util.h"

#define LIST_CPU_INTERVAL_MS 300

/* One printed line, as text. */
struct list_row {
    char pid[16], ppid[16], nspid[16], cpu[16], rss[16], threads[16];
    const char *container, *role, *ports, *python;
    char *command; /* borrowed from the pyprocs row; cut to the terminal */
};

enum list_col {
    COL_PID,
    COL_PPID,
    COL_NSPID,
    COL_CONTAINER,
    COL_ROLE,
    COL_PORTS,
    COL_PYTHON,
    COL_CPU,
    COL_RSS,
    COL_THREADS,
    COL_COUNT
};

static const char *const list_headers[COL_COUNT] = {
    "PID", "PPID", "NSPID", "CONTAINER", "ROLE", "PORTS", "PYTHON", "CPU%", "RSS", "THREADS"};
static const int list_right_aligned[COL_COUNT] = {1, 1, 1, 0, 0, 0, 0, 1, 1, 1};

static double list_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Cut a UTF-8 string to at most cols characters. */
static void list_truncate(char *s, size_t cols)
{
    size_t chars = 0;
    for (char *c = s; *c; c++) {
        if (((unsigned char)*c & 0xC0) == 0x80)
            continue; /* a continuation byte */
        if (chars++ == cols) {
            *c = '\0';
            return;
        }
    }
}

static const char *list_cell(const struct list_row *r, enum list_col c)
{
    switch (c) {
    case COL_PID:
        return r->pid;
    case COL_PPID:
        return r->ppid;
    case COL_NSPID:
        return r->nspid;
    case COL_CONTAINER:
        return r->container;
    case COL_ROLE:
        return r->role;
    case COL_PORTS:
        return r->ports;
    case COL_PYTHON:
        return r->python;
    case COL_CPU:
        return r->cpu;
    case COL_RSS:
        return r->rss;
    case COL_THREADS:
        return r->threads;
    case COL_COUNT:
        break;
    }
    return "";
}

/* One line; command cut to command_cols characters unless that is 0. A
 * column of width 0 is not shown. */
static void list_print_line(FILE *out, const int *width, const char *const *cells, char *command,
                            size_t command_cols)
{
    if (command_cols > 0)
        list_truncate(command, command_cols);
    for (int c = 0; c < COL_COUNT; c++)
        if (width[c] > 0)
            fprintf(out, list_right_aligned[c] ? "%*s  " : "%-*s  ", width[c], cells[c]);
    fprintf(out, "%s\n", command);
}

/* The terminal's width when stdout is one, else 0 (no truncation). */
static size_t list_terminal_width(void)
{
    struct winsize ws;
    if (!isatty(STDOUT_FILENO) || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0)
        return 0;
    return ws.ws_col;
}

static int list_print(const struct list_row *rows, size_t n, struct pt_error *err)
{
    int width[COL_COUNT];
    /* The container's columns only when some process is in one: most
     * machines have none, and their list keeps its width. */
    int contained = 0;
    for (size_t i = 0; i < n; i++)
        contained |= strcmp(rows[i].nspid, "-") != 0 || strcmp(rows[i].container, "-") != 0;
    for (int c = 0; c < COL_COUNT; c++) {
        width[c] = (int)strlen(list_headers[c]);
        for (size_t i = 0; i < n; i++) {
            int w = (int)strlen(list_cell(&rows[i], (enum list_col)c));
            if (w > width[c])
                width[c] = w;
        }
        if (!contained && (c == COL_NSPID || c == COL_CONTAINER))
            width[c] = 0;
    }
    size_t command_cols = 0, term = list_terminal_width();
    if (term > 0) {
        size_t used = 0;
        for (int c = 0; c < COL_COUNT; c++)
            used += width[c] > 0 ? (size_t)width[c] + 2 : 0;
        command_cols = term > used + 8 ? term - used : 8;
    }
    char header[] = "COMMAND";
    list_print_line(stdout, width, list_headers, header, command_cols);
    for (size_t i = 0; i < n; i++) {
        const char *cells[COL_COUNT];
        for (int c = 0; c < COL_COUNT; c++)
            cells[c] = list_cell(&rows[i], (enum list_col)c);
        list_print_line(stdout, width, cells, rows[i].command, command_cols);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        if (errno == EPIPE)
            return 0; /* `pytop list | head`: the reader has all it wanted */
        return pt_error_sys(err, PT_E_IO, errno, "cannot write the process list: %s",
                            strerror(errno));
    }
    return 0;
}

int cmd_list(const struct options *opt, struct pt_error *err)
{
    double start = list_now();
    struct pyprocs p;
    if (pyprocs_init(&p, err) != 0)
        return -1;
    double elapsed_ms = (list_now() - start) * 1000;
    if (elapsed_ms < LIST_CPU_INTERVAL_MS) {
        long ns = (long)((LIST_CPU_INTERVAL_MS - elapsed_ms) * 1e6);
        struct timespec ts = {ns / 1000000000L, ns % 1000000000L};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
    }
    if (pyprocs_refresh(&p, opt->all, err) != 0) {
        pyprocs_free(&p);
        return -1;
    }
    struct list_row *rows = calloc(p.n ? p.n : 1, sizeof *rows);
    if (rows == NULL) {
        pyprocs_free(&p);
        return pt_error_set(err, PT_E_NOMEM, "out of memory listing processes");
    }
    for (size_t i = 0; i < p.n; i++) {
        const struct pyproc *pp = &p.v[i];
        struct list_row *r = &rows[i];
        snprintf(r->pid, sizeof r->pid, "%d", (int)pp->pid);
        snprintf(r->ppid, sizeof r->ppid, "%d", (int)pp->ppid);
        if (pp->container.nspid > 0)
            snprintf(r->nspid, sizeof r->nspid, "%d", (int)pp->container.nspid);
        else
            str_copy(r->nspid, sizeof r->nspid, "-");
        r->container = pp->container.name[0] ? pp->container.name : "-";
        r->role = roles_name(pp->role);
        r->ports = pp->ports;
        r->python = pp->python;
        snprintf(r->cpu, sizeof r->cpu, "%.1f", pp->cpu_pct);
        pyprocs_format_rss(pp->rss_kib, r->rss, sizeof r->rss);
        snprintf(r->threads, sizeof r->threads, "%d", pp->threads);
        r->command = pp->command;
    }
    int rc = list_print(rows, p.n, err);
    if (rc == 0 && p.hidden > 0) {
        /* The first one's reason is told: it is most often every one's,
         * since it lies on pytop's side (its user, capabilities, Yama). */
        struct pt_error why;
        access_refused(p.hidden_pid, &why);
        fprintf(stderr, "pytop: note: %zu Python process%s not shown: %s\n", p.hidden,
                p.hidden == 1 ? "" : "es", why.msg);
    }
    free(rows);
    pyprocs_free(&p);
    return rc;
}
