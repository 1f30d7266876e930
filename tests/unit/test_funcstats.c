/*
 * Tests of funcstats: self and total per function and per line, recursion
 * counted once, process rows only when asked.
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_funcstats_recursion_counted_once),
        cmocka_unit_test(test_funcstats_function_rows_show_the_first_line),
        cmocka_unit_test(test_funcstats_roots_only_when_asked),
        cmocka_unit_test(test_deep_stack_walks_without_recursion),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
