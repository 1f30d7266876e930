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

#include "input/load.h"
#include "requests.h"
#include "tui/endpoints.h"
#include "tui/screen.h"
#include "tui/view.h"

static const struct func_stat rows[] = {
    {"heavy", "app/work.py", "", 10, 0, 750, 750}, {"light", "app/work.py", "", 20, 0, 250, 250},
    {"main", "app/main.py", "", 1, 0, 0, 1000},    {"déjà_vu", "app/ünï.py", "", 5, 0, 0, 0},
    {"🔥_hot", "app/emoji.py", "", 7, 0, 0, 0},
};

static void fill(struct view *v)
{
    struct funcstats fs = {0};
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

/* Enter on an endpoint shows another set of samples: its rows start at
 * the top, not scrolled to where the old selection's function ranks (it
 * hid the endpoint's hottest rows above the screen). Esc, back to every
 * sample, does the same. */
static void test_endpoint_rows_start_at_the_top(void **state)
{
    (void)state;
    struct view v;
    view_init(&v, 100);
    fill(&v);
    view_key(&v, SCREEN_KEY_DOWN);
    view_key(&v, SCREEN_KEY_DOWN); /* main */
    assert_string_equal(row_name(&v, v.selected), "main");
    struct rq_table t = {0};
    t.rows = calloc(1, sizeof *t.rows);
    t.n = 1;
    snprintf(t.rows[0].name, sizeof t.rows[0].name, "GET /cpu");
    endpoints_set(&v.eps, &t);
    view_key(&v, 'e');
    assert_int_equal(view_key(&v, SCREEN_KEY_ENTER), VIEW_ENDPOINT);
    assert_string_equal(v.endpoint, "GET /cpu");
    fill(&v); /* the endpoint's rows (here the same functions) */
    assert_int_equal(v.selected, 0);
    assert_int_equal(v.top, 0);
    assert_string_equal(row_name(&v, 0), "heavy");
    view_key(&v, SCREEN_KEY_DOWN); /* light: kept across refreshes again */
    fill(&v);
    assert_string_equal(row_name(&v, v.selected), "light");
    assert_int_equal(view_key(&v, SCREEN_KEY_ESC), VIEW_ENDPOINT);
    assert_string_equal(v.endpoint, "");
    fill(&v);
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
    struct func_stat f = {"x", "pkg/sub/mod.py", "", 1, 0, 0, 0};
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
        "handle_request", "/srv/very/long/path/to/the/application/views.py", "", 123, 0, 0, 0};
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
    struct funcstats fs = {0};
    fs.n = MANY;
    fs.v = malloc(MANY * sizeof *fs.v);
    fs.samples = 1000;
    for (size_t i = 0; i < MANY; i++) {
        size_t k = (i * 7919 + seed) % MANY;
        snprintf(many_names[k], sizeof many_names[k], k % 3 ? "f%zu" : "handle_request_%zu_x",
                 k % 700);
        snprintf(many_files[k], sizeof many_files[k], "app/m%zu.py", k % 5);
        int line = (int)(k / 700);
        fs.v[i] =
            (struct func_stat){many_names[k], many_files[k], "", line, 0, k % 6, k % 6 + k % 3};
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

/* ---- the call tree (T) and the callers view (Enter) ------------------ */

static uint32_t frame_of(struct calltree *t, const char *name, int line)
{
    uint32_t id;
    assert_int_equal(calltree_frame(t, CT_PYTHON, name, "app.py", line, &id), 0);
    return id;
}

/* main -> via_a -> shared -> crunch and main -> via_b -> shared ->
 * crunch, via_a three times via_b; shared a third on its own; scaled. */
static void graph(struct calltree *t, uint64_t scale)
{
    uint32_t m = frame_of(t, "main", 40), a = frame_of(t, "via_a", 30),
             b = frame_of(t, "via_b", 34), sh = frame_of(t, "shared", 20),
             c = frame_of(t, "crunch", 12);
    uint32_t own_a[] = {m, a, sh}, call_a[] = {m, a, sh, c}, own_b[] = {m, b, sh},
             call_b[] = {m, b, sh, c};
    calltree_add(t, own_a, 3, 30 * scale);
    calltree_add(t, call_a, 4, 60 * scale);
    calltree_add(t, own_b, 3, 10 * scale);
    calltree_add(t, call_b, 4, 20 * scale);
}

static void show_tree(struct view *v, struct calltree *t)
{
    struct funcstats fs;
    assert_int_equal(funcstats_compute(t, v->by_line, 0, &fs), 0);
    view_set_tree(v, t, 0);
    view_set_rows(v, &fs);
}

/* The screen row whose text holds needle, -1 if none. */
static int row_with(const struct screen *s, int rows, const char *needle, char *line, size_t size)
{
    for (int r = 0; r < rows; r++) {
        screen_row_text(s, r, line, size);
        if (strstr(line, needle))
            return r;
    }
    return -1;
}

static void test_call_tree_view(void **state)
{
    (void)state;
    struct calltree t;
    assert_int_equal(calltree_init(&t), 0);
    graph(&t, 1);
    struct screen *s = screen_open_memory(24, 80);
    struct view v;
    view_init(&v, 100);
    show_tree(&v, &t);
    view_key(&v, 'T');
    assert_int_equal(v.mode, VIEW_MODE_TREE);
    view_draw(&v, s);
    char line[1024];
    /* The hottest path open: main > via_a > shared > crunch; via_b shut. */
    int r = row_with(s, 24, "main (app.py:40)", line, sizeof line);
    assert_true(r > 0);
    assert_non_null(strstr(line, "100.0"));
    screen_row_text(s, r + 1, line, sizeof line);
    assert_non_null(strstr(line, "\u25be via_a (app.py:30)"));
    assert_non_null(strstr(line, " 75.0"));
    screen_row_text(s, r + 2, line, sizeof line);
    assert_non_null(strstr(line, "shared (app.py:20)"));
    assert_non_null(strstr(line, " 25.0")); /* its own: a third of via_a's */
    screen_row_text(s, r + 3, line, sizeof line);
    assert_non_null(strstr(line, "crunch (app.py:12)"));
    screen_row_text(s, r + 4, line, sizeof line);
    assert_non_null(strstr(line, "\u25b8 via_b"));
    assert_int_equal(screen_width(line), 80);
    /* Select via_b and open it; a refresh with more samples keeps it open
     * and selected. */
    for (int k = 0; k < 4; k++)
        view_key(&v, SCREEN_KEY_DOWN);
    view_key(&v, SCREEN_KEY_RIGHT);
    graph(&t, 1);
    show_tree(&v, &t);
    view_draw(&v, s);
    assert_int_equal(row_with(s, 24, "\u25be via_b", line, sizeof line), r + 4);
    assert_int_equal(screen_cell_attr(s, r + 4, 0), SA_SELECTED);
    screen_row_text(s, r + 5, line, sizeof line);
    assert_non_null(strstr(line, "\u25b8 shared"));
    /* Left on an open node closes it; on a closed one goes to its parent. */
    view_key(&v, SCREEN_KEY_LEFT);
    view_key(&v, SCREEN_KEY_LEFT);
    view_draw(&v, s);
    assert_int_equal(screen_cell_attr(s, r, 0), SA_SELECTED);
    /* Enter: the callers view of the selected node's function. */
    view_key(&v, SCREEN_KEY_ENTER);
    assert_int_equal(v.mode, VIEW_MODE_CALLERS);
    view_key(&v, SCREEN_KEY_ESC); /* back to the tree it came from */
    assert_int_equal(v.mode, VIEW_MODE_TREE);
    view_key(&v, SCREEN_KEY_ESC);
    assert_int_equal(v.mode, VIEW_TABLE);
    view_free(&v);
    screen_close(s);
    calltree_free(&t);
}

static void test_callers_view(void **state)
{
    (void)state;
    struct calltree t;
    assert_int_equal(calltree_init(&t), 0);
    graph(&t, 1);
    struct screen *s = screen_open_memory(24, 80);
    struct view v;
    view_init(&v, 100);
    show_tree(&v, &t);
    /* The table by %Own: crunch, shared, ...; Enter on shared. */
    view_key(&v, SCREEN_KEY_DOWN);
    assert_string_equal(row_name(&v, v.selected), "shared");
    view_key(&v, SCREEN_KEY_ENTER);
    assert_int_equal(v.mode, VIEW_MODE_CALLERS);
    view_draw(&v, s);
    char line[1024];
    int c = row_with(s, 24, "shared (app.py:20) \u00b7 own 33.3%", line, sizeof line);
    assert_true(c > 0);
    assert_non_null(strstr(line, "100.0")); /* of the function: all of it */
    /* Above: via_a with 75% of shared's time, via_b 25%; below: crunch. */
    screen_row_text(s, c - 2, line, sizeof line);
    assert_non_null(strstr(line, "\u25b8 via_a"));
    assert_non_null(strstr(line, "  75.0  "));
    screen_row_text(s, c - 1, line, sizeof line);
    assert_non_null(strstr(line, "\u25b8 via_b"));
    assert_non_null(strstr(line, "  25.0  "));
    screen_row_text(s, c + 1, line, sizeof line);
    assert_non_null(strstr(line, "crunch"));
    assert_non_null(strstr(line, "  66.7  "));
    /* Up to via_b, Enter: centred on it; its caller main, its callee shared. */
    view_key(&v, SCREEN_KEY_UP);
    view_key(&v, SCREEN_KEY_ENTER);
    view_draw(&v, s);
    c = row_with(s, 24, "\u00b7 own", line, sizeof line);
    assert_non_null(strstr(line, "via_b (app.py:34)"));
    screen_row_text(s, c - 1, line, sizeof line);
    assert_non_null(strstr(line, "main"));
    /* Backspace: shared again; Esc: the table, its selection on shared. */
    view_key(&v, SCREEN_KEY_BACKSPACE);
    view_draw(&v, s);
    assert_true(row_with(s, 24, "shared (app.py:20) \u00b7 own", line, sizeof line) > 0);
    view_key(&v, SCREEN_KEY_ESC);
    assert_int_equal(v.mode, VIEW_TABLE);
    assert_string_equal(row_name(&v, v.selected), "shared");
    /* A function that leaves the samples (a reset): said, not a crash. */
    view_key(&v, SCREEN_KEY_ENTER);
    struct calltree other;
    assert_int_equal(calltree_init(&other), 0);
    uint32_t f = frame_of(&other, "elsewhere", 1);
    calltree_add(&other, &f, 1, 5);
    show_tree(&v, &other);
    view_draw(&v, s);
    assert_true(row_with(s, 24, "not in the samples shown", line, sizeof line) > 0);
    view_key(&v, SCREEN_KEY_ESC);
    assert_int_equal(v.mode, VIEW_TABLE);
    view_set_tree(&v, NULL, 0);
    view_free(&v);
    screen_close(s);
    calltree_free(&other);
    calltree_free(&t);
}

/* Children under 1% of the samples fold into one "more" row, which opens
 * like a node; * opens everything below the selection. */
static void test_tree_folds_small_children(void **state)
{
    (void)state;
    struct calltree t;
    assert_int_equal(calltree_init(&t), 0);
    uint32_t m = frame_of(&t, "main", 1), big = frame_of(&t, "big", 2);
    uint32_t s1[] = {m, big};
    calltree_add(&t, s1, 2, 9000);
    for (int i = 0; i < 150; i++) {
        char name[32];
        snprintf(name, sizeof name, "small_%d", i);
        uint32_t st[] = {m, frame_of(&t, name, 100 + i)};
        calltree_add(&t, st, 2, 5 + (uint64_t)(i % 3)); /* 0.05-0.07% each */
    }
    struct screen *s = screen_open_memory(24, 80);
    struct view v;
    view_init(&v, 100);
    show_tree(&v, &t);
    view_key(&v, 'T');
    view_draw(&v, s);
    char line[1024];
    int r = row_with(s, 24, "big (app.py:2)", line, sizeof line);
    assert_true(r > 0);
    screen_row_text(s, r + 1, line, sizeof line);
    assert_non_null(strstr(line, "\u25b8 150 more"));
    assert_non_null(strstr(line, "  9.1")); /* 900 of 9900 samples */
    view_key(&v, SCREEN_KEY_DOWN);
    view_key(&v, SCREEN_KEY_DOWN);
    view_key(&v, SCREEN_KEY_RIGHT);
    view_draw(&v, s);
    assert_int_equal(row_with(s, 24, "more", line, sizeof line), -1);
    assert_true(row_with(s, 24, "small_", line, sizeof line) == r + 1);
    assert_int_equal(v.tv.ol.nrows, 152);
    /* Closed and opened again from the top with *: all of it. */
    view_key(&v, SCREEN_KEY_HOME);
    view_key(&v, SCREEN_KEY_LEFT);
    view_draw(&v, s);
    assert_int_equal(v.tv.ol.nrows, 1);
    view_key(&v, '*');
    assert_int_equal(v.tv.ol.nrows, 152); /* the "more" row stays opened */
    view_free(&v);
    screen_close(s);
    calltree_free(&t);
}

/* The terminal flamegraph at 80x24: boxes as wide as their share, the
 * widest first; zoom, search, back; ASCII without UTF-8. */
static void test_flame_view(void **state)
{
    (void)state;
    struct calltree t;
    assert_int_equal(calltree_init(&t), 0);
    graph(&t, 1);
    uint32_t m = frame_of(&t, "main", 40), d = frame_of(&t, "d\u00e9j\u00e0_vu", 50);
    uint32_t st[] = {m, d};
    calltree_add(&t, st, 2, 40); /* 40 of 160: main's callees 90/30/40 */
    struct screen *s = screen_open_memory(24, 80);
    struct view v;
    view_init(&v, 100);
    show_tree(&v, &t);
    view_key(&v, 'F');
    assert_int_equal(v.mode, VIEW_MODE_FLAME);
    view_draw(&v, s);
    char line[1024];
    int r = row_with(s, 24, "\u258fall", line, sizeof line);
    assert_true(r > 0);
    screen_row_text(s, r - 1, line, sizeof line);
    assert_non_null(strstr(line, "Flamegraph"));
    screen_row_text(s, r + 1, line, sizeof line);
    assert_true(strncmp(line, "\u258fmain", strlen("\u258fmain")) == 0);
    /* main's callees, widest first: via_a 90/160 of 80 columns = 45,
     * d\u00e9j\u00e0_vu 40/160 = 20, via_b 30/160 = 15. */
    screen_row_text(s, r + 2, line, sizeof line);
    char head[1024];
    assert_true(strncmp(line, "\u258fvia_a", strlen("\u258fvia_a")) == 0);
    const char *dv = strstr(line, "\u258fd\u00e9j\u00e0_vu");
    assert_non_null(dv);
    memcpy(head, line, (size_t)(dv - line));
    head[dv - line] = '\0';
    assert_int_equal(screen_width(head), 45);
    const char *vb = strstr(line, "\u258fvia_b");
    assert_non_null(vb);
    memcpy(head, line, (size_t)(vb - line));
    head[vb - line] = '\0';
    assert_int_equal(screen_width(head), 65);
    /* The selection walks down the widest boxes; Enter zooms. */
    view_key(&v, SCREEN_KEY_DOWN);
    view_key(&v, SCREEN_KEY_DOWN);
    view_key(&v, SCREEN_KEY_ENTER);
    view_draw(&v, s);
    r = row_with(s, 24, "zoomed", line, sizeof line);
    assert_true(r > 0);
    assert_non_null(strstr(line, "via_a (app.py:30) 56.2%"));
    screen_row_text(s, r + 1, line, sizeof line);
    assert_true(strncmp(line, "\u258fvia_a", strlen("\u258fvia_a")) == 0);
    /* Search: crunch is 80 of 160 samples; the boxes found stand out. */
    view_key(&v, '/');
    view_key(&v, 'c');
    view_key(&v, 'r');
    view_key(&v, SCREEN_KEY_ENTER);
    view_draw(&v, s);
    assert_true(row_with(s, 24, "50.0% of the samples match", line, sizeof line) > 0);
    int c = row_with(s, 24, "\u258fcrunch", line, sizeof line);
    assert_true(c > 0);
    assert_int_equal(screen_cell_attr(s, c, 1), SA_FLAME_MATCH);
    /* Without UTF-8: the same in ASCII look-alikes. */
    screen_set_utf8(0);
    view_draw(&v, s);
    for (int k = 0; k < 24; k++) {
        screen_row_text(s, k, line, sizeof line);
        for (const char *p = line; *p; p++)
            assert_true((unsigned char)*p < 0x80);
    }
    assert_true(row_with(s, 24, "|crunch", line, sizeof line) > 0);
    screen_set_utf8(1);
    /* Esc: the search, the zoom one level at a time, then the table. */
    view_key(&v, SCREEN_KEY_ESC);
    view_key(&v, SCREEN_KEY_ESC);
    view_draw(&v, s);
    assert_true(row_with(s, 24, "zoomed", line, sizeof line) > 0);
    assert_true(row_with(s, 24, "\u258fmain", line, sizeof line) > 0);
    assert_int_equal(row_with(s, 24, "\u258fall", line, sizeof line), -1);
    view_key(&v, SCREEN_KEY_ESC);
    view_draw(&v, s);
    assert_int_equal(row_with(s, 24, "zoomed", line, sizeof line), -1);
    view_key(&v, SCREEN_KEY_ESC);
    assert_int_equal(v.mode, VIEW_TABLE);
    view_free(&v);
    screen_close(s);
    calltree_free(&t);
}

/* The table's sort by name orders the tree's children; its filter makes
 * the lines it would keep stand out. */
static void test_tree_follows_the_table(void **state)
{
    (void)state;
    struct calltree t;
    assert_int_equal(calltree_init(&t), 0);
    graph(&t, 1);
    struct screen *s = screen_open_memory(24, 80);
    struct view v;
    view_init(&v, 100);
    show_tree(&v, &t);
    view_key(&v, '5');
    view_key(&v, '5'); /* by name, reversed */
    view_key(&v, '/');
    view_key(&v, 's');
    view_key(&v, 'h');
    view_key(&v, SCREEN_KEY_ENTER);
    view_key(&v, 'T');
    view_key(&v, SCREEN_KEY_DOWN);
    view_key(&v, SCREEN_KEY_RIGHT); /* main open: its children */
    view_draw(&v, s);
    char line[1024];
    int b = row_with(s, 24, "via_b", line, sizeof line),
        a = row_with(s, 24, "via_a", line, sizeof line);
    assert_true(b > 0 && a > b);
    int sh = row_with(s, 24, "shared (app.py:20)", line, sizeof line);
    assert_true(sh > 0);
    const char *at = strstr(line, "shared");
    char head[1024];
    memcpy(head, line, (size_t)(at - line));
    head[at - line] = '\0';
    assert_int_equal(screen_cell_attr(s, sh, screen_width(head)), SA_BOLD);
    assert_int_equal(screen_cell_attr(s, a, screen_width(head)), SA_NORMAL);
    view_free(&v);
    screen_close(s);
    calltree_free(&t);
}

/* What record writes, loaded as report loads it, shown by the three
 * views: their shares are the collapsed stacks' own, to the tenth. */
static void test_views_agree_with_collapsed(void **state)
{
    (void)state;
    static const char folded[] =
        "<module> (cg.py:1);main (cg.py:42);via_a (cg.py:34);shared (cg.py:27);crunch (cg.py:20) "
        "300\n"
        "<module> (cg.py:1);main (cg.py:42);via_a (cg.py:34);shared (cg.py:28) 150\n"
        "<module> (cg.py:1);main (cg.py:42);via_b (cg.py:38);shared (cg.py:27);crunch (cg.py:20) "
        "100\n"
        "<module> (cg.py:1);main (cg.py:42);via_b (cg.py:38);shared (cg.py:28) 50\n"
        "<module> (cg.py:1);main (cg.py:43) 400\n";
    struct loaded_profile lp;
    struct pt_error err;
    assert_int_equal(profile_load_bytes("cg.txt", folded, sizeof folded - 1, &lp, &err), 0);
    struct screen *s = screen_open_memory(24, 100);
    struct view v;
    view_init(&v, 100);
    show_tree(&v, &lp.tree);
    /* shared: 600 of 1000 samples; 450 through via_a (75%), 150 through
     * via_b (25%); crunch 400 of its 600 (66.7%). */
    view_key(&v, '/');
    view_key(&v, 's');
    view_key(&v, 'h');
    view_key(&v, SCREEN_KEY_ENTER);
    view_key(&v, SCREEN_KEY_ENTER);
    view_draw(&v, s);
    char line[1024];
    assert_true(row_with(s, 24, "shared (cg.py:27) \u00b7 own 20.0%", line, sizeof line) > 0);
    assert_non_null(strstr(line, "  60.0  100.0  "));
    row_with(s, 24, "\u25b8 via_a", line, sizeof line);
    assert_non_null(strstr(line, "  45.0   75.0  "));
    row_with(s, 24, "\u25b8 via_b", line, sizeof line);
    assert_non_null(strstr(line, "  15.0   25.0  "));
    row_with(s, 24, "crunch (cg.py:20)", line, sizeof line);
    assert_non_null(strstr(line, "  40.0   66.7  "));
    /* The call tree: main 100%, via_a 45% with shared's own 15%. */
    view_key(&v, SCREEN_KEY_ESC);
    view_key(&v, 'T');
    view_draw(&v, s);
    row_with(s, 24, "main (cg.py:42)", line, sizeof line);
    assert_non_null(strstr(line, " 100.0   40.0 "));
    row_with(s, 24, "\u25be via_a", line, sizeof line);
    assert_non_null(strstr(line, "  45.0    0.0 "));
    int r = row_with(s, 24, "shared (cg.py:27)", line, sizeof line);
    assert_non_null(strstr(line, "  45.0   15.0 "));
    screen_row_text(s, r + 1, line, sizeof line);
    assert_non_null(strstr(line, "  30.0   30.0 "));
    assert_non_null(strstr(line, "crunch"));
    /* The flamegraph, 100 columns: via_a 45, via_b 15 of them. */
    view_key(&v, SCREEN_KEY_ESC);
    view_key(&v, SCREEN_KEY_ESC); /* the filter too: F would search it */
    view_key(&v, 'F');
    view_draw(&v, s);
    r = row_with(s, 24, "\u258fvia_a", line, sizeof line);
    assert_true(r > 0);
    const char *b = strstr(line, "\u258fvia_b");
    assert_non_null(b);
    char head[1024];
    memcpy(head, line, (size_t)(b - line));
    head[b - line] = '\0';
    assert_int_equal(screen_width(head), 45);
    view_set_tree(&v, NULL, 0);
    view_free(&v);
    screen_close(s);
    loaded_profile_free(&lp);
}

/* Without a tree (rows only), T and Enter say so and stay in the table. */
static void test_no_tree(void **state)
{
    (void)state;
    struct view v;
    view_init(&v, 100);
    fill(&v);
    view_key(&v, 'T');
    assert_int_equal(v.mode, VIEW_TABLE);
    assert_non_null(strstr(v.status, "no call tree"));
    view_key(&v, SCREEN_KEY_ENTER);
    assert_int_equal(v.mode, VIEW_TABLE);
    view_free(&v);
}

int main(void)
{
    setlocale(LC_ALL, "C.UTF-8");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sort),
        cmocka_unit_test(test_selection_follows),
        cmocka_unit_test(test_endpoint_rows_start_at_the_top),
        cmocka_unit_test(test_filter),
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_width),
        cmocka_unit_test(test_render),
        cmocka_unit_test(test_filter_as_you_type),
        cmocka_unit_test(test_partial_sort_matches_full_sort),
        cmocka_unit_test(test_call_tree_view),
        cmocka_unit_test(test_callers_view),
        cmocka_unit_test(test_tree_folds_small_children),
        cmocka_unit_test(test_flame_view),
        cmocka_unit_test(test_tree_follows_the_table),
        cmocka_unit_test(test_views_agree_with_collapsed),
        cmocka_unit_test(test_no_tree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
