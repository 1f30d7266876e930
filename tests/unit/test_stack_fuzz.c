/*
 * tests/unit/test_stack_fuzz: the frame walker (python/stack) on synthetic
 * memory images of CPython 3.8-3.13, intact and then broken.
 *
 * For each version a fake address space is built from the layout table: a
 * _PyRuntime, an interpreter, two thread states, frames (frame objects up
 * to 3.10; from 3.11 interpreter frames in data stack chunks, a generator
 * frame outside them, an older chunk, and from 3.12 a C-stack shim frame),
 * code objects with str names and a line table in the version's format.
 * The intact image must sample to exactly the expected functions, files
 * and lines: that proves the harness before it is used to break things.
 * Up to 3.10 frames are also freed (a zero reference count, as CPython's
 * free list and zombie frames have), replaced by other objects or left by
 * a generator, and read as freed once and then as running (a stack that
 * moved while it was read): such a walk is tried again or ends torn.
 *
 * Then the image is broken, thousands of times per version with a
 * fixed-seed PRNG (a failure replays): random bytes in every structure,
 * frame chains that loop back to themselves or to an earlier frame, looping
 * thread and interpreter lists, huge and negative str and bytes lengths,
 * pointers to unmapped, misaligned and top-of-address-space places. Every
 * sample must return, with at most PY_MAX_THREADS threads of at most
 * PY_MAX_DEPTH frames, and with a consistent py_sample. The memory source
 * serves only the image (refusing anything else with EFAULT, as
 * process_vm_readv does), counts reads against a budget so that a walk
 * that does not end is caught, and checks that no read asks for an
 * unbounded length. Run it under ASan/UBSan (configure
 * --enable-sanitizers): the image is a heap block of its exact size.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "python/code.h"
#include "python/layout.h"
#include "python/pystr.h"
#include "python/stack.h"
#include "python/target.h"
#include "remote/mem.h"

#define MIN_MINOR 8
#define MAX_MINOR 13

/* Broken images sampled per version. */
#define FUZZ_ITERATIONS 10000
/* Reads one sample may make before it counts as a walk that does not end
 * (the intact image needs a few dozen). */
#define READ_BUDGET 200000
/* No single read may ask for more: every length pytop reads is bounded
 * (1 MiB data stack chunks and line tables are its largest). */
#define MAX_READ_LEN (2u << 20)
/* The whole program is killed if it runs longer than this. */
#define WATCHDOG_SECONDS 120

/* CPython's constants the image needs. */
#define FRAME_OWNED_BY_THREAD 0
#define CHUNK_HEADER          24  /* _PyStackChunk: previous, size, top */
#define PTHREAD_TID_OFFSET    720 /* glibc x86-64 struct pthread.tid */

/* A fixed-seed xorshift64. */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* --- the fake address space --- */

enum region_kind { R_OTHER, R_RUNTIME, R_INTERP, R_TSTATE, R_FRAME, R_CODE, R_STR, R_BYTES };

/* Fields worth aiming at. */
enum field_kind {
    F_FRAME_BACK,   /* frame -> older frame */
    F_THREAD_NEXT,  /* interpreter's head, thread -> next thread */
    F_INTERP_NEXT,  /* runtime's head, interpreter -> next */
    F_THREAD_FRAME, /* thread -> its frame (or _PyCFrame) */
    F_OBJECT_PTR,   /* frame -> code, code -> str / bytes, ... */
    F_INSTR,        /* f_lasti (4 bytes) or the instruction pointer */
    F_LENGTH,       /* str length, bytes ob_size */
    F_CHUNK,        /* data stack chunk pointers and tops */
    F_KINDS
};

#define MAX_REGIONS 256
#define MAX_FIELDS  512

struct region {
    uint64_t addr;
    size_t len;
    enum region_kind kind;
};

struct image {
    uint64_t base;
    uint8_t *bytes; /* cap bytes, a heap block of exactly that size */
    size_t cap, used;
    struct region regions[MAX_REGIONS];
    int nregions;
    uint64_t fields[F_KINDS][MAX_FIELDS];
    int nfields[F_KINDS];
};

static void image_init(struct image *im, size_t cap)
{
    memset(im, 0, sizeof *im);
    im->base = 0x7f3a00000000ull;
    im->bytes = calloc(1, cap);
    assert_non_null(im->bytes);
    im->cap = cap;
}

static void image_free(struct image *im)
{
    free(im->bytes);
    im->bytes = NULL;
}

static void note_region(struct image *im, uint64_t addr, size_t len, enum region_kind kind)
{
    if (im->nregions < MAX_REGIONS)
        im->regions[im->nregions++] = (struct region){addr, len, kind};
}

static void note_field(struct image *im, uint64_t addr, enum field_kind kind)
{
    if (im->nfields[kind] < MAX_FIELDS)
        im->fields[kind][im->nfields[kind]++] = addr;
}

/* len zeroed bytes, 16-aligned. */
static uint64_t image_alloc(struct image *im, size_t len, enum region_kind kind)
{
    size_t at = (im->used + 15) & ~(size_t)15;
    assert_true(at + len <= im->cap);
    im->used = at + len;
    note_region(im, im->base + at, len, kind);
    return im->base + at;
}

static uint8_t *image_at(struct image *im, uint64_t addr, size_t len)
{
    assert_true(addr >= im->base && addr - im->base + len <= im->cap);
    return im->bytes + (addr - im->base);
}

static void put_u64(struct image *im, uint64_t addr, uint64_t v)
{
    memcpy(image_at(im, addr, 8), &v, 8);
}

static void put_u32(struct image *im, uint64_t addr, uint32_t v)
{
    memcpy(image_at(im, addr, 4), &v, 4);
}

static void put_u8(struct image *im, uint64_t addr, uint8_t v)
{
    *image_at(im, addr, 1) = v;
}

/* The memory source over an image. */
struct fake_mem {
    const struct image *im;
    uint64_t reads, refused, budget;
    size_t max_len;
    int over_budget, bad_iov;
    /* The frame object at flaky_addr reads as freed (reference count 0)
     * the next flaky_reads times it is read: its stack is moving. */
    uint64_t flaky_addr;
    int flaky_reads;
};

static int fake_readv(struct remote *r, const struct remote_iov *iov, int n)
{
    struct fake_mem *fm = r->priv;
    const struct image *im = fm->im;
    if (n <= 0 || n > 1024)
        fm->bad_iov = 1;
    for (int i = 0; i < n; i++) {
        if (++fm->reads > fm->budget) {
            fm->over_budget = 1;
            errno = EFAULT;
            return -1;
        }
        if (iov[i].len > fm->max_len)
            fm->max_len = iov[i].len;
        if (iov[i].buf == NULL && iov[i].len > 0)
            fm->bad_iov = 1;
        uint64_t off = iov[i].addr - im->base;
        if (iov[i].addr < im->base || off > im->cap || iov[i].len > im->cap - off ||
            iov[i].len > MAX_READ_LEN) {
            fm->refused++;
            errno = EFAULT;
            return -1;
        }
        memcpy(iov[i].buf, im->bytes + off, iov[i].len);
        if (fm->flaky_reads > 0 && fm->flaky_addr >= iov[i].addr &&
            fm->flaky_addr + 8 <= iov[i].addr + iov[i].len) {
            memset((uint8_t *)iov[i].buf + (fm->flaky_addr - iov[i].addr), 0, 8);
            fm->flaky_reads--;
        }
    }
    return 0;
}

static const struct remote_ops fake_ops = {.readv = fake_readv};

/* --- CPython objects in the image --- */

struct expect_frame {
    const char *name, *file;
    int line;
    uint64_t addr;
};

struct expect_thread {
    uint64_t tstate;
    pid_t tid;
    int gil;
    int nframes;
    struct expect_frame f[4];
};

struct world {
    int minor;
    struct py_layout lay;
    struct image im;
    uint64_t runtime, code_type, frame_type;
    int nthreads;
    struct expect_thread th[2];
};

static uint64_t make_str(struct world *w, const char *text)
{
    const struct py_layout *lay = &w->lay;
    size_t n = strlen(text);
    uint64_t a = image_alloc(&w->im, lay->unicode_ascii_size + n + 1, R_STR);
    put_u64(&w->im, a, 1);
    put_u64(&w->im, a + lay->unicode_length, n);
    /* kind 1, compact, ascii (and "ready" where it exists). */
    uint32_t state = (1u << 2) | (1u << 5) | (1u << 6) | (w->minor <= 11 ? 1u << 7 : 0);
    put_u32(&w->im, a + lay->unicode_state, state);
    memcpy(image_at(&w->im, a + lay->unicode_ascii_size, n), text, n);
    note_field(&w->im, a + lay->unicode_length, F_LENGTH);
    return a;
}

static uint64_t make_bytes(struct world *w, const uint8_t *data, size_t n)
{
    const struct py_layout *lay = &w->lay;
    uint64_t a = image_alloc(&w->im, lay->bytes_sval + n + 1, R_BYTES);
    put_u64(&w->im, a, 1);
    put_u64(&w->im, a + lay->var_size, n);
    memcpy(image_at(&w->im, a + lay->bytes_sval, n), data, n);
    note_field(&w->im, a + lay->var_size, F_LENGTH);
    return a;
}

/* Line tables in which code unit k (byte offset 2k, k = 0..3) is on line
 * firstlineno + k, in each version's format. */
static const uint8_t lnotab_38[] = {2, 1, 2, 1, 2, 1};
static const uint8_t linetable_310[] = {2, 0, 2, 1, 2, 1, 2, 1};
static const uint8_t loctable_311[] = {0xe8, 0x00,       /* no columns, line +0 */
                                       0xd8, 0x01, 0x02, /* one line, +1, columns */
                                       0xd8, 0x01, 0x02, 0xd8, 0x01, 0x02};

static uint64_t make_code(struct world *w, const char *name, const char *qualname, const char *file,
                          int firstlineno)
{
    const struct py_layout *lay = &w->lay;
    size_t size = lay->co_code + 64 > 256 ? lay->co_code + 64 : 256;
    uint64_t a = image_alloc(&w->im, size, R_CODE);
    struct image *im = &w->im;
    put_u64(im, a, 1);
    put_u64(im, a + lay->ob_type, w->code_type);
    put_u32(im, a + lay->co_firstlineno, (uint32_t)firstlineno);
    uint64_t s = make_str(w, name);
    put_u64(im, a + lay->co_name, s);
    note_field(im, a + lay->co_name, F_OBJECT_PTR);
    if (layout_has(lay->co_qualname)) {
        s = make_str(w, qualname);
        put_u64(im, a + lay->co_qualname, s);
        note_field(im, a + lay->co_qualname, F_OBJECT_PTR);
    }
    put_u64(im, a + lay->co_filename, make_str(w, file));
    note_field(im, a + lay->co_filename, F_OBJECT_PTR);
    uint64_t table = lay->co_linetable_format <= 9 ? make_bytes(w, lnotab_38, sizeof lnotab_38)
                     : lay->co_linetable_format == 10
                         ? make_bytes(w, linetable_310, sizeof linetable_310)
                         : make_bytes(w, loctable_311, sizeof loctable_311);
    put_u64(im, a + lay->co_linetable, table);
    note_field(im, a + lay->co_linetable, F_OBJECT_PTR);
    return a;
}

/* 3.8-3.10 frame states: f_executing of 3.8 and 3.9, 3.10's f_state. */
static uint8_t frame_executing(const struct world *w)
{
    return w->minor <= 9 ? 1 : 0; /* FRAME_EXECUTING */
}

static uint8_t frame_not_executing(const struct world *w)
{
    return w->minor <= 9 ? 0 : (uint8_t)-1; /* FRAME_SUSPENDED */
}

/* 3.8-3.10: a running PyFrameObject at code unit k of code. */
static uint64_t make_frame_object(struct world *w, uint64_t back, uint64_t code, int k)
{
    const struct py_layout *lay = &w->lay;
    struct image *im = &w->im;
    uint64_t a = image_alloc(im, lay->fr_size, R_FRAME);
    put_u64(im, a, 1);
    put_u64(im, a + lay->ob_type, w->frame_type);
    put_u8(im, a + lay->fr_state, frame_executing(w));
    put_u64(im, a + lay->fr_back, back);
    put_u64(im, a + lay->fr_code, code);
    /* f_lasti: a byte offset up to 3.9, in code units from 3.10. */
    put_u32(im, a + lay->fr_instr, (uint32_t)(2 * k / lay->fr_lasti_scale));
    note_field(im, a + lay->fr_back, F_FRAME_BACK);
    note_field(im, a + lay->fr_code, F_OBJECT_PTR);
    note_field(im, a + lay->fr_instr, F_INSTR);
    return a;
}

/* 3.11+: fill the _PyInterpreterFrame at a. */
static void put_interp_frame(struct world *w, uint64_t a, uint64_t back, uint64_t code, int k,
                             int owner)
{
    const struct py_layout *lay = &w->lay;
    struct image *im = &w->im;
    /* 3.14+: f_executable is a _PyStackRef; a deferred reference has
     * its lowest bit set. */
    put_u64(im, a + lay->fr_code, code && lay->fr_tag_bits ? code | 1 : code);
    put_u64(im, a + lay->fr_back, back);
    put_u64(im, a + lay->fr_instr, code ? code + lay->co_code + 2 * (uint64_t)k : 0);
    put_u8(im, a + lay->fr_owner, (uint8_t)owner);
    /* 3.11: the outermost frame of a thread starts a call of the eval
     * loop (pytop takes a chain that ends elsewhere as torn). */
    if (layout_has(lay->fr_is_entry) && back == 0 && code != 0 &&
        owner != (int)lay->fr_owner_generator)
        put_u8(im, a + lay->fr_is_entry, 1);
    note_region(im, a, lay->fr_size, R_FRAME);
    note_field(im, a + lay->fr_back, F_FRAME_BACK);
    note_field(im, a + lay->fr_code, F_OBJECT_PTR);
    note_field(im, a + lay->fr_instr, F_INSTR);
}

struct chunk {
    uint64_t addr;
    size_t slots, top;
};

static void make_chunk(struct world *w, struct chunk *c, uint64_t previous, size_t slots)
{
    c->addr = image_alloc(&w->im, CHUNK_HEADER + slots * 8, R_OTHER);
    c->slots = slots;
    c->top = 0;
    put_u64(&w->im, c->addr, previous);
    put_u64(&w->im, c->addr + 8, CHUNK_HEADER + slots * 8);
    note_field(&w->im, c->addr, F_CHUNK);
    note_field(&w->im, c->addr + 8, F_CHUNK);
    note_field(&w->im, c->addr + 16, F_CHUNK);
}

static uint64_t chunk_push_frame(struct world *w, struct chunk *c, uint64_t back, uint64_t code,
                                 int k, int owner)
{
    size_t fslots = w->lay.fr_size / 8;
    /* 3.12-3.14: under the outermost frame of a thread, the entry frame of
     * the eval loop's call (pytop takes a chain that ends elsewhere as
     * torn); 3.15 ends chains at the thread's base frame instead. */
    if (back == 0 && owner != (int)w->lay.fr_owner_shim && layout_has(w->lay.fr_owner_shim) &&
        !layout_has(w->lay.ts_base_frame))
        back = chunk_push_frame(w, c, 0, 0, 0, (int)w->lay.fr_owner_shim);
    assert_true(c->top + fslots <= c->slots);
    uint64_t a = c->addr + CHUNK_HEADER + c->top * 8;
    c->top += fslots;
    put_u64(&w->im, c->addr + 16, c->top);
    put_interp_frame(w, a, back, code, k, owner);
    return a;
}

static uint64_t chunk_top(const struct chunk *c)
{
    return c->addr + CHUNK_HEADER + c->top * 8;
}

static uint64_t make_tstate(struct world *w)
{
    return image_alloc(&w->im, 512, R_TSTATE);
}

/* Point thread t at its innermost frame (through a _PyCFrame on 3.11 and
 * 3.12) and, from 3.11, at its data stack chunk. */
static void set_thread_frame(struct world *w, uint64_t t, uint64_t frame, const struct chunk *c)
{
    const struct py_layout *lay = &w->lay;
    struct image *im = &w->im;
    uint64_t target = frame;
    if (layout_has(lay->cf_current_frame)) {
        target = image_alloc(im, 16, R_OTHER);
        put_u64(im, target + lay->cf_current_frame, frame);
        note_field(im, target + lay->cf_current_frame, F_FRAME_BACK);
    }
    put_u64(im, t + lay->ts_frame, target);
    note_field(im, t + lay->ts_frame, F_THREAD_FRAME);
    if (c != NULL) {
        put_u64(im, t + lay->ts_datastack_chunk, c->addr);
        put_u64(im, t + lay->ts_datastack_top, chunk_top(c));
        note_field(im, t + lay->ts_datastack_chunk, F_CHUNK);
        note_field(im, t + lay->ts_datastack_top, F_CHUNK);
    }
}

/* The largest of three fields, of those the version has. */
static size_t max3(uint32_t a, uint32_t b, uint32_t c)
{
    uint32_t v[3] = {a, b, c}, m = 0;
    for (int i = 0; i < 3; i++)
        if (layout_has(v[i]) && v[i] > m)
            m = v[i];
    return m;
}

/* The runtime and one interpreter whose first thread is head (GIL held by
 * holder); returns the interpreter. */
static uint64_t make_runtime(struct world *w, uint64_t head, uint64_t holder)
{
    const struct py_layout *lay = &w->lay;
    struct image *im = &w->im;
    w->runtime =
        image_alloc(im, max3(lay->rt_interp_head, lay->rt_tstate_current, 0) + 8, R_RUNTIME);
    uint64_t interp = image_alloc(
        im, max3(lay->interp_next, lay->interp_tstate_head, lay->interp_gil_ptr) + 8, R_INTERP);
    put_u64(im, w->runtime + lay->rt_interp_head, interp);
    note_field(im, w->runtime + lay->rt_interp_head, F_INTERP_NEXT);
    note_field(im, interp + lay->interp_next, F_INTERP_NEXT);
    put_u64(im, interp + lay->interp_tstate_head, head);
    note_field(im, interp + lay->interp_tstate_head, F_THREAD_NEXT);
    if (layout_has(lay->rt_tstate_current)) {
        put_u64(im, w->runtime + lay->rt_tstate_current, holder);
    } else if (layout_has(lay->ts_holds_gil)) {
        if (holder != 0)
            put_u32(im, holder + lay->ts_holds_gil, 1); /* 3.15+ */
    } else {
        uint64_t gil = image_alloc(im, 32, R_OTHER);
        put_u32(im, gil + lay->gil_locked, holder != 0);
        put_u64(im, gil + lay->gil_last_holder, holder);
        put_u64(im, interp + lay->interp_gil_ptr, gil);
        note_field(im, interp + lay->interp_gil_ptr, F_OBJECT_PTR);
    }
    return interp;
}

/* Thread t's ids: pthread_t (a fake glibc struct pthread holding tid up to
 * 3.10) and, from 3.11, native_thread_id. */
static void set_thread_ids(struct world *w, uint64_t t, pid_t tid)
{
    const struct py_layout *lay = &w->lay;
    uint64_t pthread = image_alloc(&w->im, 1024, R_OTHER);
    put_u32(&w->im, pthread + PTHREAD_TID_OFFSET, (uint32_t)tid);
    put_u64(&w->im, t + lay->ts_thread_id, pthread);
    note_field(&w->im, t + lay->ts_thread_id, F_OBJECT_PTR);
    if (layout_has(lay->ts_native_thread_id))
        put_u32(&w->im, t + lay->ts_native_thread_id, (uint32_t)tid);
}

static void expect(struct expect_thread *th, const char *name, const char *qualname,
                   const char *file, int line, uint64_t addr, int minor)
{
    th->f[th->nframes++] = (struct expect_frame){minor >= 11 ? qualname : name, file, line, addr};
}

/* The intact image of Python 3.minor: thread 1 (holding the GIL) runs
 * <module> -> middle -> inner, thread 2 runs idle -> leaf. */
static void build_world(struct world *w, int minor)
{
    memset(w, 0, sizeof *w);
    w->minor = minor;
    const struct py_layout *lay = layout_for(minor);
    assert_non_null(lay);
    w->lay = *lay;
    image_init(&w->im, 64 * 1024);
    w->code_type = image_alloc(&w->im, 416, R_OTHER);
    w->frame_type = image_alloc(&w->im, 416, R_OTHER);

    uint64_t t1 = make_tstate(w), t2 = make_tstate(w);
    make_runtime(w, t1, t1);
    put_u64(&w->im, t1 + lay->ts_next, t2);
    note_field(&w->im, t1 + lay->ts_next, F_THREAD_NEXT);
    note_field(&w->im, t2 + lay->ts_next, F_THREAD_NEXT);
    /* Up to 3.10 the tid comes from struct pthread, found through the
     * main thread, whose tid is the PID. */
    pid_t tid1 = minor >= 11 ? 1111 : getpid(), tid2 = minor >= 11 ? 2222 : getpid() + 1;
    set_thread_ids(w, t1, tid1);
    set_thread_ids(w, t2, tid2);

    uint64_t c_inner = make_code(w, "inner", "Worker.inner", "/app/worker.py", 10);
    uint64_t c_middle = make_code(w, "middle", "pipeline.<locals>.middle", "/app/worker.py", 20);
    uint64_t c_main = make_code(w, "<module>", "<module>", "/app/main.py", 1);
    uint64_t c_leaf = make_code(w, "leaf", "Pool.leaf", "/usr/lib/pool.py", 50);
    uint64_t c_idle = make_code(w, "idle", "Pool.idle", "/usr/lib/pool.py", 40);

    uint64_t inner, middle, main_, leaf, idle;
    if (minor <= 10) {
        main_ = make_frame_object(w, 0, c_main, 0);
        middle = make_frame_object(w, main_, c_middle, 2);
        inner = make_frame_object(w, middle, c_inner, 1);
        set_thread_frame(w, t1, inner, NULL);
        idle = make_frame_object(w, 0, c_idle, 1);
        leaf = make_frame_object(w, idle, c_leaf, 3);
        set_thread_frame(w, t2, leaf, NULL);
    } else {
        /* Thread 1: one chunk; the generator's frame lives in the heap. */
        /* 3.15+: every thread's chain ends at its own base frame. */
        uint64_t base1 = 0, base2 = 0;
        if (layout_has(lay->ts_base_frame)) {
            base1 = image_alloc(&w->im, lay->fr_size, R_FRAME);
            put_interp_frame(w, base1, 0, 0, 0, (int)lay->fr_owner_shim);
            put_u64(&w->im, t1 + lay->ts_base_frame, base1);
            base2 = image_alloc(&w->im, lay->fr_size, R_FRAME);
            put_interp_frame(w, base2, 0, 0, 0, (int)lay->fr_owner_shim);
            put_u64(&w->im, t2 + lay->ts_base_frame, base2);
        }
        struct chunk c1;
        make_chunk(w, &c1, 0, 64);
        uint64_t shim = base1;
        if (layout_has(lay->fr_owner_shim)) /* 3.12+: the eval loop's entry */
            shim = chunk_push_frame(w, &c1, base1, 0, 0, (int)lay->fr_owner_shim);
        main_ = chunk_push_frame(w, &c1, shim, c_main, 0, FRAME_OWNED_BY_THREAD);
        middle = image_alloc(&w->im, lay->fr_size, R_FRAME);
        put_interp_frame(w, middle, main_, c_middle, 2, (int)lay->fr_owner_generator);
        inner = chunk_push_frame(w, &c1, middle, c_inner, 1, FRAME_OWNED_BY_THREAD);
        set_thread_frame(w, t1, inner, &c1);
        /* Thread 2: its older frame is in the previous chunk. */
        struct chunk c2a, c2b;
        make_chunk(w, &c2a, 0, 32); /* a frame, and from 3.12 its entry frame */
        idle = chunk_push_frame(w, &c2a, base2, c_idle, 1, FRAME_OWNED_BY_THREAD);
        make_chunk(w, &c2b, c2a.addr, 16);
        leaf = chunk_push_frame(w, &c2b, idle, c_leaf, 3, FRAME_OWNED_BY_THREAD);
        set_thread_frame(w, t2, leaf, &c2b);
    }

    w->nthreads = 2;
    w->th[0] = (struct expect_thread){.tstate = t1, .tid = tid1, .gil = 1};
    expect(&w->th[0], "inner", "Worker.inner", "/app/worker.py", 11, inner, minor);
    expect(&w->th[0], "middle", "pipeline.<locals>.middle", "/app/worker.py", 22, middle, minor);
    expect(&w->th[0], "<module>", "<module>", "/app/main.py", 1, main_, minor);
    w->th[1] = (struct expect_thread){.tstate = t2, .tid = tid2, .gil = 0};
    expect(&w->th[1], "leaf", "Pool.leaf", "/usr/lib/pool.py", 53, leaf, minor);
    expect(&w->th[1], "idle", "Pool.idle", "/usr/lib/pool.py", 41, idle, minor);
}

/* --- the target --- */

static void target_init(struct py_target *t, struct world *w, struct fake_mem *fm)
{
    memset(t, 0, sizeof *t);
    t->pid = getpid(); /* alive, so that a failure reads "torn", not "exited" */
    t->lay = w->lay;
    t->tid_offset = -1;
    t->ver = (struct py_version){3, w->minor, 0};
    t->bin.runtime_addr = w->runtime;
    /* A (fake) PyCode_Type address rather than 0, so that the type check
     * of code_cache_get is part of what the breakage meets. */
    code_cache_init(&t->codes, w->code_type);
    t->bin.frame_type = w->frame_type;
    memset(fm, 0, sizeof *fm);
    fm->im = &w->im;
    fm->budget = READ_BUDGET;
    remote_init_custom(&t->mem, &fake_ops, fm);
}

static void target_free(struct py_target *t)
{
    code_cache_free(&t->codes);
    remote_close(&t->mem);
    free(t->arena);
    t->arena = NULL;
}

static void fake_mem_reset(struct fake_mem *fm)
{
    fm->reads = fm->refused = 0;
    fm->max_len = 0;
    fm->over_budget = fm->bad_iov = 0;
}

/* What must hold of any sample, of any image. */
static void assert_sample_in_bounds(const struct py_target *t, const struct py_sample *s,
                                    const struct fake_mem *fm)
{
    assert_false(fm->over_budget);
    assert_false(fm->bad_iov);
    assert_true(fm->max_len <= MAX_READ_LEN);
    assert_in_range(s->nthreads, 0, PY_MAX_THREADS);
    assert_true(s->nthreads >= 0 && (size_t)s->nthreads <= s->threads_cap);
    assert_true(s->nframes >= 0 && (size_t)s->nframes <= s->frames_cap);
    int next_first = 0;
    for (int i = 0; i < s->nthreads; i++) {
        const struct py_thread *th = &s->threads[i];
        assert_in_range(th->nframes, 0, PY_MAX_DEPTH);
        assert_int_equal(th->first, next_first);
        next_first = th->first + th->nframes;
        assert_true(next_first <= s->nframes);
        for (int k = th->first; k < th->first + th->nframes; k++) {
            assert_true(s->frames[k].code < t->codes.n);
            const struct py_code *pc = code_cache_at(&t->codes, s->frames[k].code);
            assert_non_null(pc->name);
            assert_non_null(pc->filename);
            assert_true(strlen(pc->name) < PYSTR_MAX_CHARS * 4);
        }
    }
}

static void assert_sample_is_world(const struct world *w, const struct py_target *t,
                                   const struct py_sample *s)
{
    assert_int_equal(s->nthreads, w->nthreads);
    assert_int_equal(s->gil_locked, 1);
    for (int i = 0; i < w->nthreads; i++) {
        const struct py_thread *th = &s->threads[i];
        const struct expect_thread *want = &w->th[i];
        assert_int_equal(th->tstate, want->tstate);
        assert_int_equal(th->tid, want->tid);
        assert_int_equal(th->gil, want->gil);
        assert_int_equal(th->interp_id, 0);
        assert_false(th->torn);
        assert_false(th->truncated);
        assert_int_equal(th->nframes, want->nframes);
        for (int k = 0; k < want->nframes; k++) {
            const struct py_frame *f = &s->frames[th->first + k];
            const struct py_code *pc = code_cache_at(&t->codes, f->code);
            assert_string_equal(pc->name, want->f[k].name);
            assert_string_equal(pc->filename, want->f[k].file);
            assert_int_equal(f->line, want->f[k].line);
            assert_int_equal(f->addr, want->f[k].addr);
        }
    }
}

/* Sample w once, fresh target; returns pystack_sample's result. */
static int sample_once(struct world *w, struct py_sample *s, struct pt_error *err,
                       struct py_target *t, struct fake_mem *fm)
{
    target_init(t, w, fm);
    pt_error_clear(err);
    int rc = pystack_sample(t, s, err);
    assert_sample_in_bounds(t, s, fm);
    if (rc != 0)
        assert_true(err->code != PT_OK && err->msg[0] != '\0');
    return rc;
}

/* --- the intact images --- */

static void test_intact_image_samples_to_expected_stacks(void **state)
{
    int minor = (int)(intptr_t)*state;
    struct world w;
    build_world(&w, minor);
    struct py_target t;
    struct fake_mem fm;
    struct py_sample s;
    struct pt_error err;
    py_sample_init(&s);
    assert_int_equal(sample_once(&w, &s, &err, &t, &fm), 0);
    assert_sample_is_world(&w, &t, &s);
    /* The intact image is read without one refused read. */
    assert_int_equal(fm.refused, 0);

    /* Again, warm: the same answer from the code cache, fewer reads. */
    uint64_t cold_reads = fm.reads;
    fake_mem_reset(&fm);
    assert_int_equal(pystack_sample(&t, &s, &err), 0);
    assert_sample_is_world(&w, &t, &s);
    assert_true(fm.reads < cold_reads);
    assert_int_equal(t.codes.n, 5);

    target_free(&t);
    py_sample_free(&s);
    image_free(&w.im);
}

/* --- targeted breakage --- */

/* Build the intact world, let `breakit` change it, sample: must return in
 * bounds. Returns the sample's result; s and t stay for more checks and
 * are freed by finish(). */
struct broken {
    struct world w;
    struct py_target t;
    struct fake_mem fm;
    struct py_sample s;
    struct pt_error err;
    int rc;
};

static void sample_broken(struct broken *b, int minor, void (*breakit)(struct world *))
{
    build_world(&b->w, minor);
    breakit(&b->w);
    py_sample_init(&b->s);
    b->rc = sample_once(&b->w, &b->s, &b->err, &b->t, &b->fm);
}

static void finish(struct broken *b)
{
    target_free(&b->t);
    py_sample_free(&b->s);
    image_free(&b->w.im);
}

static const struct expect_frame *inner_of(const struct world *w)
{
    return &w->th[0].f[0];
}

static void frame_points_at_itself(struct world *w)
{
    uint64_t inner = inner_of(w)->addr;
    put_u64(&w->im, inner + w->lay.fr_back, inner);
}

static void oldest_frame_points_at_innermost(struct world *w)
{
    put_u64(&w->im, w->th[0].f[2].addr + w->lay.fr_back, inner_of(w)->addr);
}

static void test_frame_cycles_end_as_torn_threads(void **state)
{
    int minor = (int)(intptr_t)*state;
    struct broken b;
    sample_broken(&b, minor, frame_points_at_itself);
    assert_int_equal(b.rc, 0);
    assert_int_equal(b.s.nthreads, 2);
    assert_true(b.s.threads[0].torn);
    assert_in_range(b.s.threads[0].nframes, 1, 2);
    assert_false(b.s.threads[1].torn);
    assert_int_equal(b.s.threads[1].nframes, 2);
    finish(&b);

    sample_broken(&b, minor, oldest_frame_points_at_innermost);
    assert_int_equal(b.rc, 0);
    assert_true(b.s.threads[0].torn);
    assert_in_range(b.s.threads[0].nframes, 3, 12);
    finish(&b);
}

static void thread_list_loops(struct world *w)
{
    put_u64(&w->im, w->th[1].tstate + w->lay.ts_next, w->th[0].tstate);
}

static void thread_points_at_itself(struct world *w)
{
    put_u64(&w->im, w->th[0].tstate + w->lay.ts_next, w->th[0].tstate);
}

static void interpreter_points_at_itself(struct world *w)
{
    uint64_t interp;
    memcpy(&interp, image_at(&w->im, w->runtime + w->lay.rt_interp_head, 8), 8);
    put_u64(&w->im, interp + w->lay.interp_next, interp);
}

static void test_thread_and_interpreter_cycles_fail_as_torn(void **state)
{
    int minor = (int)(intptr_t)*state;
    void (*breaks[])(struct world *) = {thread_list_loops, thread_points_at_itself,
                                        interpreter_points_at_itself};
    for (size_t i = 0; i < sizeof breaks / sizeof breaks[0]; i++) {
        struct broken b;
        sample_broken(&b, minor, breaks[i]);
        assert_int_equal(b.rc, -1);
        assert_int_equal(b.err.code, PT_E_TORN);
        assert_true(b.s.nthreads <= 8);
        finish(&b);
    }
}

static uint64_t get_u64_at(struct world *w, uint64_t addr)
{
    uint64_t v;
    memcpy(&v, image_at(&w->im, addr, 8), 8);
    return v;
}

static uint64_t code_of_inner(struct world *w)
{
    return get_u64_at(w, inner_of(w)->addr + w->lay.fr_code) & ~(uint64_t)w->lay.fr_tag_bits;
}

static void name_is_huge(struct world *w)
{
    uint64_t code = code_of_inner(w);
    uint64_t name = get_u64_at(
        w, code + (layout_has(w->lay.co_qualname) ? w->lay.co_qualname : w->lay.co_name));
    put_u64(&w->im, name + w->lay.unicode_length, (uint64_t)1 << 62);
}

static void name_is_negative(struct world *w)
{
    uint64_t code = code_of_inner(w);
    uint64_t name = get_u64_at(
        w, code + (layout_has(w->lay.co_qualname) ? w->lay.co_qualname : w->lay.co_name));
    put_u64(&w->im, name + w->lay.unicode_length, (uint64_t)-7);
}

static void line_table_is_huge(struct world *w)
{
    uint64_t table = get_u64_at(w, code_of_inner(w) + w->lay.co_linetable);
    put_u64(&w->im, table + 16, (uint64_t)1 << 40);
}

static void line_table_is_negative(struct world *w)
{
    uint64_t table = get_u64_at(w, code_of_inner(w) + w->lay.co_linetable);
    put_u64(&w->im, table + 16, (uint64_t)INT64_MIN);
}

static void line_table_runs_past_the_image(struct world *w)
{
    uint64_t table = get_u64_at(w, code_of_inner(w) + w->lay.co_linetable);
    put_u64(&w->im, table + 16, w->im.cap);
}

static void test_bad_lengths_in_strs_and_line_tables_stay_bounded(void **state)
{
    int minor = (int)(intptr_t)*state;
    struct broken b;

    /* A huge name is cut; a negative one makes the code unreadable. */
    sample_broken(&b, minor, name_is_huge);
    assert_int_equal(b.rc, 0);
    assert_int_equal(b.s.threads[0].nframes, 3);
    const struct py_code *pc = code_cache_at(&b.t.codes, b.s.frames[0].code);
    assert_true(strlen(pc->name) >= 5);
    assert_memory_equal(pc->name, minor >= 11 ? "Worker.inner" : "inner", 5);
    finish(&b);

    sample_broken(&b, minor, name_is_negative);
    assert_int_equal(b.rc, 0);
    assert_true(b.s.threads[0].torn);
    assert_int_equal(b.s.threads[0].nframes, 0);
    assert_int_equal(b.s.threads[1].nframes, 2);
    finish(&b);

    /* A line table with an impossible length gives the first line. */
    void (*tables[])(struct world *) = {line_table_is_huge, line_table_is_negative};
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        sample_broken(&b, minor, tables[i]);
        assert_int_equal(b.rc, 0);
        assert_false(b.s.threads[0].torn);
        assert_int_equal(b.s.threads[0].nframes, 3);
        assert_int_equal(b.s.frames[0].line, 10);
        assert_int_equal(b.s.frames[1].line, 22);
        finish(&b);
    }

    /* One whose length is plausible but reaches unmapped memory: the code
     * object counts as unreadable (a torn frame), or its first line. */
    sample_broken(&b, minor, line_table_runs_past_the_image);
    assert_int_equal(b.rc, 0);
    if (b.s.threads[0].torn) {
        assert_int_equal(b.s.threads[0].nframes, 0);
    } else {
        assert_int_equal(b.s.threads[0].nframes, 3);
        assert_int_equal(b.s.frames[0].line, 10);
    }
    assert_int_equal(b.s.threads[1].nframes, 2);
    finish(&b);
}

static uint64_t bad_pointer;

static void back_is_bad_pointer(struct world *w)
{
    put_u64(&w->im, inner_of(w)->addr + w->lay.fr_back, bad_pointer);
}

static void test_bad_frame_pointers_end_as_torn_threads(void **state)
{
    int minor = (int)(intptr_t)*state;
    struct world probe;
    build_world(&probe, minor);
    uint64_t base = probe.im.base, end = probe.im.base + probe.im.cap;
    uint64_t code = code_of_inner(&probe);
    image_free(&probe.im);
    const uint64_t pointers[] = {
        0xdead0000,                 /* unmapped */
        base - 8,                   /* just before the image */
        end,                        /* just after it */
        end - 8,                    /* its last word: a frame cut by its end */
        inner_of(&probe)->addr + 3, /* misaligned */
        code,                       /* not a frame: a code object */
        (uint64_t)1 << 63,
        UINT64_MAX & ~(uint64_t)7,        /* the top of the address space: */
        (UINT64_MAX - 71) & ~(uint64_t)7, /* a frame there wraps around */
    };
    for (size_t i = 0; i < sizeof pointers / sizeof pointers[0]; i++) {
        bad_pointer = pointers[i];
        struct broken b;
        sample_broken(&b, minor, back_is_bad_pointer);
        assert_int_equal(b.rc, 0);
        assert_in_range(b.s.threads[0].nframes, 1, 3);
        assert_int_equal(b.s.threads[1].nframes, 2);
        finish(&b);
    }
}

/* --- frames CPython is done with (3.8-3.10) --- */

static void put_state(struct world *w, uint64_t frame, uint8_t state)
{
    put_u8(&w->im, frame + w->lay.fr_state, state);
}

/* inner returned: it went on the free list, whose next frame (leaf's
 * once, f_back NULL: the end of the list) its f_back now points at. */
static void inner_is_on_the_free_list(struct world *w)
{
    uint64_t leaf_code = get_u64_at(w, w->th[1].f[0].addr + w->lay.fr_code);
    uint64_t freed = make_frame_object(w, 0, leaf_code, 1);
    put_u64(&w->im, freed, 0);
    put_u64(&w->im, inner_of(w)->addr, 0);
    put_u64(&w->im, inner_of(w)->addr + w->lay.fr_back, freed);
}

/* middle returned and stayed as its code's zombie frame. */
static void middle_is_a_zombie(struct world *w)
{
    put_u64(&w->im, w->th[0].f[1].addr, 0);
}

/* inner's memory holds another object now. */
static void inner_is_another_object(struct world *w)
{
    put_u64(&w->im, inner_of(w)->addr + 8, w->code_type);
}

/* The oldest frame has no f_back and does not run: a generator's that
 * yielded (or was just made), not the root of a running stack. */
static void root_does_not_run(struct world *w)
{
    put_state(w, w->th[0].f[2].addr, frame_not_executing(w));
}

/* The oldest frame is being set up off the free list: its f_back is the
 * list's end (NULL) still, its f_lasti already -1. */
static void root_has_not_begun(struct world *w)
{
    put_u32(&w->im, w->th[0].f[2].addr + w->lay.fr_instr, (uint32_t)-1);
}

static void inner_state_is_garbage(struct world *w)
{
    put_state(w, inner_of(w)->addr, 0x55);
}

/* 3.10: frame.clear() was called on it. */
static void inner_is_cleared(struct world *w)
{
    put_state(w, inner_of(w)->addr, w->minor >= 10 ? 4 : 0x55);
}

static void test_frames_done_with_end_as_torn_threads(void **state)
{
    int minor = (int)(intptr_t)*state;
    const struct {
        void (*breakit)(struct world *);
        int frames; /* read before the one that is not running */
    } cases[] = {
        {inner_is_on_the_free_list, 0}, {middle_is_a_zombie, 1}, {inner_is_another_object, 0},
        {root_does_not_run, 2},         {root_has_not_begun, 2}, {inner_state_is_garbage, 0},
        {inner_is_cleared, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct broken b;
        sample_broken(&b, minor, cases[i].breakit);
        assert_int_equal(b.rc, 0);
        assert_true(b.s.threads[0].torn);
        assert_int_equal(b.s.threads[0].nframes, cases[i].frames);
        assert_false(b.s.threads[1].torn);
        assert_int_equal(b.s.threads[1].nframes, 2);
        finish(&b);
    }
}

/* --- 3.11+: a generator's frame is never the outermost --- */

/* Thread 1's middle frame is a generator's. Read just as it yielded: its
 * previous is NULL, and on 3.11 (resumed from C, ''.join(gen) say) it
 * is an entry frame. The chain read then ends there, "properly". */
static void middle_generator_yielded(struct world *w)
{
    const struct py_layout *lay = &w->lay;
    uint64_t middle = w->th[0].f[1].addr;
    put_u64(&w->im, middle + lay->fr_back, 0);
    if (layout_has(lay->fr_is_entry))
        put_u8(&w->im, middle + lay->fr_is_entry, 1);
}

static void test_chain_ending_at_a_generator_is_torn(void **state)
{
    int minor = (int)(intptr_t)*state;
    struct broken b;
    sample_broken(&b, minor, middle_generator_yielded);
    assert_int_equal(b.rc, 0);
    assert_true(b.s.threads[0].torn);
    assert_false(b.s.threads[1].torn);
    assert_int_equal(b.s.threads[1].nframes, 2);
    finish(&b);
}

/* With a tracer, a frame in its call or return event does not execute,
 * but it has a caller: it is on the stack. */
static void middle_is_in_a_trace_event(struct world *w)
{
    put_state(w, w->th[0].f[1].addr, frame_not_executing(w));
}

static void test_frame_in_a_trace_event_is_on_the_stack(void **state)
{
    int minor = (int)(intptr_t)*state;
    struct broken b;
    sample_broken(&b, minor, middle_is_in_a_trace_event);
    assert_int_equal(b.rc, 0);
    assert_sample_is_world(&b.w, &b.t, &b.s);
    finish(&b);
}

/* A frame that reads as freed once (its stack moved while it was read)
 * is read again: the sample is whole. One that always does ends torn,
 * after a bounded number of walks. */
static void test_frame_freed_while_read_is_read_again(void **state)
{
    int minor = (int)(intptr_t)*state;
    struct world w;
    build_world(&w, minor);
    struct py_target t;
    struct fake_mem fm;
    struct py_sample s;
    struct pt_error err;
    py_sample_init(&s);
    target_init(&t, &w, &fm);
    fm.flaky_addr = inner_of(&w)->addr;
    fm.flaky_reads = 1;
    assert_int_equal(pystack_sample(&t, &s, &err), 0);
    assert_int_equal(fm.flaky_reads, 0);
    assert_sample_is_world(&w, &t, &s);

    fm.flaky_reads = 1000;
    assert_int_equal(pystack_sample(&t, &s, &err), 0);
    assert_sample_in_bounds(&t, &s, &fm);
    assert_true(s.threads[0].torn);
    assert_int_equal(s.threads[0].nframes, 0);
    assert_false(s.threads[1].torn);
    assert_int_equal(s.threads[1].nframes, 2);
    assert_in_range(fm.flaky_reads, 1000 - 64, 1000 - 2);

    target_free(&t);
    py_sample_free(&s);
    image_free(&w.im);
}

/* While stacks move, a sample asks the replay cache for the pages frames
 * were read from (remote_cache_note): the next replay holds a noted range
 * that nothing read, and a read inside it is served from that copy. */
static void test_noted_range_is_in_the_next_replay(void **state)
{
    (void)state;
    struct world w;
    build_world(&w, 10);
    struct py_target t;
    struct fake_mem fm;
    target_init(&t, &w, &fm);
    assert_int_equal(remote_cache_enable(&t.mem, 1), 0);
    uint64_t page = w.im.base + 4096, hits, misses, misses_before;
    uint8_t buf[64];

    remote_cache_begin(&t.mem);
    remote_cache_note(&t.mem, page, 4096);
    remote_cache_end(&t.mem);
    uint64_t reads = fm.reads;
    remote_cache_begin(&t.mem); /* the replay: one read of the noted page */
    assert_int_equal(fm.reads, reads + 1);
    remote_cache_stats(&t.mem, &hits, &misses_before);
    assert_int_equal(remote_read(&t.mem, page + 1000, buf, sizeof buf), 0);
    remote_cache_stats(&t.mem, &hits, &misses);
    assert_int_equal(misses, misses_before);
    assert_int_equal(fm.reads, reads + 1);
    assert_memory_equal(buf, w.im.bytes + 4096 + 1000, sizeof buf);
    remote_cache_end(&t.mem);

    /* Outside a sample a note is nothing. */
    remote_cache_note(&t.mem, page + 8192, 4096);
    remote_cache_begin(&t.mem);
    remote_cache_stats(&t.mem, &hits, &misses_before);
    assert_int_equal(remote_read(&t.mem, page + 8192, buf, sizeof buf), 0);
    remote_cache_stats(&t.mem, &hits, &misses);
    assert_int_equal(misses, misses_before + 1);
    remote_cache_end(&t.mem);

    target_free(&t);
    image_free(&w.im);
}

/* --- deep stacks and many threads --- */

/* One thread whose stack is `depth` frames of one function (3.11+: the
 * older half in a previous chunk). */
static void build_deep_world(struct world *w, int minor, int depth)
{
    memset(w, 0, sizeof *w);
    w->minor = minor;
    w->lay = *layout_for(minor);
    const struct py_layout *lay = &w->lay;
    image_init(&w->im, (size_t)depth * (lay->fr_size + 16) + 64 * 1024);
    w->code_type = image_alloc(&w->im, 416, R_OTHER);
    w->frame_type = image_alloc(&w->im, 416, R_OTHER);
    uint64_t t1 = make_tstate(w);
    make_runtime(w, t1, 0);
    set_thread_ids(w, t1, minor >= 11 ? 1111 : getpid());
    uint64_t code = make_code(w, "recurse", "recurse", "/app/deep.py", 7);
    uint64_t frame = 0;
    if (minor <= 10) {
        for (int i = 0; i < depth; i++)
            frame = make_frame_object(w, frame, code, i % 4);
        set_thread_frame(w, t1, frame, NULL);
    } else {
        size_t fslots = lay->fr_size / 8;
        struct chunk old, cur;
        if (layout_has(lay->ts_base_frame)) { /* 3.15+ */
            frame = image_alloc(&w->im, lay->fr_size, R_FRAME);
            put_interp_frame(w, frame, 0, 0, 0, (int)lay->fr_owner_shim);
            put_u64(&w->im, t1 + lay->ts_base_frame, frame);
        }
        make_chunk(w, &old, 0, (size_t)(depth / 2 + 1) * fslots); /* + an entry frame */
        for (int i = 0; i < depth / 2; i++)
            frame = chunk_push_frame(w, &old, frame, code, i % 4, FRAME_OWNED_BY_THREAD);
        make_chunk(w, &cur, old.addr, (size_t)(depth - depth / 2) * fslots);
        for (int i = depth / 2; i < depth; i++)
            frame = chunk_push_frame(w, &cur, frame, code, i % 4, FRAME_OWNED_BY_THREAD);
        set_thread_frame(w, t1, frame, &cur);
    }
    w->nthreads = 1;
}

static void test_deep_stack_is_cut_at_max_depth(void **state)
{
    int minor = (int)(intptr_t)*state;
    const int depth = PY_MAX_DEPTH + 500;
    struct world w;
    build_deep_world(&w, minor, depth);
    struct py_target t;
    struct fake_mem fm;
    struct py_sample s;
    struct pt_error err;
    py_sample_init(&s);
    assert_int_equal(sample_once(&w, &s, &err, &t, &fm), 0);
    assert_int_equal(s.nthreads, 1);
    assert_int_equal(s.threads[0].nframes, PY_MAX_DEPTH);
    assert_true(s.threads[0].truncated);
    assert_false(s.threads[0].torn);
    assert_int_equal(s.gil_locked, 0);
    /* Innermost first: frame i from the top was pushed at depth-1-i. */
    for (int i = 0; i < PY_MAX_DEPTH; i += 97)
        assert_int_equal(s.frames[i].line, 7 + (depth - 1 - i) % 4);
    assert_int_equal(fm.refused, 0);
    target_free(&t);
    py_sample_free(&s);
    image_free(&w.im);
}

/* Two interpreters whose thread lists are one list of n thread states. */
static void build_shared_threads_world(struct world *w, int minor, int n)
{
    memset(w, 0, sizeof *w);
    w->minor = minor;
    w->lay = *layout_for(minor);
    const struct py_layout *lay = &w->lay;
    image_init(&w->im, (size_t)n * 512 + 64 * 1024);
    w->code_type = image_alloc(&w->im, 416, R_OTHER);
    w->frame_type = image_alloc(&w->im, 416, R_OTHER);
    uint64_t first = make_tstate(w), prev = first;
    for (int i = 1; i < n; i++) {
        uint64_t t = make_tstate(w);
        put_u64(&w->im, prev + lay->ts_next, t);
        prev = t;
    }
    uint64_t i1 = make_runtime(w, first, 0);
    uint64_t i2 = image_alloc(
        &w->im, max3(lay->interp_next, lay->interp_tstate_head, lay->interp_gil_ptr) + 8, R_INTERP);
    put_u64(&w->im, i1 + lay->interp_next, i2);
    put_u64(&w->im, i2 + lay->interp_tstate_head, first);
    if (layout_has(lay->interp_gil_ptr))
        put_u64(&w->im, i2 + lay->interp_gil_ptr, get_u64_at(w, i1 + lay->interp_gil_ptr));
}

static void test_threads_in_all_interpreters_stay_within_max_threads(void **state)
{
    int minor = (int)(intptr_t)*state;
    /* Each interpreter's list is under the limit; together they are over. */
    const int n = PY_MAX_THREADS / 2 + 100;
    struct world w;
    build_shared_threads_world(&w, minor, n);
    struct py_target t;
    struct fake_mem fm;
    struct py_sample s;
    struct pt_error err;
    py_sample_init(&s);
    sample_once(&w, &s, &err, &t, &fm);
    assert_in_range(s.nthreads, 0, PY_MAX_THREADS);
    target_free(&t);
    py_sample_free(&s);
    image_free(&w.im);
}

/* --- random breakage --- */

static const struct region *random_region(const struct world *w, uint64_t *rng)
{
    return &w->im.regions[rng_next(rng) % (uint64_t)w->im.nregions];
}

/* A value chosen to hurt as a pointer, length or offset. */
static uint64_t nasty_value(const struct world *w, uint64_t *rng)
{
    const struct region *r = random_region(w, rng);
    uint64_t base = w->im.base, end = w->im.base + w->im.cap;
    switch (rng_next(rng) % 13) {
    case 0:
        return 0;
    case 1:
        return rng_next(rng);
    case 2:
        return r->addr; /* another structure */
    case 3:
        return r->addr + 1 + rng_next(rng) % 7; /* misaligned */
    case 4:
        return r->addr + (rng_next(rng) % (r->len + 64) & ~(uint64_t)7); /* inside one */
    case 5:
        return base - 8 * (1 + rng_next(rng) % 512); /* below the image */
    case 6:
        return end - 8 * (rng_next(rng) % 64); /* at its end, or past it */
    case 7:
        return UINT64_MAX - 8 * (rng_next(rng) % 64) - 7; /* top of the address space */
    case 8:
        return rng_next(rng) % 2 ? (uint64_t)INT64_MAX : (uint64_t)INT64_MIN;
    case 9:
        return (uint64_t)-1 - rng_next(rng) % 300; /* small negative */
    case 10:
        return rng_next(rng) % 1000; /* small positive */
    case 11:
        return (uint64_t)1 << (rng_next(rng) % 64);
    default:
        return (uint64_t)INT32_MAX - rng_next(rng) % 4;
    }
}

static void put_random_bytes(struct world *w, uint64_t *rng)
{
    const struct region *r = random_region(w, rng);
    int n = 1 + (int)(rng_next(rng) % 8);
    for (int i = 0; i < n; i++)
        put_u8(&w->im, r->addr + rng_next(rng) % r->len, (uint8_t)rng_next(rng));
}

static void put_random_word(struct world *w, uint64_t *rng)
{
    const struct region *r = random_region(w, rng);
    if (r->len < 8)
        return;
    uint64_t at = r->addr + (rng_next(rng) % (r->len - 7) & ~(uint64_t)7);
    put_u64(&w->im, at, nasty_value(w, rng));
}

/* A field of the given kind, or 0 if there is none. */
static uint64_t random_field(const struct world *w, enum field_kind kind, uint64_t *rng)
{
    int n = w->im.nfields[kind];
    return n ? w->im.fields[kind][rng_next(rng) % (uint64_t)n] : 0;
}

/* Make a chain loop: a frame, thread or interpreter link to a structure of
 * the same kind (itself or an earlier one). */
static void make_loop(struct world *w, uint64_t *rng)
{
    static const enum field_kind links[] = {F_FRAME_BACK, F_THREAD_NEXT, F_INTERP_NEXT};
    static const enum region_kind kinds[] = {R_FRAME, R_TSTATE, R_INTERP};
    size_t which = rng_next(rng) % 3;
    uint64_t field = random_field(w, links[which], rng);
    if (field == 0)
        return;
    /* Aim at a structure of the right kind. */
    for (int tries = 0; tries < 64; tries++) {
        const struct region *r = random_region(w, rng);
        if (r->kind == kinds[which]) {
            put_u64(&w->im, field, r->addr);
            return;
        }
    }
}

static void break_field(struct world *w, uint64_t *rng)
{
    enum field_kind kind = (enum field_kind)(rng_next(rng) % F_KINDS);
    uint64_t field = random_field(w, kind, rng);
    if (field == 0)
        return;
    if (kind == F_INSTR && w->minor <= 10) {
        put_u32(&w->im, field, (uint32_t)nasty_value(w, rng));
        return;
    }
    uint64_t v = nasty_value(w, rng);
    if (rng_next(rng) % 4 == 0) {
        /* Off by a little from what is there. */
        v = get_u64_at(w, field) + (rng_next(rng) % 33) - 16;
    }
    put_u64(&w->im, field, v);
}

static void break_world(struct world *w, uint64_t *rng)
{
    int n = 1 + (int)(rng_next(rng) % 4);
    for (int i = 0; i < n; i++) {
        switch (rng_next(rng) % 5) {
        case 0:
            put_random_bytes(w, rng);
            break;
        case 1:
            put_random_word(w, rng);
            break;
        case 2:
            make_loop(w, rng);
            break;
        default:
            break_field(w, rng);
            break;
        }
    }
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_broken_images_always_sample_in_bounds(void **state)
{
    int minor = (int)(intptr_t)*state;
    struct world w;
    build_world(&w, minor);
    uint8_t *pristine = malloc(w.im.cap);
    assert_non_null(pristine);
    memcpy(pristine, w.im.bytes, w.im.cap);

    struct py_target t;
    struct fake_mem fm;
    struct py_sample s;
    struct pt_error err;
    py_sample_init(&s);
    target_init(&t, &w, &fm);
    uint64_t rng = 0x5eed0000u + (uint64_t)minor;
    int ok = 0, torn_threads = 0, failed = 0;
    double start = now_seconds();
    for (int iter = 0; iter < FUZZ_ITERATIONS; iter++) {
        memcpy(w.im.bytes, pristine, w.im.cap);
        break_world(&w, &rng);
        /* Mostly a fresh target; sometimes keep what the last (broken)
         * sample cached, as a long-running sampler would. */
        if (rng_next(&rng) % 4 != 0) {
            code_cache_free(&t.codes);
            code_cache_init(&t.codes, w.code_type);
            t.tid_offset = -1;
        }
        fake_mem_reset(&fm);
        pt_error_clear(&err);
        int rc = pystack_sample(&t, &s, &err);
        assert_sample_in_bounds(&t, &s, &fm);
        if (rc == 0) {
            ok++;
            for (int i = 0; i < s.nthreads; i++)
                torn_threads += s.threads[i].torn;
        } else {
            assert_true(err.code == PT_E_TORN || err.code == PT_E_READ);
            assert_true(err.msg[0] != '\0');
            failed++;
        }
    }
    double elapsed = now_seconds() - start;
    /* The breakage reaches every outcome: clean, torn threads, failures. */
    assert_true(ok > 0 && torn_threads > 0 && failed > 0);
    assert_true(elapsed < 30.0);

    /* And the same target, on the intact image again, is right. */
    memcpy(w.im.bytes, pristine, w.im.cap);
    code_cache_free(&t.codes);
    code_cache_init(&t.codes, w.code_type);
    t.tid_offset = -1;
    fake_mem_reset(&fm);
    assert_int_equal(pystack_sample(&t, &s, &err), 0);
    assert_sample_is_world(&w, &t, &s);

    target_free(&t);
    py_sample_free(&s);
    image_free(&w.im);
    free(pristine);
}

/* One test per version, named after it; the minor is the test's state. */
// clang-format off
#define FOR(test, minor) {#test " (3." #minor ")", test, NULL, NULL, (void *)(intptr_t)minor}
#define PER_VERSION(test) \
    FOR(test, 8), FOR(test, 9), FOR(test, 10), FOR(test, 11), FOR(test, 12), FOR(test, 13), \
    FOR(test, 14), FOR(test, 15)
#define FRAME_OBJECT_VERSIONS(test) FOR(test, 8), FOR(test, 9), FOR(test, 10)
#define INTERPRETER_FRAME_VERSIONS(test) \
    FOR(test, 11), FOR(test, 12), FOR(test, 13), FOR(test, 14), FOR(test, 15)
// clang-format on

int main(void)
{
    alarm(WATCHDOG_SECONDS);
    const struct CMUnitTest tests[] = {
        PER_VERSION(test_intact_image_samples_to_expected_stacks),
        PER_VERSION(test_frame_cycles_end_as_torn_threads),
        PER_VERSION(test_thread_and_interpreter_cycles_fail_as_torn),
        PER_VERSION(test_bad_lengths_in_strs_and_line_tables_stay_bounded),
        PER_VERSION(test_deep_stack_is_cut_at_max_depth),
        PER_VERSION(test_bad_frame_pointers_end_as_torn_threads),
        FRAME_OBJECT_VERSIONS(test_frames_done_with_end_as_torn_threads),
        FRAME_OBJECT_VERSIONS(test_frame_in_a_trace_event_is_on_the_stack),
        FRAME_OBJECT_VERSIONS(test_frame_freed_while_read_is_read_again),
        INTERPRETER_FRAME_VERSIONS(test_chain_ending_at_a_generator_is_torn),
        cmocka_unit_test(test_noted_range_is_in_the_next_replay),
        PER_VERSION(test_broken_images_always_sample_in_bounds),
        PER_VERSION(test_threads_in_all_interpreters_stay_within_max_threads),
    };
    return cmocka_run_group_tests_name("python/stack (fuzz)", tests, NULL, NULL);
}
