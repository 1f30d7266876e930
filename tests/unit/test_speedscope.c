/*
 * tests/unit/test_speedscope: speedscope JSON written from hand-built calltrees.
 *
 * The exact text for small trees (frames once each in shared.frames, one
 * sample per stack with self samples, weights in samples or seconds), the
 * keys of the schema, JSON escaping of every awkward string (quotes,
 * backslashes, control characters, UTF-8 kept, broken UTF-8 replaced),
 * one profile per process when there are several, 4,000-frame stacks and
 * a million samples over 10,000 stacks. tests/integration/
 * test_speedscope_format.py parses the output with a real JSON parser.
 */
#include "config.h"

#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "treebuild.h"

#include "calltree.h"
#include "output/meta.h"
#include "output/speedscope.h"

/* ---- helpers ---------------------------------------------------------- */

static struct profile_meta meta(const char *target, double rate)
{
    struct profile_meta m;
    memset(&m, 0, sizeof m);
    snprintf(m.target, sizeof m.target, "%s", target);
    m.rate = rate;
    return m;
}

/* The JSON text of t (malloc'd). */
static char *write_text(const struct calltree *t, const struct profile_meta *m)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    assert_non_null(out);
    struct pt_error err;
    pt_error_clear(&err);
    assert_int_equal(speedscope_write(out, t, m, &err), 0);
    assert_int_equal(fclose(out), 0);
    return text;
}

static size_t count_of(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* One process: main -> work (50), main (3), main -> helper (7). */
static void build_small(struct calltree *t)
{
    assert_int_equal(calltree_init(t), 0);
    uint32_t proc = frame(t, CT_PROCESS, "process 42 (python3 app.py)", "", 0);
    uint32_t main_ = py(t, "main", "app.py", 10);
    uint32_t work = py(t, "work", "app.py", 5);
    uint32_t helper = py(t, "helper", "lib/util.py", 0);
    uint32_t native = frame(t, CT_NATIVE, "memcpy", "libc.so.6", 0);
    add(t, 42, 3, proc, main_, work);
    add(t, 3, 2, proc, main_);
    add(t, 7, 4, proc, main_, helper, native);
    add(t, 8, 3, proc, main_, work);
}

#define HEAD                                                                                       \
    "{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\",\n"                       \
    "\"name\":\"PID 42 (python3 app.py)\",\n"                                                      \
    "\"activeProfileIndex\":0,\n"                                                                  \
    "\"exporter\":\"pytop " PACKAGE_VERSION "\",\n"                                                \
    "\"shared\":{\"frames\":[\n"                                                                   \
    "{\"name\":\"process 42 (python3 app.py)\"},\n"                                                \
    "{\"name\":\"main\",\"file\":\"app.py\",\"line\":10},\n"                                       \
    "{\"name\":\"work\",\"file\":\"app.py\",\"line\":5},\n"                                        \
    "{\"name\":\"helper\",\"file\":\"lib/util.py\"},\n"                                            \
    "{\"name\":\"memcpy\",\"file\":\"libc.so.6\"}\n"                                               \
    "]},\n"                                                                                        \
    "\"profiles\":[\n"

/* ---- exact output ----------------------------------------------------- */

static void test_small_tree_in_samples(void **state)
{
    (void)state;
    struct calltree t;
    build_small(&t);
    struct profile_meta m = meta("PID 42 (python3 app.py)", 0);
    char *text = write_text(&t, &m);
    assert_string_equal(text, HEAD "{\"type\":\"sampled\",\"name\":\"PID 42 (python3 app.py)\","
                                   "\"unit\":\"none\",\"startValue\":0,\"endValue\":60,\n"
                                   "\"samples\":[\n"
                                   "[0,1],\n"
                                   "[0,1,2],\n"
                                   "[0,1,3,4]\n"
                                   "],\n"
                                   "\"weights\":[3,50,7]}\n"
                                   "]}\n");
    free(text);
    calltree_free(&t);
}

static void test_small_tree_in_seconds(void **state)
{
    (void)state;
    struct calltree t;
    build_small(&t);
    struct profile_meta m = meta("PID 42 (python3 app.py)", 100);
    char *text = write_text(&t, &m);
    assert_string_equal(text, HEAD "{\"type\":\"sampled\",\"name\":\"PID 42 (python3 app.py)\","
                                   "\"unit\":\"seconds\",\"startValue\":0,\"endValue\":0.6,\n"
                                   "\"samples\":[\n"
                                   "[0,1],\n"
                                   "[0,1,2],\n"
                                   "[0,1,3,4]\n"
                                   "],\n"
                                   "\"weights\":[0.03,0.5,0.07]}\n"
                                   "]}\n");
    free(text);

    /* A rate whose inverse has no short decimal form still reads back. */
    m.rate = 3;
    text = write_text(&t, &m);
    assert_non_null(strstr(text, "\"weights\":[1,16.666666666666668,2.3333333333333335]}"));
    free(text);
    calltree_free(&t);
}

static void test_schema_keys(void **state)
{
    (void)state;
    struct calltree t;
    build_small(&t);
    char *text = write_text(&t, NULL);
    const char *keys[] = {
        "{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\"",
        "\"shared\":{\"frames\":[",
        "\"profiles\":[",
        "\"type\":\"sampled\"",
        "\"name\":\"pytop profile\"", /* no meta: a generic name */
        "\"unit\":\"none\"",
        "\"startValue\":0",
        "\"endValue\":60",
        "\"samples\":[",
        "\"weights\":[",
        "\"activeProfileIndex\":0",
        "\"exporter\":\"pytop ",
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        assert_non_null(strstr(text, keys[i]));
    assert_int_equal(text[strlen(text) - 2], '}');
    free(text);
    calltree_free(&t);
}

static void test_empty_tree(void **state)
{
    (void)state;
    struct calltree t;
    assert_int_equal(calltree_init(&t), 0);
    struct profile_meta m = meta("PID 1 (x)", 100);
    char *text = write_text(&t, &m);
    assert_non_null(strstr(text, "\"shared\":{\"frames\":[\n]},\n"));
    assert_non_null(strstr(text, "\"endValue\":0,\n\"samples\":[\n],\n\"weights\":[]}"));
    free(text);

    /* Samples without a frame are an empty stack: the weights still add up. */
    assert_int_equal(calltree_add(&t, NULL, 0, 4), 0);
    m.rate = 0;
    text = write_text(&t, &m);
    assert_non_null(strstr(text, "\"endValue\":4,\n\"samples\":[\n[]\n],\n\"weights\":[4]}"));
    free(text);
    calltree_free(&t);
}

/* ---- escaping --------------------------------------------------------- */

static void test_strings_are_escaped(void **state)
{
    (void)state;
    struct calltree t;
    assert_int_equal(calltree_init(&t), 0);
    add(&t, 1, 1, py(&t, "say \"hi\"", "C:\\dir\\x.py", 1));
    add(&t, 1, 1, py(&t, "ctl\x01\x1f\b\f\n\r\t", "", 2));
    add(&t, 1, 1, py(&t, "café 🔥 模块 <lambda>", "ünï.py", 3));
    /* Bytes that are not UTF-8, each replaced as Python and browsers
     * decode them: one U+FFFD per maximal valid beginning, else per byte. */
    static const char not_utf8[] = "a\x80"             /* lone continuation byte */
                                   "b\xe2\x82"         /* truncated: one U+FFFD */
                                   "c\xc0\xaf"         /* overlong '/' */
                                   "d\xed\xa0\x80"     /* encoded surrogate */
                                   "e\xf4\x90\x80\x80" /* past U+10FFFF */
                                   "f\xe9";            /* latin-1 e-acute */
    add(&t, 1, 1, py(&t, not_utf8, "", 4));
    struct profile_meta m = meta("target \"quoted\"\n", 0);
    char *text = write_text(&t, &m);
    assert_non_null(strstr(text, "\"name\":\"target \\\"quoted\\\"\\n\""));
    assert_non_null(strstr(text, "{\"name\":\"say \\\"hi\\\"\",\"file\":\"C:\\\\dir\\\\x.py\","));
    assert_non_null(strstr(text, "{\"name\":\"ctl\\u0001\\u001f\\u0008\\u000c\\n\\r\\t\","));
    assert_non_null(strstr(text, "{\"name\":\"café 🔥 模块 <lambda>\",\"file\":\"ünï.py\","));
#define R "\xef\xbf\xbd"
    assert_non_null(
        strstr(text, "{\"name\":\"a" R "b" R "c" R R "d" R R R "e" R R R R "f" R "\","));
#undef R
    /* Nothing but printable ASCII and UTF-8 left in the file. */
    for (const unsigned char *c = (const unsigned char *)text; *c; c++)
        assert_true(*c >= 0x20 || *c == '\n');
    free(text);
    calltree_free(&t);
}

static void test_numbers_ignore_the_locale(void **state)
{
    (void)state;
    const char *names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8"};
    const char *set = NULL;
    for (size_t i = 0; i < 4 && set == NULL; i++)
        set = setlocale(LC_NUMERIC, names[i]);
    if (set == NULL)
        skip(); /* no locale with a decimal comma on this machine */
    struct calltree t;
    build_small(&t);
    struct profile_meta m = meta("PID 42 (python3 app.py)", 100);
    char *text = write_text(&t, &m);
    setlocale(LC_NUMERIC, "C");
    assert_non_null(strstr(text, "\"weights\":[0.03,0.5,0.07]}"));
    free(text);
    calltree_free(&t);
}

/* ---- processes -------------------------------------------------------- */

static void test_one_profile_per_process(void **state)
{
    (void)state;
    struct calltree t;
    assert_int_equal(calltree_init(&t), 0);
    uint32_t master = frame(&t, CT_PROCESS, "process 10 (uvicorn master)", "", 0);
    uint32_t w1 = frame(&t, CT_PROCESS, "process 11 (uvicorn worker)", "", 0);
    uint32_t w2 = frame(&t, CT_PROCESS, "process 12 (uvicorn worker)", "", 0);
    uint32_t thr = frame(&t, CT_THREAD, "thread 11 (MainThread)", "", 0);
    uint32_t serve = py(&t, "serve", "uvicorn/server.py", 60);
    uint32_t handle = py(&t, "handle", "app.py", 7);
    add(&t, 5, 2, master, serve);
    add(&t, 20, 4, w1, thr, serve, handle);
    add(&t, 2, 1, w1); /* samples with only the process frame */
    add(&t, 30, 2, w2, handle);
    add(&t, 1, 1, handle); /* outside every process */
    struct profile_meta m = meta("3 processes (uvicorn master 10)", 0);
    char *text = write_text(&t, &m);

    assert_int_equal(count_of(text, "{\"type\":\"sampled\""), 4);
    assert_non_null(strstr(text, "\"name\":\"3 processes (uvicorn master 10)\",\n"));
    /* Frames: master 0, serve 1, w1 2, thread 3, handle 4, w2 5. Each
     * process's stacks start below its own frame. */
    assert_non_null(strstr(text, "{\"type\":\"sampled\",\"name\":\"process 10 (uvicorn master)\","
                                 "\"unit\":\"none\",\"startValue\":0,\"endValue\":5,\n"
                                 "\"samples\":[\n[1]\n],\n\"weights\":[5]}"));
    assert_non_null(strstr(text, "{\"type\":\"sampled\",\"name\":\"process 11 (uvicorn worker)\","
                                 "\"unit\":\"none\",\"startValue\":0,\"endValue\":22,\n"
                                 "\"samples\":[\n[],\n[3,1,4]\n],\n\"weights\":[2,20]}"));
    assert_non_null(strstr(text, "{\"type\":\"sampled\",\"name\":\"process 12 (uvicorn worker)\","
                                 "\"unit\":\"none\",\"startValue\":0,\"endValue\":30,\n"
                                 "\"samples\":[\n[4]\n],\n\"weights\":[30]}"));
    assert_non_null(strstr(text, "{\"type\":\"sampled\",\"name\":\"samples outside any process\","
                                 "\"unit\":\"none\",\"startValue\":0,\"endValue\":1,\n"
                                 "\"samples\":[\n[4]\n],\n\"weights\":[1]}\n]}\n"));
    free(text);
    calltree_free(&t);
}

static void test_single_process_keeps_its_frame(void **state)
{
    (void)state;
    struct calltree t;
    assert_int_equal(calltree_init(&t), 0);
    uint32_t proc = frame(&t, CT_PROCESS, "process 10 (python3 x.py)", "", 0);
    add(&t, 5, 2, proc, py(&t, "f", "x.py", 1));
    struct profile_meta m = meta("PID 10 (python3 x.py)", 0);
    char *text = write_text(&t, &m);
    assert_int_equal(count_of(text, "{\"type\":\"sampled\""), 1);
    assert_non_null(strstr(text, "\"name\":\"PID 10 (python3 x.py)\",\"unit\""));
    assert_non_null(strstr(text, "\"samples\":[\n[0,1]\n]"));
    free(text);
    calltree_free(&t);
}

static void test_write_error_is_reported(void **state)
{
    (void)state;
    FILE *full = fopen("/dev/full", "w");
    if (full == NULL)
        skip();
    struct calltree t;
    build_small(&t);
    struct pt_error err;
    pt_error_clear(&err);
    assert_int_equal(speedscope_write(full, &t, NULL, &err), -1);
    assert_int_equal(err.code, PT_E_IO);
    assert_non_null(strstr(err.msg, "cannot write the speedscope profile"));
    fclose(full);
    calltree_free(&t);
}

/* ---- size and time ---------------------------------------------------- */

static void test_deep_stack(void **state)
{
    (void)state;
    enum { DEPTH = 4000 };
    struct calltree t;
    assert_int_equal(calltree_init(&t), 0);
    uint32_t *ids = malloc(DEPTH * sizeof *ids);
    assert_non_null(ids);
    for (int i = 0; i < DEPTH; i++)
        ids[i] = py(&t, i % 2 ? "recurse" : "step", "deep.py", i % 2 + 1);
    assert_int_equal(calltree_add(&t, ids, DEPTH, 3), 0);
    char *text = write_text(&t, NULL);
    const char *samples = strstr(text, "\"samples\":[\n[");
    assert_non_null(samples);
    size_t commas = 0;
    const char *c = samples + strlen("\"samples\":[\n[");
    for (; *c != ']'; c++)
        commas += *c == ',';
    assert_int_equal(commas, DEPTH - 1);
    assert_non_null(strstr(text, "[0,1,0,1,0,1,"));
    free(text);
    free(ids);
    calltree_free(&t);
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
#define TIME_LIMIT_MS 2000.0 /* the sanitizers slow everything down */
#else
#define TIME_LIMIT_MS 200.0
#endif

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* 10,000 distinct stacks with 100 samples each over 2,000 functions, each
 * stack a prefix of an earlier one plus new frames, as in a real program;
 * every 100th is 500 frames deep, the rest 10 to 79. */
static void build_big_tree(struct calltree *t)
{
    enum { STACKS = 10000, FUNCS = 2000, MAXD = 500 };
    uint32_t funcs[FUNCS];
    char name[64], file[64];
    for (int i = 0; i < FUNCS; i++) {
        snprintf(name, sizeof name, "handler_%d", i);
        snprintf(file, sizeof file, "/srv/app/module_%d.py", i % 97);
        funcs[i] = py(t, name, file, i % 400 + 1);
    }
    uint32_t *stacks = malloc((size_t)STACKS * MAXD * sizeof *stacks);
    int *depths = malloc(STACKS * sizeof *depths);
    assert_non_null(stacks);
    assert_non_null(depths);
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    for (int s = 0; s < STACKS; s++) {
        uint32_t *st = stacks + (size_t)s * MAXD;
        int d = s % 100 == 0 ? MAXD : 10 + (int)(rng_next(&seed) % 70);
        int keep = 0;
        if (s > 0) {
            int src = (int)(rng_next(&seed) % (uint64_t)s);
            int most = (depths[src] < d ? depths[src] : d) - 1;
            keep = (int)(rng_next(&seed) % (uint64_t)(most + 1));
            memcpy(st, stacks + (size_t)src * MAXD, (size_t)keep * sizeof *st);
        }
        for (int i = keep; i < d - 1; i++)
            st[i] = funcs[rng_next(&seed) % FUNCS];
        st[d - 1] = py(t, "leaf", "/srv/app/leaf.py", s + 1); /* distinct stacks */
        depths[s] = d;
        assert_int_equal(calltree_add(t, st, d, 100), 0);
    }
    free(stacks);
    free(depths);
}

static void test_big_tree_is_fast(void **state)
{
    (void)state;
    struct calltree t;
    assert_int_equal(calltree_init(&t), 0);
    build_big_tree(&t);
    assert_int_equal(t.nodes[0].total, 1000000);

    FILE *out = tmpfile();
    assert_non_null(out);
    struct pt_error err;
    struct profile_meta m = meta("PID 1 (big)", 100);
    double t0 = now_ms();
    assert_int_equal(speedscope_write(out, &t, &m, &err), 0);
    double ms = now_ms() - t0;
    long size = ftell(out);
    fclose(out);
    printf("# speedscope: %u nodes, %ld bytes: write %.1f ms\n", t.nnodes, size, ms);
    assert_true(ms < TIME_LIMIT_MS);

    m.rate = 0;
    char *text = write_text(&t, &m);
    assert_int_equal(count_of(text, "],\n["), 10000 - 1);
    assert_non_null(strstr(text, "\"endValue\":1000000,"));
    free(text);
    calltree_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_tree_in_samples),
        cmocka_unit_test(test_small_tree_in_seconds),
        cmocka_unit_test(test_schema_keys),
        cmocka_unit_test(test_empty_tree),
        cmocka_unit_test(test_strings_are_escaped),
        cmocka_unit_test(test_numbers_ignore_the_locale),
        cmocka_unit_test(test_one_profile_per_process),
        cmocka_unit_test(test_single_process_keeps_its_frame),
        cmocka_unit_test(test_write_error_is_reported),
        cmocka_unit_test(test_deep_stack),
        cmocka_unit_test(test_big_tree_is_fast),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
