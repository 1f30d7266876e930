/*
 * python/stack: walking interpreters, threads and frames. See stack.h.
 *
 * Reads per sample, for a thread of 3.11+: its thread state, (3.11-3.12)
 * its _PyCFrame, and the used part of its current data stack chunk, which
 * holds every frame of the thread that is not a generator's; frames
 * elsewhere (generators, coroutines, older chunks of a deep recursion) are
 * read when the walk reaches them. 3.8-3.10 frames are heap objects: one
 * read each, and each checked to be on a stack (frame_object_on_stack).
 *
 * Nothing is stopped: a stack that moves while it is read (a frame freed
 * under the walk) leaves its thread torn, and the sample is walked again
 * from a fresh copy, up to SAMPLE_ATTEMPTS times in all.
 */
#include "config.h"
#include "python/stack.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "python/target.h"
#include "remote/task.h"
#include "util.h"

/* The most of one data stack chunk read in one go. */
#define CHUNK_READ_MAX (1u << 20)
#define ARENA_MAX      (8u << 20)

/* Walks of one sample, when the stack moved under the first ones. */
#define SAMPLE_ATTEMPTS 8

/* A glibc struct pthread is about 2.3 KiB; its tid lies in the first 1 KiB
 * on every architecture glibc supports, 720 on x86-64. */
#define PTHREAD_SCAN_BYTES       1024
#define PTHREAD_TID_GLIBC_X86_64 720

void py_sample_init(struct py_sample *s)
{
    memset(s, 0, sizeof *s);
}

void py_sample_free(struct py_sample *s)
{
    free(s->threads);
    free(s->frames);
    free(s->entries);
    memset(s, 0, sizeof *s);
}

static int sample_fail(struct py_target *t, struct pt_error *err, enum pt_code code,
                       const char *what)
{
    if (remote_process_gone(t->pid))
        return pt_error_set(err, PT_E_GONE, "PID %d exited", (int)t->pid);
    if (code == PT_E_READ)
        return remote_read_error(&t->mem, err, what);
    return pt_error_set(err, code, "PID %d changed while its %s was read", (int)t->pid, what);
}

static struct py_thread *push_thread(struct py_sample *s)
{
    if (vec_reserve((void **)&s->threads, &s->threads_cap, sizeof *s->threads,
                    (size_t)s->nthreads + 1) != 0)
        return NULL;
    struct py_thread *th = &s->threads[s->nthreads++];
    memset(th, 0, sizeof *th);
    th->first = s->nframes;
    th->first_entry = s->nentries;
    return th;
}

/* Note the entry frame of an eval loop call; -1 when out of memory. */
static int push_entry(struct py_sample *s, struct py_thread *th, uint64_t addr)
{
    if (vec_reserve((void **)&s->entries, &s->entries_cap, sizeof *s->entries,
                    (size_t)s->nentries + 1) != 0)
        return -1;
    s->entries[s->nentries++] = addr;
    th->nentries++;
    return 0;
}

static struct py_frame *push_frame(struct py_sample *s)
{
    if (vec_reserve((void **)&s->frames, &s->frames_cap, sizeof *s->frames,
                    (size_t)s->nframes + 1) != 0)
        return NULL;
    return &s->frames[s->nframes++];
}

/* --- The frame reader of 3.11+: data stack chunks, loaded on demand. --- */

static void *arena_reserve(struct py_target *t, size_t len)
{
    if (t->arena_used + len > t->arena_cap) {
        size_t ncap = t->arena_cap ? t->arena_cap : 65536;
        while (ncap < t->arena_used + len)
            ncap *= 2;
        if (ncap > ARENA_MAX)
            return NULL;
        uint8_t *na = realloc(t->arena, ncap);
        if (na == NULL)
            return NULL;
        t->arena = na;
        t->arena_cap = ncap;
    }
    return t->arena + t->arena_used;
}

/* Load [lo, hi) of the target as a segment. 0 or -1. */
static int segment_load(struct py_target *t, uint64_t lo, uint64_t hi)
{
    if (t->nsegs == FRAME_SEGMENTS_MAX || hi <= lo || hi - lo > CHUNK_READ_MAX)
        return -1;
    void *dst = arena_reserve(t, hi - lo);
    if (dst == NULL || remote_read(&t->mem, lo, dst, hi - lo) != 0)
        return -1;
    t->segs[t->nsegs++] = (struct frame_segment){lo, hi, t->arena_used};
    t->arena_used += hi - lo;
    return 0;
}

/* Start a thread's walk: load the used part of its current chunk. */
static void frames_begin(struct py_target *t, uint64_t chunk, uint64_t top)
{
    t->arena_used = 0;
    t->nsegs = 0;
    t->next_chunk = 0;
    if (chunk == 0 || top <= chunk)
        return;
    uint64_t lo = top - chunk > CHUNK_READ_MAX ? top - CHUNK_READ_MAX : chunk;
    if (segment_load(t, lo, top) == 0 && lo == chunk && top - chunk >= 8)
        t->next_chunk = load_u64(t->arena + t->segs[0].off, 0); /* chunk->previous */
}

static const uint8_t *segment_find(struct py_target *t, uint64_t addr, size_t len)
{
    for (int i = 0; i < t->nsegs; i++)
        if (addr >= t->segs[i].lo && addr <= t->segs[i].hi && len <= t->segs[i].hi - addr)
            return t->arena + t->segs[i].off + (addr - t->segs[i].lo);
    return NULL;
}

/* Load older chunks until one holds addr (deep recursion). */
static const uint8_t *frames_from_older_chunks(struct py_target *t, uint64_t addr, size_t len)
{
    while (t->next_chunk != 0 && t->nsegs < FRAME_SEGMENTS_MAX) {
        uint64_t header[3]; /* previous, size, top (slots used in data[]) */
        uint64_t chunk = t->next_chunk;
        t->next_chunk = 0;
        if (remote_read(&t->mem, chunk, header, sizeof header) != 0)
            return NULL;
        uint64_t used = sizeof header + header[2] * sizeof(uint64_t);
        if (header[1] > CHUNK_READ_MAX || used > header[1])
            return NULL;
        if (segment_load(t, chunk, chunk + used) != 0)
            return NULL;
        t->next_chunk = header[0];
        const uint8_t *p = segment_find(t, addr, len);
        if (p)
            return p;
    }
    return NULL;
}

/* The len bytes of frame memory at addr: from a loaded chunk, or read into
 * scratch. NULL if unreadable. */
static const uint8_t *frame_bytes(struct py_target *t, uint64_t addr, size_t len, uint8_t *scratch)
{
    const uint8_t *p = segment_find(t, addr, len);
    if (p == NULL)
        p = frames_from_older_chunks(t, addr, len);
    if (p == NULL && remote_read(&t->mem, addr, scratch, len) == 0)
        p = scratch;
    return p;
}

/* --- Frame walks. --- */

/* Brent's cycle check over a chain of addresses: returns 1 on a cycle. */
struct cycle_check {
    uint64_t saved;
    unsigned power, steps;
};

static int cycle_step(struct cycle_check *c, uint64_t addr)
{
    if (addr == c->saved)
        return 1;
    if (++c->steps == c->power) {
        c->saved = addr;
        c->power *= 2;
        c->steps = 0;
    }
    return 0;
}

static int add_frame(struct py_target *t, struct py_sample *s, struct py_thread *th, uint32_t code,
                     int line, uint64_t addr, uint32_t group)
{
    if (th->nframes >= PY_MAX_DEPTH) {
        th->truncated = 1;
        return 1;
    }
    struct py_frame *f = push_frame(s);
    if (f == NULL)
        return -1;
    (void)t;
    f->code = code;
    f->line = line;
    f->addr = addr;
    f->group = group;
    th->nframes++;
    return 0;
}

/* 3.10's enum _framestate (3.8 and 3.9 have f_executing, 0 or 1). */
#define FRAME_CREATED   (-2)
#define FRAME_EXECUTING 0
#define FRAME_UNWINDING 2
#define FRAME_CLEARED   4

/*
 * Whether the PyFrameObject read into f can be on its thread's stack.
 * CPython does not clear a frame it is done with: the frame becomes its
 * code's zombie frame (co_zombieframe) or goes on the free list, chained
 * through f_back, with f_code and f_lasti as they were; a walk that reads
 * a frame just after it returned would follow that f_back through freed
 * frames to a root the thread never had. A frame of a stack is referenced
 * and is a frame. It need not be executing (with a tracer, a frame in its
 * call or return event is not), but then it has a caller: a frame without
 * f_back that does not execute is a generator's that yielded or was just
 * made, not the root of a running stack. Nor is one that has not begun
 * (f_lasti -1): the copy of a frame is not atomic either, and a frame
 * taken off the free list shows its stale f_back (NULL at the list's end)
 * beside the new f_lasti and state while CPython sets it up.
 */
static int frame_object_on_stack(const struct py_target *t, const uint8_t *f)
{
    const struct py_layout *lay = &t->lay;
    if ((int64_t)load_u64(f, 0) <= 0) /* ob_refcnt: freed */
        return 0;
    if (t->bin.frame_type != 0 && load_u64(f, lay->ob_type) != t->bin.frame_type)
        return 0;
    int state = (int8_t)f[lay->fr_state];
    int executing;
    if (layout_has(lay->fr_state_enum)) {
        if (state < FRAME_CREATED || state >= FRAME_CLEARED)
            return 0;
        executing = state == FRAME_EXECUTING || state == FRAME_UNWINDING;
    } else {
        if (state != 0 && state != 1)
            return 0;
        executing = state;
    }
    return load_u64(f, lay->fr_back) != 0 || (executing && load_i32(f, lay->fr_instr) >= 0);
}

/*
 * 3.8-3.10 frames come from the frame free list and the code objects'
 * zombie frames, so the frames a busy thread's stack moves through lie in
 * a few pages. The replay of a sample holds what the last walk read: a
 * frame the stack has since moved to is read live, microseconds after the
 * thread state was copied, by when a fast recursion has torn it again.
 * So while stacks move, the pages frames were read from in the last
 * FRAME_PAGE_AGE samples are asked for in every replay (frame_pages_note).
 */
static void frame_page_seen(struct py_target *t, uint64_t addr)
{
    uint64_t page = addr & ~(uint64_t)(FRAME_PAGE_SIZE - 1);
    int oldest = 0;
    if (page == 0)
        return;
    for (int i = 0; i < FRAME_PAGES_MAX; i++) {
        if (t->frame_pages[i] == page) {
            t->frame_pages_seen[i] = t->samples;
            return;
        }
        if (t->frame_pages_seen[i] < t->frame_pages_seen[oldest])
            oldest = i;
    }
    t->frame_pages[oldest] = page;
    t->frame_pages_seen[oldest] = t->samples;
}

/* Ask the next replay for the pages frames were read from lately, while
 * stacks move (a sample of the last FRAME_PAGE_AGE was walked again); forget
 * older ones (a page freed since would fail the whole replay). */
static void frame_pages_note(struct py_target *t)
{
    if (t->stack_moved == 0 || t->samples - t->stack_moved > FRAME_PAGE_AGE)
        return;
    for (int i = 0; i < FRAME_PAGES_MAX; i++) {
        if (t->frame_pages[i] == 0)
            continue;
        if (t->samples - t->frame_pages_seen[i] > FRAME_PAGE_AGE)
            t->frame_pages[i] = 0;
        else
            remote_cache_note(&t->mem, t->frame_pages[i], FRAME_PAGE_SIZE);
    }
}

/* 3.8-3.10: PyFrameObject chain. */
static int walk_frame_objects(struct py_target *t, struct py_sample *s, struct py_thread *th,
                              uint64_t frame)
{
    const struct py_layout *lay = &t->lay;
    struct cycle_check cyc = {0, 1, 0};
    uint32_t need = lay->fr_instr + 4;
    if (need < lay->fr_state + 1)
        need = lay->fr_state + 1;
    uint8_t buf[128];
    if (need > sizeof buf)
        return -1;
    while (frame != 0) {
        if ((frame & 7) != 0 || cycle_step(&cyc, frame) ||
            remote_read(&t->mem, frame, buf, need) != 0) {
            th->torn = 1;
            return 0;
        }
        if (t->bin.frame_type == 0 || load_u64(buf, lay->ob_type) == t->bin.frame_type)
            frame_page_seen(t, frame);
        if (!frame_object_on_stack(t, buf)) {
            th->torn = 1;
            return 0;
        }
        uint32_t code;
        if (code_cache_get(&t->codes, &t->mem, lay, load_u64(buf, lay->fr_code), &code) != 0) {
            th->torn = 1;
            return 0;
        }
        int lasti = load_i32(buf, lay->fr_instr);
        int offset = lasti < 0 || lasti > INT32_MAX / 2 ? -1 : lasti * (int)lay->fr_lasti_scale;
        int line = code_line(&t->codes, code, (int)lay->co_linetable_format, offset);
        int rc = add_frame(t, s, th, code, line, frame, (uint32_t)th->nframes);
        if (rc != 0)
            return rc < 0 ? -1 : 0;
        frame = load_u64(buf, lay->fr_back);
    }
    return 0;
}

/* 3.11+: _PyInterpreterFrame chain, from frame to the thread's base frame
 * (3.15+; 0 before: the chain ends with a NULL previous). */
static int walk_interpreter_frames(struct py_target *t, struct py_sample *s, struct py_thread *th,
                                   uint64_t frame, uint64_t base)
{
    const struct py_layout *lay = &t->lay;
    struct cycle_check cyc = {0, 1, 0};
    int visited = 0;    /* frames seen, shown or not: bounds the walk */
    uint32_t group = 0; /* the eval loop call running the frame */
    uint8_t scratch[128];
    uint32_t need = lay->fr_size;
    if (need < lay->fr_owner + 1)
        need = lay->fr_owner + 1;
    if (need > sizeof scratch)
        return -1;
    /* Whether the last frame seen starts a call of the eval loop, and
     * whether a generator owns it. */
    int last_entry = 0, last_generator = 0;
    while (frame != base) {
        if (frame == 0) {
            /* 3.15: a chain that ends before the thread's base frame was
             * read while it changed (Include/cpython/pystate.h). */
            th->torn = visited > 0;
            return 0;
        }
        if (++visited > 2 * PY_MAX_DEPTH) {
            th->truncated = 1;
            return 0;
        }
        const uint8_t *f = NULL;
        if ((frame & 7) == 0 && !cycle_step(&cyc, frame))
            f = frame_bytes(t, frame, need, scratch);
        if (f == NULL) {
            th->torn = 1;
            return 0;
        }
        uint64_t back = load_u64(f, lay->fr_back);
        int owner = f[lay->fr_owner];
        if (layout_has(lay->fr_owner_shim) && owner >= (int)lay->fr_owner_shim) {
            /* 3.12+: each call of the eval loop starts with a frame that
             * runs no Python code (3.12-3.13: FRAME_OWNED_BY_CSTACK; 3.14+
             * an entry frame owned by the interpreter, f_executable None). */
            group++;
            if (push_entry(s, th, frame) != 0)
                return -1;
            last_entry = 1;
            frame = back;
            continue;
        }
        /* 3.11: the first frame a call of the eval loop runs says so
         * (is_entry); the next frame is another's. */
        uint32_t this_group = group;
        last_entry = layout_has(lay->fr_is_entry) && f[lay->fr_is_entry] != 0;
        last_generator = owner == (int)lay->fr_owner_generator;
        if (last_entry)
            group++;
        /* 3.14+: f_executable is a _PyStackRef, tagged in its low bits
         * (Include/internal/pycore_stackref.h). */
        uint64_t code_addr = load_u64(f, lay->fr_code) & ~(uint64_t)lay->fr_tag_bits;
        uint64_t instr = load_u64(f, lay->fr_instr);
        uint32_t code;
        if (code_cache_get(&t->codes, &t->mem, lay, code_addr, &code) != 0) {
            th->torn = 1;
            return 0;
        }
        int64_t offset = (int64_t)(instr - (code_addr + lay->co_code));
        if (offset > INT32_MAX || offset < -2) {
            th->torn = 1;
            return 0;
        }
        const struct py_code *pc = code_cache_at(&t->codes, code);
        /* A frame still being set up (before its first traceable
         * instruction) is not shown, as CPython's own walkers do. */
        if (owner != (int)lay->fr_owner_generator && offset / 2 < pc->firsttraceable) {
            frame = back;
            continue;
        }
        int line = code_line(&t->codes, code, (int)lay->co_linetable_format, (int)offset);
        int rc = add_frame(t, s, th, code, line, frame, this_group);
        if (rc != 0)
            return rc < 0 ? -1 : 0;
        frame = back;
    }
    /* 3.11-3.14: every frame runs in a call of the eval loop, and the
     * outermost call's first frame is the last of the chain: 3.11 marks it
     * is_entry, 3.12+ put an entry frame of their own there. A chain that
     * ends elsewhere was read while it changed: a coroutine's frame, say,
     * read as its caller suspended it (its previous then NULL). */
    if (base == 0 && visited > 0 && !last_entry &&
        (layout_has(lay->fr_is_entry) || layout_has(lay->fr_owner_shim)))
        th->torn = 1;
    /* Nor can a generator's frame be the outermost of a running thread:
     * it runs called by another frame, and a generator clears its frame's
     * previous when it yields (Objects/genobject.c, gen_send_ex2). On 3.11
     * a generator resumed from C (''.join(gen), list(gen)) is is_entry:
     * such a chain, read as the generator yielded, ended "properly". */
    if (base == 0 && visited > 0 && last_generator)
        th->torn = 1;
    return 0;
}

/* --- A frame off the thread stacks. --- */

int pystack_frame(struct py_target *t, uint64_t addr, struct py_frame *out)
{
    const struct py_layout *lay = &t->lay;
    uint8_t f[128];
    uint32_t need = layout_has(lay->fr_owner) ? lay->fr_size : lay->fr_instr + 4;
    if (need > sizeof f || (addr & 7) != 0 || remote_read(&t->mem, addr, f, need) != 0)
        return -1;
    uint32_t code;
    int offset;
    if (!layout_has(lay->fr_owner)) { /* 3.8-3.10: a PyFrameObject */
        if (code_cache_get(&t->codes, &t->mem, lay, load_u64(f, lay->fr_code), &code) != 0)
            return -1;
        int lasti = load_i32(f, lay->fr_instr);
        offset = lasti < 0 || lasti > INT32_MAX / 2 ? -1 : lasti * (int)lay->fr_lasti_scale;
    } else {
        uint64_t code_addr = load_u64(f, lay->fr_code) & ~(uint64_t)lay->fr_tag_bits;
        if (code_cache_get(&t->codes, &t->mem, lay, code_addr, &code) != 0)
            return -1;
        int64_t off = (int64_t)(load_u64(f, lay->fr_instr) - (code_addr + lay->co_code));
        if (off > INT32_MAX || off < -2)
            return -1;
        offset = (int)off;
    }
    out->code = code;
    out->line = code_line(&t->codes, code, (int)lay->co_linetable_format, offset);
    out->addr = addr;
    out->group = 0;
    return 0;
}

/* --- Threads. --- */

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* pytop's id of the thread the target knows as inner (the same outside a
 * PID namespace); 0 when no thread of the process has it. A thread not
 * listed makes the list be read again, at most every 100 ms: a thread
 * state can outlive its thread for a moment. */
static pid_t host_tid(struct py_target *t, pid_t inner)
{
    if (t->ns_pid == 0 || inner <= 0)
        return inner;
    pid_t host = nspid_map_host(&t->tids, inner);
    uint64_t now = now_ns();
    if (host == 0 && now - t->tids_read >= 100 * 1000 * 1000) {
        t->tids_read = now;
        nspid_map_read(&t->tids, t->pid);
        host = nspid_map_host(&t->tids, inner);
    }
    return host;
}

/* The process's id as it sees it (getpid() inside its PID namespace). */
static pid_t own_pid(const struct py_target *t)
{
    return t->ns_pid ? t->ns_pid : t->pid;
}

/* Whether every thread from `from` on has, at offset off of its struct
 * pthread, the id of one of the process's tasks. */
static int tid_offset_fits(struct py_target *t, const struct py_sample *s, int from, int off)
{
    for (int i = from; i < s->nthreads; i++) {
        int32_t tid;
        if (remote_read(&t->mem, s->threads[i].pthread + (uint64_t)off, &tid, sizeof tid) != 0 ||
            tid <= 0 || !task_exists(t->pid, host_tid(t, tid)))
            return 0;
    }
    return 1;
}

/* 3.8-3.10 only know each thread's pthread_t. glibc's struct pthread (at
 * the pthread_t address) holds the kernel tid at a fixed offset: find it
 * once, by the main thread, whose tid is the PID (in the process's own
 * PID namespace). */
static int calibrate_tid_offset(struct py_target *t, const struct py_sample *s, int from)
{
    uint8_t buf[PTHREAD_SCAN_BYTES];
    /* glibc's place first, on every thread: the main thread is the one
     * whose tid is the PID, and it need not be the first listed. */
    for (int i = from; i < s->nthreads; i++)
        if (remote_read(&t->mem, s->threads[i].pthread, buf, sizeof buf) == 0 &&
            load_i32(buf, PTHREAD_TID_GLIBC_X86_64) == own_pid(t))
            return PTHREAD_TID_GLIBC_X86_64;
    /* Another libc: an offset holding the PID in some thread's struct,
     * kept only if it holds a task id of every thread (another field may
     * hold the PID too). */
    for (int i = from; i < s->nthreads; i++) {
        if (remote_read(&t->mem, s->threads[i].pthread, buf, sizeof buf) != 0)
            continue;
        for (int off = 0; off + 4 <= (int)sizeof buf; off += 4)
            if (load_i32(buf, (uint32_t)off) == own_pid(t) && tid_offset_fits(t, s, from, off))
                return off;
    }
    return -1;
}

static void fill_tids_from_pthreads(struct py_target *t, struct py_sample *s, int from)
{
    if (t->tid_offset < 0)
        t->tid_offset = calibrate_tid_offset(t, s, from);
    if (t->tid_offset < 0)
        return;
    enum { BATCH = 256 };
    struct remote_iov iov[BATCH];
    int32_t tids[BATCH];
    for (int at = from; at < s->nthreads; at += BATCH) {
        int n = s->nthreads - at < BATCH ? s->nthreads - at : BATCH;
        for (int i = 0; i < n; i++)
            iov[i] = (struct remote_iov){s->threads[at + i].pthread + (uint64_t)t->tid_offset,
                                         &tids[i], sizeof tids[i]};
        if (remote_readv(&t->mem, iov, n) != 0)
            return;
        for (int i = 0; i < n; i++)
            s->threads[at + i].tid = tids[i] > 0 ? host_tid(t, tids[i]) : 0;
    }
}

/* Where the GIL is: for 3.8-3.11 in the runtime, from 3.12 per
 * interpreter. Returns the holder's thread state address, 0 if free. */
static uint64_t gil_holder_runtime(struct py_target *t, struct pt_error *err, int *fail)
{
    const struct py_layout *lay = &t->lay;
    uint64_t holder = 0;
    if (remote_read_ptr(&t->mem, t->bin.runtime_addr + lay->rt_tstate_current, &holder) != 0) {
        *fail = sample_fail(t, err, PT_E_READ, "GIL state");
        return 0;
    }
    return holder;
}

static uint64_t gil_holder_interp(struct py_target *t, uint64_t gil)
{
    const struct py_layout *lay = &t->lay;
    uint8_t g[32];
    if (gil == 0 || lay->gil_locked + 4 > sizeof g || lay->gil_last_holder + 8 > sizeof g ||
        remote_read(&t->mem, gil, g, sizeof g) != 0)
        return 0;
    return load_i32(g, lay->gil_locked) ? load_u64(g, lay->gil_last_holder) : 0;
}

/* The largest of the fields this version has. */
static uint32_t max_field(const uint32_t *v, size_t n)
{
    uint32_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (layout_has(v[i]) && v[i] > m)
            m = v[i];
    return m;
}

/* Returned by walk_threads when the cached list head is no longer the
 * head (a thread started since: it set the old head's prev). */
#define STALE_HEAD 1

static int walk_threads(struct py_target *t, struct py_sample *s, uint64_t tstate,
                        int64_t interp_index, uint64_t holder, int cached, struct pt_error *err)
{
    const struct py_layout *lay = &t->lay;
    const uint32_t fields[] = {lay->ts_next,
                               lay->ts_frame,
                               lay->ts_thread_id,
                               lay->ts_native_thread_id,
                               lay->ts_datastack_chunk,
                               lay->ts_datastack_top,
                               lay->ts_base_frame,
                               lay->ts_holds_gil};
    uint32_t need = max_field(fields, sizeof fields / sizeof fields[0]) + 8;
    uint8_t ts[512];
    struct cycle_check cyc = {0, 1, 0};
    int first_thread = s->nthreads;
    if (need > sizeof ts)
        return pt_error_set(err, PT_E_UNSUPPORTED, "thread state layout too large");
    while (tstate != 0) {
        /* The bound is on all threads of the process, whatever interpreter. */
        if (s->nthreads >= PY_MAX_THREADS || cycle_step(&cyc, tstate))
            return sample_fail(t, err, PT_E_TORN, "thread list");
        if (remote_read(&t->mem, tstate, ts, need) != 0)
            return sample_fail(t, err, PT_E_TORN, "thread list");
        /* Every version starts PyThreadState with prev, next. */
        if (cached && s->nthreads == first_thread && load_u64(ts, 0) != 0)
            return STALE_HEAD;
        struct py_thread *th = push_thread(s);
        if (th == NULL)
            return pt_error_set(err, PT_E_NOMEM, "out of memory sampling PID %d", (int)t->pid);
        th->tstate = tstate;
        th->interp_id = interp_index;
        th->pthread = load_u64(ts, lay->ts_thread_id);
        th->tid = layout_has(lay->ts_native_thread_id)
                      ? host_tid(t, (pid_t)load_i32(ts, lay->ts_native_thread_id))
                      : 0;
        /* 3.15+: each thread says whether it holds the GIL. */
        if (layout_has(lay->ts_holds_gil))
            th->gil = load_i32(ts, lay->ts_holds_gil) != 0;
        else
            th->gil = holder != 0 && holder == tstate;
        s->gil_locked |= th->gil;
        uint64_t frame = load_u64(ts, lay->ts_frame);
        int rc;
        if (!th->gil && s->want != NULL && !s->want(s->want_arg, th)) {
            th->skipped = 1;
            rc = 0;
        } else if (layout_has(lay->fr_owner)) {
            if (layout_has(lay->cf_current_frame)) {
                /* 3.11-3.12: tstate->cframe->current_frame. */
                uint64_t cframe = frame;
                frame = 0;
                if (cframe != 0 &&
                    remote_read_ptr(&t->mem, cframe + lay->cf_current_frame, &frame) != 0)
                    th->torn = 1;
            }
            frames_begin(t, load_u64(ts, lay->ts_datastack_chunk),
                         load_u64(ts, lay->ts_datastack_top));
            uint64_t base = layout_has(lay->ts_base_frame) ? load_u64(ts, lay->ts_base_frame) : 0;
            rc = walk_interpreter_frames(t, s, th, frame, base);
        } else {
            rc = walk_frame_objects(t, s, th, frame);
        }
        if (rc != 0)
            return pt_error_set(err, PT_E_NOMEM, "out of memory sampling PID %d", (int)t->pid);
        tstate = load_u64(ts, lay->ts_next);
    }
    return 0;
}

static int sample_walk(struct py_target *t, struct py_sample *s, struct pt_error *err);

static int sample_torn(const struct py_sample *s)
{
    for (int i = 0; i < s->nthreads; i++)
        if (s->threads[i].torn)
            return 1;
    return 0;
}

int pystack_sample(struct py_target *t, struct py_sample *s, struct pt_error *err)
{
    uint64_t hits, misses, misses_after;
    int rc = -1;
    t->samples++;
    for (int attempt = 0; attempt < SAMPLE_ATTEMPTS; attempt++) {
        if (attempt > 0)
            t->stack_moved = t->samples;
        remote_cache_begin(&t->mem);
        frame_pages_note(t);
        remote_cache_stats(&t->mem, &hits, &misses);
        rc = sample_walk(t, s, err);
        remote_cache_stats(&t->mem, &hits, &misses_after);
        remote_cache_end(&t->mem);
        /* The stack moved since the last sample: what was read live is of
         * a later moment than the replayed copy. Walk again from one fresh
         * copy of everything this walk needed, so that a sample is one
         * moment of the target. */
        if (attempt == 0 && t->mem.cache != NULL && misses_after != misses)
            continue;
        /* A thread's stack moved while it was read: try a fresh copy. */
        if (rc == 0 && sample_torn(s))
            continue;
        break;
    }
    return rc;
}

/* 3.12-3.14 keep the GIL holder in each interpreter's GIL state (3.8-3.11
 * in the runtime, 3.15+ in each thread state). */
static int gil_per_interp(const struct py_layout *lay)
{
    return layout_has(lay->interp_gil_ptr) && !layout_has(lay->ts_holds_gil);
}

/* read_interps' answer for more interpreters than INTERP_CACHE_MAX. */
#define TOO_MANY_INTERPS (-2)

/* Read the interpreter list into t->interps. 0, or -1 with err. */
static int read_interps(struct py_target *t, struct pt_error *err)
{
    const struct py_layout *lay = &t->lay;
    uint64_t interp;
    t->ninterps = -1;
    if (remote_read_ptr(&t->mem, t->bin.runtime_addr + lay->rt_interp_head, &interp) != 0)
        return sample_fail(t, err, PT_E_READ, "interpreter list");
    struct cycle_check cyc = {0, 1, 0};
    int n = 0;
    while (interp != 0) {
        struct interp_entry e = {interp, 0, 0, 0};
        /* next, thread list head, and (3.12+) the GIL pointer: one read. */
        struct remote_iov iov[3] = {{interp + lay->interp_next, &e.next, 8},
                                    {interp + lay->interp_tstate_head, &e.threads, 8},
                                    {interp + lay->interp_gil_ptr, &e.gil, 8}};
        if (n >= PY_MAX_INTERPRETERS || cycle_step(&cyc, interp) ||
            remote_readv(&t->mem, iov, gil_per_interp(lay) ? 3 : 2) != 0)
            return sample_fail(t, err, PT_E_TORN, "interpreter list");
        if (n < INTERP_CACHE_MAX)
            t->interps[n] = e;
        n++;
        interp = e.next;
    }
    /* A process with more interpreters than the cache holds is re-read
     * every sample. */
    t->ninterps = n <= INTERP_CACHE_MAX ? n : -1;
    t->interps_read = now_ns();
    return n <= INTERP_CACHE_MAX ? 0 : TOO_MANY_INTERPS;
}

/* How often cached code objects are checked against the target again:
 * every 50 ms while code objects come and go (a program starting,
 * importing: a freed one's address is soon reused by another), doubling
 * up to once a second while none does. */
#define CODE_EPOCH_MIN_NS 50000000ull
#define CODE_EPOCH_MAX_NS 1000000000ull

static int sample_walk(struct py_target *t, struct py_sample *s, struct pt_error *err)
{
    const struct py_layout *lay = &t->lay;
    uint64_t now = now_ns();
    if (t->codes_epoch_ns < CODE_EPOCH_MIN_NS)
        t->codes_epoch_ns = CODE_EPOCH_MIN_NS;
    if (now - t->codes_checked >= t->codes_epoch_ns) {
        if (t->codes.changes != t->codes_changes)
            t->codes_epoch_ns = CODE_EPOCH_MIN_NS;
        else if (t->codes_epoch_ns < CODE_EPOCH_MAX_NS)
            t->codes_epoch_ns *= 2;
        t->codes_changes = t->codes.changes;
        code_cache_new_epoch(&t->codes);
        t->codes_checked = now;
    }
    s->nthreads = 0;
    s->nframes = 0;
    s->nentries = 0;
    s->gil_locked = 0;
    int fail = 0;
    uint64_t runtime_holder = 0;
    if (layout_has(lay->rt_tstate_current)) {
        runtime_holder = gil_holder_runtime(t, err, &fail);
        if (fail)
            return -1;
    }
    int rc = 0;
    for (int attempt = 0; attempt < 2; attempt++) {
        int cached = 1;
        if (t->ninterps < 0 || t->interps_ttl == 0 || now_ns() - t->interps_read > t->interps_ttl) {
            cached = 0;
            rc = read_interps(t, err);
            if (rc == -1)
                return -1;
            if (rc == TOO_MANY_INTERPS)
                return pt_error_set(err, PT_E_UNSUPPORTED, "PID %d has more than %d interpreters",
                                    (int)t->pid, INTERP_CACHE_MAX);
        }
        s->nthreads = 0;
        s->nframes = 0;
        s->nentries = 0;
        s->gil_locked = 0;
        rc = 0;
        for (int index = 0; index < t->ninterps && rc == 0; index++) {
            const struct interp_entry *e = &t->interps[index];
            uint64_t holder = gil_per_interp(lay) ? gil_holder_interp(t, e->gil) : runtime_holder;
            if (holder != 0)
                s->gil_locked = 1;
            int from = s->nthreads;
            rc = walk_threads(t, s, e->threads, index, holder, cached, err);
            if (rc == 0 && !layout_has(lay->ts_native_thread_id))
                fill_tids_from_pthreads(t, s, from);
        }
        int torn = 0;
        for (int i = 0; i < s->nthreads; i++)
            torn |= s->threads[i].torn;
        /* What went wrong may be the cache's age: read the list again. */
        if ((rc != 0 || torn) && cached) {
            t->ninterps = -1;
            continue;
        }
        if (rc != 0 || torn)
            t->ninterps = -1;
        break;
    }
    if (rc == STALE_HEAD)
        rc = sample_fail(t, err, PT_E_TORN, "thread list");
    return rc;
}
