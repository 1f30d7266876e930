/*
 * requests: the HTTP requests the sampler saw its targets serve, seen
 * from outside: per endpoint the figures of the live view's endpoint
 * table, and for `pytop watch` every finished slow request with the
 * stacks of its samples.
 *
 * A request is known by its process, its path and its client's port,
 * else (no port: a Unix socket) the address of the object that holds it
 * (ASGI scope, WSGI environ, gunicorn's req): an address alone would be
 * the next request's as soon as the allocator reuses it, and one request
 * is held by gunicorn's req, then by the environ made from it. Two requests of one keep-alive
 * connection to one path, back to back with no sample between them, still look like one. It is in
 * flight from the first sample that saw it to the last, and ends at the first tick of its process
 * that read every thread and task whole without seeing it. Its duration is that span, so its
 * resolution is the sampling period: a request seen once lasted 0 s as
 * far as anyone outside can tell.
 *
 * Samples are counted as the sampler sees them, running or not: a
 * request's wall time is all its samples, its CPU time those where its
 * thread was running (or its task was the one running).
 *
 * The sampler thread feeds it; readers (the live view, watch) take
 * copies under a lock held only for the copy.
 */
#ifndef PYTOP_REQUESTS_H
#define PYTOP_REQUESTS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "python/request.h"

#define RQ_NAME 200 /* "GET /users/{id}" */

/* Endpoints kept apart; the requests of any further one (a scanner
 * trying random URLs) count under RQ_OTHER. */
#define RQ_ENDPOINTS 256
#define RQ_OTHER     "(other endpoints)"

/* Durations kept per endpoint for its percentiles: the most recent. */
#define RQ_RECENT 1024

/* Finished slow requests waiting for watch to take them; more are
 * counted as dropped. */
#define RQ_DONE_MAX 64

/* Words of stack records kept per request (4 bytes each); samples past
 * them count but their stacks are not kept. */
#define RQ_STACK_WORDS (256u * 1024u)

/* Frames kept of one sample's stack, the outermost first. */
#define RQ_STACK_DEPTH 511

struct rq_live;
struct rq_endpoint;

/* A finished request slower than the threshold, with its samples. */
struct rq_done {
    pid_t pid;
    char method[16];
    char path[PYREQ_TEXT];
    char endpoint[RQ_NAME];
    double started;    /* wall clock (seconds since the epoch) of its first sample */
    double duration;   /* seconds from its first sample to its last */
    uint64_t cpu;      /* samples while running */
    uint64_t wall;     /* every sample */
    int ended_by_exit; /* its process exited while it was in flight */
    /* Records of n + 3 words: n, cpu count, wall count, then n frame ids
     * of the sampler's profile, outermost first. rq_done_next reads them. */
    uint32_t *stacks;
    size_t nwords, cap;
    int truncated; /* samples past RQ_STACK_WORDS were counted, not kept */
    size_t last;   /* where the last record starts (SIZE_MAX: none) */
};

struct requests {
    pthread_mutex_t lock;
    double slow;        /* seconds: a request at least this long is slow */
    int keep_stacks;    /* keep each request's stacks and queue the slow ones */
    uint64_t tick;      /* the sampler's pass counter (requests_begin) */
    uint64_t now_ns;    /* the monotonic time of the current pass */
    double wall_offset; /* wall clock - monotonic clock, seconds */
    struct rq_live *live;
    size_t nlive, live_cap;
    struct rq_endpoint *eps;
    int neps;
    struct rq_done *done[RQ_DONE_MAX]; /* a FIFO of finished slow requests */
    int ndone;
    uint64_t dropped;   /* slow requests not queued: the queue was full */
    uint64_t cpu, wall; /* samples of every request */
    uint64_t cpu_all;   /* samples of every running thread */
    uint64_t finished;  /* requests ended */
};

/* slow: the threshold in seconds (0: none); keep_stacks: queue the slow
 * ones with their stacks (watch). 0, or -1 (PT_E_NOMEM). */
int requests_init(struct requests *rq, double slow, int keep_stacks, struct pt_error *err);
void requests_free(struct requests *rq);

/* Forget every endpoint and figure (the live view's reset); requests
 * in flight count again from their next sample. */
void requests_reset(struct requests *rq);

/* Change the threshold (watch's config reload); requests already ended
 * keep their verdict. */
void requests_set_slow(struct requests *rq, double slow);

/* --- the sampler's side --- */

/* A pass over process pid at monotonic time now_ns begins. */
void requests_begin(struct requests *rq, pid_t pid, uint64_t now_ns);

/* In this pass, a sample of request r (named endpoint) was taken:
 * running or not, with the stack frames[0..n) (profile frame ids,
 * outermost first; kept only with keep_stacks). */
void requests_seen(struct requests *rq, pid_t pid, const struct py_request *r, const char *endpoint,
                   int running, const uint32_t *frames, int n);

/* The pass over pid ends, having seen cpu threads running (serving a
 * request or not: the base of the endpoints' CPU shares). whole: every
 * thread and task was read, so a request of pid that was not seen has
 * ended; otherwise nothing ends. The number of slow requests it queued
 * for requests_take_done. */
int requests_end(struct requests *rq, pid_t pid, int whole, unsigned cpu);

/* Process pid exited: every request it had in flight ends. The number of
 * slow requests queued, as requests_end. */
int requests_process_gone(struct requests *rq, pid_t pid);

/* --- readers --- */

struct rq_row {
    char name[RQ_NAME];
    uint64_t requests; /* ended */
    int in_flight;
    uint64_t cpu, wall;   /* samples, in flight ones included */
    double p50, p95, max; /* seconds, of the ended ones (percentiles of the
                           * most recent RQ_RECENT); 0 when none ended */
    uint64_t slow;        /* ended at or over the threshold */
};

struct rq_table {
    struct rq_row *rows; /* malloc'd, by wall samples, the most first */
    int n;
    uint64_t cpu_all; /* running threads' samples: the base of the CPU shares */
    uint64_t wall;    /* every request's samples: the base of the wall shares */
    uint64_t finished, in_flight;
    uint64_t dropped;
    double slow;
};

/* A copy of every endpoint's figures. 0, or -1 (PT_E_NOMEM). */
int requests_table(struct requests *rq, struct rq_table *out, struct pt_error *err);
void rq_table_free(struct rq_table *t);

/* The oldest finished slow request not yet taken, or NULL; the caller
 * frees it with rq_done_free. */
struct rq_done *requests_take_done(struct requests *rq);
void rq_done_free(struct rq_done *d);

/* Step through d's stack records from *pos (start at 0): 1 with the
 * record's frames, depth and counts, 0 at the end. */
int rq_done_next(const struct rq_done *d, size_t *pos, const uint32_t **frames, int *n,
                 uint32_t *cpu, uint32_t *wall);

/* A duration as the endpoint table and watch's summary print it:
 * "0ms", "12ms", "1.23s", "2.5m", "1.0h", "7.0d". */
void rq_format_duration(double seconds, char *out, size_t size);

/* The percentile q (0..1) of the sorted values v[0..n): nearest rank. */
double rq_percentile(const double *sorted, size_t n, double q);

#endif
