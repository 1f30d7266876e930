/*
 * Tests of calltree: interning, counts, copy, merge, walk.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "calltree.h"

static uint32_t fr(struct calltree *t, const char *name, int line)
{
    uint32_t id;
    assert_int_equal(calltree_frame(t, CT_PYTHON, name, "app.py", line, &id), 0);
    return id;
}

static void test_frames_are_interned(void **state)
{
    (void)state;
    struct calltree t;
    assert_int_equal(calltree_init(&t), 0);
    uint32_t a = fr(&t, "main", 1), b = fr(&t, "work", 5), a2 = fr(&t, "main", 1);
    assert_int_equal(a, a2);
    assert_int_not_equal(a, b);
    assert_int_not_equal(fr(&t, "main", 2), a);
    assert_int_equal(t.nframes, 3);
    calltree_free(&t);
}

static void test_counts_self_and_total(void **state)
{
    (void)state;
    struct calltree t;
    calltree_init(&t);
    uint32_t m = fr(&t, "main", 1), w = fr(&t, "work", 5), h = fr(&t, "helper", 9);
    uint32_t s1[] = {m, w}, s2[] = {m, w, h}, s3[] = {m};
    calltree_add(&t, s1, 2, 3);
    calltree_add(&t, s2, 3, 5);
    calltree_add(&t, s3, 1, 2);
    assert_int_equal(t.nodes[0].total, 10);
    uint32_t nm = calltree_child(&t, 0, m), nw = calltree_child(&t, nm, w);
    uint32_t nh = calltree_child(&t, nw, h);
    assert_int_equal(t.nodes[nm].total, 10);
    assert_int_equal(t.nodes[nm].self, 2);
    assert_int_equal(t.nodes[nw].total, 8);
    assert_int_equal(t.nodes[nw].self, 3);
    assert_int_equal(t.nodes[nh].self, 5);
    assert_int_equal(calltree_child(&t, nm, h), CT_NONE);
    calltree_free(&t);
}

static void test_copy_is_exact_and_shares_strings(void **state)
{
    (void)state;
    struct calltree t, c;
    calltree_init(&t);
    uint32_t s[] = {fr(&t, "a", 1), fr(&t, "b", 2)};
    calltree_add(&t, s, 2, 7);
    assert_int_equal(calltree_copy(&c, &t), 0);
    assert_int_equal(c.nnodes, t.nnodes);
    assert_int_equal(c.nodes[0].total, 7);
    assert_ptr_equal(c.frames[0].name, t.frames[0].name);
    assert_int_equal(calltree_child(&c, calltree_child(&c, 0, s[0]), s[1]),
                     calltree_child(&t, calltree_child(&t, 0, s[0]), s[1]));
    calltree_free(&c);
    assert_string_equal(t.frames[0].name, "a"); /* still owned by t */
    calltree_free(&t);
}

static void test_merge_adds_counts(void **state)
{
    (void)state;
    struct calltree a, b;
    calltree_init(&a);
    calltree_init(&b);
    uint32_t sa[] = {fr(&a, "x", 1), fr(&a, "y", 2)};
    uint32_t sb[] = {fr(&b, "x", 1), fr(&b, "z", 3)};
    calltree_add(&a, sa, 2, 4);
    calltree_add(&b, sb, 2, 6);
    assert_int_equal(calltree_merge(&a, &b), 0);
    assert_int_equal(a.nodes[0].total, 10);
    uint32_t nx = calltree_child(&a, 0, sa[0]);
    assert_int_equal(a.nodes[nx].total, 10);
    uint32_t z;
    calltree_frame(&a, CT_PYTHON, "z", "app.py", 3, &z);
    assert_int_equal(a.nodes[calltree_child(&a, nx, z)].self, 6);
    calltree_free(&a);
    calltree_free(&b);
}

static int walked[64], walked_depth[64], nwalked;

static void record_walk(void *ctx, const struct calltree *t, uint32_t node, int depth)
{
    (void)ctx;
    (void)t;
    walked[nwalked] = (int)node;
    walked_depth[nwalked++] = depth;
}

static void test_walk_is_depth_first(void **state)
{
    (void)state;
    struct calltree t;
    calltree_init(&t);
    uint32_t a = fr(&t, "a", 1), b = fr(&t, "b", 1), c = fr(&t, "c", 1);
    uint32_t s1[] = {a, b}, s2[] = {c}, s3[] = {a, c};
    calltree_add(&t, s1, 2, 1);
    calltree_add(&t, s2, 1, 1);
    calltree_add(&t, s3, 2, 1);
    nwalked = 0;
    calltree_walk(&t, record_walk, NULL);
    /* root, a, a/b, a/c, c */
    assert_int_equal(nwalked, 5);
    int expect_depth[] = {0, 1, 2, 2, 1};
    for (int i = 0; i < 5; i++)
        assert_int_equal(walked_depth[i], expect_depth[i]);
    assert_int_equal(t.nodes[walked[4]].frame, c);
    calltree_free(&t);
}

static void test_fix_totals_sums_subtrees(void **state)
{
    (void)state;
    struct calltree t;
    calltree_init(&t);
    uint32_t a = fr(&t, "a", 1), b = fr(&t, "b", 1), c = fr(&t, "c", 1);
    uint32_t s1[] = {a, b}, s2[] = {a, c}, leaf1, leaf2;
    assert_int_equal(calltree_path(&t, s1, 2, &leaf1), 0);
    assert_int_equal(calltree_path(&t, s2, 2, &leaf2), 0);
    assert_int_equal(t.nodes[0].total, 0); /* paths count nothing */
    t.nodes[leaf1].self = 3;
    t.nodes[leaf2].self = 4;
    t.nodes[calltree_child(&t, 0, a)].self = 1;
    calltree_fix_totals(&t);
    assert_int_equal(t.nodes[0].total, 8);
    assert_int_equal(t.nodes[calltree_child(&t, 0, a)].total, 8);
    assert_int_equal(t.nodes[leaf1].total, 3);
    calltree_free(&t);
}

/* A native frame's source is part of its identity, and every output
 * writes a frame's place the same way. */
static void test_native_source(void **state)
{
    (void)state;
    struct calltree t;
    assert_int_equal(calltree_init(&t), 0);
    uint32_t a, b, c, again;
    assert_int_equal(calltree_frame(&t, CT_NATIVE, "f", "libx.so", 0, &a), 0);
    assert_int_equal(calltree_frame_src(&t, CT_NATIVE, "f", "libx.so", "x.c", 10, &b), 0);
    assert_int_equal(calltree_frame_src(&t, CT_NATIVE, "f", "libx.so", "x.h", 10, &c), 0);
    assert_int_equal(calltree_frame_src(&t, CT_NATIVE, "f", "libx.so", "x.c", 10, &again), 0);
    assert_int_not_equal(a, b);
    assert_int_not_equal(b, c);
    assert_int_equal(b, again);
    assert_int_equal(calltree_frame_find(&t, CT_NATIVE, "f", "libx.so", "x.h", 10), c);
    assert_int_equal(calltree_frame_find(&t, CT_NATIVE, "f", "libx.so", NULL, 0), a);
    char buf[128];
    calltree_frame_text(&t.frames[b], buf, sizeof buf);
    assert_string_equal(buf, "f (x.c:10, libx.so)");
    calltree_frame_text(&t.frames[a], buf, sizeof buf);
    assert_string_equal(buf, "f (libx.so)");
    calltree_where(CT_NATIVE, "libx.so", "x.c", 0, buf, sizeof buf);
    assert_string_equal(buf, "x.c, libx.so");
    calltree_where(CT_PYTHON, "app.py", "", 12, buf, sizeof buf);
    assert_string_equal(buf, "app.py:12");
    calltree_where(CT_PYTHON, "app.py", "", 0, buf, sizeof buf);
    assert_string_equal(buf, "app.py");
    calltree_where(CT_THREAD, "", "", 0, buf, sizeof buf);
    assert_string_equal(buf, "");
    /* A copy of the tree keeps the source. */
    struct calltree other;
    assert_int_equal(calltree_init(&other), 0);
    uint32_t ids[] = {b};
    assert_int_equal(calltree_add(&t, ids, 1, 2), 0);
    assert_int_equal(calltree_merge(&other, &t), 0);
    assert_int_not_equal(calltree_frame_find(&other, CT_NATIVE, "f", "libx.so", "x.c", 10),
                         CT_NONE);
    calltree_free(&other);
    calltree_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_native_source),
        cmocka_unit_test(test_frames_are_interned),
        cmocka_unit_test(test_counts_self_and_total),
        cmocka_unit_test(test_copy_is_exact_and_shares_strings),
        cmocka_unit_test(test_merge_adds_counts),
        cmocka_unit_test(test_walk_is_depth_first),
        cmocka_unit_test(test_fix_totals_sums_subtrees),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
