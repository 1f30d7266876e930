/*
 * tests/unit/test_svg: input/svg, a flamegraph SVG that pytop wrote
 * (output/flamegraph) read back whole: its stacks, counts and metadata,
 * and refused when its data is cut short or damaged.
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

#include "calltree.h"
#include "input/load.h"
#include "input/svg.h"
#include "output/collapsed.h"
#include "output/flamegraph.h"

static int line_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The folded text of a tree, its lines sorted: the same stacks and
 * counts give the same text, whatever order they were added in. */
static char *folded_of(const struct calltree *t)
{
    char *text = NULL, *lines[64], *out = calloc(1, 65536);
    size_t len = 0, n = 0;
    FILE *f = open_memstream(&text, &len);
    struct pt_error err;
    assert_int_equal(collapsed_write(f, t, &err), 0);
    fclose(f);
    for (char *p = strtok(text, "\n"); p && n < 64; p = strtok(NULL, "\n"))
        lines[n++] = p;
    qsort(lines, n, sizeof *lines, line_cmp);
    for (size_t i = 0; i < n; i++) {
        strcat(out, lines[i]);
        strcat(out, "\n");
    }
    free(text);
    return out;
}

static void test_flamegraph_carries_its_whole_profile(void **state)
{
    (void)state;
    struct loaded_profile in;
    /* A stack far too small to draw, a name with XML's characters, and a
     * process, a thread and a native frame. */
    load_ok("process 42 (python3 <app> & \"more\");thread 43 (MainThread);main (app.py:1);"
            "work (app.py:5) 100000\n"
            "process 42 (python3 <app> & \"more\");thread 43 (MainThread);main (app.py:1);"
            "tiny (app.py:9) 1\n"
            "process 42 (python3 <app> & \"more\");thread 43 (MainThread);main (app.py:1);"
            "deflate (libz.so.1) 7\n",
            &in);
    struct profile_meta m = {.duration = 12.5, .rate = 250};
    snprintf(m.target, sizeof m.target, "PID 42 (python3 <app> & \"more\")");
    snprintf(m.python, sizeof m.python, "Python 3.12.1");
    char *svg = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&svg, &len);
    struct pt_error err;
    assert_int_equal(flamegraph_write(f, &in.tree, &m, &err), 0);
    fclose(f);
    assert_true(svg_has_profile(svg, len));

    struct loaded_profile back;
    if (profile_load_bytes("p.svg", svg, len, &back, &err) != 0)
        fail_msg("%s", err.msg);
    assert_string_equal(back.format, "pytop flamegraph (SVG)");
    assert_string_equal(back.meta.target, m.target);
    assert_string_equal(back.meta.python, "Python 3.12.1");
    assert_true(back.meta.duration == 12.5 && back.meta.rate == 250);
    char *a = folded_of(&in.tree), *b = folded_of(&back.tree);
    assert_string_equal(a, b);
    free(a);
    free(b);
    loaded_profile_free(&back);

    /* Cut before its data ends, or its data damaged: refused, not half
     * read. */
    char *data = strstr(svg, "data-size=");
    assert_non_null(data);
    data = strchr(data, '>') + 40;
    char keep = *data;
    *data = *data == 'A' ? 'B' : 'A';
    assert_int_equal(profile_load_bytes("p.svg", svg, len, &back, &err), -1);
    assert_non_null(strstr(err.msg, "damaged"));
    loaded_profile_free(&back);
    *data = keep;
    char *cut = strstr(svg, "</metadata>");
    assert_non_null(cut);
    assert_int_equal(profile_load_bytes("p.svg", svg, (size_t)(cut - svg), &back, &err), -1);
    assert_non_null(strstr(err.msg, "cut short"));
    loaded_profile_free(&back);
    free(svg);
    loaded_profile_free(&in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flamegraph_carries_its_whole_profile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
