/*
 * tests/unit/test_load: input/load, reading other tools' profiles:
 * austin's, Tachyon's, py-spy's and flamegraph.pl's folded stacks (their
 * roots and counts), speedscope files with their weights (input/speedscope,
 * through input/load), and what is not a profile refused with a message
 * that says what it is.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reporttest.h"

#include "input/load.h"
#include "output/formats.h"
#include "output/meta.h"

static const struct ct_frame *leaf_frame(const struct loaded_profile *lp, int depth_from_root)
{
    /* The first stack: follow first children. */
    uint32_t n = 0;
    for (int d = 0; d <= depth_from_root; d++)
        n = lp->tree.nodes[n].child;
    return &lp->tree.frames[lp->tree.nodes[n].frame];
}

static void test_austin_counts_become_samples(void **state)
{
    (void)state;
    struct loaded_profile lp;
    load_ok("# austin: 3.7.0\n# interval: 10000\n# mode: wall\n\n"
            "P42;T0:42;/srv/app.py:<module>:3;/srv/app.py:work:10 250000\n"
            "P42;T0:42;/srv/app.py:<module>:3 30000\n\n# duration: 2800000\n",
            &lp);
    assert_int_equal(lp.tree.nodes[0].total, 28); /* 280 ms at 10 ms */
    assert_string_equal(lp.format, "austin folded stacks");
    assert_true(lp.meta.rate == 100.0 && lp.meta.duration == 2.8);
    assert_int_equal(leaf_frame(&lp, 0)->kind, CT_PROCESS);
    assert_string_equal(leaf_frame(&lp, 0)->name, "process 42");
    assert_int_equal(leaf_frame(&lp, 1)->kind, CT_THREAD);
    assert_string_equal(leaf_frame(&lp, 1)->name, "thread 42");
    const struct ct_frame *f = leaf_frame(&lp, 3);
    assert_string_equal(f->name, "work");
    assert_string_equal(f->file, "/srv/app.py");
    assert_int_equal(f->line, 10);
    loaded_profile_free(&lp);
}

static void test_tachyon_and_py_spy_roots(void **state)
{
    (void)state;
    struct loaded_profile lp;
    load_ok("tid:7;<task>:Task-1:0;<stdin>:main:32;tasks.py:sleep:725 4\n", &lp);
    assert_string_equal(lp.format, "Tachyon folded stacks");
    assert_string_equal(leaf_frame(&lp, 0)->name, "thread 7");
    assert_int_equal(leaf_frame(&lp, 1)->kind, CT_TASK);
    assert_string_equal(leaf_frame(&lp, 1)->name, "task Task-1");
    assert_string_equal(leaf_frame(&lp, 2)->file, "<stdin>");
    loaded_profile_free(&lp);

    load_ok("process 42:\"python3 app.py\";thread (0x7F00AA);main (app.py:3);work (app.py) 2\n",
            &lp);
    assert_string_equal(lp.format, "py-spy folded stacks");
    assert_string_equal(leaf_frame(&lp, 0)->name, "process 42 (python3 app.py)");
    assert_string_equal(leaf_frame(&lp, 1)->name, "thread 0x7F00AA");
    const struct ct_frame *f = leaf_frame(&lp, 3);
    assert_string_equal(f->name, "work");
    assert_string_equal(f->file, "app.py");
    assert_int_equal(f->line, 0);
    loaded_profile_free(&lp);

    /* A line a tool wrote with a frame read while it changed (Tachyon
     * has): left out and counted, the rest read. */
    static const char damaged[] = "tid:7;a.py:main:3 5\ntid:7;<unknown file>:\xfd\x00\x04:0 1\n"
                                  "tid:7;a.py:work:9 2\n";
    struct pt_error err;
    assert_int_equal(profile_load_bytes("t", damaged, sizeof damaged - 1, &lp, &err), 0);
    assert_int_equal(lp.skipped, 1);
    assert_int_equal(lp.tree.nodes[0].total, 7);
    loaded_profile_free(&lp);

    /* flamegraph.pl's input: names only, kept whole. */
    load_ok("a;b;c:d 3\na;b 1\n", &lp);
    assert_string_equal(lp.format, "folded stacks");
    assert_string_equal(leaf_frame(&lp, 2)->name, "c:d");
    loaded_profile_free(&lp);
}

static void test_speedscope_profiles_and_weights(void **state)
{
    (void)state;
    struct loaded_profile lp;
    /* py-spy's shape: a profile per thread, weights in seconds. */
    load_ok("{\"$schema\": \"https://www.speedscope.app/file-format-schema.json\","
            " \"exporter\": \"py-spy@0.3.14\", \"name\": \"py-spy profile\","
            " \"shared\": {\"frames\": [{\"name\": \"main\", \"file\": \"app.py\", \"line\": 3},"
            " {\"name\": \"work\", \"file\": \"app.py\", \"line\": 9}]},"
            " \"profiles\": ["
            "  {\"type\": \"sampled\", \"name\": \"Thread 42 \\\"MainThread\\\"\", \"unit\": "
            "\"seconds\", \"startValue\": 0, \"endValue\": 2.0,"
            "   \"samples\": [[0, 1], [0]], \"weights\": [0.03, 0.01]},"
            "  {\"type\": \"sampled\", \"name\": \"Thread 43 \\\"worker\\\"\", \"unit\": "
            "\"seconds\", \"startValue\": 0, \"endValue\": 1.0,"
            "   \"samples\": [[1]], \"weights\": [0.02]}]}",
            &lp);
    assert_string_equal(lp.format, "speedscope (py-spy@0.3.14)");
    assert_int_equal(lp.tree.nodes[0].total, 6); /* 0.06 s of 0.01 s samples */
    assert_true(lp.meta.rate > 99.9 && lp.meta.rate < 100.1);
    assert_true(lp.meta.duration == 2.0);
    assert_int_equal(leaf_frame(&lp, 0)->kind, CT_THREAD);
    assert_string_equal(leaf_frame(&lp, 0)->name, "thread 42 \"MainThread\"");
    assert_string_equal(leaf_frame(&lp, 2)->name, "work");
    loaded_profile_free(&lp);
}

static void test_what_is_not_a_profile_is_refused(void **state)
{
    (void)state;
    const struct {
        const char *data;
        size_t size; /* 0: strlen */
        const char *says;
    } cases[] = {
        {"", 0, "an empty file"},
        {"\n\n  \n", 0, "only blank space"},
        {"\xff\xd8\xff\xe0\x00\x10JFIF", 10, "a JPEG image"}, /* a NUL: its size */
        {"main 0\n", 0, "no samples"},
        {"{\"shared\": {\"frames\": []}, \"profiles\": [{\"type\": \"evented\"}]}", 0,
         "no sampled profile"},
        {"{\"shared\": {\"frames\": [{\"name\": \"a\"}]}, \"profiles\": [{\"type\": \"sampled\", "
         "\"samples\": [[5]], \"weights\": [1]}]}",
         0, "a frame that does not exist"},
        {"<?xml version=\"1.0\"?><svg></svg>", 0, "SVG"},
        {"main;work\n", 0, "no sample count"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct loaded_profile lp;
        struct pt_error err;
        size_t n = cases[i].size ? cases[i].size : strlen(cases[i].data);
        assert_int_equal(profile_load_bytes("f", cases[i].data, n, &lp, &err), -1);
        if (strstr(err.msg, cases[i].says) == NULL)
            fail_msg("case %zu: \"%s\" does not say \"%s\"", i, err.msg, cases[i].says);
        assert_int_equal(err.code, PT_E_IO);
        loaded_profile_free(&lp);
    }
}

/* A native frame with its source (from DWARF) comes back from every
 * format pytop writes, with its library, source file and line. */
static void test_native_source_in_every_format(void **state)
{
    (void)state;
    static const enum profile_format formats[] = {FORMAT_COLLAPSED, FORMAT_SPEEDSCOPE, FORMAT_PPROF,
                                                  FORMAT_FLAMEGRAPH};
    struct calltree t;
    assert_int_equal(calltree_init(&t), 0);
    uint32_t ids[4];
    assert_int_equal(calltree_frame(&t, CT_PYTHON, "compress", "app.py", 7, &ids[0]), 0);
    assert_int_equal(calltree_frame(&t, CT_NATIVE, "zlib_compress", "zlib.so", 0, &ids[1]), 0);
    assert_int_equal(
        calltree_frame_src(&t, CT_NATIVE, "deflate", "libz.so.1", "deflate.c", 1012, &ids[2]), 0);
    assert_int_equal(
        calltree_frame_src(&t, CT_NATIVE, "longest_match", "libz.so.1", "deflate.c", 0, &ids[3]),
        0);
    assert_int_equal(calltree_add(&t, ids, 4, 5), 0);
    assert_int_equal(calltree_add(&t, ids, 3, 2), 0);
    struct profile_meta meta;
    memset(&meta, 0, sizeof meta);
    meta.rate = 100;
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        struct profile_file pf = {formats[i], &t, &meta};
        char *data = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&data, &size);
        struct pt_error err;
        assert_non_null(f);
        assert_int_equal(format_write(f, &pf, &err), 0);
        assert_int_equal(fclose(f), 0);
        struct loaded_profile lp;
        assert_int_equal(profile_load_bytes("p", data, size, &lp, &err), 0);
        uint32_t d =
            calltree_frame_find(&lp.tree, CT_NATIVE, "deflate", "libz.so.1", "deflate.c", 1012);
        uint32_t l =
            calltree_frame_find(&lp.tree, CT_NATIVE, "longest_match", "libz.so.1", "deflate.c", 0);
        uint32_t z = calltree_frame_find(&lp.tree, CT_NATIVE, "zlib_compress", "zlib.so", "", 0);
        if (d == CT_NONE || l == CT_NONE || z == CT_NONE)
            fail_msg("format %d: a native frame did not come back", (int)formats[i]);
        loaded_profile_free(&lp);
        free(data);
    }
    calltree_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_native_source_in_every_format),
        cmocka_unit_test(test_austin_counts_become_samples),
        cmocka_unit_test(test_tachyon_and_py_spy_roots),
        cmocka_unit_test(test_speedscope_profiles_and_weights),
        cmocka_unit_test(test_what_is_not_a_profile_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
