/*
 * cmd_list: `pytop list [--all]`, a table of the Python processes with the
 * role of each in a uvicorn or gunicorn server.
 *
 * CPU % needs two looks at the process table: the first is taken, every
 * process is probed for Python and its sockets are mapped, and the second
 * look comes at least LIST_CPU_INTERVAL_MS after the first (the probing
 * usually fills most of that time).
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

#include "proc/ports.h"
#include "proc/proc.h"
#include "proc/roles.h"
#include "python/version.h"

#define LIST_CPU_INTERVAL_MS 300
#define LIST_MAX_PORTS       8

/* What python_probe said about one pid. */
struct list_probe {
    pid_t pid;
    enum pt_code code; /* PT_OK, PT_E_NOTPYTHON, PT_E_PERM, ... */
    char version[32];  /* "3.12.1", "?" if unknown */
};

/* One printed line, as text. */
struct list_row {
    char pid[16], ppid[16], ports[64], cpu[16], rss[16], threads[16];
    const char *role, *python;
    char *command; /* owned */
};

enum list_col {
    COL_PID,
    COL_PPID,
    COL_ROLE,
    COL_PORTS,
    COL_PYTHON,
    COL_CPU,
    COL_RSS,
    COL_THREADS,
    COL_COUNT
};

static const char *const list_headers[COL_COUNT] = {"PID",    "PPID", "ROLE", "PORTS",
                                                    "PYTHON", "CPU%", "RSS",  "THREADS"};
static const int list_right_aligned[COL_COUNT] = {1, 1, 0, 0, 0, 1, 1, 1};

static double list_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int list_cmp_probe(const void *a, const void *b)
{
    pid_t x = ((const struct list_probe *)a)->pid, y = ((const struct list_probe *)b)->pid;
    return (x > y) - (x < y);
}

static int list_probe_is_python(enum pt_code code)
{
    /* An unsupported version, or a version we could not read, is still Python. */
    return code == PT_OK || code == PT_E_UNSUPPORTED || code == PT_E_READ;
}

static void list_probe_one(pid_t pid, struct list_probe *p)
{
    struct py_version ver = {0};
    struct pt_error e = {0};
    p->pid = pid;
    p->code = python_probe(pid, &ver, NULL, &e) == 0 ? PT_OK : e.code;
    if ((p->code == PT_OK || p->code == PT_E_UNSUPPORTED) && ver.major > 0)
        py_version_format(&ver, p->version, sizeof p->version);
    else
        snprintf(p->version, sizeof p->version, "%s", list_probe_is_python(p->code) ? "?" : "-");
}

/* Whether the table lists this process at all (--all or not). */
static int list_visible(const struct proc_info *p)
{
    return !p->kthread && p->state != 'Z' && p->state != 'X' && p->pid != getpid();
}

/* Probe every visible process of t; sorted by pid. */
static struct list_probe *list_probe_all(const struct proc_table *t, size_t *n)
{
    struct list_probe *v = calloc(t->n ? t->n : 1, sizeof *v);
    if (v == NULL)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < t->n; i++)
        if (list_visible(&t->v[i]))
            list_probe_one(t->v[i].pid, &v[k++]);
    *n = k; /* t->v is in pid order: so is v */
    return v;
}

/* The probe of pid, probing it now if it is new since the first look. */
static struct list_probe list_probe_of(const struct list_probe *v, size_t n, pid_t pid)
{
    struct list_probe key = {.pid = pid};
    const struct list_probe *p = bsearch(&key, v, n, sizeof key, list_cmp_probe);
    if (p != NULL)
        return *p;
    list_probe_one(pid, &key);
    return key;
}

/* "512K", "45.2M", "1.3G". */
static void list_format_rss(unsigned long kib, char *buf, size_t size)
{
    if (kib < 1024)
        snprintf(buf, size, "%luK", kib);
    else if (kib < 1024UL * 1024)
        snprintf(buf, size, "%.1fM", (double)kib / 1024);
    else
        snprintf(buf, size, "%.1fG", (double)kib / (1024.0 * 1024));
}

static void list_format_ports(const struct ports_map *m, pid_t pid, char *buf, size_t size)
{
    int ports[LIST_MAX_PORTS];
    size_t n = ports_map_ports_of(m, pid, ports, LIST_MAX_PORTS);
    size_t len = 0;
    snprintf(buf, size, "-");
    for (size_t i = 0; i < n && i < LIST_MAX_PORTS && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s%d", i ? "," : "", ports[i]);
    if (n > LIST_MAX_PORTS && len < size)
        snprintf(buf + len, size - len, ",...");
}

/* The command line for a terminal: control characters become '?'. */
static char *list_command(const struct proc_info *p)
{
    const char *src = p->cmdline[0] ? p->cmdline : p->comm;
    size_t len = strlen(src);
    char *s = malloc(len + 3);
    if (s == NULL)
        return NULL;
    if (p->cmdline[0])
        memcpy(s, src, len + 1);
    else
        snprintf(s, len + 3, "[%s]", src); /* no command line: the kernel's name, as ps */
    for (char *c = s; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?';
    return s;
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

/* One line; command cut to command_cols characters unless that is 0. */
static void list_print_line(FILE *out, const int *width, const char *const *cells, char *command,
                            size_t command_cols)
{
    if (command_cols > 0)
        list_truncate(command, command_cols);
    for (int c = 0; c < COL_COUNT; c++)
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
    for (int c = 0; c < COL_COUNT; c++) {
        width[c] = (int)strlen(list_headers[c]);
        for (size_t i = 0; i < n; i++) {
            int w = (int)strlen(list_cell(&rows[i], (enum list_col)c));
            if (w > width[c])
                width[c] = w;
        }
    }
    size_t command_cols = 0, term = list_terminal_width();
    if (term > 0) {
        size_t used = 0;
        for (int c = 0; c < COL_COUNT; c++)
            used += (size_t)width[c] + 2;
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

/* Whether a process we may not read looks like Python by its command line. */
static int list_looks_python(const struct proc_info *p)
{
    const char *base = strrchr(p->comm, '/');
    base = base ? base + 1 : p->comm;
    return strncmp(base, "python", 6) == 0 || roles_program(p->cmdline) != ROLES_PROG_OTHER;
}

/* The rows of the table, in display order. */
static int list_build_rows(const struct proc_table *t, const struct roles_proc *roles,
                           const struct list_probe *probes, const struct ports_map *m, int all,
                           struct list_row **out, size_t *nout, size_t *hidden)
{
    size_t *order = malloc((t->n ? t->n : 1) * sizeof *order);
    struct list_row *rows = calloc(t->n ? t->n : 1, sizeof *rows);
    if (order == NULL || rows == NULL || roles_order(roles, t->n, order) != 0) {
        free(order);
        free(rows);
        return -1;
    }
    size_t n = 0;
    for (size_t k = 0; k < t->n; k++) {
        size_t i = order[k];
        const struct proc_info *p = &t->v[i];
        const struct list_probe *pr = &probes[i];
        if (!list_visible(p) || pr->code == PT_E_NOPROC)
            continue;
        if (pr->code == PT_E_PERM) {
            *hidden += list_looks_python(p);
            continue;
        }
        if (!all && !roles[i].is_python)
            continue;
        struct list_row *r = &rows[n];
        snprintf(r->pid, sizeof r->pid, "%d", (int)p->pid);
        snprintf(r->ppid, sizeof r->ppid, "%d", (int)p->ppid);
        r->role = roles_name(roles[i].role);
        list_format_ports(m, p->pid, r->ports, sizeof r->ports);
        r->python = pr->version;
        snprintf(r->cpu, sizeof r->cpu, "%.1f", p->cpu_pct);
        list_format_rss(p->rss_kib, r->rss, sizeof r->rss);
        snprintf(r->threads, sizeof r->threads, "%d", p->threads);
        r->command = list_command(p);
        if (r->command == NULL) {
            for (size_t j = 0; j < n; j++)
                free(rows[j].command);
            free(rows);
            free(order);
            return -1;
        }
        n++;
    }
    free(order);
    *out = rows;
    *nout = n;
    return 0;
}

int cmd_list(const struct options *opt, struct pt_error *err)
{
    double start = list_now();
    struct proc_table *t = proc_table_new(err);
    if (t == NULL)
        return -1;
    size_t nfirst = 0;
    struct list_probe *first = list_probe_all(t, &nfirst);
    struct ports_map m = {0};
    struct list_probe *probes = NULL;
    struct roles_proc *roles = NULL;
    unsigned char *is_python = NULL;
    struct list_row *rows = NULL;
    size_t nrows = 0, hidden = 0;
    int rc = -1;
    if (first == NULL) {
        pt_error_set(err, PT_E_NOMEM, "out of memory listing processes");
        goto out;
    }
    if (ports_map_build(NULL, 0, &m, err) != 0)
        goto out;
    double elapsed_ms = (list_now() - start) * 1000;
    if (elapsed_ms < LIST_CPU_INTERVAL_MS) {
        long ns = (long)((LIST_CPU_INTERVAL_MS - elapsed_ms) * 1e6);
        struct timespec ts = {ns / 1000000000L, ns % 1000000000L};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
    }
    if (proc_table_refresh(t, err) != 0)
        goto out;
    /* The refresh reordered the table: line the probes up with it. */
    probes = calloc(t->n ? t->n : 1, sizeof *probes);
    is_python = calloc(t->n ? t->n : 1, 1);
    if (probes == NULL || is_python == NULL) {
        pt_error_set(err, PT_E_NOMEM, "out of memory listing processes");
        goto out;
    }
    for (size_t i = 0; i < t->n; i++) {
        if (!list_visible(&t->v[i]))
            continue;
        probes[i] = list_probe_of(first, nfirst, t->v[i].pid);
        is_python[i] = (unsigned char)list_probe_is_python(probes[i].code);
    }
    if (roles_classify_table(t, &m, is_python, &roles) != 0 ||
        list_build_rows(t, roles, probes, &m, opt->all, &rows, &nrows, &hidden) != 0) {
        pt_error_set(err, PT_E_NOMEM, "out of memory listing processes");
        goto out;
    }
    rc = list_print(rows, nrows, err);
    if (rc == 0 && hidden > 0)
        fprintf(stderr,
                "pytop: note: %zu Python process%s of other users not shown (permission denied; "
                "run as root or with CAP_SYS_PTRACE to see them)\n",
                hidden, hidden == 1 ? "" : "es");
out:
    for (size_t i = 0; i < nrows; i++)
        free(rows[i].command);
    free(rows);
    free(roles);
    free(is_python);
    free(probes);
    free(first);
    ports_map_free(&m);
    proc_table_free(t);
    return rc;
}
