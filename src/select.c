/*
 * select: from -p / -P / -s / --wait to the list of PIDs to profile. See
 * select.h.
 *
 * --wait polls with short sleeps until the process or the listener shows
 * up. A server that has just bound its port has not started all its workers
 * yet (uvicorn's spawn children receive the socket a moment later), so
 * after a wait the holders are polled until they have stayed the same for
 * a while.
 */
#include "config.h"
#include "select.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "proc/container.h"
#include "proc/ports.h"
#include "proc/roles.h"
#include "python/version.h"
#include "util.h"

/* After a --wait, holders must stay unchanged this long, and no longer
 * than SELECT_SETTLE_MAX_MS is spent on it. */
#define SELECT_SETTLE_STABLE_MS 500
#define SELECT_SETTLE_MAX_MS    3000
/* Walking up the tree stops after this many steps (a cycle guard). */
#define SELECT_MAX_DEPTH 4096

static void select_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

void select_result_free(struct select_result *r)
{
    free(r->pids);
    free(r->descendant);
    free(r->notpython);
    memset(r, 0, sizeof *r);
}

static int select_cmp_pid(const void *a, const void *b)
{
    pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
    return (x > y) - (x < y);
}

/* Sort and drop repeats; returns the new count. */
static size_t select_unique(pid_t *v, size_t n)
{
    if (n < 2)
        return n;
    qsort(v, n, sizeof *v, select_cmp_pid);
    size_t k = 1;
    for (size_t i = 1; i < n; i++)
        if (v[i] != v[k - 1])
            v[k++] = v[i];
    return k;
}

static int select_contains(const pid_t *sorted, size_t n, pid_t pid)
{
    return bsearch(&pid, sorted, n, sizeof pid, select_cmp_pid) != NULL;
}

/* Order keys: the topmost ancestor of a pid within the set, its depth
 * below it, the pid. */
struct select_key {
    pid_t top;
    unsigned depth;
    pid_t pid;
    unsigned char descendant;
};

static int select_cmp_key(const void *a, const void *b)
{
    const struct select_key *x = a, *y = b;
    if (x->top != y->top)
        return (x->top > y->top) - (x->top < y->top);
    if (x->depth != y->depth)
        return (x->depth > y->depth) - (x->depth < y->depth);
    return (x->pid > y->pid) - (x->pid < y->pid);
}

static void select_key_of(struct select_key *k, const pid_t *set, size_t n,
                          const struct proc_table *t)
{
    k->top = k->pid;
    k->depth = 0;
    if (t == NULL)
        return;
    const struct proc_info *p = proc_table_find(t, k->pid);
    for (unsigned up = 1; p != NULL && up < SELECT_MAX_DEPTH; up++) {
        if (p->ppid == p->pid || p->ppid <= 0)
            break;
        if (select_contains(set, n, p->ppid)) {
            k->top = p->ppid;
            k->depth = up;
        }
        p = proc_table_find(t, p->ppid);
    }
}

int select_build(const pid_t *chosen, size_t n, int subprocesses, const struct proc_table *t,
                 struct select_result *out, struct pt_error *err)
{
    memset(out, 0, sizeof *out);
    size_t cap = 0;
    pid_t *set = NULL;
    if (vec_reserve((void **)&set, &cap, sizeof *set, n ? n : 1) != 0)
        goto nomem;
    memcpy(set, chosen, n * sizeof *set);
    size_t nchosen = select_unique(set, n), nset = nchosen;
    if (subprocesses && t != NULL) {
        for (size_t i = 0; i < nchosen; i++) {
            pid_t *desc;
            ssize_t nd = proc_descendants(t, set[i], &desc);
            if (nd < 0)
                goto nomem;
            if (vec_reserve((void **)&set, &cap, sizeof *set, nset + (size_t)nd) != 0) {
                free(desc);
                goto nomem;
            }
            if (nd)
                memcpy(set + nset, desc, (size_t)nd * sizeof *set);
            nset += (size_t)nd;
            free(desc);
        }
    }
    /* Which were chosen, before the set is deduplicated and reordered. */
    pid_t *chosen_sorted = malloc((nchosen ? nchosen : 1) * sizeof *chosen_sorted);
    struct select_key *keys = malloc((nset ? nset : 1) * sizeof *keys);
    out->pids = malloc((nset ? nset : 1) * sizeof *out->pids);
    out->descendant = malloc(nset ? nset : 1);
    out->notpython = calloc(nset ? nset : 1, 1);
    if (chosen_sorted == NULL || keys == NULL || out->pids == NULL || out->descendant == NULL ||
        out->notpython == NULL) {
        free(chosen_sorted);
        free(keys);
        goto nomem;
    }
    memcpy(chosen_sorted, set, nchosen * sizeof *set);
    nset = select_unique(set, nset);
    for (size_t i = 0; i < nset; i++) {
        keys[i].pid = set[i];
        keys[i].descendant = !select_contains(chosen_sorted, nchosen, set[i]);
        select_key_of(&keys[i], set, nset, t);
    }
    qsort(keys, nset, sizeof *keys, select_cmp_key);
    for (size_t i = 0; i < nset; i++) {
        out->pids[i] = keys[i].pid;
        out->descendant[i] = keys[i].descendant;
    }
    out->n = nset;
    out->nchosen = nchosen;
    out->ambiguous = nchosen > 1 && !subprocesses;
    out->subprocesses = subprocesses;
    free(chosen_sorted);
    free(keys);
    free(set);
    return 0;
nomem:
    free(set);
    select_result_free(out);
    return pt_error_set(err, PT_E_NOMEM, "out of memory choosing the target processes");
}

/* Say once, on a terminal, that pytop is waiting (nothing else shows
 * before the target appears). */
static void select_say_waiting(int *said, const char *what, double wait)
{
    if (*said || !isatty(STDERR_FILENO))
        return;
    fprintf(stderr, "pytop: waiting up to %g s for %s...\n", wait, what);
    *said = 1;
}

/* Wait (up to wait seconds) for pid to exist. */
static int select_wait_pid(pid_t pid, double wait, struct pt_error *err)
{
    double deadline = monotonic_s() + wait;
    int said = 0;
    char what[64];
    snprintf(what, sizeof what, "PID %d", (int)pid);
    while (!proc_exists(pid)) {
        if (wait <= 0 || monotonic_s() >= deadline) {
            if (wait > 0)
                return pt_error_set(err, PT_E_NOPROC,
                                    "no such process: PID %d did not appear within %g s", (int)pid,
                                    wait);
            return pt_error_set(err, PT_E_NOPROC,
                                "no such process: PID %d does not exist (check the PID, or add "
                                "--wait to wait for it)",
                                (int)pid);
        }
        select_say_waiting(&said, what, wait);
        select_sleep_ms(SELECT_POLL_PID_MS);
    }
    return 0;
}

/* Whether a holder of the port has a multiprocessing spawn child that does
 * not hold it (yet): a uvicorn worker still starting. */
static int select_spawn_pending(const pid_t *holders, size_t n, const struct proc_table *t)
{
    for (size_t i = 0; i < t->n; i++) {
        const struct proc_info *p = &t->v[i];
        if (select_contains(holders, n, p->ppid) && !select_contains(holders, n, p->pid) &&
            roles_is_spawn_child(p->cmdline))
            return 1;
    }
    return 0;
}

/* The holders of port, after waiting up to wait seconds for one. *waited
 * tells whether the first look found nobody. */
static ssize_t select_wait_port(int port, double wait, pid_t **out, int *waited,
                                struct pt_error *err)
{
    double deadline = monotonic_s() + wait;
    int said = 0;
    char what[64];
    snprintf(what, sizeof what, "a listener on port %d", port);
    *waited = 0;
    for (;;) {
        ssize_t n = ports_pids(port, out, err);
        if (n != 0)
            return n;
        if (wait <= 0)
            return pt_error_set(err, PT_E_NOPORT,
                                "no process listens on port %d (is the server running? add "
                                "--wait to wait for it)",
                                port);
        if (monotonic_s() >= deadline)
            return pt_error_set(err, PT_E_NOPORT,
                                "no process listens on port %d (waited %g s for it)", port, wait);
        *waited = 1;
        select_say_waiting(&said, what, wait);
        select_sleep_ms(SELECT_POLL_PORT_MS);
    }
}

/* A server that just started: poll the holders until they stop changing
 * and no spawn child of theirs is still on its way to getting the socket. */
static ssize_t select_settle_port(int port, pid_t **holders, size_t n, struct pt_error *err)
{
    double start = monotonic_s(), stable_since = start;
    for (;;) {
        select_sleep_ms(SELECT_POLL_PORT_MS);
        pid_t *now;
        ssize_t m = ports_pids(port, &now, err);
        if (m < 0)
            return -1;
        if (m == 0) { /* the server went away again: keep what we saw */
            free(now);
            return (ssize_t)n;
        }
        double t = monotonic_s();
        if ((size_t)m != n || memcmp(now, *holders, n * sizeof *now) != 0) {
            free(*holders);
            *holders = now;
            n = (size_t)m;
            stable_since = t;
        } else {
            free(now);
        }
        if ((t - start) * 1000 >= SELECT_SETTLE_MAX_MS)
            return (ssize_t)n;
        if ((t - stable_since) * 1000 < SELECT_SETTLE_STABLE_MS)
            continue;
        struct proc_table *pt = proc_table_new(err);
        if (pt == NULL)
            return -1;
        int pending = select_spawn_pending(*holders, n, pt);
        proc_table_free(pt);
        if (!pending)
            return (ssize_t)n;
    }
}

int select_targets(const struct options *opt, struct select_result *out, struct pt_error *err)
{
    memset(out, 0, sizeof *out);
    pid_t *chosen = NULL;
    ssize_t n = 0;
    if (opt->pid > 0) {
        if (select_wait_pid(opt->pid, opt->wait, err) != 0)
            return -1;
        chosen = malloc(sizeof *chosen);
        if (chosen == NULL)
            return pt_error_set(err, PT_E_NOMEM, "out of memory choosing the target processes");
        chosen[0] = opt->pid;
        n = 1;
    } else if (opt->port != 0) {
        if (opt->port < 1 || opt->port > 65535)
            return pt_error_set(err, PT_E_USAGE, "invalid port %d: give a TCP port, 1-65535",
                                opt->port);
        int waited;
        n = select_wait_port(opt->port, opt->wait, &chosen, &waited, err);
        if (n > 0 && waited)
            n = select_settle_port(opt->port, &chosen, (size_t)n, err);
        if (n < 0) {
            free(chosen);
            return -1;
        }
    } else {
        return 0; /* no target: a command to start, or the picker */
    }
    struct proc_table *t = NULL;
    if (n > 1 || opt->subprocesses) {
        t = proc_table_new(err);
        if (t == NULL) {
            free(chosen);
            return -1;
        }
    }
    int rc = select_build(chosen, (size_t)n, opt->subprocesses, t, out, err);
    out->port = opt->pid > 0 ? 0 : opt->port;
    proc_table_free(t);
    free(chosen);
    return rc;
}

void select_describe_port(const struct select_result *r, char *buf, size_t size)
{
    size_t nets = container_netns_count(r->pids, r->nchosen);
    if (nets > 1)
        snprintf(buf, size, "port %d is open in %zu network namespaces, by %zu processes", r->port,
                 nets, r->nchosen);
    else
        snprintf(buf, size, "port %d is held by %zu processes", r->port, r->nchosen);
}

int select_require_one(const struct select_result *r, struct pt_error *err)
{
    if (!r->ambiguous)
        return 0;
    /* In containers, each PID with the words that tell its container. */
    int contained = container_netns_count(r->pids, r->nchosen) > 1;
    char list[400];
    size_t len = 0;
    list[0] = '\0';
    for (size_t i = 0; i < r->n; i++) {
        if (r->descendant[i])
            continue;
        char where[300] = "";
        struct container ct;
        if (contained && container_of(r->pids[i], &ct) == 0)
            container_format(&ct, where, sizeof where);
        int w = snprintf(list + len, sizeof list - len, "%s%d%s%s%s", len ? ", " : "",
                         (int)r->pids[i], where[0] ? " (" : "", where, where[0] ? ")" : "");
        if (w < 0 || (size_t)w >= sizeof list - len) {
            snprintf(list + len, sizeof list - len, ", ...");
            break;
        }
        len += (size_t)w;
    }
    if (r->port) {
        char what[128];
        select_describe_port(r, what, sizeof what);
        return pt_error_set(err, PT_E_MANY,
                            "%s (PIDs %s): add -s to profile them all, or choose one with -p PID",
                            what, list);
    }
    return pt_error_set(err, PT_E_MANY,
                        "%zu candidate processes (PIDs %s): add -s to profile them all, or choose "
                        "one with -p PID",
                        r->nchosen, list);
}

ssize_t select_first_not_python(const pid_t *pids, size_t n, struct pt_error *err)
{
    for (size_t i = 0; i < n; i++) {
        struct py_version ver;
        if (python_probe(pids[i], &ver, NULL, err) != 0)
            return (ssize_t)i;
    }
    return -1;
}

static int select_fail_with(struct pt_error *err, const struct pt_error *e)
{
    if (err != NULL)
        *err = *e;
    return -1;
}

int select_keep_python(struct select_result *r, struct pt_error *err)
{
    struct pt_error first = {0}, e;
    size_t k = 0, holders_kept = 0, holders_failed = 0;
    for (size_t i = 0; i < r->n; i++) {
        struct py_version ver;
        int python = python_probe(r->pids[i], &ver, NULL, &e) == 0;
        /* -s -p SHELL: the shell is the root whose Python descendants
         * are profiled, now and as they appear. */
        int root = !python && !r->descendant[i] && r->subprocesses && r->port == 0 &&
                   e.code == PT_E_NOTPYTHON;
        if (python || root) {
            holders_kept += !r->descendant[i];
            r->pids[k] = r->pids[i];
            r->notpython[k] = (unsigned char)root;
            r->descendant[k++] = r->descendant[i];
            continue;
        }
        if (r->descendant[i])
            continue; /* a shell or helper started by a worker: not ours to profile */
        /* A chosen process: a non-Python holder of a port is dropped if
         * another holder is Python; anything else is an error. */
        if (holders_failed++ == 0)
            first = e;
        if (r->port == 0 || e.code != PT_E_NOTPYTHON)
            return select_fail_with(err, &e);
    }
    if (holders_kept == 0 && holders_failed > 0)
        return select_fail_with(err, &first);
    r->n = k;
    r->nchosen = holders_kept;
    r->ambiguous = r->ambiguous && holders_kept > 1;
    return 0;
}

size_t select_count_python(const struct select_result *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++)
        n += !r->notpython[i];
    return n;
}
