/*
 * tests/unit/test_collapsed: folded stacks written from hand-built calltrees and
 * read back.
 *
 * The text must be exactly what flamegraph.pl expects (frames root first,
 * ';', a space, the count), in the same order for the same tree; names
 * with spaces, parentheses, non-ASCII text, '<lambda>' or a ';' must come
 * back unchanged through write -> read -> write; broken lines must fail
 * with their line number; 4,000-frame stacks and a million samples over
 * 10,000 stacks must be no trouble.
 */
#include "config.h"

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
#include "output/collapsed.h"

/* ---- helpers ---------------------------------------------------------- */

static int read_text(const char *text, struct calltree *t, struct pt_error *err)
{
    FILE *in = fmemopen((void *)text, strlen(text), "r");
    assert_non_null(in);
    pt_error_clear(err);
    int rc = collapsed_read(in, t, err);
    fclose(in);
    return rc;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* ---- writing ---------------------------------------------------------- */

static void test_write_small_tree(void **state)
{
    (void)state;
    struct calltree t;
    assert_int_equal(calltree_init(&t), 0);
    uint32_t proc = frame(&t, CT_PROCESS, "process 42 (python3 app.py)", "", 0);
    uint32_t thr = frame(&t, CT_THREAD, "thread 43 (worker)", "", 0);
    uint32_t main_ = py(&t, "main", "app.py", 10);
    uint32_t work = py(&t, "work", "app.py", 5);
    uint32_t helper = py(&t, "helper", "lib/util.py", 0); /* by function */
    uint32_t module = py(&t, "<module>", "", 0);
    uint32_t run = py(&t, "run", "threading.py", 1012);
    uint32_t native = frame(&t, CT_NATIVE, "memcpy", "libc.so.6", 0);

    add(&t, 42, 3, proc, main_, work);
    add(&t, 3, 2, proc, main_);
    add(&t, 7, 3, proc, main_, helper);
    add(&t, 1, 4, proc, thr, run, native);
    add(&t, 2, 1, module);
    add(&t, 8, 3, proc, main_, work); /* same stack again: counts add up */

    char *text = folded_text(&t);
    assert_string_equal(text,
                        "process 42 (python3 app.py);main (app.py:10) 3\n"
                        "process 42 (python3 app.py);main (app.py:10);work (app.py:5) 50\n"
                        "process 42 (python3 app.py);main (app.py:10);helper (lib/util.py) 7\n"
                        "process 42 (python3 app.py);thread 43 (worker);"
                        "run (threading.py:1012);memcpy (libc.so.6) 1\n"
                        "<module> 2\n");
    free(text);
    calltree_free(&t);
}

static void test_write_is_deterministic(void **state)
{
    (void)state;
    struct calltree t;
    assert_int_equal(calltree_init(&t), 0);
    uint32_t a = py(&t, "a", "m.py", 1), b = py(&t, "b", "m.py", 2), c = py(&t, "c", "m.py", 3);
    add(&t, 1, 2, c, a);
    add(&t, 1, 2, a, b);
    add(&t, 1, 2, c, b);
    add(&t, 1, 1, a);
    char *first = folded_text(&t), *second = folded_text(&t);
    /* Depth first, children in the order they were first seen. */
    assert_string_equal(first, "c (m.py:3);a (m.py:1) 1\n"
                               "c (m.py:3);b (m.py:2) 1\n"
                               "a (m.py:1) 1\n"
                               "a (m.py:1);b (m.py:2) 1\n");
    assert_string_equal(first, second);
    free(first);
    free(second);
    calltree_free(&t);
}

static void test_write_sanitizes_separators(void **state)
{
    (void)state;
    struct calltree t;
    assert_int_equal(calltree_init(&t), 0);
    uint32_t odd = py(&t, "a;b\nc\rd", "dir;x/f.py", 3);
    uint32_t proc = frame(&t, CT_PROCESS, "process 7 (sh -c 'a; b')", "", 0);
    add(&t, 5, 2, proc, odd);
    char *text = folded_text(&t);
    assert_string_equal(text, "process 7 (sh -c 'a: b');a:b c d (dir:x/f.py:3) 5\n");
    free(text);
    calltree_free(&t);
}

static void test_write_empty_tree_and_root_samples(void **state)
{
    (void)state;
    struct calltree t;
    assert_int_equal(calltree_init(&t), 0);
    char *text = folded_text(&t);
    assert_string_equal(text, "");
    free(text);
    /* Samples with no frame at all cannot be folded: no line for them. */
    assert_int_equal(calltree_add(&t, NULL, 0, 9), 0);
    add(&t, 1, 1, py(&t, "f", "a.py", 1));
    text = folded_text(&t);
    assert_string_equal(text, "f (a.py:1) 1\n");
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
    assert_int_equal(calltree_init(&t), 0);
    add(&t, 1, 1, py(&t, "f", "a.py", 1));
    struct pt_error err;
    pt_error_clear(&err);
    assert_int_equal(collapsed_write(full, &t, &err), -1);
    assert_int_equal(err.code, PT_E_IO);
    assert_non_null(strstr(err.msg, "cannot write the folded stacks"));
    assert_null(strchr(err.msg, '\n'));
    fclose(full);
    calltree_free(&t);
}

/* ---- reading ---------------------------------------------------------- */

static void test_read_frames(void **state)
{
    (void)state;
    static const char text[] =
        "# a comment line\n"
        "\n"
        "process 42 (python3 app.py);thread 43 (worker);main (app.py:10);work (app.py:5) 40\n"
        "process 42 (python3 app.py);thread 43 (worker);main (app.py:10);work (app.py:5) 2\r\n"
        "   \t \n"
        "process 42 (python3 app.py);helper (lib/util.py);f (/a (copy)/x.py:3)\t7\n"
        "g (m.py:0);h (m.py:007);thread 5 (late);memcpy 1\n"
        "thread 9;k (:12) 4\n"
        "main (app.py:10);deflate (libz.so.1);0x1a2b (python3.11);x (late) 2\n";
    struct calltree t;
    struct pt_error err;
    assert_int_equal(calltree_init(&t), 0);
    assert_int_equal(read_text(text, &t, &err), 0);

    uint32_t proc = find_frame(&t, CT_PROCESS, "process 42 (python3 app.py)", "", 0);
    uint32_t thr = find_frame(&t, CT_THREAD, "thread 43 (worker)", "", 0);
    uint32_t main_ = find_frame(&t, CT_PYTHON, "main", "app.py", 10);
    uint32_t work = find_frame(&t, CT_PYTHON, "work", "app.py", 5);
    /* "name (file.py)" is a Python frame without its line (line 0). */
    uint32_t helper = find_frame(&t, CT_PYTHON, "helper", "lib/util.py", 0);
    uint32_t f = find_frame(&t, CT_PYTHON, "f", "/a (copy)/x.py", 3);
    assert_int_not_equal(proc, CT_NONE);
    assert_int_not_equal(thr, CT_NONE);
    assert_int_not_equal(main_, CT_NONE);
    assert_int_not_equal(work, CT_NONE);
    assert_int_not_equal(helper, CT_NONE);
    assert_int_not_equal(f, CT_NONE);
    /* Line 0 and leading zeros are not line numbers; a thread frame deep
     * in a stack is an ordinary name. */
    assert_int_not_equal(find_frame(&t, CT_PYTHON, "g (m.py:0)", "", 0), CT_NONE);
    assert_int_not_equal(find_frame(&t, CT_PYTHON, "h (m.py:007)", "", 0), CT_NONE);
    assert_int_not_equal(find_frame(&t, CT_PYTHON, "thread 5 (late)", "", 0), CT_NONE);
    assert_int_not_equal(find_frame(&t, CT_PYTHON, "memcpy", "", 0), CT_NONE);
    assert_int_not_equal(find_frame(&t, CT_THREAD, "thread 9", "", 0), CT_NONE);
    assert_int_not_equal(find_frame(&t, CT_PYTHON, "k", "", 12), CT_NONE);
    /* Native frames as pytop writes them: "name (library)". */
    assert_int_not_equal(find_frame(&t, CT_NATIVE, "deflate", "libz.so.1", 0), CT_NONE);
    assert_int_not_equal(find_frame(&t, CT_NATIVE, "0x1a2b", "python3.11", 0), CT_NONE);
    assert_int_not_equal(find_frame(&t, CT_PYTHON, "x (late)", "", 0), CT_NONE);

    uint32_t n = calltree_child(&t, 0, proc);
    assert_int_not_equal(n, CT_NONE);
    n = calltree_child(&t, n, thr);
    n = calltree_child(&t, n, main_);
    n = calltree_child(&t, n, work);
    assert_int_not_equal(n, CT_NONE);
    assert_int_equal(t.nodes[n].self, 42);
    n = calltree_child(&t, calltree_child(&t, calltree_child(&t, 0, proc), helper), f);
    assert_int_not_equal(n, CT_NONE);
    assert_int_equal(t.nodes[n].self, 7);
    assert_int_equal(t.nodes[0].total, 42 + 7 + 1 + 4 + 2);
    calltree_free(&t);

    /* With its source from DWARF: "name (src:line, library)", or by
     * function "name (src, library)"; what follows the last ", " must
     * still look like a library. */
    static const char lined[] = "deflate (deflate.c:1012, libz.so.1);spin (spin.c, libspin.so) 3\n"
                                "f (a.py:3, libz.so.1);g (x.c:12, notalib);h (x.c:0, libz.so) 1\n";
    assert_int_equal(calltree_init(&t), 0);
    assert_int_equal(read_text(lined, &t, &err), 0);
    uint32_t d = calltree_frame_find(&t, CT_NATIVE, "deflate", "libz.so.1", "deflate.c", 1012);
    uint32_t sp = calltree_frame_find(&t, CT_NATIVE, "spin", "libspin.so", "spin.c", 0);
    assert_int_not_equal(d, CT_NONE);
    assert_int_not_equal(sp, CT_NONE);
    assert_int_equal(t.nodes[calltree_child(&t, calltree_child(&t, 0, d), sp)].self, 3);
    assert_int_not_equal(calltree_frame_find(&t, CT_NATIVE, "f", "libz.so.1", "a.py", 3), CT_NONE);
    assert_int_not_equal(find_frame(&t, CT_PYTHON, "g (x.c:12, notalib)", "", 0), CT_NONE);
    /* A line 0 is no line: the source is "x.c:0". */
    assert_int_not_equal(calltree_frame_find(&t, CT_NATIVE, "h", "libz.so", "x.c:0", 0), CT_NONE);
    calltree_free(&t);
}

/* --by-endpoint's roots: a request, then the process and thread frames;
 * "request ..." deeper in a stack is an ordinary name. */
static void test_read_request_roots(void **state)
{
    (void)state;
    static const char text[] =
        "request GET /users/{user_id};process 42 (uvicorn);thread 43 (main);get_user (a.py:9) 5\n"
        "request POST /items;thread 44 (w);h (a.py:3) 2\n"
        "process 42 (uvicorn);request GET /late;f (a.py:1) 1\n";
    struct calltree t;
    struct pt_error err;
    assert_int_equal(calltree_init(&t), 0);
    assert_int_equal(read_text(text, &t, &err), 0);
    uint32_t req = find_frame(&t, CT_REQUEST, "request GET /users/{user_id}", "", 0);
    uint32_t proc = find_frame(&t, CT_PROCESS, "process 42 (uvicorn)", "", 0);
    uint32_t thr = find_frame(&t, CT_THREAD, "thread 43 (main)", "", 0);
    assert_int_not_equal(req, CT_NONE);
    assert_int_not_equal(
        calltree_child(&t, calltree_child(&t, calltree_child(&t, 0, req), proc), thr), CT_NONE);
    assert_int_not_equal(find_frame(&t, CT_REQUEST, "request POST /items", "", 0), CT_NONE);
    assert_int_not_equal(find_frame(&t, CT_THREAD, "thread 44 (w)", "", 0), CT_NONE);
    assert_int_not_equal(find_frame(&t, CT_PYTHON, "request GET /late", "", 0), CT_NONE);
    calltree_free(&t);
}

static void test_read_adds_to_the_tree(void **state)
{
    (void)state;
    struct calltree t;
    struct pt_error err;
    assert_int_equal(calltree_init(&t), 0);
    assert_int_equal(read_text("a;b 1\n", &t, &err), 0);
    assert_int_equal(read_text("a;b 2\na 1", &t, &err), 0); /* no final newline */
    char *text = folded_text(&t);
    assert_string_equal(text, "a 1\na;b 3\n");
    free(text);
    calltree_free(&t);
}

static void expect_malformed(const char *text, const char *line_no, const char *why)
{
    struct calltree t;
    struct pt_error err;
    assert_int_equal(calltree_init(&t), 0);
    assert_int_equal(read_text(text, &t, &err), -1);
    assert_int_equal(err.code, PT_E_IO);
    assert_non_null(strstr(err.msg, line_no));
    assert_non_null(strstr(err.msg, why));
    assert_null(strchr(err.msg, '\n'));
    calltree_free(&t);
}

static void test_read_malformed(void **state)
{
    (void)state;
    expect_malformed("a;b 1\n# note\n\na;b\n", "line 4:", "no sample count");
    expect_malformed("a;b x\n", "line 1:", "no sample count");
    expect_malformed("a;b 12x\n", "line 1:", "no sample count");
    expect_malformed("a;b -3\n", "line 1:", "no sample count");
    expect_malformed("a 1\na;b 1.5\n", "line 2:", "fractional");
    expect_malformed("a;b 99999999999999999999999\n", "line 1:", "too large");
    expect_malformed("42\n", "line 1:", "no sample count");
    expect_malformed(" 42\n", "line 1:", "no frames");

    /* A NUL byte inside a line. */
    static const char nul[] = "a 1\nb\0c 2\n";
    struct calltree t;
    struct pt_error err;
    assert_int_equal(calltree_init(&t), 0);
    FILE *in = fmemopen((void *)nul, sizeof nul - 1, "r");
    assert_int_equal(collapsed_read(in, &t, &err), -1);
    assert_non_null(strstr(err.msg, "line 2:"));
    fclose(in);
    calltree_free(&t);
}

/* ---- round trips ------------------------------------------------------ */

static void test_round_trip(void **state)
{
    (void)state;
    struct calltree t;
    assert_int_equal(calltree_init(&t), 0);
    uint32_t proc = frame(&t, CT_PROCESS, "process 4242 (uvicorn app:app --port 8000)", "", 0);
    uint32_t thr = frame(&t, CT_THREAD, "thread 4243 (asyncio_0)", "", 0);
    uint32_t spaces = py(&t, "name with spaces", "/home/me/My Project (old)/app.py", 12);
    uint32_t parens = py(&t, "weird (x) name", "paren(s).py", 3);
    uint32_t unbalanced = py(&t, "f(", "/x/a(.py", 4);
    uint32_t cafe = py(&t, "café_données", "/srv/ünïcode/模块.py", 77);
    uint32_t emoji = py(&t, "fire_🔥", "🔥.py", 1);
    uint32_t lambda = py(&t, "<lambda>", "app.py", 30);
    uint32_t locals = py(&t, "Outer.<locals>.inner", "app.py", 31);
    uint32_t semi = py(&t, "semi;colon", "a;b.py", 9);
    uint32_t byfunc = py(&t, "by_function", "app.py", 0);
    uint32_t nofile = py(&t, "<frozen>", "", 0);
    uint32_t native = frame(&t, CT_NATIVE, "std::vector<int>::push_back(int const&)", "", 0);
    uint32_t trailing = py(&t, "trail ", "t.py", 0);
    uint32_t lined, sourced;
    assert_int_equal(
        calltree_frame_src(&t, CT_NATIVE, "deflate", "libz.so.1", "deflate.c", 1012, &lined), 0);
    assert_int_equal(calltree_frame_src(&t, CT_NATIVE, "spin", "libspin.so", "spin.c", 0, &sourced),
                     0);

    add(&t, 10, 4, proc, thr, spaces, parens);
    add(&t, 3, 5, proc, thr, spaces, unbalanced, cafe);
    add(&t, 4, 4, proc, emoji, lambda, locals);
    add(&t, 5, 3, proc, semi, byfunc);
    add(&t, 6, 3, nofile, native, trailing);
    add(&t, 1, 2, lambda, semi);
    add(&t, 2, 3, emoji, lined, sourced);

    char *first = folded_text(&t);
    struct calltree back;
    struct pt_error err;
    assert_int_equal(calltree_init(&back), 0);
    assert_int_equal(read_text(first, &back, &err), 0);
    char *second = folded_text(&back);
    assert_string_equal(first, second);
    assert_int_equal(back.nodes[0].total, t.nodes[0].total);

    /* Frames come back as they were, but for the sanitized ';' and the
     * ones whose text has no "(file:N)" to split. */
    assert_int_not_equal(find_frame(&back, CT_PROCESS, t.frames[proc].name, "", 0), CT_NONE);
    assert_int_not_equal(find_frame(&back, CT_THREAD, t.frames[thr].name, "", 0), CT_NONE);
    const uint32_t exact[] = {spaces, parens, unbalanced, cafe, emoji, lambda, locals};
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++) {
        const struct ct_frame *f = &t.frames[exact[i]];
        assert_int_not_equal(find_frame(&back, CT_PYTHON, f->name, f->file, f->line), CT_NONE);
    }
    assert_int_not_equal(find_frame(&back, CT_PYTHON, "semi:colon", "a:b.py", 9), CT_NONE);
    assert_int_not_equal(find_frame(&back, CT_PYTHON, "by_function", "app.py", 0), CT_NONE);
    assert_int_not_equal(find_frame(&back, CT_PYTHON, "trail ", "t.py", 0), CT_NONE);
    assert_int_not_equal(
        calltree_frame_find(&back, CT_NATIVE, "deflate", "libz.so.1", "deflate.c", 1012), CT_NONE);
    assert_int_not_equal(calltree_frame_find(&back, CT_NATIVE, "spin", "libspin.so", "spin.c", 0),
                         CT_NONE);

    free(first);
    free(second);
    calltree_free(&back);
    calltree_free(&t);
}

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
    assert_int_equal(calltree_add(&t, ids, DEPTH / 2, 1), 0);

    char *text = folded_text(&t);
    /* Two lines; the deep one has DEPTH - 1 separators. */
    char *nl = strchr(text, '\n');
    assert_non_null(nl);
    size_t semis = 0;
    for (char *c = nl + 1; *c; c++)
        semis += *c == ';';
    assert_int_equal(semis, DEPTH - 1);
    assert_non_null(strstr(nl, ";recurse (deep.py:2) 3\n"));

    struct calltree back;
    struct pt_error err;
    assert_int_equal(calltree_init(&back), 0);
    assert_int_equal(read_text(text, &back, &err), 0);
    char *again = folded_text(&back);
    assert_string_equal(text, again);
    free(again);
    free(text);
    free(ids);
    calltree_free(&back);
    calltree_free(&t);
}

/* ---- size and time ---------------------------------------------------- */

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
    double t0 = now_ms();
    assert_int_equal(collapsed_write(out, &t, &err), 0);
    double write_ms = now_ms() - t0;
    long size = ftell(out);

    rewind(out);
    struct calltree back;
    assert_int_equal(calltree_init(&back), 0);
    t0 = now_ms();
    assert_int_equal(collapsed_read(out, &back, &err), 0);
    double read_ms = now_ms() - t0;
    fclose(out);

    size_t lines = 0;
    for (uint32_t n = 0; n < back.nnodes; n++)
        lines += back.nodes[n].self > 0;
    assert_int_equal(lines, 10000);
    assert_int_equal(back.nodes[0].total, 1000000);
    printf("# collapsed: %u nodes, %ld bytes: write %.1f ms, read %.1f ms\n", t.nnodes, size,
           write_ms, read_ms);
    assert_true(write_ms < TIME_LIMIT_MS);
    calltree_free(&back);
    calltree_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_small_tree),
        cmocka_unit_test(test_write_is_deterministic),
        cmocka_unit_test(test_write_sanitizes_separators),
        cmocka_unit_test(test_write_empty_tree_and_root_samples),
        cmocka_unit_test(test_write_error_is_reported),
        cmocka_unit_test(test_read_frames),
        cmocka_unit_test(test_read_request_roots),
        cmocka_unit_test(test_read_adds_to_the_tree),
        cmocka_unit_test(test_read_malformed),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_deep_stack),
        cmocka_unit_test(test_big_tree_is_fast),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
