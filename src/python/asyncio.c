/*
 * python/asyncio: the tasks of a target's event loops. See asyncio.h.
 *
 * The fields of _asyncio's FutureObj, TaskObj and FutureIter (private to
 * Modules/_asynciomodule.c) are in the layout table, measured on each
 * interpreter by tests/layout/probe_asyncio.py. A coroutine's stack is
 * followed the way CPython's own cr_await does (_PyGen_yf in
 * Objects/genobject.c): a coroutine paused in an await holds what it
 * awaits near the top of its frame's value stack.
 */
#include "config.h"
#include "python/asyncio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "python/layout.h"
#include "python/objects.h"
#include "python/pystr.h"
#include "python/target.h"
#include "remote/elf.h"
#include "remote/maps.h"
#include "util.h"

/* Future states (fut_state in Modules/_asynciomodule.c, unchanged since
 * 3.4). */
#define FUT_PENDING   0
#define FUT_CANCELLED 1
#define FUT_FINISHED  2

/* 3.10's FRAME_SUSPENDED (enum _framestate, Include/cpython/frameobject.h). */
#define FRAME_SUSPENDED_310 (-1)

/* Loops of one read: their address and the thread running them. */
#define LOOPS_MAX 64

/* What a link of a coroutine chain is, by its type's name. */
enum link_kind {
    LINK_OTHER,   /* a future, a task, anything else: the chain ends */
    LINK_GEN,     /* coroutine, generator, async generator: has a frame */
    LINK_WRAPPER, /* async_generator_asend / _athrow, coroutine_wrapper: the
                   * generator is the first field after the object header
                   * (Objects/genobject.c) */
    LINK_FUTITER, /* _asyncio.FutureIter: what awaiting a C future yields */
};

#define TYPE_CACHE 32
#define TASK_TYPES 8

/* The task reader's replay cache holds this many times the stack
 * sampler's (asyncio.h: 1,000 tasks touch some 30,000 small ranges). */
#define TASKS_CACHE_SCALE 16

/* What one read learns that the next can use: the registries' objects,
 * the kind of each type met, the thread of each loop. Forgotten every
 * MEMO_TTL_NS, for a module may be reloaded and a freed loop's address
 * reused; looked for again every MEMO_RETRY_NS while asyncio is not
 * imported yet. Refreshing costs some 150 reads, so at 100 Hz a TTL of
 * one second was one read and a half per tick. */
#define MEMO_TTL_NS   10000000000ull
#define MEMO_RETRY_NS 1000000000ull

struct py_async_memo {
    uint64_t made_ns;
    int resolved;     /* the registries below were looked up */
    int asyncio;      /* asyncio.tasks is imported */
    uint64_t weakset; /* 3.8-3.13: the set in _all_tasks / _scheduled_tasks */
    uint64_t eager;   /* 3.12-3.13: _eager_tasks */
    uint64_t current; /* 3.8-3.13: _current_tasks */
    uint64_t loops[LOOPS_MAX];
    uint64_t loop_idents[LOOPS_MAX]; /* pthread_self() of the thread running each */
    int nloops;
    uint64_t type_addr[TYPE_CACHE];
    enum link_kind type_kind[TYPE_CACHE];
    int ntypes;
    uint64_t task_type[TASK_TYPES]; /* the types of tasks met */
    int task_pure[TASK_TYPES];      /* ... and whether each is a pure-Python Task */
    int ntask_types;
};

struct reader {
    struct py_target *t;
    const struct py_sample *s;
    struct py_tasks *ts;
    struct py_async_memo *m;
};

void py_tasks_init(struct py_tasks *ts)
{
    memset(ts, 0, sizeof *ts);
}

void py_tasks_free(struct py_tasks *ts)
{
    free(ts->v);
    free(ts->frames);
    free(ts->edges);
    free(ts->by_addr);
    free(ts->memo);
    if (ts->mem != NULL) {
        remote_close(ts->mem);
        free(ts->mem);
    }
    py_tasks_init(ts);
}

static int rd(struct py_target *t, uint64_t addr, uint64_t *v)
{
    return addr == 0 ? -1 : remote_read(&t->mem, addr, v, sizeof *v);
}

/* --- The set of tasks. --- */

static int add_task(struct reader *r, uint64_t addr, int thread)
{
    struct py_tasks *ts = r->ts;
    if (addr == 0 || (addr & 7) != 0 || ts->n >= PY_TASKS_MAX)
        return 0;
    if (vec_reserve((void **)&ts->v, &ts->cap, sizeof *ts->v, ts->n + 1) != 0)
        return -1;
    struct py_task *k = &ts->v[ts->n++];
    memset(k, 0, sizeof *k);
    k->addr = addr;
    k->thread = thread;
    return 0;
}

static int by_addr_cmp(const void *a, const void *b, void *ctx)
{
    const struct py_task *v = ctx;
    uint64_t x = v[*(const int *)a].addr, y = v[*(const int *)b].addr;
    return x < y ? -1 : x > y;
}

/* Sort the index by address and drop tasks found twice (a task in two
 * registries, or met twice in a list that moved). */
static int index_tasks(struct py_tasks *ts)
{
    if (vec_reserve((void **)&ts->by_addr, &ts->by_addr_cap, sizeof *ts->by_addr, ts->n + 1) != 0)
        return -1;
    for (size_t i = 0; i < ts->n; i++)
        ts->by_addr[i] = (int)i;
    qsort_r(ts->by_addr, ts->n, sizeof *ts->by_addr, by_addr_cmp, ts->v);
    size_t kept = 0;
    for (size_t i = 0; i < ts->n; i++) {
        int k = ts->by_addr[i];
        if (kept > 0 && ts->v[ts->by_addr[kept - 1]].addr == ts->v[k].addr) {
            /* keep the one that knows its thread */
            if (ts->v[k].thread >= 0)
                ts->v[ts->by_addr[kept - 1]].thread = ts->v[k].thread;
            ts->v[k].addr = 0;
            continue;
        }
        ts->by_addr[kept++] = k;
    }
    /* Compact v to the kept tasks, in address order. */
    struct py_task *v = malloc((kept + 1) * sizeof *v);
    if (v == NULL)
        return -1;
    for (size_t i = 0; i < kept; i++)
        v[i] = ts->v[ts->by_addr[i]];
    if (kept > 0)
        memcpy(ts->v, v, kept * sizeof *v);
    free(v);
    ts->n = kept;
    for (size_t i = 0; i < kept; i++)
        ts->by_addr[i] = (int)i;
    return 0;
}

int pyasync_find(const struct py_tasks *ts, uint64_t addr)
{
    size_t lo = 0, hi = ts->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        uint64_t a = ts->v[ts->by_addr[mid]].addr;
        if (a == addr)
            return ts->by_addr[mid];
        if (a < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

struct weak_ctx {
    struct reader *r;
    int weak; /* items are weak references */
};

static int add_registered(void *ctx, uint64_t item, uint64_t value)
{
    struct weak_ctx *c = ctx;
    (void)value;
    uint64_t task = item;
    if (c->weak) {
        /* A dead reference points at None. */
        char tname[16];
        if (rd(c->r->t, item + c->r->t->lay.weakref_object, &task) != 0 ||
            pyobj_type_name(c->r->t, task, tname, sizeof tname) != 0 ||
            strcmp(tname, "NoneType") == 0)
            return 0;
    }
    return add_task(c->r, task, -1) != 0;
}

/* 3.14+: the _asyncio module's own table of its offsets, the section
 * .AsyncioDebug of its image (Modules/_asynciomodule.c,
 * GENERATE_DEBUG_SECTION): in lib-dynload's _asyncio.cpython-3X-*.so, or
 * in the interpreter's own file when the module is built in. Looked for
 * once asyncio is imported. 1 if found and applied, 0 if there is none
 * (the table stands: tests/layout/check holds it to the section of
 * each version pytop knows), -1 if it does not fit (*why says how). */
static int apply_asyncio_section(struct py_target *t, char *why, size_t size)
{
    struct maps m;
    if (maps_read(t->pid, &m, NULL) != 0)
        return 0;
    int rc = 0;
    const char *last = "";
    for (size_t i = 0; i < m.n && rc == 0; i++) {
        const struct map_entry *e = &m.v[i];
        const char *base = path_base(e->path);
        if (e->path[0] != '/' || strcmp(e->path, last) == 0 ||
            (strncmp(base, "_asyncio.", 9) != 0 && strcmp(e->path, t->bin.path) != 0))
            continue;
        last = e->path;
        struct elf_file ef;
        char open_path[4200];
        const uint8_t *data;
        uint64_t len;
        if (elf_open_mapping(t->pid, e, &ef, open_path, sizeof open_path) != 0)
            continue;
        if (elf_section_data(&ef, ".AsyncioDebug", &data, &len) == 0) {
            const char *bad = layout_apply_asyncio_offsets(&t->lay, data, (size_t)len);
            if (bad != NULL)
                snprintf(why, size,
                         "the .AsyncioDebug section of %s does not fit pytop's table (%s)", e->path,
                         bad);
            rc = bad == NULL ? 1 : -1;
        }
        elf_close(&ef);
    }
    maps_free(&m);
    return rc;
}

/* Look the registries up in sys.modules: a scan of its keys, so once per
 * memo, not per read. */
static void resolve(struct reader *r)
{
    struct py_target *t = r->t;
    struct py_async_memo *m = r->m;
    uint64_t mod, task_type;
    if (m->resolved)
        return;
    m->resolved = 1;
    if (pyobj_module(t, "asyncio.tasks", &mod) != 0)
        return;
    if (layout_has(t->lay.ts_asyncio_tasks)) { /* 3.14+: the lists need no lookup */
        m->asyncio = pyobj_getattr(t, mod, "Task", &task_type) == 0;
        if (m->asyncio && r->ts->section == 0)
            r->ts->section = apply_asyncio_section(t, r->ts->why, sizeof r->ts->why) < 0 ? -1 : 1;
        /* Only pure-Python tasks are in _scheduled_tasks now
         * (Modules/_asynciomodule.c: _register_task keeps a native one in
         * its thread's list): asyncio.all_tasks() does not list them. */
        uint64_t weakset;
        if (m->asyncio && pyobj_getattr(t, mod, "_scheduled_tasks", &weakset) == 0)
            pyobj_getattr(t, weakset, "data", &m->weakset);
        return;
    }
    const char *weak_name = t->lay.minor >= 12 ? "_scheduled_tasks" : "_all_tasks";
    uint64_t weakset;
    /* The WeakSet's set of references: made by its __init__, never
     * replaced (Lib/_weakrefset.py). */
    m->asyncio = pyobj_getattr(t, mod, weak_name, &weakset) == 0 &&
                 pyobj_getattr(t, weakset, "data", &m->weakset) == 0;
    if (!m->asyncio)
        return;
    if (t->lay.minor >= 12)
        pyobj_getattr(t, mod, "_eager_tasks", &m->eager);
    pyobj_getattr(t, mod, "_current_tasks", &m->current);
}

/* 3.8-3.13: the registries of asyncio.tasks. */
static int collect_registered(struct reader *r)
{
    struct py_target *t = r->t;
    struct weak_ctx c = {r, 1};
    if (pyobj_each(t, r->m->weakset, PY_TASKS_MAX, add_registered, &c) < 0)
        r->ts->unreadable++;
    c.weak = 0;
    if (r->m->eager != 0 && pyobj_each(t, r->m->eager, PY_TASKS_MAX, add_registered, &c) < 0)
        r->ts->unreadable++;
    return 0;
}

/* 3.14+: the circular list of tasks at head (a struct llist_node: next,
 * prev), each linked through its task_node. */
static void collect_list(struct reader *r, uint64_t head, int thread)
{
    struct py_target *t = r->t;
    uint64_t node;
    if (rd(t, head, &node) != 0 || node == 0)
        return;
    for (size_t n = 0; node != head; n++) {
        if (n >= PY_TASKS_MAX || node < t->lay.task_node) {
            r->ts->unreadable++;
            return;
        }
        add_task(r, node - t->lay.task_node, thread);
        if (rd(t, node, &node) != 0 || node == 0) {
            r->ts->unreadable++;
            return;
        }
    }
}

static void collect_lists(struct reader *r)
{
    struct py_target *t = r->t;
    const struct py_layout *lay = &t->lay;
    for (int i = 0; i < r->s->nthreads; i++)
        collect_list(r, r->s->threads[i].tstate + lay->ts_asyncio_tasks, i);
    uint64_t interp;
    if (rd(t, t->bin.runtime_addr + lay->rt_interp_head, &interp) == 0)
        collect_list(r, interp + lay->interp_asyncio_tasks, -1);
}

/* --- Loops, threads and the running task. --- */

/* The loop thread k runs, or 0: from 3.13 a field of its thread state;
 * before, the entry __asyncio_running_event_loop__ of its thread state's
 * dict, in a _RunningLoopHolder up to 3.11 (Modules/_asynciomodule.c,
 * set_running_loop). Every loop that tells asyncio it runs is there:
 * uvloop's too, which has no _thread_id attribute to read. */
static uint64_t running_loop(struct reader *r, int k)
{
    const struct py_layout *lay = &r->t->lay;
    uint64_t ts = r->s->threads[k].tstate, loop = 0, dict;
    if (layout_has(lay->ts_asyncio_loop))
        return rd(r->t, ts + lay->ts_asyncio_loop, &loop) == 0 ? loop : 0;
    if (!layout_has(lay->ts_dict) || rd(r->t, ts + lay->ts_dict, &dict) != 0 || dict == 0 ||
        pyobj_dict_get(r->t, dict, "__asyncio_running_event_loop__", &loop) != 0)
        return 0;
    if (layout_has(lay->holder_loop) && rd(r->t, loop + lay->holder_loop, &loop) != 0)
        return 0;
    return loop;
}

/* The thread running loop, or -1: the thread that has it as its running
 * loop, else (asyncio without its C module keeps that in a
 * threading.local) the loop's _thread_id, set by
 * BaseEventLoop.run_forever. */
static int loop_thread(struct reader *r, uint64_t loop)
{
    struct py_async_memo *m = r->m;
    uint64_t ident = 0, id_obj;
    int known = 0;
    for (int i = 0; i < m->nloops && !known; i++)
        if (m->loops[i] == loop) {
            ident = m->loop_idents[i];
            known = 1;
        }
    if (!known) {
        for (int k = 0; k < r->s->nthreads && !known; k++)
            if (running_loop(r, k) == loop) {
                ident = r->s->threads[k].pthread;
                known = 1;
            }
        if (!known && pyobj_getattr(r->t, loop, "_thread_id", &id_obj) == 0 &&
            pyobj_uint(r->t, id_obj, &ident) == 0)
            known = 1;
        if (!known)
            return -1; /* not running yet: asked again next time */
        if (m->nloops < LOOPS_MAX) {
            m->loops[m->nloops] = loop;
            m->loop_idents[m->nloops++] = ident;
        }
    }
    /* The memo keeps the thread's identity: its index in the sample
     * changes as threads come and go. */
    for (int k = 0; k < r->s->nthreads; k++)
        if (r->s->threads[k].pthread == ident)
            return k;
    return -1;
}

static int mark_running(void *ctx, uint64_t loop, uint64_t task)
{
    struct reader *r = ctx;
    (void)loop;
    int k = pyasync_find(r->ts, task);
    if (k >= 0)
        r->ts->v[k].state = PY_TASK_RUNNING;
    return 0;
}

static void find_running(struct reader *r)
{
    struct py_target *t = r->t;
    if (layout_has(t->lay.ts_asyncio_task)) {
        for (int i = 0; i < r->s->nthreads; i++) {
            uint64_t task;
            if (rd(t, r->s->threads[i].tstate + t->lay.ts_asyncio_task, &task) == 0 && task != 0)
                mark_running(r, 0, task);
        }
        return;
    }
    if (r->m->current != 0) /* {loop: task} */
        pyobj_each(t, r->m->current, LOOPS_MAX, mark_running, r);
}

/* --- Coroutine stacks. --- */

/* What kind of link obj is, by its type (the memo's kind of each type
 * met: no name compared twice). */
static enum link_kind link_kind(struct reader *r, uint64_t obj)
{
    struct py_async_memo *m = r->m;
    uint64_t type;
    if (rd(r->t, obj + r->t->lay.ob_type, &type) != 0)
        return LINK_OTHER;
    for (int i = 0; i < m->ntypes; i++)
        if (m->type_addr[i] == type)
            return m->type_kind[i];
    char name[48];
    if (pyobj_type_name(r->t, obj, name, sizeof name) != 0)
        return LINK_OTHER;
    enum link_kind kind = LINK_OTHER;
    if (!strcmp(name, "coroutine") || !strcmp(name, "generator") ||
        !strcmp(name, "async_generator"))
        kind = LINK_GEN;
    else if (!strcmp(name, "async_generator_asend") || !strcmp(name, "async_generator_athrow") ||
             !strcmp(name, "coroutine_wrapper"))
        kind = LINK_WRAPPER;
    else if (!strcmp(name, "_asyncio.FutureIter"))
        kind = LINK_FUTITER;
    if (m->ntypes < TYPE_CACHE) {
        m->type_addr[m->ntypes] = type;
        m->type_kind[m->ntypes++] = kind;
    }
    return kind;
}

/* Is obj's type named type? */
static int type_is(struct reader *r, uint64_t obj, const char *type)
{
    char name[48];
    return pyobj_type_name(r->t, obj, name, sizeof name) == 0 && strcmp(name, type) == 0;
}

static int push_frame(struct py_tasks *ts, const struct py_frame *f)
{
    if (vec_reserve((void **)&ts->frames, &ts->frames_cap, sizeof *ts->frames, ts->nframes + 1) !=
        0)
        return -1;
    ts->frames[ts->nframes++] = *f;
    return 0;
}

/* The object a suspended frame at `frame` awaits: gen_yf_slot slots
 * below the top of its value stack. 0 if none. */
static uint64_t awaited_on_stack(struct py_target *t, uint64_t frame)
{
    const struct py_layout *lay = &t->lay;
    uint64_t top, yf;
    if (layout_has(lay->fr_stackpointer)) {
        if (rd(t, frame + lay->fr_stackpointer, &top) != 0 || top == 0)
            return 0; /* 3.8-3.9: NULL while the frame runs */
    } else {
        int32_t depth;
        uint64_t base = frame + lay->fr_localsplus;
        if (remote_read(&t->mem, frame + lay->fr_stackdepth, &depth, sizeof depth) != 0 ||
            depth < (int32_t)lay->gen_yf_slot || depth > 1 << 20)
            return 0;
        if (layout_has(lay->fr_valuestack) && rd(t, frame + lay->fr_valuestack, &base) != 0)
            return 0;
        top = base + 8 * (uint64_t)depth;
    }
    if (rd(t, top - 8 * (uint64_t)lay->gen_yf_slot, &yf) != 0)
        return 0;
    /* 3.14+: stack slots are _PyStackRefs, tagged in their low bits. */
    return yf & ~(uint64_t)lay->fr_tag_bits;
}

/* One generator of a chain: push its frame; *next = what it awaits if it
 * is paused in an await, else 0. 0, or -1 if it could not be read. */
static int gen_link(struct reader *r, uint64_t gen, uint64_t *next)
{
    struct py_target *t = r->t;
    const struct py_layout *lay = &t->lay;
    struct py_frame f;
    uint64_t frame;
    int suspended;
    *next = 0;
    if (layout_has(lay->gen_frame)) { /* 3.8-3.10: a frame object, NULL once done */
        if (rd(t, gen + lay->gen_frame, &frame) != 0)
            return -1;
        if (frame == 0)
            return 0;
        if (layout_has(lay->fr_state_enum)) { /* 3.10 */
            int8_t state;
            if (remote_read(&t->mem, frame + lay->fr_state, &state, 1) != 0)
                return -1;
            suspended = state == FRAME_SUSPENDED_310;
        } else {
            suspended = 1; /* 3.8-3.9: f_stacktop says (awaited_on_stack) */
        }
    } else {
        int8_t state;
        if (remote_read(&t->mem, gen + lay->gen_frame_state, &state, 1) != 0)
            return -1;
        suspended = state >= -8 && state < 24 && (lay->gen_suspended_states >> (state + 8)) & 1;
        frame = gen + lay->gen_iframe;
    }
    if (pystack_frame(t, frame, &f) != 0)
        return -1;
    if (push_frame(r->ts, &f) != 0)
        return -1;
    if (suspended)
        *next = awaited_on_stack(t, frame);
    return 0;
}

/* Read task k's coroutine stack, innermost first. */
static int read_chain(struct reader *r, struct py_task *k, uint64_t coro)
{
    struct py_tasks *ts = r->ts;
    size_t first = ts->nframes;
    uint64_t obj = coro;
    int rc = 0;
    /* A pending task runs a coroutine (or a generator): anything else was
     * read from a task freed meanwhile (tasks come and go by thousands a
     * second in a busy server). */
    enum link_kind first_kind = link_kind(r, obj);
    if (first_kind != LINK_GEN && first_kind != LINK_WRAPPER)
        return -1;
    for (int depth = 0; obj != 0 && depth < PY_CHAIN_MAX && rc == 0; depth++) {
        enum link_kind kind = link_kind(r, obj);
        if (kind == LINK_GEN)
            rc = gen_link(r, obj, &obj);
        else if (kind == LINK_WRAPPER)
            rc = rd(r->t, obj + 16, &obj);
        else
            break;
    }
    /* Frames were pushed outermost first. */
    for (size_t i = first, j = ts->nframes; i + 1 < j; i++, j--) {
        struct py_frame tmp = ts->frames[i];
        ts->frames[i] = ts->frames[j - 1];
        ts->frames[j - 1] = tmp;
    }
    k->first = (int)first;
    k->nframes = (int)(ts->nframes - first);
    /* A link that would not read ends the stack where it was: what was
     * read is right, only shorter (the coroutine resumed meanwhile). */
    return rc < 0 && k->nframes == 0 ? -1 : 0;
}

/* --- One task. --- */

/* A task's name: a str, or from 3.12 the number of a task asyncio named,
 * kept as an int until asked (Modules/_asynciomodule.c, TaskObj_get_name:
 * "Task-%S"). The type says which: an int's bytes read as a str would
 * pass pystr's checks often enough. */
static int read_name(struct reader *r, uint64_t name, char *out, size_t size)
{
    struct py_target *t = r->t;
    uint64_t number;
    char type[16];
    out[0] = '\0';
    if (pyobj_type_name(t, name, type, sizeof type) != 0)
        return -1;
    if (strcmp(type, "str") == 0)
        return pystr_read(&t->mem, &t->lay, name, out, size);
    if (strcmp(type, "int") == 0 && pyobj_uint(t, name, &number) == 0) {
        snprintf(out, size, "Task-%llu", (unsigned long long)number);
        return 0;
    }
    return -1;
}

/* The bytes of a TaskObj pytop reads: up to its last field read. */
static uint32_t task_bytes(const struct py_layout *lay)
{
    uint32_t fields[] = {lay->fut_loop,     lay->fut_state + 4 - 8, lay->task_coro,
                         lay->task_name,    lay->task_fut_waiter,   lay->fut_callback0,
                         lay->fut_callbacks};
    uint32_t end = 0;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (fields[i] + 8 > end)
            end = fields[i] + 8;
    return end;
}

/* Is task a pure-Python Task (asyncio.tasks._PyTask, what asyncio uses
 * without its C module), whose fields are in its __dict__? By its type,
 * the first task of each type asked: _asyncio.Task is not; a subclass of
 * it has the C fields and no _coro in its dict. */
static int pure_task(struct reader *r, uint64_t task)
{
    struct py_async_memo *m = r->m;
    uint64_t type, coro;
    char name[32];
    if (rd(r->t, task + r->t->lay.ob_type, &type) != 0)
        return 0;
    for (int i = 0; i < m->ntask_types; i++)
        if (m->task_type[i] == type)
            return m->task_pure[i];
    int pure = pyobj_type_name(r->t, task, name, sizeof name) == 0 &&
               strcmp(name, "_asyncio.Task") != 0 && pyobj_getattr(r->t, task, "_coro", &coro) == 0;
    if (m->ntask_types < TASK_TYPES) {
        m->task_type[m->ntask_types] = type;
        m->task_pure[m->ntask_types++] = pure;
    }
    return pure;
}

/* What read_task needs of a task, from its C fields or its __dict__. */
struct task_fields {
    int32_t state;
    uint64_t coro, name, waiter;
};

static int c_task_fields(struct reader *r, struct py_task *k, struct task_fields *f)
{
    struct py_target *t = r->t;
    const struct py_layout *lay = &t->lay;
    uint8_t obj[512];
    uint32_t size = task_bytes(lay);
    if (size > sizeof obj || remote_read(&t->mem, k->addr, obj, size) != 0)
        return -1;
    k->loop = load_u64(obj, lay->fut_loop);
    f->state = load_i32(obj, lay->fut_state);
    f->coro = load_u64(obj, lay->task_coro);
    f->name = load_u64(obj, lay->task_name);
    f->waiter = load_u64(obj, lay->task_fut_waiter);
    k->callback0 = load_u64(obj, lay->fut_callback0);
    k->callbacks = load_u64(obj, lay->fut_callbacks);
    return 0;
}

/* A pure-Python Task's attributes (Lib/asyncio/futures.py, tasks.py):
 * _state is a class attribute until the future is done, and its values
 * are the strings "PENDING", "CANCELLED" and "FINISHED"; an empty
 * _fut_waiter is None. */
static int py_task_fields(struct reader *r, struct py_task *k, struct task_fields *f)
{
    struct py_target *t = r->t;
    uint64_t state;
    char text[16];
    if (pyobj_getattr(t, k->addr, "_loop", &k->loop) != 0 ||
        pyobj_getattr(t, k->addr, "_coro", &f->coro) != 0 ||
        pyobj_getattr(t, k->addr, "_name", &f->name) != 0)
        return -1;
    f->state = FUT_PENDING;
    if (pyobj_getattr(t, k->addr, "_state", &state) == 0 &&
        pystr_read(&t->mem, &t->lay, state, text, sizeof text) == 0)
        f->state = !strcmp(text, "CANCELLED")  ? FUT_CANCELLED
                   : !strcmp(text, "FINISHED") ? FUT_FINISHED
                                               : FUT_PENDING;
    if (pyobj_getattr(t, k->addr, "_fut_waiter", &f->waiter) != 0 ||
        type_is(r, f->waiter, "NoneType"))
        f->waiter = 0;
    if (pyobj_getattr(t, k->addr, "_callbacks", &k->callbacks) != 0)
        k->callbacks = 0;
    k->callback0 = 0;
    return 0;
}

static int read_task(struct reader *r, struct py_task *k)
{
    struct py_target *t = r->t;
    struct task_fields f;
    int pure = pure_task(r, k->addr);
    if ((pure ? py_task_fields(r, k, &f) : c_task_fields(r, k, &f)) != 0)
        return -1;
    if (f.state < FUT_PENDING || f.state > FUT_FINISHED || k->loop == 0)
        return -1;
    if (k->state != PY_TASK_RUNNING)
        k->state = f.state == FUT_PENDING     ? PY_TASK_PENDING
                   : f.state == FUT_CANCELLED ? PY_TASK_CANCELLED
                                              : PY_TASK_DONE;
    if (read_name(r, f.name, k->name, sizeof k->name) != 0)
        return -1; /* not a task's name: read from a task freed meanwhile */
    /* 3.14+: a native task's thread is the list it was found in. */
    if (k->thread < 0 && (pure || !layout_has(t->lay.ts_asyncio_tasks)))
        k->thread = loop_thread(r, k->loop);
    k->awaited = f.waiter;
    k->await_kind = f.waiter != 0 ? PY_AWAIT_FUTURE : PY_AWAIT_NONE;
    if (f.waiter != 0 && pyobj_type_name(t, f.waiter, k->awaited_type, sizeof k->awaited_type) != 0)
        snprintf(k->awaited_type, sizeof k->awaited_type, "?");
    if (k->state == PY_TASK_PENDING || k->state == PY_TASK_RUNNING)
        return f.coro != 0 ? read_chain(r, k, f.coro) : 0;
    return 0;
}

/* --- The await graph. --- */

static int add_edge(struct py_tasks *ts, int waiter, int awaited)
{
    if (waiter < 0 || awaited < 0 || waiter == awaited)
        return 0;
    if (vec_reserve((void **)&ts->edges, &ts->edges_cap, sizeof *ts->edges, ts->nedges + 1) != 0)
        return -1;
    ts->edges[ts->nedges++] = (struct py_task_edge){waiter, awaited};
    return 0;
}

struct edge_ctx {
    struct reader *r;
    int task;
    int found;
};

static int gather_child(void *ctx, uint64_t item, uint64_t value)
{
    struct edge_ctx *c = ctx;
    (void)value;
    int k = pyasync_find(c->r->ts, item);
    if (k >= 0) {
        c->found++;
        add_edge(c->r->ts, c->task, k);
    }
    return 0;
}

/* A done callback of task c: TaskGroup._on_task_done, a method of the
 * group, whose _parent_task waits in the group's exit for c. */
static int group_callback(void *ctx, uint64_t cb, uint64_t value)
{
    struct edge_ctx *c = ctx;
    struct py_target *t = c->r->t;
    uint64_t self, parent;
    (void)value;
    if (type_is(c->r, cb, "tuple") && rd(t, cb + t->lay.tuple_item, &cb) != 0)
        return 0; /* (callback, context) */
    if (!type_is(c->r, cb, "method") || rd(t, cb + t->lay.meth_self, &self) != 0 ||
        pyobj_getattr(t, self, "_parent_task", &parent) != 0)
        return 0;
    int p = pyasync_find(c->r->ts, parent);
    if (p < 0)
        return 0;
    add_edge(c->r->ts, p, c->task);
    struct py_task *pk = &c->r->ts->v[p];
    if (pk->await_kind == PY_AWAIT_FUTURE || pk->await_kind == PY_AWAIT_NONE)
        pk->await_kind = PY_AWAIT_TASKGROUP;
    return 0;
}

static int edge_cmp(const void *a, const void *b)
{
    const struct py_task_edge *x = a, *y = b;
    if (x->awaited != y->awaited)
        return x->awaited < y->awaited ? -1 : 1;
    return (x->waiter > y->waiter) - (x->waiter < y->waiter);
}

static void link_tasks(struct reader *r)
{
    struct py_tasks *ts = r->ts;
    struct py_target *t = r->t;
    for (size_t i = 0; i < ts->n; i++) {
        struct py_task *k = &ts->v[i];
        if (k->awaited == 0)
            continue;
        int other = pyasync_find(ts, k->awaited);
        uint64_t children;
        if (other >= 0) {
            k->await_kind = PY_AWAIT_TASK;
            add_edge(ts, (int)i, other);
        } else if (strcmp(k->awaited_type, "_asyncio.Future") != 0 &&
                   pyobj_getattr(t, k->awaited, "_children", &children) == 0) {
            struct edge_ctx c = {r, (int)i, 0};
            pyobj_each(t, children, PY_TASKS_MAX, gather_child, &c);
            k->await_kind = PY_AWAIT_GATHER;
        }
    }
    for (size_t i = 0; i < ts->n; i++) {
        struct edge_ctx c = {r, (int)i, 0};
        if (ts->v[i].callback0 != 0)
            group_callback(&c, ts->v[i].callback0, 0);
        if (ts->v[i].callbacks != 0)
            pyobj_each(t, ts->v[i].callbacks, 64, group_callback, &c);
    }
    /* Each edge once (a gather lists a task twice if given it twice), in
     * the order of the awaited task; its first awaiter noted. */
    if (ts->nedges > 1)
        qsort(ts->edges, ts->nedges, sizeof *ts->edges, edge_cmp);
    size_t kept = 0;
    for (size_t e = 0; e < ts->nedges; e++)
        if (kept == 0 || edge_cmp(&ts->edges[kept - 1], &ts->edges[e]) != 0)
            ts->edges[kept++] = ts->edges[e];
    ts->nedges = kept;
    for (size_t i = 0; i < ts->n; i++)
        ts->v[i].awaiter = -1;
    for (size_t e = ts->nedges; e-- > 0;)
        ts->v[ts->edges[e].awaited].awaiter = ts->edges[e].waiter;
}

static int read_all(struct py_target *t, const struct py_sample *s, struct py_tasks *ts);

int pyasync_read(struct py_target *t, const struct py_sample *s, struct py_tasks *ts,
                 struct pt_error *err)
{
    (void)err;
    ts->n = ts->nframes = ts->nedges = 0;
    ts->unreadable = 0;
    ts->asyncio = 0;
    if (!layout_has(t->lay.task_coro))
        return 0;
    if (ts->memo == NULL && (ts->memo = calloc(1, sizeof *ts->memo)) == NULL)
        return pt_error_set(err, PT_E_NOMEM, "out of memory reading asyncio tasks");
    uint64_t now = monotonic_ns();
    if (now - ts->memo->made_ns > (ts->memo->asyncio ? MEMO_TTL_NS : MEMO_RETRY_NS)) {
        memset(ts->memo, 0, sizeof *ts->memo);
        ts->memo->made_ns = now;
    }
    if (ts->mem == NULL) {
        /* No reader of its own (its cache is a megabyte and more) until
         * asyncio is imported: a WSGI worker, followed with --async or
         * watched for requests, never imports it. The memo's answer
         * holds until it is made again (MEMO_RETRY_NS). */
        struct reader probe = {t, s, ts, ts->memo};
        resolve(&probe);
        if (!ts->memo->asyncio)
            return 0;
        /* Its own reader of the target, whose replay cache learns the
         * pages of the tasks (the stack sampler's learns the stacks'). */
        if ((ts->mem = calloc(1, sizeof *ts->mem)) == NULL)
            return pt_error_set(err, PT_E_NOMEM, "out of memory reading asyncio tasks");
        if (remote_open(ts->mem, t->pid, err) != 0) {
            free(ts->mem);
            ts->mem = NULL;
            return -1;
        }
        remote_cache_enable(ts->mem, TASKS_CACHE_SCALE);
    }
    struct remote stack_mem = t->mem;
    t->mem = *ts->mem;
    remote_cache_begin(&t->mem);
    int rc = read_all(t, s, ts);
    remote_cache_end(&t->mem);
    *ts->mem = t->mem;
    t->mem = stack_mem;
    if (rc != 0)
        return pt_error_set(err, PT_E_NOMEM, "out of memory reading asyncio tasks");
    if (ts->section < 0)
        return pt_error_set(err, PT_E_UNSUPPORTED,
                            "cannot read the asyncio tasks of PID %d (Python 3.%d): %s",
                            (int)t->pid, t->lay.minor, ts->why);
    return 0;
}

static int read_all(struct py_target *t, const struct py_sample *s, struct py_tasks *ts)
{
    struct reader rd_ = {t, s, ts, ts->memo}, *r = &rd_;
    int rc = 0;
    resolve(r);
    ts->asyncio = r->m->asyncio;
    if (!ts->asyncio || ts->section < 0)
        return 0;
    if (layout_has(t->lay.ts_asyncio_tasks))
        collect_lists(r);
    if (r->m->weakset != 0)
        collect_registered(r);
    if (index_tasks(ts) != 0)
        return -1;
    find_running(r);
    /* Read each task; drop those that would not read. */
    size_t kept = 0;
    for (size_t i = 0; i < ts->n; i++) {
        size_t frames = ts->nframes;
        struct py_task k = ts->v[i];
        if (read_task(r, &k) != 0) {
            ts->nframes = frames;
            ts->unreadable++;
            continue;
        }
        ts->v[kept++] = k;
    }
    ts->n = kept;
    for (size_t i = 0; i < ts->n; i++)
        ts->by_addr[i] = (int)i; /* still in address order */
    link_tasks(r);
    return rc;
}
