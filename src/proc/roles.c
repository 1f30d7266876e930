/*
 * proc/roles: uvicorn / gunicorn masters and workers. See roles.h.
 *
 * Three passes over the table: what program each command line runs; which
 * processes are masters (gunicorn: the one whose parent is not gunicorn);
 * which children of a master are its workers. Then workers are numbered by
 * pid, so "worker 2/4" stays the same from one refresh to the next.
 */
#include "config.h"
#include "proc/roles.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Lookup of an entry by pid: indexes of v sorted by pid. */
struct roles_index {
    const struct roles_proc *v;
    size_t *idx;
    size_t n;
};

static int roles_cmp_idx(const void *a, const void *b, void *ctx)
{
    const struct roles_proc *v = ctx;
    pid_t x = v[*(const size_t *)a].pid, y = v[*(const size_t *)b].pid;
    return (x > y) - (x < y);
}

static int roles_index_init(struct roles_index *ix, const struct roles_proc *v, size_t n)
{
    ix->v = v;
    ix->n = n;
    ix->idx = malloc((n ? n : 1) * sizeof *ix->idx);
    if (ix->idx == NULL)
        return -1;
    for (size_t i = 0; i < n; i++)
        ix->idx[i] = i;
    qsort_r(ix->idx, n, sizeof *ix->idx, roles_cmp_idx, (void *)v);
    return 0;
}

/* The index in v of pid, or -1. */
static long roles_index_find(const struct roles_index *ix, pid_t pid)
{
    size_t lo = 0, hi = ix->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        pid_t p = ix->v[ix->idx[mid]].pid;
        if (p == pid)
            return (long)ix->idx[mid];
        if (p < pid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* The next space-separated token of *s into buf (cut to size); 0 at the end. */
static int roles_next_token(const char **s, char *buf, size_t size)
{
    const char *p = *s;
    while (*p == ' ')
        p++;
    if (*p == '\0')
        return 0;
    size_t len = strcspn(p, " ");
    snprintf(buf, size, "%.*s", (int)len, p);
    *s = p + len;
    return 1;
}

static enum roles_program roles_program_name(const char *name)
{
    static const char *const uvicorn[] = {"uvicorn", "uvicorn.__main__", "uvicorn.main"};
    static const char *const gunicorn[] = {"gunicorn", "gunicorn3", "gunicorn.__main__",
                                           "gunicorn.app.wsgiapp"};
    for (size_t i = 0; i < sizeof uvicorn / sizeof uvicorn[0]; i++)
        if (strcmp(name, uvicorn[i]) == 0)
            return ROLES_PROG_UVICORN;
    for (size_t i = 0; i < sizeof gunicorn / sizeof gunicorn[0]; i++)
        if (strcmp(name, gunicorn[i]) == 0)
            return ROLES_PROG_GUNICORN;
    return ROLES_PROG_OTHER;
}

/* After the interpreter: the module of -m, or the script, skipping the
 * interpreter's own options. */
static enum roles_program roles_python_program(const char *rest)
{
    char tok[512];
    while (roles_next_token(&rest, tok, sizeof tok)) {
        if (strcmp(tok, "-m") == 0) {
            if (!roles_next_token(&rest, tok, sizeof tok))
                return ROLES_PROG_OTHER;
            return roles_program_name(tok);
        }
        if (strncmp(tok, "-m", 2) == 0)
            return roles_program_name(tok + 2);
        if (strncmp(tok, "-c", 2) == 0 || strcmp(tok, "-") == 0)
            return ROLES_PROG_OTHER; /* inline code or stdin */
        if (strcmp(tok, "-W") == 0 || strcmp(tok, "-X") == 0 ||
            strcmp(tok, "--check-hash-based-pycs") == 0) {
            roles_next_token(&rest, tok, sizeof tok); /* the option's argument */
            continue;
        }
        if (strcmp(tok, "--") == 0) {
            if (!roles_next_token(&rest, tok, sizeof tok))
                return ROLES_PROG_OTHER;
            return roles_program_name(path_base(tok));
        }
        if (tok[0] == '-')
            continue; /* -u, -O, -B, -E, -I, -s, -S, ... */
        return roles_program_name(path_base(tok));
    }
    return ROLES_PROG_OTHER;
}

enum roles_program roles_program(const char *cmdline)
{
    char tok[512];
    const char *rest = cmdline ? cmdline : "";
    if (strncmp(rest, "gunicorn:", 9) == 0)
        return ROLES_PROG_GUNICORN; /* setproctitle's "gunicorn: master [app]" */
    if (!roles_next_token(&rest, tok, sizeof tok))
        return ROLES_PROG_OTHER;
    const char *base = path_base(tok);
    if (strncmp(base, "python", 6) == 0)
        return roles_python_program(rest);
    return roles_program_name(base);
}

int roles_is_spawn_child(const char *cmdline)
{
    if (cmdline == NULL)
        return 0;
    if (strstr(cmdline, "multiprocessing.resource_tracker") ||
        strstr(cmdline, "multiprocessing.forkserver") ||
        strstr(cmdline, "multiprocessing.semaphore_tracker"))
        return 0;
    return strstr(cmdline, "spawn_main") != NULL ||
           strstr(cmdline, "--multiprocessing-fork") != NULL;
}

/* Whether a and b hold a listening socket in common. */
static int roles_share_listener(const struct roles_proc *a, const struct roles_proc *b)
{
    for (size_t i = 0; i < a->nlisten; i++)
        for (size_t j = 0; j < b->nlisten; j++)
            if (a->listen[i] == b->listen[j])
                return 1;
    return 0;
}

/* Whether child, whose parent is the uvicorn master m, is one of its
 * workers: it shares the master's listening socket when both are known,
 * else it is a multiprocessing spawn child. */
static int roles_is_uvicorn_worker(const struct roles_proc *m, const struct roles_proc *child)
{
    if (m->fds_known && m->nlisten > 0 && child->fds_known)
        return roles_share_listener(m, child);
    return roles_is_spawn_child(child->cmdline);
}

/* Number the workers of each master 1..count by pid. */
static void roles_number_workers(struct roles_proc *v, const struct roles_index *ix)
{
    /* ix->idx is in pid order: count and number in one walk per master. */
    for (size_t k = 0; k < ix->n; k++) {
        struct roles_proc *w = &v[ix->idx[k]];
        if (w->role != ROLE_UVICORN_WORKER && w->role != ROLE_GUNICORN_WORKER)
            continue;
        long mi = roles_index_find(ix, w->master);
        if (mi < 0)
            continue;
        w->worker_index = ++v[mi].worker_count;
    }
    for (size_t i = 0; i < ix->n; i++) {
        struct roles_proc *w = &v[i];
        if (w->role != ROLE_UVICORN_WORKER && w->role != ROLE_GUNICORN_WORKER)
            continue;
        long mi = roles_index_find(ix, w->master);
        if (mi >= 0)
            w->worker_count = v[mi].worker_count;
    }
}

int roles_classify(struct roles_proc *v, size_t n)
{
    struct roles_index ix;
    enum roles_program *prog = malloc((n ? n : 1) * sizeof *prog);
    if (prog == NULL || roles_index_init(&ix, v, n) != 0) {
        free(prog);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        prog[i] = roles_program(v[i].cmdline);
        v[i].role = v[i].is_python ? ROLE_PYTHON : ROLE_NONE;
        v[i].master = 0;
        v[i].worker_index = v[i].worker_count = 0;
    }
    /* Masters: uvicorn's main process; the gunicorn process whose parent
     * is not gunicorn (its workers are forks with the same command line). */
    for (size_t i = 0; i < n; i++) {
        long pi = v[i].ppid != v[i].pid ? roles_index_find(&ix, v[i].ppid) : -1;
        enum roles_program parent = pi >= 0 ? prog[pi] : ROLES_PROG_OTHER;
        if (prog[i] == ROLES_PROG_UVICORN && parent != ROLES_PROG_UVICORN) {
            v[i].role = ROLE_UVICORN_MASTER;
            v[i].master = v[i].pid;
        } else if (prog[i] == ROLES_PROG_GUNICORN && parent != ROLES_PROG_GUNICORN) {
            v[i].role = ROLE_GUNICORN_MASTER;
            v[i].master = v[i].pid;
        }
    }
    /* Workers: children of a master. */
    for (size_t i = 0; i < n; i++) {
        long pi = v[i].ppid != v[i].pid ? roles_index_find(&ix, v[i].ppid) : -1;
        if (pi < 0 || v[i].role == ROLE_UVICORN_MASTER || v[i].role == ROLE_GUNICORN_MASTER)
            continue;
        const struct roles_proc *m = &v[pi];
        int worker = 0;
        if (m->role == ROLE_GUNICORN_MASTER)
            worker = prog[i] == ROLES_PROG_GUNICORN;
        else if (m->role == ROLE_UVICORN_MASTER)
            worker = roles_is_uvicorn_worker(m, &v[i]);
        if (worker) {
            v[i].role =
                m->role == ROLE_GUNICORN_MASTER ? ROLE_GUNICORN_WORKER : ROLE_UVICORN_WORKER;
            v[i].master = m->pid;
        }
    }
    roles_number_workers(v, &ix);
    free(ix.idx);
    free(prog);
    return 0;
}

int roles_classify_table(const struct proc_table *t, const struct ports_map *m,
                         const unsigned char *is_python, struct roles_proc **out)
{
    struct roles_proc *v = calloc(t->n ? t->n : 1, sizeof *v);
    *out = NULL;
    if (v == NULL)
        return -1;
    for (size_t i = 0; i < t->n; i++) {
        struct roles_proc *r = &v[i];
        r->pid = t->v[i].pid;
        r->ppid = t->v[i].ppid;
        r->cmdline = t->v[i].cmdline;
        r->is_python = is_python ? is_python[i] : 0;
        if (m != NULL) {
            r->fds_known = ports_map_readable(m, r->pid);
            size_t k = ports_map_inodes_of(m, r->pid, r->listen, ROLES_MAX_LISTEN);
            r->nlisten = k < ROLES_MAX_LISTEN ? k : ROLES_MAX_LISTEN;
        }
    }
    if (roles_classify(v, t->n) != 0) {
        free(v);
        return -1;
    }
    *out = v;
    return 0;
}

const char *roles_name(enum role r)
{
    switch (r) {
    case ROLE_PYTHON:
        return "python";
    case ROLE_UVICORN_MASTER:
        return "uvicorn-master";
    case ROLE_UVICORN_WORKER:
        return "uvicorn-worker";
    case ROLE_GUNICORN_MASTER:
        return "gunicorn-master";
    case ROLE_GUNICORN_WORKER:
        return "gunicorn-worker";
    case ROLE_NONE:
        break;
    }
    return "-";
}

void roles_describe(const struct roles_proc *p, char *buf, size_t size)
{
    const char *server =
        p->role == ROLE_UVICORN_MASTER || p->role == ROLE_UVICORN_WORKER ? "uvicorn" : "gunicorn";
    switch (p->role) {
    case ROLE_UVICORN_MASTER:
    case ROLE_GUNICORN_MASTER:
        if (p->worker_count > 0)
            snprintf(buf, size, "%s master (%d worker%s)", server, p->worker_count,
                     p->worker_count == 1 ? "" : "s");
        else
            snprintf(buf, size, "%s master", server);
        return;
    case ROLE_UVICORN_WORKER:
    case ROLE_GUNICORN_WORKER:
        snprintf(buf, size, "%s worker %d/%d", server, p->worker_index, p->worker_count);
        return;
    case ROLE_PYTHON:
    case ROLE_NONE:
        break;
    }
    snprintf(buf, size, "%s", p->role == ROLE_PYTHON ? "python" : "not python");
}

int roles_describe_pid(pid_t pid, char *buf, size_t size, struct pt_error *err)
{
    struct proc_table *t = proc_table_new(err);
    if (t == NULL)
        return -1;
    const struct proc_info *p = proc_table_find(t, pid);
    if (p == NULL) {
        proc_table_free(t);
        return pt_error_set(err, PT_E_NOPROC, "no such process: PID %d does not exist", (int)pid);
    }
    size_t at = (size_t)(p - t->v);
    struct ports_map m;
    unsigned char *is_python = malloc(t->n ? t->n : 1);
    struct roles_proc *r = NULL;
    int rc = -1;
    if (is_python == NULL) {
        pt_error_set(err, PT_E_NOMEM, "out of memory reading the process table");
    } else if (ports_map_build(NULL, 0, &m, err) == 0) {
        /* Only masters and workers matter here: call everything Python. */
        memset(is_python, 1, t->n ? t->n : 1);
        if (roles_classify_table(t, &m, is_python, &r) == 0) {
            roles_describe(&r[at], buf, size);
            rc = 0;
        } else {
            pt_error_set(err, PT_E_NOMEM, "out of memory reading the process table");
        }
        ports_map_free(&m);
    }
    free(r);
    free(is_python);
    proc_table_free(t);
    return rc;
}

/* Sort keys of roles_order: the group (a master's pid for its tree), the
 * rank in the group (master, workers, other descendants), then the pid. */
struct roles_key {
    pid_t group;
    int rank;
    pid_t pid;
    size_t i;
};

static int roles_cmp_key(const void *a, const void *b)
{
    const struct roles_key *x = a, *y = b;
    if (x->group != y->group)
        return (x->group > y->group) - (x->group < y->group);
    if (x->rank != y->rank)
        return x->rank - y->rank;
    return (x->pid > y->pid) - (x->pid < y->pid);
}

/* The master among pid's ancestors (at most depth steps up), or 0. */
static pid_t roles_master_above(const struct roles_proc *v, const struct roles_index *ix,
                                pid_t ppid, size_t depth)
{
    for (; depth > 0 && ppid > 0; depth--) {
        long i = roles_index_find(ix, ppid);
        if (i < 0)
            return 0;
        if (v[i].role == ROLE_UVICORN_MASTER || v[i].role == ROLE_GUNICORN_MASTER)
            return v[i].pid;
        if (v[i].ppid == v[i].pid)
            return 0;
        ppid = v[i].ppid;
    }
    return 0;
}

int roles_order(const struct roles_proc *v, size_t n, size_t *order)
{
    struct roles_index ix;
    struct roles_key *keys = malloc((n ? n : 1) * sizeof *keys);
    if (keys == NULL || roles_index_init(&ix, v, n) != 0) {
        free(keys);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        struct roles_key *k = &keys[i];
        *k = (struct roles_key){v[i].pid, 0, v[i].pid, i};
        if (v[i].role == ROLE_UVICORN_WORKER || v[i].role == ROLE_GUNICORN_WORKER) {
            k->group = v[i].master;
            k->rank = 1;
        } else if (v[i].role != ROLE_UVICORN_MASTER && v[i].role != ROLE_GUNICORN_MASTER) {
            pid_t m = roles_master_above(v, &ix, v[i].ppid, 64);
            if (m != 0) {
                k->group = m;
                k->rank = 2;
            }
        }
    }
    qsort(keys, n, sizeof *keys, roles_cmp_key);
    for (size_t i = 0; i < n; i++)
        order[i] = keys[i].i;
    free(keys);
    free(ix.idx);
    return 0;
}
