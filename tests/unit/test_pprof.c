/*
 * tests/unit/test_pprof: pprof profiles written from hand-built calltrees and
 * read back, profiles other tools write, and files that are not profiles.
 *
 * Write -> read -> collapsed must give the text of the tree written (the
 * leading process, thread and task frames going through sample labels and
 * coming back); the file must hold what pprof readers expect (string 0 is
 * "", ids from 1, innermost location first, labels, sample and period
 * types); a Go-style profile (several sample types, sparse ids, inlined
 * lines, an address without symbols) must read as its stacks; broken
 * input must fail with one PT_E_IO message, and thousands of truncations
 * and byte flips of a real file must never crash (run it under ASan).
 *
 * With arguments it is a helper of tests/integration/test_pprof.py:
 *
 *     test_pprof --read FILE   the profile as folded stacks on stdout,
 *                              after "# key value" lines of its meta
 */
#include "config.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include <cmocka.h>

#include "treebuild.h"

#include "calltree.h"
#include "output/collapsed.h"
#include "output/pprof.h"
#include "output/profile.pb-c.h"
#include "util.h"

/* ---- helpers ---------------------------------------------------------- */

/* The pprof file of t (malloc'd, *size bytes). */
static unsigned char *write_pprof(const struct calltree *t, const struct profile_meta *m,
                                  size_t *size)
{
    char *data = NULL;
    FILE *out = open_memstream(&data, size);
    assert_non_null(out);
    struct pt_error err;
    pt_error_clear(&err);
    assert_int_equal(pprof_write(out, t, m, &err), 0);
    assert_int_equal(fclose(out), 0);
    return (unsigned char *)data;
}

static int read_pprof(const void *data, size_t size, struct calltree *t, struct profile_meta *m,
                      struct pt_error *err)
{
    pt_error_clear(err);
    return pprof_read(data, size, t, m, err);
}

/* zlib both ways, for building and taking apart test files. */
static unsigned char *gzip_bytes(const void *in, size_t n, size_t *outlen)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&z, (uLong)n) + 64;
    unsigned char *out = malloc(cap);
    assert_non_null(out);
    z.next_in = (unsigned char *)in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    *outlen = cap - z.avail_out;
    deflateEnd(&z);
    return out;
}

static unsigned char *gunzip_bytes(const void *in, size_t n, size_t *outlen)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
    size_t cap = 1 << 24;
    unsigned char *out = malloc(cap);
    assert_non_null(out);
    z.next_in = (unsigned char *)in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
    *outlen = cap - z.avail_out;
    inflateEnd(&z);
    return out;
}

/* The decoded Profile of a file pprof_write wrote. */
static Pprof__Profile *decode(const unsigned char *gz, size_t size)
{
    size_t n;
    unsigned char *raw = gunzip_bytes(gz, size, &n);
    Pprof__Profile *p = pprof__profile__unpack(NULL, n, raw);
    free(raw);
    assert_non_null(p);
    return p;
}

static const char *str_of(const Pprof__Profile *p, int64_t i)
{
    assert_true(i >= 0 && (uint64_t)i < p->n_string_table);
    static char buf[4][512];
    static int next;
    char *b = buf[next++ % 4];
    size_t len = p->string_table[i].len < 511 ? p->string_table[i].len : 511;
    if (len > 0) /* protobuf-c gives "" a NULL pointer */
        memcpy(b, p->string_table[i].data, len);
    b[len] = '\0';
    return b;
}

static const Pprof__Location *location(const Pprof__Profile *p, uint64_t id)
{
    for (size_t i = 0; i < p->n_location; i++)
        if (p->location[i]->id == id)
            return p->location[i];
    fail_msg("no location %llu", (unsigned long long)id);
    return NULL;
}

static const Pprof__Function *function(const Pprof__Profile *p, uint64_t id)
{
    for (size_t i = 0; i < p->n_function; i++)
        if (p->function[i]->id == id)
            return p->function[i];
    fail_msg("no function %llu", (unsigned long long)id);
    return NULL;
}

/* The one sample counting count. */
static const Pprof__Sample *sample_counting(const Pprof__Profile *p, int64_t count)
{
    const Pprof__Sample *found = NULL;
    for (size_t i = 0; i < p->n_sample; i++)
        if (p->sample[i]->value[0] == count) {
            assert_null(found);
            found = p->sample[i];
        }
    assert_non_null(found);
    return found;
}

/* ---- the tree of most tests ------------------------------------------- */

/* Leading process, thread and task frames; Python frames by line, by
 * function and without a file; native frames with and without a library;
 * a task deeper in a stack; a process frame that does not lead; samples
 * of the root itself. */
static void build_tree(struct calltree *t)
{
    assert_int_equal(calltree_init(t), 0);
    uint32_t proc = frame(t, CT_PROCESS, "process 42 (python3 app.py)", "", 0);
    uint32_t proc2 = frame(t, CT_PROCESS, "process 77 (python3 -m worker)", "", 0);
    uint32_t thr = frame(t, CT_THREAD, "thread 43 (worker)", "", 0);
    uint32_t task = frame(t, CT_TASK, "task main", "", 0);
    uint32_t inner = frame(t, CT_TASK, "task fetch-1", "", 0);
    uint32_t main_ = py(t, "main", "app.py", 10);
    uint32_t work = py(t, "work", "app.py", 5);
    uint32_t helper = py(t, "Helper.run", "lib/util.py", 0); /* by function */
    uint32_t module = py(t, "<module>", "", 0);
    uint32_t odd = py(t, "name with spaces", "/home/me/My Project (old)/app.py", 12);
    uint32_t memcpy_ = frame(t, CT_NATIVE, "memcpy", "libc.so.6", 0);
    uint32_t deflate_ = frame(t, CT_NATIVE, "deflate", "libz.so.1", 0);
    uint32_t anon = frame(t, CT_NATIVE, "0x7f00dead", "", 0);
    calltree_set_info(t, main_, CT_ORIGIN_APP, 8);
    calltree_set_info(t, work, CT_ORIGIN_APP, 4);
    calltree_set_info(t, helper, CT_ORIGIN_PACKAGE, 30);

    add(t, 42, 3, proc, main_, work);
    add(t, 3, 2, proc, main_);
    add(t, 7, 3, proc, main_, helper);
    add(t, 1, 5, proc, thr, main_, work, memcpy_);
    add(t, 4, 6, proc, thr, task, main_, inner, work);
    add(t, 2, 4, thr, task, work, deflate_);
    add(t, 5, 2, task, odd);
    add(t, 6, 3, proc2, work, anon);
    add(t, 2, 1, module);
    add(t, 1, 3, main_, proc, work); /* a process frame that does not lead */
    add(t, 9, 0);                    /* the root's own */
    add(t, 1, 2, proc, thr);         /* nothing but labels */
}

static void full_meta(struct profile_meta *m)
{
    memset(m, 0, sizeof *m);
    snprintf(m->target, sizeof m->target, "PID 42 (python3 app.py)");
    snprintf(m->python, sizeof m->python, "Python 3.12.1");
    m->started = 1700000000;
    m->duration = 2.5;
    m->samples = 77;
    m->lost = 12;
    m->rate = 97.5;
    m->achieved = 96.25;
    m->by_function = 0;
    m->idle = 0;
    m->gil_only = 1;
}

/* ---- writing and reading back ----------------------------------------- */

static void test_round_trip(void **state)
{
    (void)state;
    struct calltree t, back;
    struct profile_meta m, got;
    struct pt_error err;
    build_tree(&t);
    full_meta(&m);
    size_t size;
    unsigned char *data = write_pprof(&t, &m, &size);
    assert_true(size > 20);
    assert_int_equal(data[0], 0x1f);
    assert_int_equal(data[1], 0x8b);

    assert_int_equal(calltree_init(&back), 0);
    assert_int_equal(read_pprof(data, size, &back, &got, &err), 0);
    char *want = folded_text(&t), *text = folded_text(&back);
    assert_string_equal(text, want);
    assert_int_equal(back.nodes[0].total, t.nodes[0].total);

    /* The frames come back with their kinds and first lines. */
    assert_int_not_equal(find_frame(&back, CT_PROCESS, "process 42 (python3 app.py)", "", 0),
                         CT_NONE);
    assert_int_not_equal(find_frame(&back, CT_THREAD, "thread 43 (worker)", "", 0), CT_NONE);
    assert_int_not_equal(find_frame(&back, CT_TASK, "task main", "", 0), CT_NONE);
    assert_int_not_equal(find_frame(&back, CT_TASK, "task fetch-1", "", 0), CT_NONE);
    assert_int_not_equal(find_frame(&back, CT_NATIVE, "memcpy", "libc.so.6", 0), CT_NONE);
    assert_int_not_equal(find_frame(&back, CT_NATIVE, "0x7f00dead", "", 0), CT_NONE);
    assert_int_not_equal(find_frame(&back, CT_PYTHON, "<module>", "", 0), CT_NONE);
    uint32_t main_ = find_frame(&back, CT_PYTHON, "main", "app.py", 10);
    uint32_t helper = find_frame(&back, CT_PYTHON, "Helper.run", "lib/util.py", 0);
    assert_int_not_equal(main_, CT_NONE);
    assert_int_not_equal(helper, CT_NONE);
    assert_int_equal(back.frames[main_].def_line, 8);
    assert_int_equal(back.frames[helper].def_line, 30);

    /* The meta, as far as the file keeps it. */
    assert_string_equal(got.target, m.target);
    assert_string_equal(got.python, m.python);
    assert_int_equal(got.started, m.started);
    assert_true(fabs(got.duration - m.duration) < 1e-9);
    assert_true(got.rate == m.rate);
    assert_true(fabs(got.achieved - 96.2) < 0.051); /* written to 0.1 Hz */
    assert_int_equal(got.samples, t.nodes[0].total);
    assert_int_equal(got.lost, 12);
    assert_int_equal(got.by_function, 0);
    assert_int_equal(got.idle, 0);
    assert_int_equal(got.gil_only, 1);

    /* The same tree gives the same bytes. */
    size_t size2;
    unsigned char *again = write_pprof(&t, &m, &size2);
    assert_int_equal(size2, size);
    assert_memory_equal(again, data, size);

    free(again);
    free(want);
    free(text);
    free(data);
    calltree_free(&back);
    calltree_free(&t);
}

static void test_file_layout(void **state)
{
    (void)state;
    struct calltree t;
    struct profile_meta m;
    build_tree(&t);
    full_meta(&m);
    size_t size;
    unsigned char *data = write_pprof(&t, &m, &size);
    Pprof__Profile *p = decode(data, size);

    assert_true(p->n_string_table > 0);
    assert_int_equal(p->string_table[0].len, 0);
    assert_int_equal(p->n_sample_type, 2);
    assert_string_equal(str_of(p, p->sample_type[0]->type), "samples");
    assert_string_equal(str_of(p, p->sample_type[0]->unit), "count");
    assert_string_equal(str_of(p, p->sample_type[1]->type), "cpu"); /* idle threads left out */
    assert_string_equal(str_of(p, p->sample_type[1]->unit), "nanoseconds");
    assert_non_null(p->period_type);
    assert_string_equal(str_of(p, p->period_type->type), "wall");
    assert_string_equal(str_of(p, p->period_type->unit), "nanoseconds");
    assert_int_equal(p->period, 10256410); /* 1e9 / 97.5 */
    assert_int_equal(p->time_nanos, 1700000000LL * 1000000000);
    assert_int_equal(p->duration_nanos, 2500000000LL);

    /* Ids count from 1, with no gap. */
    for (size_t i = 0; i < p->n_location; i++)
        assert_int_equal(p->location[i]->id, i + 1);
    for (size_t i = 0; i < p->n_function; i++)
        assert_int_equal(p->function[i]->id, i + 1);
    for (size_t i = 0; i < p->n_mapping; i++)
        assert_int_equal(p->mapping[i]->id, i + 1);

    /* One function per (name, file): main and work once, whatever line. */
    int mains = 0;
    for (size_t i = 0; i < p->n_function; i++) {
        const Pprof__Function *f = p->function[i];
        /* No system name but a native one's: see function_id. */
        const char *name = str_of(p, f->name);
        if (!strcmp(name, "memcpy") || !strcmp(name, "deflate") || !strcmp(name, "0x7f00dead"))
            assert_string_equal(str_of(p, f->system_name), name);
        else
            assert_int_equal(f->system_name, 0);
        if (strcmp(str_of(p, f->name), "main") == 0) {
            mains++;
            assert_string_equal(str_of(p, f->filename), "app.py");
            assert_int_equal(f->start_line, 8);
        }
        /* Leading frames are labels, not functions. */
        assert_null(strstr(str_of(p, f->name), "thread 43"));
    }
    assert_int_equal(mains, 1);

    /* process 42;main;work 42: innermost first, the process a label, the
     * values its count and its cpu time. */
    const Pprof__Sample *s = sample_counting(p, 42);
    assert_int_equal(s->n_location_id, 2);
    const Pprof__Location *leaf = location(p, s->location_id[0]);
    assert_int_equal(leaf->n_line, 1);
    assert_int_equal(leaf->mapping_id, 0);
    assert_string_equal(str_of(p, function(p, leaf->line[0]->function_id)->name), "work");
    assert_int_equal(leaf->line[0]->line, 5);
    const Pprof__Location *caller = location(p, s->location_id[1]);
    assert_string_equal(str_of(p, function(p, caller->line[0]->function_id)->name), "main");
    assert_int_equal(caller->line[0]->line, 10);
    assert_int_equal(s->n_value, 2);
    assert_int_equal(s->value[0], 42);
    assert_int_equal(s->value[1], 42LL * 10256410);
    assert_int_equal(s->n_label, 1);
    assert_string_equal(str_of(p, s->label[0]->key), "process");
    assert_string_equal(str_of(p, s->label[0]->str), "42 (python3 app.py)");

    /* process;thread;task;main;task fetch-1;work 4: three labels in stack
     * order, the deeper task a location named by its text. */
    s = sample_counting(p, 4);
    assert_int_equal(s->n_label, 3);
    assert_string_equal(str_of(p, s->label[0]->key), "process");
    assert_string_equal(str_of(p, s->label[1]->key), "thread");
    assert_string_equal(str_of(p, s->label[1]->str), "43 (worker)");
    assert_string_equal(str_of(p, s->label[2]->key), "task");
    assert_string_equal(str_of(p, s->label[2]->str), "main");
    assert_int_equal(s->n_location_id, 3);
    const Pprof__Location *mid = location(p, s->location_id[1]);
    const Pprof__Function *f = function(p, mid->line[0]->function_id);
    assert_string_equal(str_of(p, f->name), "task fetch-1");
    assert_string_equal(str_of(p, f->filename), "");

    /* The root's own samples have no location, no label. */
    s = sample_counting(p, 9);
    assert_int_equal(s->n_location_id, 0);
    assert_int_equal(s->n_label, 0);

    /* A native frame's library is its location's mapping. */
    int native = 0;
    for (size_t i = 0; i < p->n_location; i++) {
        const Pprof__Location *loc = p->location[i];
        const Pprof__Function *f = function(p, loc->line[0]->function_id);
        if (strcmp(str_of(p, f->name), "memcpy") != 0)
            continue;
        native = 1;
        assert_int_not_equal(loc->mapping_id, 0);
        const Pprof__Mapping *mp = p->mapping[loc->mapping_id - 1];
        assert_string_equal(str_of(p, mp->filename), "libc.so.6");
        assert_true(mp->has_functions);
        assert_string_equal(str_of(p, f->filename), "");
    }
    assert_true(native);

    /* The settings are comments people can read. */
    int target = 0;
    for (size_t i = 0; i < p->n_comment; i++)
        target += strcmp(str_of(p, p->comment[i]), "target: PID 42 (python3 app.py)") == 0;
    assert_int_equal(target, 1);

    pprof__profile__free_unpacked(p, NULL);
    free(data);
    calltree_free(&t);
}

static void test_wall_clock_and_unknown_rate(void **state)
{
    (void)state;
    struct calltree t, back;
    struct profile_meta m, got;
    struct pt_error err;
    build_tree(&t);

    /* Idle threads kept: the time is wall-clock time. */
    full_meta(&m);
    m.idle = 1;
    m.by_function = 1;
    m.gil_only = 0;
    size_t size;
    unsigned char *data = write_pprof(&t, &m, &size);
    Pprof__Profile *p = decode(data, size);
    assert_string_equal(str_of(p, p->sample_type[1]->type), "wall");
    pprof__profile__free_unpacked(p, NULL);
    assert_int_equal(calltree_init(&back), 0);
    assert_int_equal(read_pprof(data, size, &back, &got, &err), 0);
    assert_int_equal(got.idle, 1);
    assert_int_equal(got.by_function, 1);
    assert_int_equal(got.gil_only, 0);
    calltree_free(&back);
    free(data);

    /* No meta: plain counts, one sample type, no rate read back. */
    data = write_pprof(&t, NULL, &size);
    p = decode(data, size);
    assert_int_equal(p->n_sample_type, 1);
    assert_string_equal(str_of(p, p->sample_type[0]->type), "samples");
    assert_int_equal(p->time_nanos, 0);
    pprof__profile__free_unpacked(p, NULL);
    assert_int_equal(calltree_init(&back), 0);
    assert_int_equal(read_pprof(data, size, &back, &got, &err), 0);
    assert_true(got.rate == 0);
    assert_int_equal(got.started, 0);
    char *want = folded_text(&t), *text = folded_text(&back);
    assert_string_equal(text, want);
    free(want);
    free(text);
    calltree_free(&back);
    free(data);
    calltree_free(&t);
}

static void test_read_adds_to_the_tree(void **state)
{
    (void)state;
    struct calltree t, back;
    struct pt_error err;
    assert_int_equal(calltree_init(&t), 0);
    add(&t, 5, 2, py(&t, "main", "app.py", 1), py(&t, "work", "app.py", 2));
    size_t size;
    unsigned char *data = write_pprof(&t, NULL, &size);
    assert_int_equal(calltree_init(&back), 0);
    assert_int_equal(read_pprof(data, size, &back, NULL, &err), 0);
    assert_int_equal(read_pprof(data, size, &back, NULL, &err), 0);
    char *text = folded_text(&back);
    assert_string_equal(text, "main (app.py:1);work (app.py:2) 10\n");
    free(text);
    free(data);
    calltree_free(&back);
    calltree_free(&t);
}

static void test_write_error_is_reported(void **state)
{
    (void)state;
    struct calltree t;
    struct profile_meta m;
    build_tree(&t);
    full_meta(&m);
    FILE *full = fopen("/dev/full", "w");
    if (full == NULL) {
        calltree_free(&t);
        skip();
    }
    struct pt_error err;
    pt_error_clear(&err);
    assert_int_equal(pprof_write(full, &t, &m, &err), -1);
    assert_int_equal(err.code, PT_E_IO);
    assert_non_null(strstr(err.msg, "cannot write the pprof profile"));
    fclose(full);
    calltree_free(&t);
}

/* ---- profiles other tools write --------------------------------------- */

/* A small Go-style profile, built field by field: samples/count and
 * cpu/nanoseconds, sparse ids, an inlined call (two lines in one
 * location), an address without symbols, a label pytop does not know. */
struct mini {
    Pprof__Profile p;
    Pprof__ValueType vt[3], *vtp[2];
    Pprof__Function fn[2], *fnp[2];
    Pprof__Line ln[3], *lnp[3];
    Pprof__Location loc[3], *locp[3];
    Pprof__Mapping map[1], *mapp[1];
    Pprof__Sample smp[2], *smpp[2];
    Pprof__Label lab[1], *labp[1];
    uint64_t ids[2][2];
    int64_t vals[2][2];
    int64_t comments[1];
    ProtobufCBinaryData strs[16];
};

enum {
    S_EMPTY,
    S_SAMPLES,
    S_COUNT,
    S_CPU,
    S_NS,
    S_MAIN,
    S_APP,
    S_WORK,
    S_LIB,
    S_BIN,
    S_GOROUTINE,
    S_SEVEN,
    S_COMMENT,
    S_N
};

static void mini_init(struct mini *m)
{
    static const char *const strs[S_N] = {
        "",          "samples",     "count",       "cpu",         "nanoseconds",
        "main.main", "/src/app.go", "main.work",   "/src/lib.go", "/usr/bin/app",
        "goroutine", "7",           "made by hand"};
    memset(m, 0, sizeof *m);
    pprof__profile__init(&m->p);
    for (int i = 0; i < S_N; i++)
        m->strs[i] = (ProtobufCBinaryData){strlen(strs[i]), (uint8_t *)strs[i]};
    m->p.n_string_table = S_N;
    m->p.string_table = m->strs;
    for (int i = 0; i < 3; i++)
        pprof__value_type__init(&m->vt[i]);
    m->vt[0].type = S_SAMPLES, m->vt[0].unit = S_COUNT;
    m->vt[1].type = S_CPU, m->vt[1].unit = S_NS;
    m->vt[2].type = S_CPU, m->vt[2].unit = S_NS;
    m->vtp[0] = &m->vt[0], m->vtp[1] = &m->vt[1];
    m->p.n_sample_type = 2;
    m->p.sample_type = m->vtp;
    m->p.period_type = &m->vt[2];
    m->p.period = 10000000; /* 100 Hz */
    m->p.time_nanos = 1700000000123456789LL;
    m->p.duration_nanos = 3000000000LL;
    m->comments[0] = S_COMMENT;
    m->p.n_comment = 1;
    m->p.comment = m->comments;

    for (int i = 0; i < 2; i++) {
        pprof__function__init(&m->fn[i]);
        m->fnp[i] = &m->fn[i];
    }
    m->fn[0].id = 10, m->fn[0].name = S_MAIN, m->fn[0].filename = S_APP, m->fn[0].start_line = 3;
    m->fn[1].id = 20, m->fn[1].name = S_WORK, m->fn[1].filename = S_LIB, m->fn[1].start_line = 8;
    m->p.n_function = 2;
    m->p.function = m->fnp;

    pprof__mapping__init(&m->map[0]);
    m->map[0].id = 1, m->map[0].filename = S_BIN;
    m->mapp[0] = &m->map[0];
    m->p.n_mapping = 1;
    m->p.mapping = m->mapp;

    for (int i = 0; i < 3; i++) {
        pprof__line__init(&m->ln[i]);
        m->lnp[i] = &m->ln[i];
        pprof__location__init(&m->loc[i]);
        m->locp[i] = &m->loc[i];
    }
    m->ln[0].function_id = 20, m->ln[0].line = 9;  /* work:9 */
    m->ln[1].function_id = 20, m->ln[1].line = 12; /* work:12, inlined into */
    m->ln[2].function_id = 10, m->ln[2].line = 4;  /* main:4 */
    m->loc[0].id = 5, m->loc[0].mapping_id = 1, m->loc[0].n_line = 1, m->loc[0].line = &m->lnp[0];
    m->loc[1].id = 7, m->loc[1].mapping_id = 1, m->loc[1].n_line = 2, m->loc[1].line = &m->lnp[1];
    m->loc[2].id = 9, m->loc[2].mapping_id = 1, m->loc[2].address = 0x401000;
    m->p.n_location = 3;
    m->p.location = m->locp;

    pprof__label__init(&m->lab[0]);
    m->lab[0].key = S_GOROUTINE, m->lab[0].str = S_SEVEN;
    m->labp[0] = &m->lab[0];
    for (int i = 0; i < 2; i++) {
        pprof__sample__init(&m->smp[i]);
        m->smpp[i] = &m->smp[i];
        m->smp[i].n_location_id = 2;
        m->smp[i].location_id = m->ids[i];
        m->smp[i].n_value = 2;
        m->smp[i].value = m->vals[i];
    }
    m->ids[0][0] = 5, m->ids[0][1] = 7; /* innermost first */
    m->ids[1][0] = 9, m->ids[1][1] = 7;
    m->vals[0][0] = 3, m->vals[0][1] = 30000000;
    m->vals[1][0] = 2, m->vals[1][1] = 20000000;
    m->smp[0].n_label = 1;
    m->smp[0].label = m->labp;
    m->p.n_sample = 2;
    m->p.sample = m->smpp;
}

static unsigned char *mini_pack(const struct mini *m, size_t *size)
{
    *size = pprof__profile__get_packed_size(&m->p);
    unsigned char *buf = malloc(*size + 1);
    assert_non_null(buf);
    assert_int_equal(pprof__profile__pack(&m->p, buf), *size);
    return buf;
}

#define MINI_STACKS                                                                                \
    "main.main (/src/app.go:4);main.work (/src/lib.go:12);main.work (/src/lib.go:9) 3\n"           \
    "main.main (/src/app.go:4);main.work (/src/lib.go:12);0x401000 (/usr/bin/app) 2\n"

static void test_read_other_tools_profile(void **state)
{
    (void)state;
    struct mini mini;
    mini_init(&mini);
    size_t raw_size, gz_size;
    unsigned char *raw = mini_pack(&mini, &raw_size);
    unsigned char *gz = gzip_bytes(raw, raw_size, &gz_size);

    /* Plain protobuf and gzipped read the same. */
    for (int pass = 0; pass < 2; pass++) {
        struct calltree t;
        struct profile_meta m;
        struct pt_error err;
        assert_int_equal(calltree_init(&t), 0);
        assert_int_equal(read_pprof(pass ? gz : raw, pass ? gz_size : raw_size, &t, &m, &err), 0);
        char *text = folded_text(&t);
        assert_string_equal(text, MINI_STACKS);
        free(text);
        uint32_t work = find_frame(&t, CT_PYTHON, "main.work", "/src/lib.go", 9);
        assert_int_not_equal(work, CT_NONE);
        assert_int_equal(t.frames[work].def_line, 8);
        assert_int_not_equal(find_frame(&t, CT_NATIVE, "0x401000", "/usr/bin/app", 0), CT_NONE);
        assert_true(m.rate == 100.0);
        assert_int_equal(m.samples, 5);
        assert_int_equal(m.started, 1700000000);
        assert_true(m.duration == 3.0);
        assert_int_equal(m.idle, 0);
        assert_string_equal(m.target, "");
        calltree_free(&t);
    }

    /* Two gzip members one after the other are one file (as gzip has it). */
    size_t half = raw_size / 2, n1, n2;
    unsigned char *a = gzip_bytes(raw, half, &n1),
                  *b = gzip_bytes(raw + half, raw_size - half, &n2);
    unsigned char *two = malloc(n1 + n2);
    assert_non_null(two);
    memcpy(two, a, n1);
    memcpy(two + n1, b, n2);
    struct calltree t;
    struct pt_error err;
    assert_int_equal(calltree_init(&t), 0);
    assert_int_equal(read_pprof(two, n1 + n2, &t, NULL, &err), 0);
    char *text = folded_text(&t);
    assert_string_equal(text, MINI_STACKS);
    free(text);
    calltree_free(&t);
    free(two);
    free(a);
    free(b);
    free(gz);
    free(raw);
}

/* ---- what is not a profile -------------------------------------------- */

/* data must fail with PT_E_IO and one line naming what (when given). */
static void expect_bad(const void *data, size_t size, const char *what)
{
    struct calltree t;
    struct profile_meta m;
    struct pt_error err;
    assert_int_equal(calltree_init(&t), 0);
    int rc = read_pprof(data, size, &t, &m, &err);
    if (rc != -1 || err.code != PT_E_IO || (what && !strstr(err.msg, what)))
        fail_msg("expected a PT_E_IO error with \"%s\", got rc %d, code %d: %s", what ? what : "",
                 rc, err.code, err.msg);
    assert_true(err.msg[0] != '\0');
    assert_null(strchr(err.msg, '\n'));
    calltree_free(&t);
}

/* Break a mini profile with change, and expect what in the message. */
static void expect_bad_mini(void (*change)(struct mini *), const char *what)
{
    struct mini mini;
    mini_init(&mini);
    change(&mini);
    size_t size;
    unsigned char *raw = mini_pack(&mini, &size);
    expect_bad(raw, size, what);
    free(raw);
}

static void no_samples(struct mini *m)
{
    m->p.n_sample = 0;
}

static void zero_counts(struct mini *m)
{
    m->vals[0][0] = m->vals[1][0] = 0;
}

static void no_empty_string(struct mini *m)
{
    m->p.string_table++;
    m->p.n_string_table--;
}

static void location_out_of_range(struct mini *m)
{
    m->ids[1][0] = 99;
}

static void string_out_of_range(struct mini *m)
{
    m->fn[1].name = 1000;
}

static void negative_string(struct mini *m)
{
    m->lab[0].key = -3;
}

static void missing_function(struct mini *m)
{
    m->ln[2].function_id = 11;
}

static void missing_mapping(struct mini *m)
{
    m->loc[2].mapping_id = 2;
}

static void duplicate_location(struct mini *m)
{
    m->loc[2].id = 5;
}

static void values_mismatch(struct mini *m)
{
    m->smp[1].n_value = 1;
}

static void negative_count(struct mini *m)
{
    m->vals[0][0] = -1;
}

static void no_sample_type(struct mini *m)
{
    m->p.n_sample_type = 0;
    m->smp[0].n_value = m->smp[1].n_value = 0;
}

static void test_bad_input(void **state)
{
    (void)state;
    expect_bad("", 0, "empty");
    expect_bad("hello, world\n", 13, "not a pprof profile");
    static const unsigned char jpeg[] = {0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J',  'F',  'I',
                                         'F',  0x00, 0x01, 0x01, 0x01, 0x00, 0x48, 0x00, 0x48,
                                         0x00, 0x00, 0xff, 0xdb, 0x00, 0x43, 0x00, 0x08};
    expect_bad(jpeg, sizeof jpeg, "not a pprof profile");
    static const char svg[] = "<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>";
    expect_bad(svg, sizeof svg - 1, "not a pprof profile");

    /* gzip that is cut short, corrupt, not a profile inside, or followed
     * by junk. */
    struct calltree t;
    build_tree(&t);
    size_t size;
    unsigned char *data = write_pprof(&t, NULL, &size);
    expect_bad(data, size / 2, "cut short");
    expect_bad(data, size - 1, "cut short");
    expect_bad(data, 2, "cut short");
    data[size - 6] ^= 0x55; /* the CRC */
    expect_bad(data, size, "bad gzip data");
    data[size - 6] ^= 0x55;
    unsigned char *junk = malloc(size + 4);
    assert_non_null(junk);
    memcpy(junk, data, size);
    memcpy(junk + size, "junk", 4);
    expect_bad(junk, size + 4, "after its gzip stream");
    free(junk);
    size_t gz_size;
    unsigned char *gz = gzip_bytes("this is not a protobuf", 22, &gz_size);
    expect_bad(gz, gz_size, "does not decode");
    free(gz);
    free(data);
    calltree_free(&t);

    /* Profiles that decode but do not hold together. */
    expect_bad_mini(no_samples, "no samples");
    expect_bad_mini(zero_counts, "no samples");
    expect_bad_mini(no_empty_string, "string table");
    expect_bad_mini(location_out_of_range, "location 99");
    expect_bad_mini(string_out_of_range, "string 1000");
    expect_bad_mini(negative_string, "string -3");
    expect_bad_mini(missing_function, "function 11");
    expect_bad_mini(missing_mapping, "mapping 2");
    expect_bad_mini(duplicate_location, "two locations have id 5");
    expect_bad_mini(values_mismatch, "1 values for 2 sample types");
    expect_bad_mini(negative_count, "negative count");
    expect_bad_mini(no_sample_type, "no sample type");
}

static void test_detect(void **state)
{
    (void)state;
    struct calltree t;
    build_tree(&t);
    size_t size;
    unsigned char *data = write_pprof(&t, NULL, &size);
    assert_int_equal(pprof_detect(data, size), 1);
    struct mini mini;
    mini_init(&mini);
    size_t raw_size;
    unsigned char *raw = mini_pack(&mini, &raw_size);
    assert_int_equal(pprof_detect(raw, raw_size), 1);

    assert_int_equal(pprof_detect("", 0), 0);
    assert_int_equal(pprof_detect("\x1f", 1), 0);
    const char *texts[] = {
        "process 42 (python3 app.py);main (app.py:10) 3\n",
        "{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\"}",
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n<svg>",
        "\xff\xd8\xff\xe0\x00\x10JFIF",
    };
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
        assert_int_equal(pprof_detect(texts[i], strlen(texts[i])), 0);
    mini.p.string_table++; /* a protobuf, but its first string is not "" */
    mini.p.n_string_table--;
    free(raw);
    raw = mini_pack(&mini, &raw_size);
    assert_int_equal(pprof_detect(raw, raw_size), 0);
    free(raw);
    free(data);
    calltree_free(&t);
}

/* ---- fuzzing ---------------------------------------------------------- */

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Whatever the bytes, reading returns 0 or -1 with an error, and a tree
 * it filled writes out. */
static void read_anything(const unsigned char *data, size_t size)
{
    struct calltree t;
    struct profile_meta m;
    struct pt_error err;
    assert_int_equal(calltree_init(&t), 0);
    int rc = read_pprof(data, size, &t, &m, &err);
    if (rc != 0) {
        assert_int_equal(rc, -1);
        assert_true(err.code == PT_E_IO || err.code == PT_E_NOMEM);
        assert_true(err.msg[0] != '\0');
    } else {
        assert_true(t.nodes[0].total > 0);
        free(folded_text(&t));
    }
    pprof_detect(data, size);
    calltree_free(&t);
}

static void test_fuzz(void **state)
{
    (void)state;
    struct calltree t;
    struct profile_meta meta;
    build_tree(&t);
    full_meta(&meta);
    size_t gz_size, raw_size;
    unsigned char *gz = write_pprof(&t, &meta, &gz_size);
    unsigned char *raw = gunzip_bytes(gz, gz_size, &raw_size);
    calltree_free(&t);

    /* Every truncation of both forms. Each goes in a block of exactly
     * its size, so that a read past the end is one ASan sees. */
    for (int form = 0; form < 2; form++) {
        const unsigned char *src = form ? raw : gz;
        size_t n = form ? raw_size : gz_size;
        for (size_t len = 0; len < n; len++) {
            unsigned char *cut = malloc(len ? len : 1);
            assert_non_null(cut);
            memcpy(cut, src, len);
            read_anything(cut, len);
            free(cut);
        }
    }
    /* Random flips of one to four bytes, mostly in the protobuf (a flip
     * in gzip data nearly always fails its CRC). */
    uint64_t seed = 0x5eed0fbadc0ffeeULL;
    unsigned char *buf = malloc(raw_size > gz_size ? raw_size : gz_size);
    assert_non_null(buf);
    for (int round = 0; round < 20000; round++) {
        int form = round % 6 == 0 ? 0 : 1;
        const unsigned char *src = form ? raw : gz;
        size_t n = form ? raw_size : gz_size;
        memcpy(buf, src, n);
        int flips = 1 + (int)(rng_next(&seed) % 4);
        for (int k = 0; k < flips; k++) {
            size_t at = (size_t)(rng_next(&seed) % n);
            uint64_t r = rng_next(&seed);
            buf[at] =
                r & 1 ? (unsigned char)(r >> 8) : buf[at] ^ (unsigned char)(1u << (r >> 8) % 8);
        }
        read_anything(buf, n);
    }
    free(buf);
    free(raw);
    free(gz);
}

/* ---- size and time ---------------------------------------------------- */

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
#define TIME_LIMIT_MS 5000.0 /* the sanitizers slow everything down */
#else
#define TIME_LIMIT_MS 1000.0
#endif

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* 10,000 distinct stacks of 10 to 500 frames over 2,000 functions under
 * two threads: write and read back in well under a second each. */
static void test_big_tree(void **state)
{
    (void)state;
    enum { STACKS = 10000, FUNCS = 2000 };
    struct calltree t, back;
    assert_int_equal(calltree_init(&t), 0);
    uint32_t funcs[FUNCS], ids[500];
    char name[64], file[64];
    for (int i = 0; i < FUNCS; i++) {
        snprintf(name, sizeof name, "handler_%d", i);
        snprintf(file, sizeof file, "/srv/app/module_%d.py", i % 97);
        funcs[i] = py(&t, name, file, i % 400 + 1);
    }
    uint32_t threads[2] = {frame(&t, CT_THREAD, "thread 1 (MainThread)", "", 0),
                           frame(&t, CT_THREAD, "thread 2 (worker)", "", 0)};
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    for (int s = 0; s < STACKS; s++) {
        int d = s % 100 == 0 ? 500 : 10 + (int)(rng_next(&seed) % 70);
        ids[0] = threads[s % 2];
        for (int i = 1; i < d - 1; i++)
            ids[i] = funcs[rng_next(&seed) % FUNCS];
        ids[d - 1] = py(&t, "leaf", "/srv/app/leaf.py", s + 1);
        assert_int_equal(calltree_add(&t, ids, d, 100), 0);
    }
    struct profile_meta m;
    full_meta(&m);
    double t0 = now_ms();
    size_t size;
    unsigned char *data = write_pprof(&t, &m, &size);
    double write_ms = now_ms() - t0;
    assert_int_equal(calltree_init(&back), 0);
    struct pt_error err;
    t0 = now_ms();
    assert_int_equal(read_pprof(data, size, &back, NULL, &err), 0);
    double read_ms = now_ms() - t0;
    assert_int_equal(back.nodes[0].total, 1000000);
    assert_int_equal(back.nnodes, t.nnodes);
    printf("# pprof: %u nodes, %zu bytes: write %.1f ms, read %.1f ms\n", t.nnodes, size, write_ms,
           read_ms);
    assert_true(write_ms < TIME_LIMIT_MS);
    assert_true(read_ms < TIME_LIMIT_MS);
    free(data);
    calltree_free(&back);
    calltree_free(&t);
}

/* ---- the helper ------------------------------------------------------- */

/* test_pprof --read FILE: its meta as "# key value" lines (collapsed_read
 * skips them), then its folded stacks. */
static int print_profile(const char *path)
{
    size_t size;
    char *data = read_file(path, &size);
    if (data == NULL) {
        perror(path);
        return 1;
    }
    struct calltree t;
    struct profile_meta m;
    struct pt_error err;
    pt_error_clear(&err);
    int rc = calltree_init(&t);
    if (rc == 0 && (rc = pprof_read(data, size, &t, &m, &err)) == 0) {
        printf("# samples %llu\n# rate %.17g\n# duration %.17g\n# started %lld\n"
               "# lost %llu\n# idle %d\n# gil_only %d\n# by_function %d\n# target %s\n"
               "# python %s\n",
               (unsigned long long)m.samples, m.rate, m.duration, (long long)m.started,
               (unsigned long long)m.lost, m.idle, m.gil_only, m.by_function, m.target, m.python);
        rc = collapsed_write(stdout, &t, &err);
    }
    if (rc != 0)
        fprintf(stderr, "test_pprof: %s: %s\n", path, err.msg[0] ? err.msg : "out of memory");
    calltree_free(&t);
    free(data);
    return rc != 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--read") == 0)
        return print_profile(argv[2]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_file_layout),
        cmocka_unit_test(test_wall_clock_and_unknown_rate),
        cmocka_unit_test(test_read_adds_to_the_tree),
        cmocka_unit_test(test_write_error_is_reported),
        cmocka_unit_test(test_read_other_tools_profile),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_detect),
        cmocka_unit_test(test_fuzz),
        cmocka_unit_test(test_big_tree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
