/*
 * requests: see requests.h.
 *
 * Requests in flight are few (a worker serves one at a time, an event
 * loop some tens), so they are a plain array searched from the end,
 * where the busiest recent ones are.
 */
#include "config.h"
#include "requests.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hash.h"
#include "util.h"

struct rq_live {
    pid_t pid;
    uint64_t key;
    uint64_t path_hash;
    uint32_t client;
    int ep; /* index into eps */
    uint64_t first_ns, last_ns;
    uint64_t tick;     /* the pass that last saw it */
    struct rq_done *d; /* its figures, and with keep_stacks its stacks */
};

struct rq_endpoint {
    char name[RQ_NAME];
    uint64_t requests, cpu, wall, slow;
    double max;
    double recent[RQ_RECENT]; /* a ring of the last durations */
    uint64_t nrecent;         /* durations ever put in the ring */
};

static uint64_t text_hash(const char *s)
{
    return hash_str(s, HASH_SEED);
}

int requests_init(struct requests *rq, double slow, int keep_stacks, struct pt_error *err)
{
    memset(rq, 0, sizeof *rq);
    rq->eps = calloc(RQ_ENDPOINTS + 1, sizeof *rq->eps);
    if (rq->eps == NULL)
        return pt_error_set(err, PT_E_NOMEM, "out of memory");
    pthread_mutex_init(&rq->lock, NULL);
    rq->slow = slow;
    rq->keep_stacks = keep_stacks;
    struct timespec wall, mono;
    clock_gettime(CLOCK_REALTIME, &wall);
    clock_gettime(CLOCK_MONOTONIC, &mono);
    rq->wall_offset =
        (double)(wall.tv_sec - mono.tv_sec) + (double)(wall.tv_nsec - mono.tv_nsec) / 1e9;
    return 0;
}

void rq_done_free(struct rq_done *d)
{
    if (d == NULL)
        return;
    free(d->stacks);
    free(d);
}

void requests_free(struct requests *rq)
{
    for (size_t i = 0; i < rq->nlive; i++)
        rq_done_free(rq->live[i].d);
    for (int i = 0; i < rq->ndone; i++)
        rq_done_free(rq->done[i]);
    free(rq->live);
    free(rq->eps);
    pthread_mutex_destroy(&rq->lock);
    memset(rq, 0, sizeof *rq);
}

void requests_reset(struct requests *rq)
{
    pthread_mutex_lock(&rq->lock);
    for (size_t i = 0; i < rq->nlive; i++)
        rq_done_free(rq->live[i].d);
    for (int i = 0; i < rq->ndone; i++)
        rq_done_free(rq->done[i]);
    rq->nlive = 0;
    rq->ndone = 0;
    memset(rq->eps, 0, (RQ_ENDPOINTS + 1) * sizeof *rq->eps);
    rq->neps = 0;
    rq->dropped = rq->cpu = rq->cpu_all = rq->wall = rq->finished = 0;
    pthread_mutex_unlock(&rq->lock);
}

void requests_set_slow(struct requests *rq, double slow)
{
    pthread_mutex_lock(&rq->lock);
    rq->slow = slow;
    pthread_mutex_unlock(&rq->lock);
}

/* The endpoint named name: found, added, or past RQ_ENDPOINTS the one
 * that gathers the rest. */
static int endpoint_of(struct requests *rq, const char *name)
{
    for (int i = 0; i < rq->neps; i++)
        if (strcmp(rq->eps[i].name, name) == 0)
            return i;
    if (rq->neps == RQ_ENDPOINTS) {
        struct rq_endpoint *other = &rq->eps[RQ_ENDPOINTS];
        if (other->name[0] == '\0')
            str_copy(other->name, sizeof other->name, RQ_OTHER);
        return RQ_ENDPOINTS;
    }
    str_copy(rq->eps[rq->neps].name, RQ_NAME, name);
    return rq->neps++;
}

void requests_begin(struct requests *rq, pid_t pid, uint64_t now_ns)
{
    (void)pid;
    pthread_mutex_lock(&rq->lock);
    rq->tick++;
    rq->now_ns = now_ns;
    pthread_mutex_unlock(&rq->lock);
}

/* Keep one sample's stack in d: a repeat of the record before it (a
 * request waiting sits on one stack for many samples) only counts. */
static void keep_stack(struct rq_done *d, int running, const uint32_t *frames, int n)
{
    if (n > RQ_STACK_DEPTH)
        n = RQ_STACK_DEPTH;
    if (d->last < d->nwords) {
        uint32_t *last = &d->stacks[d->last];
        if (last[0] == (uint32_t)n && memcmp(last + 3, frames, (size_t)n * sizeof *frames) == 0) {
            last[1] += (uint32_t)running;
            last[2]++;
            return;
        }
    }
    size_t need = d->nwords + 3 + (size_t)n;
    if (need > RQ_STACK_WORDS ||
        vec_reserve((void **)&d->stacks, &d->cap, sizeof *d->stacks, need) != 0) {
        d->truncated = 1;
        return;
    }
    uint32_t *r = &d->stacks[d->nwords];
    r[0] = (uint32_t)n;
    r[1] = (uint32_t)running;
    r[2] = 1;
    memcpy(r + 3, frames, (size_t)n * sizeof *frames);
    d->last = d->nwords;
    d->nwords = need;
}

/* The live request (pid, key, path), added when new; NULL when out of
 * memory. */
static struct rq_live *live_of(struct requests *rq, pid_t pid, const struct py_request *r,
                               const char *endpoint)
{
    uint64_t h = text_hash(r->path);
    for (size_t i = rq->nlive; i-- > 0;) {
        struct rq_live *l = &rq->live[i];
        /* The client's port tells requests apart whichever object held
         * them when sampled (gunicorn's req before the WSGI environ is
         * made, the environ after); without one, the object's address. */
        if (l->pid == pid && l->client == r->client && l->path_hash == h &&
            (r->client != 0 || l->key == r->key))
            return l;
    }
    struct rq_done *d = calloc(1, sizeof *d);
    if (d == NULL ||
        vec_reserve((void **)&rq->live, &rq->live_cap, sizeof *rq->live, rq->nlive + 1) != 0) {
        free(d);
        return NULL;
    }
    d->pid = pid;
    d->last = SIZE_MAX;
    str_copy(d->method, sizeof d->method, r->method);
    str_copy(d->path, sizeof d->path, r->path);
    struct rq_live *l = &rq->live[rq->nlive++];
    *l = (struct rq_live){.pid = pid,
                          .key = r->key,
                          .path_hash = h,
                          .client = r->client,
                          .ep = endpoint_of(rq, endpoint),
                          .first_ns = rq->now_ns,
                          .last_ns = rq->now_ns,
                          .d = d};
    str_copy(d->endpoint, sizeof d->endpoint, rq->eps[l->ep].name);
    return l;
}

void requests_seen(struct requests *rq, pid_t pid, const struct py_request *r, const char *endpoint,
                   int running, const uint32_t *frames, int n)
{
    pthread_mutex_lock(&rq->lock);
    struct rq_live *l = live_of(rq, pid, r, endpoint);
    if (l == NULL) {
        pthread_mutex_unlock(&rq->lock);
        return;
    }
    /* The framework matches the route after the first samples: the
     * request then moves to the endpoint named by its template, with
     * what it had counted. */
    if (strcmp(rq->eps[l->ep].name, endpoint) != 0 && l->ep != RQ_ENDPOINTS) {
        int to = endpoint_of(rq, endpoint);
        struct rq_endpoint *a = &rq->eps[l->ep], *b = &rq->eps[to];
        a->cpu -= l->d->cpu;
        a->wall -= l->d->wall;
        b->cpu += l->d->cpu;
        b->wall += l->d->wall;
        l->ep = to;
        str_copy(l->d->endpoint, sizeof l->d->endpoint, b->name);
    }
    struct rq_endpoint *e = &rq->eps[l->ep];
    running = running != 0;
    l->last_ns = rq->now_ns;
    l->tick = rq->tick;
    l->d->cpu += (uint64_t)running;
    l->d->wall++;
    e->cpu += (uint64_t)running;
    e->wall++;
    rq->cpu += (uint64_t)running;
    rq->wall++;
    if (rq->keep_stacks)
        keep_stack(l->d, running, frames, n);
    pthread_mutex_unlock(&rq->lock);
}

/* Request i has ended: its duration goes to its endpoint; a slow one is
 * queued for watch. Removes it from the live array (the last takes its
 * place). */
static void finish(struct requests *rq, size_t i, int by_exit)
{
    struct rq_live *l = &rq->live[i];
    struct rq_endpoint *e = &rq->eps[l->ep];
    struct rq_done *d = l->d;
    d->duration = (double)(l->last_ns - l->first_ns) / 1e9;
    d->started = (double)l->first_ns / 1e9 + rq->wall_offset;
    d->ended_by_exit = by_exit;
    e->requests++;
    rq->finished++;
    e->recent[e->nrecent++ % RQ_RECENT] = d->duration;
    if (d->duration > e->max)
        e->max = d->duration;
    int slow = rq->slow > 0 && d->duration >= rq->slow;
    e->slow += (uint64_t)slow;
    if (slow && rq->keep_stacks && rq->ndone < RQ_DONE_MAX) {
        rq->done[rq->ndone++] = d;
    } else {
        rq->dropped += (uint64_t)(slow && rq->keep_stacks);
        rq_done_free(d);
    }
    rq->live[i] = rq->live[--rq->nlive];
}

int requests_end(struct requests *rq, pid_t pid, int whole, unsigned cpu)
{
    pthread_mutex_lock(&rq->lock);
    size_t queued = rq->ndone;
    rq->cpu_all += cpu;
    for (size_t i = rq->nlive; whole && i-- > 0;)
        if (rq->live[i].pid == pid && rq->live[i].tick != rq->tick)
            finish(rq, i, 0);
    queued = rq->ndone - queued;
    pthread_mutex_unlock(&rq->lock);
    return (int)queued;
}

int requests_process_gone(struct requests *rq, pid_t pid)
{
    pthread_mutex_lock(&rq->lock);
    size_t queued = rq->ndone;
    for (size_t i = rq->nlive; i-- > 0;)
        if (rq->live[i].pid == pid)
            finish(rq, i, 1);
    queued = rq->ndone - queued;
    pthread_mutex_unlock(&rq->lock);
    return (int)queued;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double rq_percentile(const double *sorted, size_t n, double q)
{
    if (n == 0)
        return 0;
    /* Nearest rank: the smallest value with at least q of them at or
     * under it. */
    size_t rank = (size_t)(q * (double)n + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return sorted[rank - 1];
}

static int cmp_row(const void *a, const void *b)
{
    const struct rq_row *x = a, *y = b;
    if (x->wall != y->wall)
        return x->wall < y->wall ? 1 : -1;
    return strcmp(x->name, y->name);
}

int requests_table(struct requests *rq, struct rq_table *out, struct pt_error *err)
{
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&rq->lock);
    int n = rq->neps + (rq->eps[RQ_ENDPOINTS].name[0] != '\0');
    out->rows = calloc((size_t)n + 1, sizeof *out->rows);
    if (out->rows == NULL) {
        pthread_mutex_unlock(&rq->lock);
        return pt_error_set(err, PT_E_NOMEM, "out of memory");
    }
    double sorted[RQ_RECENT];
    for (int i = 0; i < n; i++) {
        const struct rq_endpoint *e = &rq->eps[i < rq->neps ? i : RQ_ENDPOINTS];
        struct rq_row *row = &out->rows[i];
        str_copy(row->name, sizeof row->name, e->name);
        row->requests = e->requests;
        row->cpu = e->cpu;
        row->wall = e->wall;
        row->slow = e->slow;
        row->max = e->max;
        size_t k = e->nrecent < RQ_RECENT ? (size_t)e->nrecent : RQ_RECENT;
        memcpy(sorted, e->recent, k * sizeof *sorted);
        qsort(sorted, k, sizeof *sorted, cmp_double);
        row->p50 = rq_percentile(sorted, k, 0.50);
        row->p95 = rq_percentile(sorted, k, 0.95);
    }
    for (size_t i = 0; i < rq->nlive; i++) {
        int ep = rq->live[i].ep;
        out->rows[ep < rq->neps ? ep : rq->neps].in_flight++;
    }
    out->n = n;
    out->cpu_all = rq->cpu_all;
    out->wall = rq->wall;
    out->finished = rq->finished;
    out->in_flight = rq->nlive;
    out->dropped = rq->dropped;
    out->slow = rq->slow;
    pthread_mutex_unlock(&rq->lock);
    qsort(out->rows, (size_t)n, sizeof *out->rows, cmp_row);
    return 0;
}

void rq_table_free(struct rq_table *t)
{
    free(t->rows);
    memset(t, 0, sizeof *t);
}

struct rq_done *requests_take_done(struct requests *rq)
{
    pthread_mutex_lock(&rq->lock);
    struct rq_done *d = NULL;
    if (rq->ndone > 0) {
        d = rq->done[0];
        memmove(rq->done, rq->done + 1, (size_t)(rq->ndone - 1) * sizeof *rq->done);
        rq->ndone--;
    }
    pthread_mutex_unlock(&rq->lock);
    return d;
}

int rq_done_next(const struct rq_done *d, size_t *pos, const uint32_t **frames, int *n,
                 uint32_t *cpu, uint32_t *wall)
{
    if (*pos + 3 > d->nwords)
        return 0;
    const uint32_t *r = &d->stacks[*pos];
    if (*pos + 3 + r[0] > d->nwords)
        return 0;
    *n = (int)r[0];
    *cpu = r[1];
    *wall = r[2];
    *frames = r + 3;
    *pos += 3 + r[0];
    return 1;
}

void rq_format_duration(double s, char *out, size_t size)
{
    if (s < 1)
        snprintf(out, size, "%.0fms", s * 1e3);
    else if (s < 60)
        snprintf(out, size, "%.2fs", s);
    else if (s < 3600)
        snprintf(out, size, "%.1fm", s / 60);
    else if (s < 86400)
        snprintf(out, size, "%.1fh", s / 3600);
    else
        snprintf(out, size, "%.1fd", s / 86400);
}
