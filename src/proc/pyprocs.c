/*
 * proc/pyprocs: the Python processes and their roles. See pyprocs.h.
 */
#include "config.h"
#include "proc/pyprocs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc/container.h"
#include "proc/ports.h"
#include "proc/proc.h"
#include "python/version.h"

#define PYPROCS_MAX_PORTS 8

/* What python_probe said about one process. */
struct pyprobe_entry {
    pid_t pid;
    unsigned long long start_ticks;
    char comm[64];
    enum pt_code code;          /* PT_OK, PT_E_NOTPYTHON, PT_E_PERM, ... */
    char version[32];           /* "3.12.1", "?" or "-" */
    struct container container; /* read with the probe: it lasts as long */
};

/* An unsupported version, or one we could not read, is still Python. */
static int probe_is_python(enum pt_code code)
{
    return code == PT_OK || code == PT_E_UNSUPPORTED || code == PT_E_READ;
}

static void probe_one(const struct proc_info *pi, struct pyprobe_entry *e)
{
    struct py_version ver = {0};
    struct pt_error err = {0};
    e->pid = pi->pid;
    e->start_ticks = pi->start_ticks;
    snprintf(e->comm, sizeof e->comm, "%s", pi->comm);
    e->code = python_probe(pi->pid, &ver, NULL, &err) == 0 ? PT_OK : err.code;
    if ((e->code == PT_OK || e->code == PT_E_UNSUPPORTED) && ver.major > 0)
        py_version_format(&ver, e->version, sizeof e->version);
    else
        snprintf(e->version, sizeof e->version, "%s", probe_is_python(e->code) ? "?" : "-");
    if (container_of(pi->pid, &e->container) != 0)
        memset(&e->container, 0, sizeof e->container);
}

/* Whether a process is listed at all. */
static int visible(const struct proc_info *p)
{
    return !p->kthread && p->state != 'Z' && p->state != 'X' && p->pid != getpid();
}

static int cmp_probe(const void *a, const void *b)
{
    pid_t x = ((const struct pyprobe_entry *)a)->pid, y = ((const struct pyprobe_entry *)b)->pid;
    return (x > y) - (x < y);
}

/* Probe every visible process of the table, reusing what the previous
 * probes said about the same process (same pid, start and name; a
 * process that could not be read yet is asked again). */
static int probe_table(struct pyprocs *p)
{
    const struct proc_table *t = p->table;
    struct pyprobe_entry *v = calloc(t->n ? t->n : 1, sizeof *v);
    if (v == NULL)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < t->n; i++) {
        const struct proc_info *pi = &t->v[i];
        if (!visible(pi))
            continue;
        struct pyprobe_entry key = {.pid = pi->pid};
        const struct pyprobe_entry *old =
            p->probes ? bsearch(&key, p->probes, p->nprobes, sizeof key, cmp_probe) : NULL;
        if (old != NULL && old->start_ticks == pi->start_ticks &&
            strcmp(old->comm, pi->comm) == 0 && old->code != PT_E_READ && old->code != PT_E_NOPROC)
            v[k++] = *old;
        else
            probe_one(pi, &v[k++]);
    }
    free(p->probes);
    p->probes = v; /* the table is in pid order: so is v */
    p->nprobes = k;
    return 0;
}

static const struct pyprobe_entry *probe_of(const struct pyprocs *p, pid_t pid)
{
    struct pyprobe_entry key = {.pid = pid};
    return bsearch(&key, p->probes, p->nprobes, sizeof key, cmp_probe);
}

int pyprocs_init(struct pyprocs *p, struct pt_error *err)
{
    memset(p, 0, sizeof *p);
    p->table = proc_table_new(err);
    if (p->table == NULL)
        return -1;
    if (probe_table(p) != 0) {
        pyprocs_free(p);
        return pt_error_set(err, PT_E_NOMEM, "out of memory listing processes");
    }
    return 0;
}

void pyprocs_format_rss(unsigned long kib, char *buf, size_t size)
{
    if (kib < 1024)
        snprintf(buf, size, "%luK", kib);
    else if (kib < 1024UL * 1024)
        snprintf(buf, size, "%.1fM", (double)kib / 1024);
    else
        snprintf(buf, size, "%.1fG", (double)kib / (1024.0 * 1024));
}

static void format_ports(const struct ports_map *m, pid_t pid, char *buf, size_t size)
{
    int ports[PYPROCS_MAX_PORTS];
    size_t n = ports_map_ports_of(m, pid, ports, PYPROCS_MAX_PORTS);
    size_t len = 0;
    snprintf(buf, size, "-");
    for (size_t i = 0; i < n && i < PYPROCS_MAX_PORTS && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s%d", i ? "," : "", ports[i]);
    if (n > PYPROCS_MAX_PORTS && len < size)
        snprintf(buf + len, size - len, ",...");
}

/* The command line for a terminal: control characters become '?'. */
static char *command_of(const struct proc_info *pi)
{
    const char *src = pi->cmdline[0] ? pi->cmdline : pi->comm;
    size_t len = strlen(src);
    char *s = malloc(len + 3);
    if (s == NULL)
        return NULL;
    if (pi->cmdline[0])
        memcpy(s, src, len + 1);
    else
        snprintf(s, len + 3, "[%s]", src); /* no command line: the kernel's name, as ps */
    for (char *c = s; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?';
    return s;
}

/* Whether a process we may not read looks like Python by its name. */
static int looks_python(const struct proc_info *pi)
{
    return strncmp(pi->comm, "python", 6) == 0 || roles_program(pi->cmdline) != ROLES_PROG_OTHER;
}

static void free_rows(struct pyproc *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].command);
    free(v);
}

/* Rows in display order from the table, its probes, sockets and roles. */
static int build_rows(struct pyprocs *p, const struct ports_map *m, const struct roles_proc *roles,
                      int all, struct pyproc **out, size_t *nout, size_t *hidden, pid_t *hidden_pid)
{
    const struct proc_table *t = p->table;
    size_t *order = malloc((t->n ? t->n : 1) * sizeof *order);
    struct pyproc *rows = calloc(t->n ? t->n : 1, sizeof *rows);
    if (order == NULL || rows == NULL || roles_order(roles, t->n, order) != 0) {
        free(order);
        free(rows);
        return -1;
    }
    size_t n = 0;
    *hidden = 0;
    *hidden_pid = 0;
    for (size_t k = 0; k < t->n; k++) {
        size_t i = order[k];
        const struct proc_info *pi = &t->v[i];
        const struct pyprobe_entry *pr = probe_of(p, pi->pid);
        if (!visible(pi) || pr == NULL || pr->code == PT_E_NOPROC)
            continue;
        if (pr->code == PT_E_PERM) {
            if (looks_python(pi) && (*hidden)++ == 0)
                *hidden_pid = pi->pid;
            continue;
        }
        if (!all && !roles[i].is_python)
            continue;
        struct pyproc *r = &rows[n];
        r->pid = pi->pid;
        r->ppid = pi->ppid;
        r->role = roles[i].role;
        r->master = roles[i].master;
        r->worker_index = roles[i].worker_index;
        r->worker_count = roles[i].worker_count;
        format_ports(m, pi->pid, r->ports, sizeof r->ports);
        snprintf(r->python, sizeof r->python, "%s", pr->version);
        r->supported = pr->code == PT_OK;
        r->cpu_pct = pi->cpu_pct;
        r->rss_kib = pi->rss_kib;
        r->threads = pi->threads;
        r->container = pr->container;
        r->command = command_of(pi);
        if (r->command == NULL) {
            free_rows(rows, n);
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

int pyprocs_refresh(struct pyprocs *p, int all, struct pt_error *err)
{
    if (proc_table_refresh(p->table, err) != 0)
        return -1;
    struct ports_map m = {0};
    if (ports_map_build(NULL, 0, &m, err) != 0)
        return -1;
    struct roles_proc *roles = NULL;
    unsigned char *is_python = NULL;
    struct pyproc *rows = NULL;
    size_t nrows = 0, hidden = 0;
    pid_t hidden_pid = 0;
    int rc = -1;
    if (probe_table(p) != 0)
        goto out;
    is_python = calloc(p->table->n ? p->table->n : 1, 1);
    if (is_python == NULL)
        goto out;
    for (size_t i = 0; i < p->table->n; i++) {
        const struct pyprobe_entry *pr = probe_of(p, p->table->v[i].pid);
        is_python[i] = pr != NULL && probe_is_python(pr->code);
    }
    if (roles_classify_table(p->table, &m, is_python, &roles) != 0 ||
        build_rows(p, &m, roles, all, &rows, &nrows, &hidden, &hidden_pid) != 0)
        goto out;
    free_rows(p->v, p->n);
    p->v = rows;
    p->n = nrows;
    p->hidden = hidden;
    p->hidden_pid = hidden_pid;
    rc = 0;
out:
    if (rc != 0)
        pt_error_set(err, PT_E_NOMEM, "out of memory listing processes");
    free(roles);
    free(is_python);
    ports_map_free(&m);
    return rc;
}

const struct pyproc *pyprocs_find(const struct pyprocs *p, pid_t pid)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->v[i].pid == pid)
            return &p->v[i];
    return NULL;
}

void pyprocs_free(struct pyprocs *p)
{
    free_rows(p->v, p->n);
    free(p->probes);
    if (p->table != NULL)
        proc_table_free(p->table);
    memset(p, 0, sizeof *p);
}
