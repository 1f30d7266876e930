/*
 * tests/unit/test_difftree: the differential flamegraph's tree (report/difftree)
 * and its drawing (output/flamegraph's diff form) on two small profiles
 * whose widths, shares and colours are worked out by hand.
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

#include "output/flamegraph.h"
#include "report/difftree.h"
#include "treebuild.h"

/* before: heavy 75, light 25, gone;inner 10 (110 samples)
 * after:  heavy 60, light 40, new 5 (105 samples) */
static void profiles(struct calltree *b, struct calltree *a)
{
    assert_int_equal(calltree_init(b), 0);
    assert_int_equal(calltree_init(a), 0);
    uint32_t bm = py(b, "main", "a.py", 1);
    add(b, 75, 2, bm, py(b, "heavy", "a.py", 5));
    add(b, 25, 2, bm, py(b, "light", "a.py", 9));
    add(b, 10, 3, bm, py(b, "gone", "a.py", 20), py(b, "inner", "a.py", 22));
    uint32_t am = py(a, "main", "a.py", 1);
    add(a, 5, 2, am, py(a, "new", "a.py", 30)); /* another insertion order */
    add(a, 40, 2, am, py(a, "light", "a.py", 9));
    add(a, 60, 2, am, py(a, "heavy", "a.py", 5));
}

/* The node at the path of names given in t, or CT_NONE. */
static uint32_t node_at(const struct calltree *t, int n, ...)
{
    va_list ap;
    uint32_t node = 0;
    va_start(ap, n);
    for (int i = 0; i < n && node != CT_NONE; i++) {
        const char *name = va_arg(ap, const char *);
        uint32_t found = CT_NONE;
        for (uint32_t c = t->nodes[node].child; c != CT_NONE; c = t->nodes[c].sibling)
            if (strcmp(t->frames[t->nodes[c].frame].name, name) == 0)
                found = c;
        node = found;
    }
    va_end(ap);
    return node;
}

static void test_widths_add_up_and_keep_what_disappeared(void **state)
{
    (void)state;
    struct calltree b, a;
    profiles(&b, &a);
    struct difftree d;
    assert_int_equal(difftree_build(&d, &b, &a), 0);

    uint32_t heavy = node_at(&a, 2, "main", "heavy"), light = node_at(&a, 2, "main", "light");
    uint32_t fresh = node_at(&a, 2, "main", "new"), main_ = node_at(&a, 1, "main");
    uint32_t gone = node_at(&b, 2, "main", "gone"), inner = node_at(&b, 3, "main", "gone", "inner");
    assert_true(heavy != CT_NONE && light != CT_NONE && gone != CT_NONE && inner != CT_NONE &&
                fresh != CT_NONE && main_ != CT_NONE);
    /* Twins by path, whatever the order the frames and stacks came in. */
    assert_int_equal(d.twin[heavy], node_at(&b, 2, "main", "heavy"));
    assert_int_equal(d.twin[light], node_at(&b, 2, "main", "light"));
    assert_int_equal(d.twin[main_], node_at(&b, 1, "main"));
    assert_int_equal(d.twin[0], 0);
    assert_int_equal(d.twin[fresh], CT_NONE);
    assert_true(d.gone[gone] && d.gone[inner]);
    assert_false(d.gone[node_at(&b, 2, "main", "heavy")] || d.gone[0]);

    /* One AFTER sample is 110 / gcd 5 = 22 units, one BEFORE sample 21:
     * both are then parts of 105 * 110 / 5. */
    assert_int_equal(d.before_unit, 21);
    assert_int_equal(d.weight[heavy], 60 * 22);
    assert_int_equal(d.weight[fresh], 5 * 22);
    /* main holds its AFTER samples and the gone path at its share of
     * BEFORE (10 of 110), scaled to AFTER: 10 * 21 units. */
    assert_int_equal(d.weight[main_], (60 + 40 + 5) * 22 + 10 * 21);
    assert_int_equal(d.weight[0], d.weight[main_]);
    /* Every AFTER node is its own samples plus its children, AFTER's and
     * gone ones. */
    for (uint32_t n = 0; n < a.nnodes; n++) {
        uint64_t kids = a.nodes[n].self * 22;
        for (uint32_t c = a.nodes[n].child; c != CT_NONE; c = a.nodes[c].sibling)
            kids += d.weight[c];
        if (d.twin[n] != CT_NONE)
            for (uint32_t c = b.nodes[d.twin[n]].child; c != CT_NONE; c = b.nodes[c].sibling)
                if (d.gone[c])
                    kids += b.nodes[c].total * d.before_unit;
        assert_int_equal(kids, d.weight[n]);
    }
    difftree_free(&d);
    calltree_free(&a);
    calltree_free(&b);
}

static void test_huge_counts_stay_in_range(void **state)
{
    (void)state;
    struct calltree b, a;
    assert_int_equal(calltree_init(&b), 0);
    assert_int_equal(calltree_init(&a), 0);
    uint64_t big = UINT64_C(1) << 41;
    add(&b, 3 * big, 1, py(&b, "heavy", "a.py", 5));
    add(&b, big + 1, 1, py(&b, "light", "a.py", 9));
    add(&b, big, 1, py(&b, "gone", "a.py", 20));
    add(&a, big - 1, 1, py(&a, "heavy", "a.py", 5));
    add(&a, big + 7, 1, py(&a, "light", "a.py", 9));
    struct difftree d;
    assert_int_equal(difftree_build(&d, &b, &a), 0);
    uint32_t heavy = node_at(&a, 1, "heavy"), light = node_at(&a, 1, "light");
    uint64_t gone = b.nodes[node_at(&b, 1, "gone")].total * d.before_unit;
    /* Scaled down to stay far from overflow, with the same shares. */
    assert_true(d.weight[0] <= UINT64_C(1) << 62);
    assert_int_equal(d.weight[0], d.weight[heavy] + d.weight[light] + gone);
    /* gone: a fifth of BEFORE, drawn as a fifth of AFTER's width. */
    double share = (double)gone / (double)(d.weight[heavy] + d.weight[light]);
    assert_true(share > 0.1999 && share < 0.2001);
    difftree_free(&d);
    calltree_free(&a);
    calltree_free(&b);
}

/* The SVG of the diff of the two profiles. */
static char *diff_svg(void)
{
    struct calltree b, a;
    profiles(&b, &a);
    struct difftree d;
    assert_int_equal(difftree_build(&d, &b, &a), 0);
    struct fg_diff fd = {&b, d.twin, d.gone, d.weight, d.before_unit, "b.txt", "a<&>.txt"};
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    struct pt_error err;
    assert_int_equal(flamegraph_write_diff(out, &a, &fd, NULL, &err), 0);
    assert_int_equal(fclose(out), 0);
    difftree_free(&d);
    calltree_free(&a);
    calltree_free(&b);
    return text;
}

/* The class and fill of the frame named name in svg. */
static void frame_look(const char *svg, const char *name, char *cls, size_t size, int rgb[3])
{
    char key[128];
    snprintf(key, sizeof key, "data-name=\"%s\"", name);
    const char *at = strstr(svg, key);
    assert_non_null(at);
    const char *g = at;
    while (g > svg && strncmp(g, "<g id=", 6) != 0)
        g--;
    const char *c = strstr(g, "class=\"");
    assert_true(c != NULL && c < at);
    c += 7;
    snprintf(cls, size, "%.*s", (int)strcspn(c, "\""), c);
    const char *fill = strstr(at, "fill=\"#");
    assert_non_null(fill);
    assert_int_equal(sscanf(fill + 7, "%2x%2x%2x", (unsigned *)&rgb[0], (unsigned *)&rgb[1],
                            (unsigned *)&rgb[2]),
                     3);
}

static void test_colours_say_what_grew_and_shrank(void **state)
{
    (void)state;
    char *svg = diff_svg();
    char cls[64];
    int rgb[3];
    /* heavy: 68.2% -> 57.1%: blue. light: 22.7% -> 38.1%: red, and the
     * deepest red of the drawing (the largest change, 15.4 points). */
    frame_look(svg, "heavy", cls, sizeof cls, rgb);
    assert_string_equal(cls, "f");
    assert_true(rgb[2] > rgb[0] + 40);
    frame_look(svg, "light", cls, sizeof cls, rgb);
    assert_true(rgb[0] > rgb[2] + 100);
    assert_non_null(strstr(svg, "full at 15.4 points"));
    /* gone and what it called: only before, dashed (class g) and blue. */
    frame_look(svg, "gone", cls, sizeof cls, rgb);
    assert_string_equal(cls, "f g");
    assert_true(rgb[2] > rgb[0]);
    frame_look(svg, "inner", cls, sizeof cls, rgb);
    assert_string_equal(cls, "f g");
    /* main: 100% before and after: nearly white. */
    frame_look(svg, "main", cls, sizeof cls, rgb);
    assert_true(rgb[0] > 235 && rgb[1] > 235 && rgb[2] > 235);
    /* What the script and the tooltips need. */
    assert_non_null(strstr(svg, "data-diff=\"1\" data-after-all=\"105\" data-before-all=\"110\""));
    assert_non_null(strstr(svg, "data-name=\"heavy\" data-file=\"a.py\" data-line=\"5\" "
                                "data-samples=\"1320\" data-self=\"60\" data-after=\"60\" "
                                "data-before=\"75\""));
    assert_non_null(strstr(svg, "before 68.18% \xe2\x86\x92 after 57.14% (-11.04 points)"));
    assert_non_null(
        strstr(svg, "before 9.09% \xe2\x86\x92 after 0.00% (-9.09 points), only before"));
    assert_non_null(strstr(svg, ", new</title>"));
    /* A diff carries no profile of its own. */
    assert_null(strstr(svg, "pytop-profile"));
    assert_non_null(strstr(svg, "pytop diff \xe2\x80\x94 b.txt \xe2\x86\x92 a&lt;&amp;&gt;.txt"));
    assert_non_null(strstr(svg, "all (105 samples after, 110 before)"));
    free(svg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_widths_add_up_and_keep_what_disappeared),
        cmocka_unit_test(test_huge_counts_stay_in_range),
        cmocka_unit_test(test_colours_say_what_grew_and_shrank),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
