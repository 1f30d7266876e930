/*
 * Tests of calltree (interning, counts, copy, merge, walk) and funcstats
 * (self and total per function and per line, recursion counted once).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "calltree.h"
#include "funcstats.h"
#include "profile.h"

static uint32_t fr(struct calltree *t, const char *name, int line)
{
    uint32_t id;
    assert_int_equal(calltree_frame(t, CT_PYTHON, name, "app.py", line, &id), 0);
    return id;
}

static const struct func_stat *find(const struct funcstats *fs, const char *name, int line)
{
    for (size_t i = 0; i < fs->n; i++)
        if (strcmp(fs->v[i].name, name) == 0 && (line < 0 || fs->v[i].line == line))
            return &fs->v[i];
    return NULL;
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

static void test_funcstats_recursion_counted_once(void **state)
{
    (void)state;
    struct calltree t;
    calltree_init(&t);
    /* main -> rec -> rec -> rec (leaf), 10 samples; main -> other, 10. */
    uint32_t m = fr(&t, "main", 1), r1 = fr(&t, "rec", 4), r2 = fr(&t, "rec", 5);
    uint32_t o = fr(&t, "other", 8);
    uint32_t deep[] = {m, r1, r2, r2}, side[] = {m, o};
    calltree_add(&t, deep, 4, 10);
    calltree_add(&t, side, 2, 10);
    struct funcstats fs;
    assert_int_equal(funcstats_compute(&t, 0, 0, &fs), 0);
    assert_int_equal(fs.samples, 20);
    const struct func_stat *rec = find(&fs, "rec", -1);
    assert_non_null(rec);
    assert_int_equal(rec->total, 10); /* not 30 */
    assert_int_equal(rec->self, 10);
    assert_int_equal(rec->line, 4); /* the first line seen */
    assert_int_equal(find(&fs, "main", -1)->total, 20);
    assert_int_equal(find(&fs, "main", -1)->self, 0);
    assert_int_equal(find(&fs, "other", -1)->self, 10);
    funcstats_free(&fs);

    /* By line: rec:4 and rec:5 are rows of their own. */
    assert_int_equal(funcstats_compute(&t, 1, 0, &fs), 0);
    assert_int_equal(find(&fs, "rec", 4)->total, 10);
    assert_int_equal(find(&fs, "rec", 4)->self, 0);
    assert_int_equal(find(&fs, "rec", 5)->total, 10);
    assert_int_equal(find(&fs, "rec", 5)->self, 10);
    funcstats_free(&fs);
    calltree_free(&t);
}

static void test_funcstats_function_rows_show_the_first_line(void **state)
{
    (void)state;
    struct calltree t;
    calltree_init(&t);
    uint32_t a = fr(&t, "work", 12), b = fr(&t, "work", 11);
    calltree_set_info(&t, a, CT_ORIGIN_APP, 10);
    calltree_set_info(&t, b, CT_ORIGIN_APP, 10);
    uint32_t s1[] = {a}, s2[] = {b};
    calltree_add(&t, s1, 1, 2);
    calltree_add(&t, s2, 1, 1);
    struct funcstats fs;
    funcstats_compute(&t, 0, 0, &fs);
    assert_int_equal(fs.n, 1);
    assert_int_equal(fs.v[0].line, 10);
    assert_int_equal(fs.v[0].self, 3);
    funcstats_free(&fs);
    calltree_free(&t);
}

static void test_funcstats_roots_only_when_asked(void **state)
{
    (void)state;
    struct calltree t;
    calltree_init(&t);
    uint32_t p, w = fr(&t, "work", 3);
    calltree_frame(&t, CT_PROCESS, "process 1 (x)", "", 0, &p);
    uint32_t s[] = {p, w};
    calltree_add(&t, s, 2, 4);
    struct funcstats fs;
    funcstats_compute(&t, 0, 0, &fs);
    assert_int_equal(fs.n, 1);
    funcstats_free(&fs);
    funcstats_compute(&t, 0, 1, &fs);
    assert_int_equal(fs.n, 2);
    assert_int_equal(find(&fs, "process 1 (x)", -1)->total, 4);
    funcstats_free(&fs);
    calltree_free(&t);
}

static void test_deep_stack_walks_without_recursion(void **state)
{
    (void)state;
    struct calltree t;
    calltree_init(&t);
    enum { DEPTH = 5000 };
    static uint32_t stack[DEPTH];
    uint32_t f = fr(&t, "rec", 1);
    for (int i = 0; i < DEPTH; i++)
        stack[i] = f;
    assert_int_equal(calltree_add(&t, stack, DEPTH, 3), 0);
    struct funcstats fs;
    assert_int_equal(funcstats_compute(&t, 0, 0, &fs), 0);
    assert_int_equal(fs.v[0].total, 3);
    assert_int_equal(fs.v[0].self, 3);
    funcstats_free(&fs);
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

static void test_profile_counts_and_window(void **state)
{
    (void)state;
    struct profile p;
    struct pt_error err;
    assert_int_equal(profile_init(&p, &err), 0);
    uint32_t m, w, h;
    profile_frame(&p, CT_PYTHON, "main", "app.py", 1, CT_ORIGIN_APP, 1, &m);
    profile_frame(&p, CT_PYTHON, "work", "app.py", 5, CT_ORIGIN_APP, 4, &w);
    profile_frame(&p, CT_PYTHON, "helper", "app.py", 9, CT_ORIGIN_APP, 8, &h);
    uint32_t s1[] = {m, w}, s2[] = {m, w, h};
    /* Seconds 0..11: s1 every second, s2 only in seconds 10 and 11. */
    for (int64_t sec = 0; sec < 12; sec++) {
        profile_add(&p, s1, 2, sec);
        if (sec >= 10)
            for (int k = 0; k < 3; k++)
                profile_add(&p, s2, 3, sec);
    }
    struct calltree all, win;
    struct profile_stats st;
    assert_int_equal(profile_snapshot(&p, &all, &win, 11, 2, &st, &err), 0);
    assert_int_equal(st.samples, 18);
    assert_int_equal(all.nodes[0].total, 18);
    uint32_t nm = calltree_child(&all, 0, m), nw = calltree_child(&all, nm, w);
    assert_int_equal(all.nodes[nw].total, 18);
    assert_int_equal(all.nodes[nw].self, 12);
    /* The last 2 seconds: s1 twice, s2 six times. */
    assert_int_equal(win.nodes[0].total, 8);
    uint32_t wm = calltree_child(&win, 0, m), ww = calltree_child(&win, wm, w);
    assert_int_equal(win.nodes[ww].self, 2);
    assert_int_equal(win.nodes[calltree_child(&win, ww, h)].self, 6);
    calltree_free(&all);
    calltree_free(&win);

    profile_reset(&p);
    assert_int_equal(profile_snapshot(&p, &all, NULL, 11, 0, &st, &err), 0);
    assert_int_equal(all.nodes[0].total, 0);
    assert_int_equal(st.samples, 0);
    calltree_free(&all);
    profile_add(&p, s2, 3, 12);
    assert_int_equal(profile_snapshot(&p, &all, NULL, 12, 0, &st, &err), 0);
    assert_int_equal(all.nodes[0].total, 1);
    calltree_free(&all);
    profile_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frames_are_interned),
        cmocka_unit_test(test_counts_self_and_total),
        cmocka_unit_test(test_copy_is_exact_and_shares_strings),
        cmocka_unit_test(test_merge_adds_counts),
        cmocka_unit_test(test_walk_is_depth_first),
        cmocka_unit_test(test_funcstats_recursion_counted_once),
        cmocka_unit_test(test_funcstats_function_rows_show_the_first_line),
        cmocka_unit_test(test_funcstats_roots_only_when_asked),
        cmocka_unit_test(test_deep_stack_walks_without_recursion),
        cmocka_unit_test(test_fix_totals_sums_subtrees),
        cmocka_unit_test(test_profile_counts_and_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
