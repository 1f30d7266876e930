/*
 * python/stack: one sample of every thread's Python stack.
 *
 * pystack_sample() walks interpreters -> thread states -> frames of a
 * running target without stopping it, so what it reads can change under
 * it: every chain is bounded and cycle-checked, and a thread whose frames
 * could not be read consistently is flagged (torn) rather than trusted.
 * The result lives in a struct py_sample that is reused from sample to
 * sample (no allocation once its arrays have grown).
 */
#ifndef PYTOP_PYTHON_STACK_H
#define PYTOP_PYTHON_STACK_H

#include <stdint.h>
#include <sys/types.h>

#include "error.h"

struct py_target;

/* Frames beyond this depth are dropped (the thread is marked truncated). */
#define PY_MAX_DEPTH        4096
#define PY_MAX_THREADS      4096
#define PY_MAX_INTERPRETERS 256

struct py_frame {
    uint32_t code; /* id in the target's code cache */
    int32_t line;
    uint64_t addr;  /* the frame in the target (for locals) */
    uint32_t group; /* which call of the eval loop runs it: 0 for the innermost
                     * call, counting outwards (3.8-3.10: one frame per call;
                     * 3.11+: a call runs the frames up to its entry frame) */
};

struct py_thread {
    uint64_t tstate;   /* PyThreadState address */
    uint64_t pthread;  /* thread_id: pthread_t */
    pid_t tid;         /* kernel thread id; 0 if unknown */
    int64_t interp_id; /* index of its interpreter in the runtime's list */
    int gil;           /* holds the GIL */
    char os_state;     /* kernel state letter ('R' running, 'S' sleeping...), 0 unknown */
    int torn;          /* a frame could not be read: frames are partial */
    int skipped;       /* py_sample.want declined its frames: nframes 0 */
    int truncated;     /* deeper than PY_MAX_DEPTH */
    int first;         /* index of its innermost frame in py_sample.frames */
    int nframes;
    int first_entry; /* 3.12+: its eval loop calls' entry frames, innermost */
    int nentries;    /* first, at py_sample.entries[first_entry...] */
};

struct py_sample {
    struct py_thread *threads;
    int nthreads;
    size_t threads_cap;
    struct py_frame *frames;
    int nframes;
    size_t frames_cap;
    /* Addresses of the frames that start each call of the eval loop
     * (3.12+; on the C stack, inside that call's native frame). */
    uint64_t *entries;
    int nentries;
    size_t entries_cap;
    int gil_locked; /* some thread holds the GIL */
    /* Optional, set by the caller: asked for each thread that does not
     * hold the GIL, once its thread state is read; 0 leaves its frames
     * unread (a sampler that drops idle threads reads only the stacks it
     * keeps: each one read is a page or more copied every tick). */
    int (*want)(void *arg, const struct py_thread *th);
    void *want_arg;
};

void py_sample_init(struct py_sample *s);
void py_sample_free(struct py_sample *s);

/* Read every thread's stack. 0 on success (threads may individually be
 * torn); -1 with PT_E_GONE if the process exited, PT_E_TORN if the thread
 * list itself was inconsistent, PT_E_PERM, PT_E_READ otherwise. */
int pystack_sample(struct py_target *t, struct py_sample *s, struct pt_error *err);

/* The code and line of a frame that is on no thread's stack: a suspended
 * generator's or coroutine's (3.8-3.10: its PyFrameObject; 3.11+: the
 * _PyInterpreterFrame inside the generator object) at addr. 0, or -1 if
 * it does not read as a frame. */
int pystack_frame(struct py_target *t, uint64_t addr, struct py_frame *out);

#endif
