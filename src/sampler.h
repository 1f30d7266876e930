/*
 * sampler: the background thread that samples every target at the chosen
 * rate and feeds the profile.
 *
 * Ticks are on an absolute schedule (start + k / rate), so the rate does
 * not drift; a tick that is already past when the previous one ends is
 * skipped and counted as lost ("late"). With subprocesses on, the
 * descendants of the chosen processes are looked for once a second (ten
 * times a second while nothing is sampled): workers that appear are
 * attached, those that exit are dropped. A chosen process that is not
 * Python (a shell script that starts Python later) is then only a root:
 * sampling waits for Python processes under it, and ends once it and
 * everything attached have exited. The sampler never stops a target
 * unless blocking is asked for, and then only while it reads it.
 */
#ifndef PYTOP_SAMPLER_H
#define PYTOP_SAMPLER_H

#include <sys/types.h>

#include "error.h"
#include "profile.h"

/* How often -s looks for new descendants, in seconds: while something is
 * sampled, and while nothing is (waiting costs the targets nothing). */
#define SAMPLER_FOLLOW_S         1.0
#define SAMPLER_FOLLOW_WAITING_S 0.1

struct sampler_config {
    double rate;       /* ticks per second */
    int idle;          /* keep samples of threads the kernel says are not running */
    int gil;           /* keep only the GIL holder's samples */
    int blocking;      /* pause each process while it is read */
    int native;        /* merge native frames (needs blocking) */
    int native_all;    /* ... keeping the interpreter's plumbing */
    int threads;       /* a "thread TID (name)" frame under the process */
    int process_roots; /* a "process PID (cmd)" root frame per process */
    int by_function;   /* frames by function (first line), not by current line */
    int full_filenames;
    int async_tasks;           /* asyncio tasks: each sampled, under its awaiters */
    int by_endpoint;           /* a "request METHOD ENDPOINT" root over each request's samples */
    struct requests *requests; /* the request tracker to feed, or NULL */
    int track_requests;        /* ... from the start (else sampler_set_requests) */
    int subprocesses;          /* follow descendants of roots */
    const pid_t *roots;        /* the chosen processes (descendants found from them) */
    int nroots;
    const pid_t *pids; /* every process to attach at start (roots included) */
    int npids;
};

struct sampler;
struct options;
struct select_result;

/* The configuration the options ask for, over the processes of sel (the
 * first of them a command pytop started, if launched). sel must outlive
 * the configuration. */
void sampler_config_init(struct sampler_config *cfg, const struct options *opt,
                         const struct select_result *sel, int launched);

/* Attach to cfg->pids and start sampling into prof. Processes that cannot
 * be attached fail the start (err says why) unless they are descendants
 * found by -s, or, with -s, roots that are not Python (PT_E_NOTPYTHON):
 * those are waited under (see sampler_waiting). The caller keeps prof
 * alive until sampler_stop. */
int sampler_start(struct sampler **out, const struct sampler_config *cfg, struct profile *prof,
                  struct pt_error *err);

/* 1 once there is nothing left to sample (every target exited); *why then
 * says so ("PID 42 exited"). */
int sampler_finished(struct sampler *s, char *why, size_t size);

/* 1 while nothing has been attached yet: -s waits for a first Python
 * process under a root that is not one; root then gets "PID 42 (bash)".
 * unreadable (if not NULL) gets the last error of a process found that is
 * a Python pytop cannot read (PT_E_UNSUPPORTED, PT_E_PERM), else PT_OK. */
int sampler_waiting(struct sampler *s, char *root, size_t size, struct pt_error *unreadable);

/* The PIDs of every process attached so far (some may have exited since),
 * at most max of them into pids; the count. */
int sampler_pids(struct sampler *s, pid_t *pids, int max);

/* Sleep until sampling finished, sampler_wake was called or timeout_s
 * passed (no limit when 0): a caller that only waits for the end costs
 * no wake-up of its own. */
void sampler_wait(struct sampler *s, double timeout_s);

/* Make sampler_wait return now; safe in a signal handler. */
void sampler_wake(struct sampler *s);

/* Seconds since the first tick. */
double sampler_elapsed(struct sampler *s);

/* A dump of every target (the text of `pytop dump`), taken by the
 * sampling thread at its next tick: the caller never reads a target
 * itself. Waits up to timeout_ms. The malloc'd text, or NULL with err
 * (PT_E_GONE when nothing is sampled any more). */
char *sampler_dump(struct sampler *s, int timeout_ms, struct pt_error *err);

/* Stop the thread (after its current tick) and release every target. */
void sampler_stop(struct sampler *s);

/* Sample asyncio tasks (--async) from the next tick on, or stop. */
void sampler_set_async(struct sampler *s, int on);

/* Feed the request tracker (cfg.requests) from the next tick on, and
 * put a request frame over each request's samples, or stop feeding it
 * (the frames stay if --by-endpoint asked for them). */
void sampler_set_requests(struct sampler *s, int on);

/* The asyncio tasks seen at the last tick (0 while --async is off). */
int sampler_tasks(struct sampler *s);

/* A description of the targets for titles ("PID 42 (python3 app.py)"),
 * and their Python versions ("Python 3.12.1"), both as of now. While -s
 * waits under a root that is not Python: "waiting for Python processes
 * under PID 42 (bash run.sh)" and "". */
void sampler_describe(struct sampler *s, char *target, size_t tsize, char *python, size_t psize);

/* What a profile file says of how it was taken, for the samples st
 * counts: the targets and Python versions (sampler_describe), the wall
 * clock at the sampler's start, st's duration, samples, losses and
 * achieved rate, and the configuration's rate, aggregation and filters.
 * The one filler of profile_meta for every file a sampler's profile
 * becomes. */
struct profile_meta;
void sampler_meta(struct sampler *s, const struct profile_stats *st, struct profile_meta *m);

#endif
