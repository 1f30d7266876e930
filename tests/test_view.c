/*
 * test_view: the pure parts of the live view: sorting, filtering, the
 * column layout at 80 and 120 columns, function names kept whole when
 * the path is cut, display widths of wide characters and emoji, all
 * rendered into a memory screen.
 */
#include "config.h"

#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tui/screen.h"
#include "tui/view.h"

static const struct func_stat rows[] = {
    {"heavy", "app/work.py", 10, 0, 750, 750}, {"light", "app/work.py", 20, 0, 250, 250},
    {"main", "app/main.py", 1, 0, 0, 1000},    {"déjà_vu", "app/ünï.py", 5, 0, 0, 0},
    {"🔥_hot", "app/emoji.py", 7, 0, 0, 0},
};

static void fill(struct view *v)
{
    struct funcstats fs;
    fs.n = sizeof rows / sizeof rows[0];
    fs.v = malloc(sizeof rows);
    memcpy(fs.v, rows, sizeof rows);
    fs.samples = 1000;
    view_set_rows(v, &fs);
}

static const char *row_name(const struct view *v, size_t i)
{
    return v->fs.v[v->order[i]].name;
}

static void test_sort(void **state)
{
    (void)state;
    struct view v;
    view_init(&v, 100);
    fill(&v);
    assert_int_equal(v.norder, 5);
    assert_string_equal(row_name(&v, 0), "heavy"); /* %Own, descending */
    assert_string_equal(row_name(&v, 1), "light");
    view_key(&v, '2'); /* %Total */
    assert_string_equal(row_name(&v, 0), "main");
    view_key(&v, '2'); /* again: reversed */
    assert_string_equal(row_name(&v, 4), "main");
    view_key(&v, '5'); /* Function: by name */
    assert_string_equal(row_name(&v, 0), "déjà_vu");
    assert_string_equal(row_name(&v, 1), "heavy");
    view_key(&v, '<'); /* TotalTime */
    assert_int_equal(v.sort, VIEW_COL_TOTAL_TIME);
    assert_string_equal(row_name(&v, 0), "main");
    view_key(&v, '>');
    view_key(&v, '>'); /* wraps to %Own */
    assert_int_equal(v.sort, VIEW_COL_OWN_PCT);
    view_free(&v);
}

static void test_selection_follows(void **state)
{
    (void)state;
    struct view v;
    view_init(&v, 100);
    fill(&v);
    view_key(&v, SCREEN_KEY_DOWN); /* light */
    assert_string_equal(row_name(&v, v.selected), "light");
    view_key(&v, '5');
    assert_string_equal(row_name(&v, v.selected), "light");
    fill(&v); /* a refresh */
    assert_string_equal(row_name(&v, v.selected), "light");
    view_key(&v, SCREEN_KEY_END);
    assert_int_equal(v.selected, 4);
    view_key(&v, SCREEN_KEY_HOME);
    assert_int_equal(v.selected, 0);
    view_free(&v);
}

static void test_filter(void **state)
{
    (void)state;
    struct view v;
    view_init(&v, 100);
    fill(&v);
    view_key(&v, '/');
    assert_true(v.editing);
    view_key(&v, 'W');
    view_key(&v, 'o');
    assert_int_equal(v.norder, 2); /* file work.py, ignoring case */
    view_key(&v, SCREEN_KEY_ENTER);
    assert_false(v.editing);
    assert_string_equal(v.filter, "Wo");
    assert_int_equal(v.norder, 2);
    view_key(&v, SCREEN_KEY_ESC);
    assert_int_equal(v.norder, 5);
    /* module */
    struct func_stat f = {"x", "pkg/sub/mod.py", 1, 0, 0, 0};
    assert_true(view_matches(&f, "sub.mod"));
    assert_true(view_matches(&f, "X"));
    assert_false(view_matches(&f, "nope"));
    /* Esc while typing clears */
    view_key(&v, '/');
    view_key(&v, 'm');
    view_key(&v, 'a');
    assert_int_equal(v.norder, 1);
    view_key(&v, SCREEN_KEY_ESC);
    assert_int_equal(v.norder, 5);
    assert_false(v.editing);
    view_free(&v);
}

static void test_layout(void **state)
{
    (void)state;
    struct view_layout l;
    view_layout(80, &l);
    for (int c = 0; c < VIEW_NCOLS; c++)
        assert_true(l.w[c] > 0);
    assert_int_equal(l.x[VIEW_COL_FUNCTION] + l.w[VIEW_COL_FUNCTION], 80);
    assert_true(l.w[VIEW_COL_FUNCTION] >= 40);
    view_layout(120, &l);
    assert_int_equal(l.x[VIEW_COL_FUNCTION] + l.w[VIEW_COL_FUNCTION], 120);
    assert_true(l.w[VIEW_COL_TOTAL_TIME] >= (int)strlen("TotalTime"));
    for (int c = 0; c + 1 < VIEW_NCOLS; c++)
        assert_true(l.x[c] + l.w[c] < l.x[c + 1]);
    view_layout(50, &l);
    assert_int_equal(l.w[VIEW_COL_OWN_TIME], 0);
}

static void test_truncation(void **state)
{
    (void)state;
    char out[512];
    struct func_stat f = {
        "handle_request", "/srv/very/long/path/to/the/application/views.py", 123, 0, 0, 0};
    view_format_function(&f, 200, out, sizeof out);
    assert_string_equal(out,
                        "handle_request (/srv/very/long/path/to/the/application/views.py:123)");
    view_format_function(&f, 40, out, sizeof out);
    assert_int_equal(screen_width(out), 40);
    assert_memory_equal(out, "handle_request (\u2026", strlen("handle_request (\u2026"));
    assert_non_null(strstr(out, "views.py:123)"));
    view_format_function(&f, 16, out, sizeof out); /* no room for the path */
    assert_string_equal(out, "handle_request");
    view_format_function(&f, 8, out, sizeof out);
    assert_string_equal(out, "handle_\u2026");
}

static void test_width(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(screen_width("abc"), 3);
    assert_int_equal(screen_width("déjà"), 4);
    assert_int_equal(screen_width("🔥"), 2);
    assert_int_equal(screen_width("日本"), 4);
    assert_int_equal(screen_fit("a🔥b", 2, out, sizeof out), 1); /* the emoji does not fit */
    assert_string_equal(out, "a");
    assert_int_equal(screen_fit("a🔥b", 3, out, sizeof out), 3);
    assert_string_equal(out, "a🔥");
    assert_int_equal(screen_fit_tail("a🔥bc", 3, out, sizeof out), 2);
    assert_string_equal(out, "bc");
    assert_int_equal(screen_fit_tail("a🔥bc", 4, out, sizeof out), 4);
    assert_string_equal(out, "🔥bc");
}

/* Rows with emoji and accents align with the others on screen. */
static void test_render(void **state)
{
    (void)state;
    int widths[] = {80, 120};
    for (int k = 0; k < 2; k++) {
        struct screen *s = screen_open_memory(24, widths[k]);
        struct view v;
        view_init(&v, 100);
        fill(&v);
        view_key(&v, '5');
        view_draw(&v, s);
        char line[1024];
        struct view_layout l;
        view_layout(widths[k], &l);
        for (int r = 5; r < 11; r++) {
            screen_row_text(s, r, line, sizeof line);
            assert_int_equal(screen_width(line), widths[k]);
        }
        screen_row_text(s, 6, line, sizeof line); /* déjà_vu, first by name */
        assert_non_null(strstr(line, "déjà_vu (app/ünï.py:5)"));
        screen_row_text(s, 5, line, sizeof line);
        assert_non_null(strstr(line, "%Own"));
        assert_non_null(strstr(line, "TotalTime"));
        /* the selection stayed on heavy (first by %Own) after the sort */
        assert_int_equal(screen_cell_attr(s, 7, 0), SA_SELECTED);
        assert_int_equal(screen_cell_attr(s, 6, 0), SA_NORMAL);
        /* the function column starts at the same cell on every row */
        for (int r = 6; r < 11; r++) {
            screen_row_text(s, r, line, sizeof line);
            char head[1024];
            screen_fit(line, l.x[VIEW_COL_FUNCTION], head, sizeof head);
            assert_int_equal(screen_width(head), l.x[VIEW_COL_FUNCTION]);
            const char *fn = line + strlen(head);
            assert_true(fn[0] != ' ');
        }
        /* the footer and the time columns */
        screen_row_text(s, 23, line, sizeof line);
        assert_non_null(strstr(line, "Quit"));
        screen_row_text(s, 7, line, sizeof line); /* heavy */
        assert_non_null(strstr(line, "7.50s"));
        assert_non_null(strstr(line, "75.0"));
        view_free(&v);
        screen_close(s);
    }
}

int main(void)
{
    setlocale(LC_ALL, "C.UTF-8");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sort),       cmocka_unit_test(test_selection_follows),
        cmocka_unit_test(test_filter),     cmocka_unit_test(test_layout),
        cmocka_unit_test(test_truncation), cmocka_unit_test(test_width),
        cmocka_unit_test(test_render),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
