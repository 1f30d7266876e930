/*
 * test_view: the pure parts of the live view: sorting (the partial sort
 * of the rows on screen against a full one), filtering as you type, the
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
#include <stdio.h>
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

/* Every keystroke of a filter filters the rows on screen, Backspace
 * too; Enter keeps the filter, Esc clears it. */
static int shown(const struct screen *s, const char *name)
{
    char line[1024];
    for (int r = 6; r < 22; r++) {
        screen_row_text(s, r, line, sizeof line);
        if (strstr(line, name))
            return 1;
    }
    return 0;
}

static int shown_rows(const struct screen *s)
{
    char line[1024];
    int n = 0;
    for (int r = 6; r < 22; r++) {
        screen_row_text(s, r, line, sizeof line);
        n += strstr(line, ".py") != NULL;
    }
    return n;
}

static void test_filter_as_you_type(void **state)
{
    (void)state;
    struct screen *s = screen_open_memory(24, 120);
    struct view v;
    view_init(&v, 100);
    fill(&v);
    view_draw(&v, s);
    assert_int_equal(shown_rows(s), 5);
    char line[1024];
    view_key(&v, '/');
    view_draw(&v, s);
    screen_row_text(s, 3, line, sizeof line);
    assert_non_null(strstr(line, "filter: _"));
    assert_int_equal(shown_rows(s), 5);
    view_key(&v, 'm'); /* main, and 🔥_hot of app/emoji.py */
    view_draw(&v, s);
    assert_int_equal(shown_rows(s), 2);
    assert_true(shown(s, "main (app/main.py:1)"));
    assert_true(shown(s, "🔥_hot"));
    assert_false(shown(s, "heavy"));
    view_key(&v, 'a'); /* "ma": main only */
    view_draw(&v, s);
    assert_int_equal(shown_rows(s), 1);
    assert_true(shown(s, "main"));
    screen_row_text(s, 3, line, sizeof line);
    assert_non_null(strstr(line, "filter: ma_"));
    view_key(&v, SCREEN_KEY_BACKSPACE); /* back to "m" */
    view_draw(&v, s);
    assert_int_equal(shown_rows(s), 2);
    view_key(&v, SCREEN_KEY_BACKSPACE); /* empty: every row */
    view_draw(&v, s);
    assert_int_equal(shown_rows(s), 5);
    view_key(&v, 'M'); /* ignoring case */
    view_draw(&v, s);
    assert_int_equal(shown_rows(s), 2);
    view_key(&v, SCREEN_KEY_ENTER); /* kept, no longer editing */
    assert_false(v.editing);
    fill(&v); /* a refresh keeps it */
    view_draw(&v, s);
    assert_int_equal(shown_rows(s), 2);
    screen_row_text(s, 3, line, sizeof line);
    assert_non_null(strstr(line, "filter: M"));
    assert_null(strstr(line, "filter: M_"));
    view_key(&v, '/');
    view_key(&v, 'h');
    view_draw(&v, s);
    assert_true(shown(s, "heavy"));
    assert_int_equal(shown_rows(s), 3); /* heavy, light, 🔥_hot */
    view_key(&v, SCREEN_KEY_ESC);       /* cleared */
    view_draw(&v, s);
    assert_false(v.editing);
    assert_string_equal(v.filter, "");
    assert_int_equal(shown_rows(s), 5);
    view_free(&v);
    screen_close(s);
}

/* The order of every two rows, as a full sort does it: the column
 * (more first), then the other count, the name, the file, the line. */
static enum view_col ref_sort;
static int ref_reverse;

static int ref_cmp(const void *a, const void *b)
{
    const struct func_stat *x = a, *y = b;
    uint64_t x1 = x->self, y1 = y->self, x2 = x->total, y2 = y->total;
    if (ref_sort == VIEW_COL_TOTAL_PCT || ref_sort == VIEW_COL_TOTAL_TIME) {
        x1 = x->total, y1 = y->total, x2 = x->self, y2 = y->self;
    }
    int c = 0;
    if (ref_sort != VIEW_COL_FUNCTION) {
        c = x1 < y1 ? 1 : x1 > y1 ? -1 : 0;
        if (c == 0)
            c = x2 < y2 ? 1 : x2 > y2 ? -1 : 0;
    }
    if (c == 0)
        c = strcmp(x->name, y->name);
    if (c == 0)
        c = strcmp(x->file, y->file);
    if (c == 0)
        c = x->line - y->line;
    return ref_reverse ? -c : c;
}

enum { MANY = 3000 };
static char many_names[MANY][48], many_files[MANY][32];

/* MANY rows with many ties: few distinct counts, names that share long
 * prefixes, one function on several lines (a row per name, file and
 * line, as funcstats gives them). seed: the order the rows come in. */
static void fill_many(struct view *v, unsigned seed)
{
    struct funcstats fs;
    fs.n = MANY;
    fs.v = malloc(MANY * sizeof *fs.v);
    fs.samples = 1000;
    for (size_t i = 0; i < MANY; i++) {
        size_t k = (i * 7919 + seed) % MANY;
        snprintf(many_names[k], sizeof many_names[k], k % 3 ? "f%zu" : "handle_request_%zu_x",
                 k % 700);
        snprintf(many_files[k], sizeof many_files[k], "app/m%zu.py", k % 5);
        int line = (int)(k / 700);
        fs.v[i] = (struct func_stat){many_names[k], many_files[k], line, 0, k % 6, k % 6 + k % 3};
    }
    view_set_rows(v, &fs);
}

static int same_row(const struct func_stat *a, const struct func_stat *b)
{
    return strcmp(a->name, b->name) == 0 && strcmp(a->file, b->file) == 0 && a->line == b->line &&
           a->self == b->self && a->total == b->total;
}

/* The rows on screen and the selected one are those of a full sort. */
static void check_screen(struct view *v, struct screen *s)
{
    view_draw(v, s);
    struct func_stat *ref = malloc(v->norder * sizeof *ref);
    size_t n = 0;
    for (size_t i = 0; i < v->fs.n; i++)
        if (view_matches(&v->fs.v[i], v->filter))
            ref[n++] = v->fs.v[i];
    assert_int_equal(n, v->norder);
    ref_sort = v->sort;
    ref_reverse = v->reverse;
    qsort(ref, n, sizeof *ref, ref_cmp);
    assert_true(v->sorted_lo <= v->top);
    for (size_t i = v->top; i < v->top + (size_t)v->page && i < n; i++) {
        assert_true(i < v->sorted_hi);
        assert_true(same_row(&v->fs.v[v->order[i]], &ref[i]));
    }
    /* order: every row once, sorted in [sorted_lo, sorted_hi), the rows
     * ranked above before it, those below after it */
    char *seen = calloc(n + 1, 1);
    for (size_t i = 0; i < n; i++) {
        const struct func_stat *f = &v->fs.v[v->order[i]];
        const struct func_stat *at = bsearch(f, ref, n, sizeof *ref, ref_cmp);
        assert_non_null(at);
        size_t rank = (size_t)(at - ref);
        assert_false(seen[rank]);
        seen[rank] = 1;
        if (i < v->sorted_lo)
            assert_true(rank < v->sorted_lo);
        else if (i < v->sorted_hi)
            assert_int_equal(rank, i);
        else
            assert_true(rank >= v->sorted_hi);
    }
    free(seen);
    assert_true(v->selected < n);
    assert_true(same_row(&v->fs.v[v->order[v->selected]], &ref[v->selected]));
    /* the screen shows them */
    char line[1024], want[1024];
    struct view_layout l;
    view_layout(120, &l);
    view_format_function(&ref[v->top], l.w[VIEW_COL_FUNCTION], want, sizeof want);
    screen_row_text(s, 6, line, sizeof line);
    assert_non_null(strstr(line, want));
    free(ref);
}

static void test_partial_sort_matches_full_sort(void **state)
{
    (void)state;
    const int moves[] = {
        SCREEN_KEY_NPAGE, SCREEN_KEY_NPAGE, SCREEN_KEY_DOWN, SCREEN_KEY_NPAGE,
        SCREEN_KEY_UP,    SCREEN_KEY_END,   SCREEN_KEY_UP,   SCREEN_KEY_PPAGE,
        SCREEN_KEY_PPAGE, SCREEN_KEY_PPAGE, SCREEN_KEY_HOME, SCREEN_KEY_DOWN,
    };
    struct screen *s = screen_open_memory(40, 120);
    struct view v;
    view_init(&v, 100);
    fill_many(&v, 1);
    check_screen(&v, s);
    assert_true(v.sorted_hi - v.sorted_lo < MANY); /* not everything was sorted */
    view_key(&v, '5');
    for (int col = 0; col < VIEW_NCOLS; col++) {
        for (int rev = 0; rev < 2; rev++) {
            view_key(&v, '1' + col); /* once: the column; again: reversed */
            assert_int_equal(v.sort, col);
            assert_int_equal(v.reverse, rev);
            check_screen(&v, s);
            for (size_t m = 0; m < sizeof moves / sizeof moves[0]; m++) {
                view_key(&v, moves[m]);
                check_screen(&v, s);
            }
            for (int k = 0; k < 5; k++) /* far down, then a refresh */
                view_key(&v, SCREEN_KEY_NPAGE);
            check_screen(&v, s);
            char name[48];
            snprintf(name, sizeof name, "%s", v.fs.v[v.order[v.selected]].name);
            fill_many(&v, 2 + (unsigned)col);
            check_screen(&v, s);
            assert_string_equal(v.fs.v[v.order[v.selected]].name, name);
        }
    }
    /* filtered, far down */
    view_key(&v, '/');
    view_key(&v, '_');
    view_key(&v, '1');
    view_key(&v, SCREEN_KEY_ENTER);
    check_screen(&v, s);
    view_key(&v, SCREEN_KEY_END);
    check_screen(&v, s);
    fill_many(&v, 9);
    check_screen(&v, s);
    view_free(&v);
    screen_close(s);
}

int main(void)
{
    setlocale(LC_ALL, "C.UTF-8");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sort),
        cmocka_unit_test(test_selection_follows),
        cmocka_unit_test(test_filter),
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_width),
        cmocka_unit_test(test_render),
        cmocka_unit_test(test_filter_as_you_type),
        cmocka_unit_test(test_partial_sort_matches_full_sort),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
