/*
 * profile: where the samples go. The sampler thread adds stacks; readers
 * (the writers of record, the live view) take consistent copies.
 *
 * Everything sampled is one call tree (struct calltree) whose leaves
 * count samples; the last PROFILE_WINDOW seconds are kept beside it as
 * per-second counts of leaf nodes of that same tree, so the window costs
 * memory per distinct stack and second, not per sample. A mutex guards
 * both and is held only to add one sample or to copy for a reader.
 *
 * Adding a sample must be cheap: a memo maps a hash of the whole stack to
 * its leaf (a program mostly repeats its stacks), and only the leaf's self
 * count is kept up to date; totals are summed when a reader takes a copy.
 */
#ifndef PYTOP_PROFILE_H
#define PYTOP_PROFILE_H

#include <pthread.h>
#include <stdint.h>

#include "calltree.h"
#include "error.h"
#include "hindex.h"

#define PROFILE_WINDOW 10

/* Why a sample could not be taken. */
enum lost_reason {
    LOST_TORN,       /* the target changed while read */
    LOST_GONE,       /* the process exited */
    LOST_THREAD,     /* the thread exited between listing and reading */
    LOST_PERMISSION, /* not allowed to read it */
    LOST_OTHER,      /* any other read failure */
    LOST_LATE,       /* the sampler fell behind its schedule: tick skipped */
    LOST_UNWIND,     /* --native: the thread's native stack could not be unwound */
    LOST_COUNT
};

struct profile_stats {
    uint64_t samples; /* stacks added */
    uint64_t ticks;   /* sampler ticks done */
    uint64_t lost[LOST_COUNT];
    uint64_t lost_total;
    uint64_t gil_ticks;    /* ticks on which some thread held the GIL */
    uint64_t target_ticks; /* (target, tick) pairs sampled: the GIL % base */
    double elapsed;        /* seconds since the first tick */
    uint64_t pauses;       /* --blocking / --native: times a process was paused */
    uint64_t pause_ns;     /* ... and how long it stayed paused, in all */
};

/* One second of the window: leaf node -> samples, an open-addressing
 * table (slots hold node + 1, 0 is empty). */
struct bucket_count {
    uint32_t leaf; /* node of the tree */
    uint64_t count;
};

struct profile_bucket {
    int64_t second;         /* which second since start; -1 = unused */
    struct bucket_count *v; /* the leaves counted in that second */
    size_t n, cap;
    struct hindex index; /* of v by leaf */
};

struct profile_memo {
    uint64_t hash; /* of the frames of the stack; 0 = empty */
    uint32_t leaf;
    uint32_t depth;
};

#define PROFILE_MEMO_SIZE 65536

struct profile {
    pthread_mutex_t lock;
    struct calltree tree; /* self counts only: see profile_snapshot */
    struct profile_memo *memo;
    struct profile_bucket window[PROFILE_WINDOW];
    struct profile_stats stats;
};

/* 0, or -1 (PT_E_NOMEM). */
int profile_init(struct profile *p, struct pt_error *err);
void profile_free(struct profile *p);

/* Add count samples of one stack (calltree frame ids of p->tree, root
 * first), taken `second` whole seconds after the start. The frame ids must
 * come from profile_frame. 0, or -1 if out of memory. */
int profile_add(struct profile *p, const uint32_t *frames, int n, int64_t second);

/* Intern a frame in the profile's tree (under the lock), with a native
 * frame's source file (src, "" for none), where its file lives (enum
 * ct_origin) and its function's first line (0 unknown). 0 or -1. */
int profile_frame(struct profile *p, int kind, const char *name, const char *file, const char *src,
                  int line, int origin, int def_line, uint32_t *id);

/* Add count samples of the stack frames[0..n) (frame ids of p, root
 * first) to dst, a tree with frames of its own: each frame is interned
 * in dst by its name, file and line. How watch turns the stacks of one
 * request into a profile of that request alone. 0, or -1 when out of
 * memory. */
int profile_export(struct profile *p, const uint32_t *frames, int n, uint64_t count,
                   struct calltree *dst);

/* Count a lost sample, or a tick, with the time since start. */
void profile_lost(struct profile *p, enum lost_reason why);
void profile_tick(struct profile *p, double elapsed, int targets, int gil_held);
/* The achieved sampling rate of st, in ticks per second: n ticks span
 * n - 1 periods, the first being at time 0. The one answer for every
 * place that shows it (the live view, record's summary, files' titles). */
double profile_achieved_rate(const struct profile_stats *st);

/* Count one pause of a process (--blocking, --native) of ns nanoseconds. */
void profile_pause(struct profile *p, uint64_t ns);

/* Forget every sample (the live view's reset); frames stay interned. */
void profile_reset(struct profile *p);

/* Consistent copies for a reader: all samples into *all (if not NULL),
 * the last `seconds` seconds (<= PROFILE_WINDOW) before second `now` into
 * *window (if not NULL), and the counters. Trees are initialized here;
 * the caller frees them. 0, or -1 (PT_E_NOMEM). */
int profile_snapshot(struct profile *p, struct calltree *all, struct calltree *window, int64_t now,
                     int seconds, struct profile_stats *stats, struct pt_error *err);

/* A short name of a lost reason ("torn", "process gone", ...). */
const char *profile_lost_name(enum lost_reason why);

#endif
