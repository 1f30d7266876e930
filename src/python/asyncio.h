/*
 * python/asyncio: the asyncio tasks of a target, read from outside.
 *
 * A thread's stack shows only the task its event loop runs at that
 * instant; every other task is a coroutine object parked at an await. This
 * module finds every live task of the C implementation (_asyncio.Task,
 * and subclasses) and of the pure-Python one (asyncio.tasks._PyTask, read
 * through its __dict__), its name and state, its coroutine stack (the chain of coroutines each
 * awaiting the next, read from their suspended frames), what it waits on
 * and which tasks wait on it (the await graph), and the thread whose loop
 * runs it.
 *
 * Where the tasks are: 3.8-3.11 asyncio.tasks._all_tasks (a WeakSet);
 * 3.12-3.13 _scheduled_tasks (a WeakSet) and _eager_tasks (a set); 3.14+
 * a list per thread state and one per interpreter (for tasks of threads
 * that ended), and _scheduled_tasks for pure-Python tasks alone. Everything read is bounded and
 * checked: a task that changes while it is read is skipped and counted, never trusted.
 */
#ifndef PYTOP_PYTHON_ASYNCIO_H
#define PYTOP_PYTHON_ASYNCIO_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "python/stack.h"

struct py_target;
struct py_async_memo;
struct remote;

/* Bounds: tasks read in one call, and coroutines in one task's chain. */
#define PY_TASKS_MAX    100000
#define PY_CHAIN_MAX    256
#define PY_TASKNAME_MAX 64

enum py_task_state { PY_TASK_PENDING, PY_TASK_CANCELLED, PY_TASK_DONE, PY_TASK_RUNNING };

/* What a task waits on (its fut_waiter). */
enum py_await_kind {
    PY_AWAIT_NONE,      /* nothing: running, done, or scheduled to run */
    PY_AWAIT_TASK,      /* another task */
    PY_AWAIT_GATHER,    /* asyncio.gather's future over other tasks */
    PY_AWAIT_TASKGROUP, /* the exit of a TaskGroup, over its tasks */
    PY_AWAIT_FUTURE,    /* any other future */
};

struct py_task {
    uint64_t addr;
    uint64_t loop;
    int thread; /* index into the sample's threads; -1: no thread runs its loop */
    enum py_task_state state;
    char name[PY_TASKNAME_MAX];
    int first, nframes; /* its coroutine stack in py_tasks.frames, innermost first */
    enum py_await_kind await_kind;
    uint64_t awaited; /* the object it waits on (fut_waiter), 0 if none */
    char awaited_type[48];
    uint64_t callback0, callbacks; /* its done callbacks: the first, the list of more */
    int awaiter;                   /* the first task awaiting it (index into v), -1 if none */
};

/* waiter awaits awaited (indices into py_tasks.v); py_tasks.edges holds
 * each once, sorted by awaited task. */
struct py_task_edge {
    int waiter, awaited;
};

struct py_tasks {
    struct py_task *v;
    size_t n, cap;
    struct py_frame *frames;
    size_t nframes, frames_cap;
    struct py_task_edge *edges;
    size_t nedges, edges_cap;
    int *by_addr; /* indices of v sorted by address */
    size_t by_addr_cap;
    int unreadable;             /* tasks found but skipped: they changed while read */
    int asyncio;                /* the target has imported asyncio */
    struct py_async_memo *memo; /* what the next read can reuse (asyncio.c) */
    struct remote *mem;         /* its own reader of the target, with a replay cache */
    int section;                /* 3.14+: the AsyncioDebug section was looked at (1), or does
                                 * not fit (-1: why says how); 0 not yet */
    char why[256];
};

void py_tasks_init(struct py_tasks *ts);
void py_tasks_free(struct py_tasks *ts);

/* Read every task of t, with s the sample of its threads taken just
 * before (for the thread of each loop). Replaces the contents of ts. 0,
 * or -1 with err set when the target could not be read at all (it
 * exited); a target without asyncio has no tasks (ts->asyncio = 0). */
int pyasync_read(struct py_target *t, const struct py_sample *s, struct py_tasks *ts,
                 struct pt_error *err);

/* The index of the task at addr, or -1. */
int pyasync_find(const struct py_tasks *ts, uint64_t addr);

#endif
