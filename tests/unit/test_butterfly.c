/*
 * Tests of butterfly (callers and callees of one function), of the
 * regrouping of a tree by the table's rows, and of funcstats' frame ->
 * row map they stand on.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "butterfly.h"
#include "calltree.h"
#include "funcstats.h"

static uint32_t fr(struct calltree *t, const char *name, int line)
{
    uint32_t id;
    assert_int_equal(calltree_frame(t, CT_PYTHON, name, "app.py", line, &id), 0);
    return id;
}

static uint32_t row_of(const struct funcstats *fs, const char *name)
{
    for (size_t i = 0; i < fs->n; i++)
        if (strcmp(fs->v[i].name, name) == 0)
            return (uint32_t)i;
    fail_msg("no row %s", name);
    return CT_NONE;
}

/* The child of node under whose frame is named name, or CT_NONE. */
static uint32_t child_named(const struct calltree *t, uint32_t node, const char *name)
{
    for (uint32_t c = t->nodes[node].child; c != CT_NONE; c = t->nodes[c].sibling)
        if (strcmp(t->frames[t->nodes[c].frame].name, name) == 0)
            return c;
    return CT_NONE;
}

static int count_children(const struct calltree *t, uint32_t node)
{
    int n = 0;
    for (uint32_t c = t->nodes[node].child; c != CT_NONE; c = t->nodes[c].sibling)
        n++;
    return n;
}

/* <module> -> main -> via_a -> shared -> crunch (and shared's own time),
 * main -> via_b -> shared: via_a three times via_b. shared is on two
 * lines (its loop and its call), which by function are one row. */
static void build_graph(struct calltree *t)
{
    assert_int_equal(calltree_init(t), 0);
    uint32_t mod = fr(t, "<module>", 1), m = fr(t, "main", 40), a = fr(t, "via_a", 30),
             b = fr(t, "via_b", 34), s1 = fr(t, "shared", 20), s2 = fr(t, "shared", 22),
             c = fr(t, "crunch", 12);
    uint32_t own_a[] = {mod, m, a, s1}, call_a[] = {mod, m, a, s2, c};
    uint32_t own_b[] = {mod, m, b, s1}, call_b[] = {mod, m, b, s2, c};
    uint32_t main_only[] = {mod, m};
    calltree_add(t, own_a, 4, 30);
    calltree_add(t, call_a, 5, 60);
    calltree_add(t, own_b, 4, 10);
    calltree_add(t, call_b, 5, 20);
    calltree_add(t, main_only, 2, 5);
}

static void test_callers_and_callees_shares(void **state)
{
    (void)state;
    struct calltree t;
    build_graph(&t);
    struct funcstats fs;
    assert_int_equal(funcstats_compute(&t, 0, 0, &fs), 0);
    struct butterfly b;
    assert_int_equal(butterfly_compute(&t, &fs, row_of(&fs, "shared"), &b), 0);
    /* Up: shared's 120 samples, 90 through via_a and 30 through via_b,
     * each of them called from main, called from <module>. */
    assert_int_equal(b.up.nodes[0].total, 120);
    assert_int_equal(count_children(&b.up, 0), 2);
    uint32_t va = child_named(&b.up, 0, "via_a"), vb = child_named(&b.up, 0, "via_b");
    assert_int_not_equal(va, CT_NONE);
    assert_int_not_equal(vb, CT_NONE);
    assert_int_equal(b.up.nodes[va].total, 90);
    assert_int_equal(b.up.nodes[vb].total, 30);
    uint32_t ma = child_named(&b.up, va, "main");
    assert_int_not_equal(ma, CT_NONE);
    assert_int_equal(b.up.nodes[ma].total, 90);
    uint32_t mod = child_named(&b.up, ma, "<module>");
    assert_int_not_equal(mod, CT_NONE);
    assert_int_equal(b.up.nodes[mod].self, 90); /* the outermost frame: the chain ends */
    /* Down: shared's own 40, crunch's 80; the two lines of shared one. */
    assert_int_equal(b.down.nodes[0].total, 120);
    assert_int_equal(b.down.nodes[0].self, 40);
    assert_int_equal(count_children(&b.down, 0), 1);
    uint32_t cr = child_named(&b.down, 0, "crunch");
    assert_int_equal(b.down.nodes[cr].total, 80);
    butterfly_free(&b);

    /* The outermost function: no callers, its total its root's self. */
    assert_int_equal(butterfly_compute(&t, &fs, row_of(&fs, "<module>"), &b), 0);
    assert_int_equal(b.up.nodes[0].total, 125);
    assert_int_equal(b.up.nodes[0].self, 125);
    assert_int_equal(count_children(&b.up, 0), 0);
    butterfly_free(&b);
    /* main: called from <module> for all of its 125. */
    assert_int_equal(butterfly_compute(&t, &fs, row_of(&fs, "main"), &b), 0);
    uint32_t up = child_named(&b.up, 0, "<module>");
    assert_int_not_equal(up, CT_NONE);
    assert_int_equal(b.up.nodes[up].total, 125);
    assert_int_equal(b.down.nodes[0].self, 5);
    butterfly_free(&b);
    funcstats_free(&fs);
    calltree_free(&t);
}

static void test_by_line_keeps_lines_apart(void **state)
{
    (void)state;
    struct calltree t;
    build_graph(&t);
    struct funcstats fs;
    assert_int_equal(funcstats_compute(&t, 1, 0, &fs), 0);
    /* By line, shared:22 alone: the 80 samples that call crunch. */
    uint32_t row = CT_NONE;
    for (size_t i = 0; i < fs.n; i++)
        if (strcmp(fs.v[i].name, "shared") == 0 && fs.v[i].line == 22)
            row = (uint32_t)i;
    assert_int_not_equal(row, CT_NONE);
    struct butterfly b;
    assert_int_equal(butterfly_compute(&t, &fs, row, &b), 0);
    assert_int_equal(b.down.nodes[0].total, 80);
    assert_int_equal(b.down.nodes[0].self, 0);
    assert_int_equal(b.up.nodes[child_named(&b.up, 0, "via_a")].total, 60);
    butterfly_free(&b);
    funcstats_free(&fs);
    calltree_free(&t);
}

static void test_recursion_counted_once(void **state)
{
    (void)state;
    struct calltree t;
    assert_int_equal(calltree_init(&t), 0);
    uint32_t m = fr(&t, "main", 1), r = fr(&t, "walk", 5), l = fr(&t, "leaf", 9);
    uint32_t deep[] = {m, r, r, r, l}, shallow[] = {m, r};
    calltree_add(&t, deep, 5, 7);
    calltree_add(&t, shallow, 2, 3);
    struct funcstats fs;
    assert_int_equal(funcstats_compute(&t, 0, 0, &fs), 0);
    struct butterfly b;
    assert_int_equal(butterfly_compute(&t, &fs, row_of(&fs, "walk"), &b), 0);
    /* Counted where it is outermost: 10, as the table's %Total. */
    assert_int_equal(b.up.nodes[0].total, 10);
    assert_int_equal(b.up.nodes[child_named(&b.up, 0, "main")].total, 10);
    assert_int_equal(b.down.nodes[0].total, 10);
    assert_int_equal(b.down.nodes[0].self, 3);
    uint32_t inner = child_named(&b.down, 0, "walk");
    assert_int_equal(b.down.nodes[inner].total, 7);
    assert_int_equal(fs.v[row_of(&fs, "walk")].total, 10);
    butterfly_free(&b);
    funcstats_free(&fs);
    calltree_free(&t);
}

static void test_regroup_merges_a_functions_lines(void **state)
{
    (void)state;
    struct calltree t;
    build_graph(&t);
    struct funcstats fs;
    assert_int_equal(funcstats_compute(&t, 0, 0, &fs), 0);
    uint32_t as[16];
    assert_true(t.nframes <= 16);
    for (uint32_t f = 0; f < t.nframes; f++)
        as[f] = funcstats_frame(&fs, f);
    struct ct_regroup r = {0};
    assert_int_equal(calltree_regroup(&r, &t, as), 0);
    struct calltree *g = &r.t;
    uint32_t mod = child_named(g, 0, "<module>"), m = child_named(g, mod, "main");
    uint32_t a = child_named(g, m, "via_a"), s = child_named(g, a, "shared");
    assert_int_not_equal(s, CT_NONE);
    assert_int_equal(count_children(g, a), 1); /* shared:20 and shared:22 as one */
    assert_int_equal(g->nodes[s].total, 90);
    assert_int_equal(g->nodes[s].self, 30);
    assert_int_equal(g->nodes[0].total, 125);
    /* The same tree grown (a stack on an old path, one on a new path):
     * counts and the new node merged in, old nodes where they were. */
    uint32_t top = t.nodes[child_named(&t, 0, "<module>")].frame;
    uint32_t more[] = {top}, deeper[] = {top, fr(&t, "extra", 60)};
    calltree_add(&t, more, 1, 7);
    calltree_add(&t, deeper, 2, 4);
    assert_true(t.nframes <= 16);
    struct funcstats fs2;
    assert_int_equal(funcstats_compute(&t, 0, 0, &fs2), 0);
    for (uint32_t f = 0; f < t.nframes; f++)
        as[f] = funcstats_frame(&fs2, f);
    assert_int_equal(calltree_regroup(&r, &t, as), 0);
    g = &r.t;
    assert_int_equal(g->nodes[0].total, 136);
    assert_int_equal(child_named(g, 0, "<module>"), mod);
    assert_int_equal(g->nodes[mod].self, 7);
    assert_int_equal(g->nodes[child_named(g, mod, "extra")].total, 4);
    assert_int_equal(g->nodes[s].total, 90);
    /* Another tree altogether (its frames are not the last one's): merged
     * whole, right. */
    struct calltree other;
    assert_int_equal(calltree_init(&other), 0);
    uint32_t x = fr(&other, "x", 1), y = fr(&other, "y", 2), xs[] = {x, y};
    calltree_add(&other, xs, 2, 3);
    uint32_t ident[2] = {x, y};
    assert_int_equal(calltree_regroup(&r, &other, ident), 0);
    assert_int_equal(r.t.nodes[0].total, 3);
    assert_int_equal(r.t.nodes[child_named(&r.t, child_named(&r.t, 0, "x"), "y")].self, 3);
    calltree_regroup_free(&r);
    funcstats_free(&fs2);
    calltree_free(&other);
    funcstats_free(&fs);
    calltree_free(&t);
}

static void test_row_of_skips_unsampled_rows(void **state)
{
    (void)state;
    struct calltree t;
    assert_int_equal(calltree_init(&t), 0);
    uint32_t never = fr(&t, "never", 1), m = fr(&t, "main", 2);
    uint32_t s[] = {m};
    calltree_add(&t, s, 1, 4);
    struct funcstats fs;
    assert_int_equal(funcstats_compute(&t, 0, 0, &fs), 0);
    assert_int_equal(fs.n, 1);
    assert_int_equal(fs.row_of[never], CT_NONE);
    assert_int_equal(fs.row_of[m], 0);
    assert_int_equal(funcstats_frame(&fs, m), m);
    assert_int_equal(funcstats_frame(&fs, never), CT_NONE);
    funcstats_free(&fs);
    calltree_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_callers_and_callees_shares),
        cmocka_unit_test(test_by_line_keeps_lines_apart),
        cmocka_unit_test(test_recursion_counted_once),
        cmocka_unit_test(test_regroup_merges_a_functions_lines),
        cmocka_unit_test(test_row_of_skips_unsampled_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
