/*
 * tui/view: the live view's model and drawing. See view.h.
 *
 * The rows never move: a filter and a sort only rebuild v->order, an
 * index into them, so a refresh costs one filter pass and a sort of the
 * rows on screen (see "sort" below), and drawing touches only those.
 */
#include "config.h"

#include "tui/view.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tui/edit.h"
#include "util.h"

static const char *const col_titles[VIEW_NCOLS] = {"%Own", "%Total", "OwnTime", "TotalTime",
                                                   "Function (file:line)"};

const char *view_col_title(enum view_col c)
{
    return c < VIEW_NCOLS ? col_titles[c] : "";
}

void view_init(struct view *v, double rate)
{
    memset(v, 0, sizeof *v);
    v->rate = rate > 0 ? rate : 100;
    v->sort = VIEW_COL_OWN_PCT;
    v->h.threads_running = v->h.threads_total = -1;
    v->h.cpu_pct = v->h.gil_pct = v->h.pause_us = -1;
    v->h.rss_kib = -1;
    snprintf(v->threads, sizeof v->threads, "all");
    endpoints_init(&v->eps, v->rate);
    tree_view_init(&v->tv);
    callers_view_init(&v->cv);
    flame_view_init(&v->flame);
}

static void free_text(struct view *v)
{
    free(v->text);
    free(v->text_buf);
    v->text = NULL;
    v->text_buf = NULL;
    v->ntext = v->text_top = 0;
}

static void drop_tree(struct view *v)
{
    if (v->owns_tree)
        calltree_free(&v->own_tree);
    v->owns_tree = 0;
    v->tree = NULL;
    v->frames_ready = 0;
}

void view_free(struct view *v)
{
    tree_view_free(&v->tv);
    callers_view_free(&v->cv);
    flame_view_free(&v->flame);
    drop_tree(v);
    free(v->frame_as);
    free(v->frame_key);
    free(v->frame_seen);
    funcstats_free(&v->fs);
    free(v->order);
    free(v->keys);
    free_text(v);
    endpoints_free(&v->eps);
    memset(v, 0, sizeof *v);
}

void view_status(struct view *v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->status, sizeof v->status, fmt, ap);
    va_end(ap);
    v->status_seq++;
}

/* ---- filter and sort -------------------------------------------------- */

int view_matches(const struct func_stat *f, const char *filter)
{
    if (filter == NULL || filter[0] == '\0')
        return 1;
    if (strcasestr(f->name, filter) || strcasestr(f->file, filter) || strcasestr(f->src, filter))
        return 1;
    if (strchr(filter, '.') == NULL)
        return 0;
    /* The module: "pkg/sub/mod.py" -> "pkg.sub.mod". */
    char mod[512];
    snprintf(mod, sizeof mod, "%s", f->file);
    size_t n = strlen(mod);
    if (n > 3 && strcmp(mod + n - 3, ".py") == 0)
        mod[n - 3] = '\0';
    for (char *p = mod; *p; p++)
        if (*p == '/')
            *p = '.';
    return strcasestr(mod, filter) != NULL;
}

/* ---- sort ------------------------------------------------------------
 *
 * A row's sort key is computed once per update: its numbers (complemented,
 * so that more comes first) and the first bytes of its name, big-endian,
 * which order like strcmp. Keys that tie fall back to the name, the file
 * and the line, so every two rows have a fixed order. Only the rows the
 * screen shows are sorted: a quickselect puts them in place and the rest
 * stays partitioned around them, until a key scrolls further.
 */

struct view_sort_key {
    uint64_t k[3];
    size_t row;
};

/* Below this many rows, or when most of them are wanted, sort them all. */
#define SORT_ALL_BELOW 256

/* Up to 8 bytes of s, big-endian: compares like strcmp on those bytes.
 * *rest: what follows them, NULL when s ended. */
static uint64_t name_prefix(const char *s, const char **rest)
{
    uint64_t k = 0;
    int i = 0;
    for (; i < 8 && s[i]; i++)
        k |= (uint64_t)(unsigned char)s[i] << (56 - 8 * i);
    *rest = i == 8 ? s + 8 : NULL;
    return k;
}

static struct view_sort_key make_key(enum view_col sort, const struct func_stat *f, size_t row)
{
    struct view_sort_key key = {{0, 0, 0}, row};
    const char *rest;
    switch (sort) {
    case VIEW_COL_OWN_PCT:
    case VIEW_COL_OWN_TIME:
        key.k[0] = ~f->self;
        key.k[1] = ~f->total;
        key.k[2] = name_prefix(f->name, &rest);
        break;
    case VIEW_COL_TOTAL_PCT:
    case VIEW_COL_TOTAL_TIME:
        key.k[0] = ~f->total;
        key.k[1] = ~f->self;
        key.k[2] = name_prefix(f->name, &rest);
        break;
    default:
        key.k[0] = name_prefix(f->name, &rest);
        key.k[1] = rest ? name_prefix(rest, &rest) : 0;
        break;
    }
    return key;
}

static int key_cmp(const struct view *v, const struct view_sort_key *x,
                   const struct view_sort_key *y)
{
    int c = 0;
    for (int i = 0; i < 3 && c == 0; i++)
        if (x->k[i] != y->k[i])
            c = x->k[i] < y->k[i] ? -1 : 1;
    if (c == 0) {
        const struct func_stat *a = &v->fs.v[x->row], *b = &v->fs.v[y->row];
        c = strcmp(a->name, b->name);
        if (c == 0)
            c = strcmp(a->file, b->file);
        if (c == 0)
            c = a->line - b->line;
    }
    return v->reverse ? -c : c;
}

static int key_cmp_r(const void *a, const void *b, void *ctx)
{
    return key_cmp(ctx, a, b);
}

static void swap_keys(struct view_sort_key *a, struct view_sort_key *b)
{
    struct view_sort_key t = *a;
    *a = *b;
    *b = t;
}

/* Rearrange k[lo..hi) so that k[nth] is the key of that rank, with the
 * lower ones before it and the higher ones after. Quickselect with the
 * median of three as pivot; a run of bad pivots sorts the range instead. */
static void select_nth(const struct view *v, struct view_sort_key *k, size_t lo, size_t hi,
                       size_t nth)
{
    int budget = 16;
    for (size_t n = hi - lo; n > 1; n >>= 1)
        budget += 2;
    while (hi - lo > 16) {
        if (budget-- == 0) {
            qsort_r(k + lo, hi - lo, sizeof *k, key_cmp_r, (void *)v);
            return;
        }
        size_t mid = lo + (hi - lo) / 2;
        if (key_cmp(v, &k[mid], &k[lo]) < 0)
            swap_keys(&k[mid], &k[lo]);
        if (key_cmp(v, &k[hi - 1], &k[mid]) < 0) {
            swap_keys(&k[hi - 1], &k[mid]);
            if (key_cmp(v, &k[mid], &k[lo]) < 0)
                swap_keys(&k[mid], &k[lo]);
        }
        /* The median first: Hoare's partition then leaves both sides
         * non-empty. */
        swap_keys(&k[lo], &k[mid]);
        struct view_sort_key pivot = k[lo];
        size_t i = lo - 1, j = hi;
        for (;;) {
            do
                i++;
            while (key_cmp(v, &k[i], &pivot) < 0);
            do
                j--;
            while (key_cmp(v, &pivot, &k[j]) < 0);
            if (i >= j)
                break;
            swap_keys(&k[i], &k[j]);
        }
        /* k[lo..j] <= pivot <= k[j+1..hi) */
        if (nth <= j)
            hi = j + 1;
        else
            lo = j + 1;
    }
    for (size_t i = lo + 1; i < hi; i++) /* insertion sort of what is left */
        for (size_t j = i; j > lo && key_cmp(v, &k[j], &k[j - 1]) < 0; j--)
            swap_keys(&k[j], &k[j - 1]);
}

/* order[lo..hi) from the keys there. */
static void copy_order(struct view *v, size_t lo, size_t hi)
{
    for (size_t i = lo; i < hi; i++)
        v->order[i] = v->keys[i].row;
}

/* Sort k[lo..hi), which holds the keys of ranks lo..hi-1. */
static void sort_range(struct view *v, size_t lo, size_t hi)
{
    if (hi - lo > 1)
        qsort_r(v->keys + lo, hi - lo, sizeof *v->keys, key_cmp_r, v);
}

/* Make order[lo..hi) (within the rows) sorted, widening what already is
 * when it is next to it, else sorting only these. */
static void need_sorted(struct view *v, size_t lo, size_t hi)
{
    size_t n = v->norder;
    if (hi > n)
        hi = n;
    if (lo >= hi || (lo >= v->sorted_lo && hi <= v->sorted_hi))
        return;
    if (n <= SORT_ALL_BELOW || 2 * (hi - lo) >= n) {
        lo = 0;
        hi = n;
    }
    if (v->sorted_lo == v->sorted_hi || hi < v->sorted_lo || lo > v->sorted_hi) {
        if (lo > 0)
            select_nth(v, v->keys, 0, n, lo);
        if (hi < n)
            select_nth(v, v->keys, lo, n, hi);
        sort_range(v, lo, hi);
        copy_order(v, 0, n);
        v->sorted_lo = lo;
        v->sorted_hi = hi;
        return;
    }
    if (lo < v->sorted_lo) {
        if (lo > 0)
            select_nth(v, v->keys, 0, v->sorted_lo, lo);
        sort_range(v, lo, v->sorted_lo);
        copy_order(v, 0, v->sorted_lo);
        v->sorted_lo = lo;
    }
    if (hi > v->sorted_hi) {
        if (hi < n)
            select_nth(v, v->keys, v->sorted_hi, n, hi);
        sort_range(v, v->sorted_hi, hi);
        copy_order(v, v->sorted_hi, n);
        v->sorted_hi = hi;
    }
}

/* Keep the selection on a row and on screen (the page of the last draw
 * from top), and those rows sorted. Before any draw, only the selection. */
static void scroll_to_selection(struct view *v)
{
    if (v->selected >= v->norder)
        v->selected = v->norder > 0 ? v->norder - 1 : 0;
    if (v->selected < v->top)
        v->top = v->selected;
    if (v->page <= 0) {
        need_sorted(v, v->selected, v->selected + 1);
        return;
    }
    size_t page = (size_t)v->page;
    if (v->selected >= v->top + page)
        v->top = v->selected - page + 1;
    need_sorted(v, v->top, v->top + page);
}

static void remember_selection(struct view *v)
{
    if (v->selected < v->norder) {
        need_sorted(v, v->selected, v->selected + 1);
        const struct func_stat *f = &v->fs.v[v->order[v->selected]];
        snprintf(v->sel_name, sizeof v->sel_name, "%s", f->name);
        snprintf(v->sel_file, sizeof v->sel_file, "%s", f->file);
    }
}

/* Filter the rows into order and keys; the position of the selected
 * function's first row in sort order, or SIZE_MAX. */
static size_t filter_rows(struct view *v)
{
    const char *rest;
    uint64_t sel_prefix = name_prefix(v->sel_name, &rest);
    size_t sel = SIZE_MAX;
    v->norder = 0;
    for (size_t i = 0; i < v->fs.n; i++) {
        const struct func_stat *f = &v->fs.v[i];
        if (!view_matches(f, v->filter))
            continue;
        size_t at = v->norder++;
        v->order[at] = i;
        v->keys[at] = make_key(v->sort, f, i);
        if (v->sel_name[0] && name_prefix(f->name, &rest) == sel_prefix &&
            strcmp(f->name, v->sel_name) == 0 && strcmp(f->file, v->sel_file) == 0 &&
            (sel == SIZE_MAX || key_cmp(v, &v->keys[at], &v->keys[sel]) < 0))
            sel = at;
    }
    return sel;
}

void view_update(struct view *v)
{
    v->rows_stale = 0;
    if (v->order_cap < v->fs.n) {
        size_t *o = realloc(v->order, v->fs.n * sizeof *o);
        if (o != NULL)
            v->order = o;
        struct view_sort_key *k = realloc(v->keys, v->fs.n * sizeof *k);
        if (k != NULL)
            v->keys = k;
        if (o == NULL || k == NULL) {
            v->norder = v->sorted_lo = v->sorted_hi = 0; /* order may index old rows */
            view_status(v, "out of memory");
            return;
        }
        v->order_cap = v->fs.n;
    }
    v->sorted_lo = v->sorted_hi = 0;
    size_t at = filter_rows(v);
    /* The selection stays on its function when it is still there: at
     * its rank, the number of rows sorted before it. */
    size_t sel = 0;
    if (at != SIZE_MAX)
        for (size_t i = 0; i < v->norder; i++)
            sel += key_cmp(v, &v->keys[i], &v->keys[at]) < 0;
    v->selected = sel;
    if (v->top >= v->norder)
        v->top = 0;
    scroll_to_selection(v);
}

void view_set_tree(struct view *v, struct calltree *tree, int take)
{
    drop_tree(v);
    /* Another profile (a new target): its strings may sit where the last
     * one's were, so no key of the last one is kept. */
    if (tree == NULL && v->frame_seen != NULL)
        memset(v->frame_seen, 0, v->frames_cap * sizeof *v->frame_seen);
    if (tree != NULL && take) {
        v->own_tree = *tree;
        v->owns_tree = 1;
        v->tree = &v->own_tree;
    } else {
        v->tree = tree;
    }
}

/* What the tree views read; 0, or -1 when there is no tree or no memory. */
static int tree_source(struct view *v, struct outline_src *src)
{
    if (v->tree == NULL || v->fs.row_of == NULL || v->fs.nframes != v->tree->nframes)
        return -1;
    if (!v->frames_ready) {
        size_t n = (size_t)v->tree->nframes + 1;
        if (n > v->frames_cap) {
            uint32_t *as = realloc(v->frame_as, n * sizeof *as);
            if (as != NULL)
                v->frame_as = as;
            uint64_t *key = realloc(v->frame_key, n * sizeof *key);
            if (key != NULL)
                v->frame_key = key;
            struct ct_frame *seen = realloc(v->frame_seen, n * sizeof *seen);
            if (seen != NULL)
                v->frame_seen = seen;
            if (as == NULL || key == NULL || seen == NULL)
                return -1;
            memset(v->frame_seen + v->frames_cap, 0, (n - v->frames_cap) * sizeof *seen);
            v->frames_cap = n;
        }
        /* A row's key: what the row is, the same in the next snapshot
         * (the line only where rows are lines). Snapshots share the
         * profile's strings and only ever add frames: a frame whose
         * strings and line are those of the last hashing keeps its key. */
        for (uint32_t f = 0; f < v->tree->nframes; f++) {
            const struct ct_frame *fr = &v->tree->frames[f];
            struct ct_frame *was = &v->frame_seen[f];
            int line = v->by_line ? fr->line : 0;
            char *src = v->by_line ? fr->src : "";
            v->frame_as[f] = funcstats_frame(&v->fs, f);
            if (was->name == fr->name && was->file == fr->file && was->src == src &&
                was->line == line && was->kind == fr->kind)
                continue;
            v->frame_key[f] = calltree_frame_hash(fr->kind, fr->name, fr->file, src, line);
            *was = (struct ct_frame){fr->name, fr->file, src, line, fr->kind, 0, 0};
        }
        v->frames_ready = 1;
    }
    /* The trees keep the largest first unless the table is sorted by
     * name: a tree ordered by own time would hide where time goes. */
    int order = v->sort == VIEW_COL_FUNCTION ? OUTLINE_BY_NAME : OUTLINE_BY_TOTAL;
    *src = (struct outline_src){v->tree, &v->fs, v->frame_as, v->frame_key,
                                v->rate, order,  v->reverse,  v->filter};
    return 0;
}

static int is_tree_mode(enum view_mode m)
{
    return m == VIEW_MODE_TREE || m == VIEW_MODE_CALLERS || m == VIEW_MODE_FLAME;
}

/* The call tree, the callers view or the flamegraph, computed again from
 * the rows. 0, or -1 (said in the status line) when it cannot be. */
static int update_trees(struct view *v)
{
    struct outline_src src;
    enum view_mode m = v->mode == VIEW_HELP ? v->help_back : v->mode;
    if (!is_tree_mode(m))
        return 0;
    if (tree_source(v, &src) != 0) {
        view_status(v, "no call tree yet");
        return -1;
    }
    int rc = m == VIEW_MODE_TREE    ? tree_view_update(&v->tv, &src)
             : m == VIEW_MODE_FLAME ? flame_view_update(&v->flame, &src)
                                    : callers_view_update(&v->cv, &src);
    if (rc != 0)
        view_status(v, "out of memory");
    return rc;
}

void view_set_rows(struct view *v, struct funcstats *fs)
{
    if (v->selection_reset) {
        v->sel_name[0] = v->sel_file[0] = '\0';
        v->selected = v->top = 0;
        v->selection_reset = 0;
    } else {
        remember_selection(v);
    }
    funcstats_free(&v->fs);
    v->fs = *fs;
    memset(fs, 0, sizeof *fs);
    v->frames_ready = 0;
    if (is_tree_mode(v->mode == VIEW_HELP ? v->help_back : v->mode)) {
        /* The table is not shown: sorted when it is again (view_draw),
         * its selection kept by name meanwhile. */
        v->norder = v->sorted_lo = v->sorted_hi = 0;
        v->rows_stale = 1;
    } else {
        view_update(v);
    }
    update_trees(v);
}

int view_show_text(struct view *v, const char *title, char *text)
{
    /* The lines are cut in place: the text is kept whole, once. */
    size_t n = 1;
    for (const char *p = text; *p; p++)
        n += *p == '\n';
    const char **lines = malloc(n * sizeof *lines);
    if (lines == NULL) {
        free(text);
        return -1;
    }
    size_t k = 0;
    for (char *line = text; *line != '\0' && k < n;) {
        size_t len = strcspn(line, "\n");
        lines[k++] = line;
        if (line[len] == '\0')
            break;
        line[len] = '\0';
        line += len + 1;
    }
    free_text(v);
    v->text_buf = text;
    v->text = lines;
    v->ntext = k;
    snprintf(v->text_title, sizeof v->text_title, "%s", title);
    v->mode = VIEW_TEXT;
    return 0;
}

/* ---- formatting ------------------------------------------------------- */

void view_layout(int cols, struct view_layout *l)
{
    memset(l, 0, sizeof *l);
    int pct = cols >= 100 ? 7 : 6, tim = cols >= 100 ? 10 : 9;
    if (cols < 60)
        tim = 0; /* too narrow: percentages and the function only */
    int x = 0;
    l->x[VIEW_COL_OWN_PCT] = x, l->w[VIEW_COL_OWN_PCT] = pct, x += pct + 1;
    l->x[VIEW_COL_TOTAL_PCT] = x, l->w[VIEW_COL_TOTAL_PCT] = pct, x += pct + 1;
    if (tim) {
        l->x[VIEW_COL_OWN_TIME] = x, l->w[VIEW_COL_OWN_TIME] = tim, x += tim + 1;
        l->x[VIEW_COL_TOTAL_TIME] = x, l->w[VIEW_COL_TOTAL_TIME] = tim, x += tim + 1;
    }
    x += 1;
    l->x[VIEW_COL_FUNCTION] = x;
    l->w[VIEW_COL_FUNCTION] = cols - x > 0 ? cols - x : 0;
}

static void fmt_pct(uint64_t n, uint64_t base, char *out, size_t size)
{
    snprintf(out, size, "%.1f", base ? 100.0 * (double)n / (double)base : 0.0);
}

/* Right-align text in width cells at (row, x). */
static void text_right(struct screen *s, int row, int x, int width, int attr, const char *text)
{
    int w = screen_width(text);
    if (w < width) {
        screen_text(s, row, x, attr, "", width - w);
        screen_text(s, row, x + width - w, attr, text, w);
    } else {
        screen_text(s, row, x, attr, text, width);
    }
}

/* ---- drawing ---------------------------------------------------------- */

#define HEADER_ROWS 5 /* then the column titles */

static void draw_header(struct view *v, struct screen *s, int cols)
{
    const struct view_header *h = &v->h;
    char line[1024];
    /* The long command line last: it is what the width cuts. */
    snprintf(line, sizeof line, "%s%s%s%s%s%s%s", h->python, h->python[0] ? " \u00b7 " : "",
             h->role, h->role[0] ? " \u00b7 " : "", h->container, h->container[0] ? " \u00b7 " : "",
             h->target);
    screen_text(s, 0, 0, SA_BOLD, line, cols);

    uint64_t tried = h->samples + h->lost;
    int len =
        snprintf(line, sizeof line,
                 "Rate %.0f Hz (achieved %.1f)  Samples %llu  Lost %llu (%.1f%%)  Elapsed %.0fs",
                 h->rate, h->achieved, (unsigned long long)h->samples, (unsigned long long)h->lost,
                 tried ? 100.0 * (double)h->lost / (double)tried : 0.0, h->elapsed);
    if (h->pause_us >= 0 && len > 0 && (size_t)len < sizeof line)
        snprintf(line + len, sizeof line - (size_t)len, "  Pause %.0f \u00b5s/sample", h->pause_us);
    screen_text(s, 1, 0, SA_NORMAL, line, cols);

    int n = 0;
    line[0] = '\0';
    if (h->threads_total >= 0)
        n += snprintf(line + n, sizeof line - (size_t)n, "Threads %d running / %d  ",
                      h->threads_running, h->threads_total);
    if (h->cpu_pct >= 0)
        n += snprintf(line + n, sizeof line - (size_t)n, "CPU %.1f%%  ", h->cpu_pct);
    if (h->rss_kib >= 0)
        n += snprintf(line + n, sizeof line - (size_t)n, "RSS %.1f MiB  ",
                      (double)h->rss_kib / 1024.0);
    if (h->gil_pct >= 0)
        n += snprintf(line + n, sizeof line - (size_t)n, "GIL held %.1f%%  ", h->gil_pct);
    if (h->tasks >= 0)
        snprintf(line + n, sizeof line - (size_t)n, "asyncio tasks %d", h->tasks);
    screen_text(s, 2, 0, SA_NORMAL, line, cols);

    snprintf(
        line, sizeof line, "Showing: %s \u00b7 by %s \u00b7 idle %s%s%s \u00b7 threads: %s%s%s%s",
        v->window ? "last 10 s" : "all since start", v->by_line ? "line" : "function",
        v->idle ? "on" : "off", v->gil_only ? " \u00b7 GIL holder only" : "",
        v->blocking ? " \u00b7 blocking" : "", v->threads,
        v->filter[0] || v->editing ? " \u00b7 filter: " : "", v->filter, v->editing ? "_" : "");
    if (v->endpoint[0]) {
        size_t len = strlen(line);
        snprintf(line + len, sizeof line - len, " \u00b7 endpoint: %s", v->endpoint);
    }
    screen_text(s, 3, 0, SA_DIM, line, cols);
    if (v->frozen)
        screen_text(s, 3, cols - 8 > 0 ? cols - 8 : 0, SA_BANNER, " FROZEN ", 8);

    if (v->banner[0])
        screen_text(s, 4, 0, SA_BANNER, v->banner, cols);
    else
        screen_text(s, 4, 0, SA_NORMAL, "", cols);
}

static void draw_table(struct view *v, struct screen *s, int first, int rows, int cols)
{
    struct view_layout l;
    view_layout(cols, &l);
    screen_text(s, first, 0, SA_TITLE, "", cols);
    for (int c = 0; c < VIEW_NCOLS; c++) {
        if (l.w[c] == 0)
            continue;
        char t[64];
        int sorted = (int)v->sort == c;
        snprintf(t, sizeof t, "%s%s", col_titles[c],
                 sorted ? (v->reverse ? "\u2191" : "\u2193") : "");
        int attr = sorted ? SA_SORTED : SA_TITLE;
        if (c == VIEW_COL_FUNCTION)
            screen_text(s, first, l.x[c], attr, t, screen_width(t));
        else
            text_right(s, first, l.x[c], l.w[c], attr, t);
    }
    v->page = rows - 1 > 0 ? rows - 1 : 1;
    scroll_to_selection(v);
    uint64_t base = v->fs.samples;
    for (int r = 0; r < v->page; r++) {
        int row = first + 1 + r;
        size_t i = v->top + (size_t)r;
        if (i >= v->norder) {
            screen_text(s, row, 0, SA_NORMAL, "", cols);
            continue;
        }
        const struct func_stat *f = &v->fs.v[v->order[i]];
        int attr = i == v->selected ? SA_SELECTED : SA_NORMAL;
        char buf[1200];
        screen_text(s, row, 0, attr, "", cols);
        fmt_pct(f->self, base, buf, sizeof buf);
        text_right(s, row, l.x[VIEW_COL_OWN_PCT], l.w[VIEW_COL_OWN_PCT], attr, buf);
        fmt_pct(f->total, base, buf, sizeof buf);
        text_right(s, row, l.x[VIEW_COL_TOTAL_PCT], l.w[VIEW_COL_TOTAL_PCT], attr, buf);
        if (l.w[VIEW_COL_OWN_TIME]) {
            view_format_time((double)f->self / v->rate, buf, sizeof buf);
            text_right(s, row, l.x[VIEW_COL_OWN_TIME], l.w[VIEW_COL_OWN_TIME], attr, buf);
            view_format_time((double)f->total / v->rate, buf, sizeof buf);
            text_right(s, row, l.x[VIEW_COL_TOTAL_TIME], l.w[VIEW_COL_TOTAL_TIME], attr, buf);
        }
        view_format_function(f, l.w[VIEW_COL_FUNCTION], buf, sizeof buf);
        screen_text(s, row, l.x[VIEW_COL_FUNCTION], attr, buf, l.w[VIEW_COL_FUNCTION]);
    }
}

static void draw_footer(struct screen *s, int row, int cols, enum view_mode mode)
{
    static const char *const table_keys[][2] = {
        {"q", "Quit"},      {"?", "Help"},  {"1-5", "Sort"},   {"/", "Filter"}, {"Enter", "Calls"},
        {"T", "Tree"},      {"F", "Flame"}, {"s", "Save"},     {"w", "Window"}, {"l", "Lines"},
        {"i", "Idle"},      {"r", "Reset"}, {"Spc", "Freeze"}, {"d", "Stacks"}, {"t", "Threads"},
        {"e", "Endpoints"}, {"p", "Pick"},
    };
    static const char *const endpoint_keys[][2] = {
        {"q", "Quit"},  {"?", "Help"},     {"Enter", "Functions"}, {"e/Esc", "Back"},
        {"r", "Reset"}, {"Spc", "Freeze"}, {"s", "Save"},          {"p", "Pick"},
    };
    static const char *const tree_keys[][2] = {
        {"q", "Quit"},      {"?", "Help"},     {"+/-", "Open/Close"}, {"*", "Open all"},
        {"Enter", "Calls"}, {"Esc", "Table"},  {"w", "Window"},       {"t", "Threads"},
        {"s", "Save"},      {"Spc", "Freeze"},
    };
    static const char *const flame_keys[][2] = {
        {"q", "Quit"},       {"?", "Help"},     {"Arrows", "Move"}, {"Enter", "Zoom"},
        {"Esc", "Zoom out"}, {"/", "Search"},   {"w", "Window"},    {"t", "Threads"},
        {"s", "Save"},       {"Spc", "Freeze"},
    };
    static const char *const callers_keys[][2] = {
        {"q", "Quit"},       {"?", "Help"},     {"+/-", "Open/Close"}, {"*", "Open all"},
        {"Enter", "Centre"}, {"Esc", "Back"},   {"w", "Window"},       {"t", "Threads"},
        {"s", "Save"},       {"Spc", "Freeze"},
    };
    const char *const(*keys)[2] = table_keys;
    size_t nkeys = sizeof table_keys / sizeof table_keys[0];
    if (mode == VIEW_MODE_ENDPOINTS)
        keys = endpoint_keys, nkeys = sizeof endpoint_keys / sizeof endpoint_keys[0];
    else if (mode == VIEW_MODE_TREE)
        keys = tree_keys, nkeys = sizeof tree_keys / sizeof tree_keys[0];
    else if (mode == VIEW_MODE_CALLERS)
        keys = callers_keys, nkeys = sizeof callers_keys / sizeof callers_keys[0];
    else if (mode == VIEW_MODE_FLAME)
        keys = flame_keys, nkeys = sizeof flame_keys / sizeof flame_keys[0];
    int x = 0;
    for (size_t i = 0; i < nkeys && x < cols; i++) {
        int kw = screen_width(keys[i][0]), lw = screen_width(keys[i][1]) + 1;
        if (x + kw + lw > cols)
            break;
        screen_text(s, row, x, SA_KEY, keys[i][0], kw);
        screen_text(s, row, x + kw, SA_KEYLABEL, keys[i][1], lw);
        x += kw + lw;
    }
    if (x < cols)
        screen_text(s, row, x, SA_KEYLABEL, "", cols - x);
}

static const char *const help_lines[] = {
    "pytop live view \u2014 keys",
    "",
    "  q, F10            quit (restores the terminal, stops what pytop started)",
    "  ?, h, F1          this help (any key returns)",
    "  1 2 3 4 5         sort by %Own, %Total, OwnTime, TotalTime, Function;",
    "                    the same key again reverses the order",
    "  < >               move the sort column left / right",
    "  /                 filter: type a substring of function, file or module;",
    "                    rows filter as you type; Enter keeps it, Esc clears it",
    "  s                 save a flamegraph of everything sampled (never overwrites)",
    "  Enter             callers and callees of the selected function: its callers above it,",
    "                    its callees below it, each with its share of the function's time;",
    "                    Enter on one centres on it, Backspace or Esc goes back",
    "  T                 the call tree from the roots, the hottest path open; Esc returns",
    "  Right Left + -    (tree, callers) open / close the selected line; * opens all below it",
    "  F                 a flamegraph of the samples, drawn here: arrows move between boxes,",
    "                    Enter zooms into one, Esc zooms out, / highlights matches and their share",
    "  d                 snapshot of every thread's stack (Esc returns)",
    "  p                 process picker",
    "  l                 toggle function / line aggregation",
    "  i                 toggle idle samples (restarts sampling)",
    "  t                 cycle through threads: all, then one at a time",
    "  n                 show / hide native frames (when started with -n)",
    "  A                 asyncio tasks on / off: each task sampled under the tasks awaiting it",
    "  e                 endpoints: the HTTP requests served, per endpoint (requests, in flight,",
    "                    shares of CPU and wall time, observed p50 / p95 / max, slow ones);",
    "                    Enter shows the functions of one endpoint, Esc in the table all again",
    "  w                 toggle the window: all since start / last 10 seconds",
    "  r                 reset the statistics",
    "  space             freeze the display (sampling goes on)",
    "  arrows, PgUp, PgDn, Home, End   move the selection / scroll",
    "",
    "Times are samples divided by the sampling rate, in seconds.",
};

static void draw_lines(struct screen *s, int first, int rows, int cols, const char *const *lines,
                       size_t n, size_t top)
{
    for (int r = 0; r < rows; r++) {
        size_t i = top + (size_t)r;
        screen_text(s, first + r, 0, SA_NORMAL, i < n ? lines[i] : "", cols);
    }
}

void view_draw(struct view *v, struct screen *s)
{
    int rows, cols;
    screen_size(s, &rows, &cols);
    if (rows <= 0 || cols <= 0)
        return;
    if (v->mode == VIEW_HELP) {
        draw_lines(s, 0, rows - 1, cols, help_lines, sizeof help_lines / sizeof help_lines[0], 0);
        screen_text(s, rows - 1, 0, SA_KEYLABEL, "Press any key to return", cols);
        screen_refresh(s);
        return;
    }
    if (v->mode == VIEW_TEXT) {
        screen_text(s, 0, 0, SA_TITLE, v->text_title, cols);
        int page = rows - 2 > 0 ? rows - 2 : 1;
        v->page = page;
        if (v->ntext > (size_t)page && v->text_top > v->ntext - (size_t)page)
            v->text_top = v->ntext - (size_t)page;
        draw_lines(s, 1, page, cols, v->text, v->ntext, v->text_top);
        screen_text(s, rows - 1, 0, SA_KEYLABEL, "Esc/q returns \u00b7 arrows, PgUp/PgDn scroll",
                    cols);
        screen_refresh(s);
        return;
    }
    draw_header(v, s, cols);
    int table_rows = rows - HEADER_ROWS - 2;
    if (table_rows < 2)
        table_rows = 2;
    struct outline_src src;
    if (is_tree_mode(v->mode) && tree_source(v, &src) != 0)
        v->mode = VIEW_TABLE;
    if (v->mode == VIEW_MODE_ENDPOINTS)
        endpoints_draw(&v->eps, s, HEADER_ROWS, table_rows - 1, cols, HEADER_ROWS + table_rows - 1);
    else if (v->mode == VIEW_MODE_TREE)
        tree_view_draw(&v->tv, &src, s, HEADER_ROWS, table_rows, cols);
    else if (v->mode == VIEW_MODE_CALLERS)
        callers_view_draw(&v->cv, &src, s, HEADER_ROWS, table_rows, cols);
    else if (v->mode == VIEW_MODE_FLAME)
        flame_view_draw(&v->flame, &src, s, HEADER_ROWS, table_rows, cols);
    else {
        if (v->rows_stale)
            view_update(v);
        draw_table(v, s, HEADER_ROWS, table_rows, cols);
    }
    if (rows >= HEADER_ROWS + 4) {
        screen_text(s, rows - 2, 0, SA_STATUS, v->status, cols);
        draw_footer(s, rows - 1, cols, v->mode);
    }
    screen_refresh(s);
}

/* ---- keys ------------------------------------------------------------- */

static void move_selection(struct view *v, long delta)
{
    if (v->norder == 0) {
        v->selected = 0;
        return;
    }
    long sel = (long)v->selected + delta;
    if (sel < 0)
        sel = 0;
    if (sel >= (long)v->norder)
        sel = (long)v->norder - 1;
    v->selected = (size_t)sel;
    scroll_to_selection(v);
    remember_selection(v);
}

static void set_sort(struct view *v, enum view_col c, int toggle)
{
    if (toggle && v->sort == c)
        v->reverse = !v->reverse;
    else {
        v->sort = c;
        v->reverse = 0;
    }
    remember_selection(v);
    view_update(v);
}

static enum view_action filter_key(struct view *v, int key)
{
    enum edit_result r = edit_key(v->filter, sizeof v->filter, key);
    if (r == EDIT_IGNORED)
        return VIEW_NONE;
    if (r == EDIT_DONE || r == EDIT_CANCELLED)
        v->editing = 0;
    remember_selection(v);
    view_update(v);
    return VIEW_NONE;
}

/* Enter on a function (of the table or the tree): its callers view. */
static void open_callers(struct view *v, uint32_t frame, enum view_mode back)
{
    struct outline_src src;
    if (tree_source(v, &src) != 0) {
        view_status(v, "no call tree yet");
        return;
    }
    if (callers_view_focus(&v->cv, &src, frame, 1) != 0) {
        view_status(v, "no callers view: out of memory");
        return;
    }
    v->cv_back = back;
    v->mode = VIEW_MODE_CALLERS;
}

/* Show the call tree (T) or the flamegraph (F) of the rows now. */
static void open_view(struct view *v, enum view_mode m)
{
    struct outline_src src;
    if (tree_source(v, &src) != 0) {
        view_status(v, "no call tree yet");
        return;
    }
    enum view_mode was = v->mode;
    v->mode = m;
    /* The table's filter, if any, is what the flamegraph looks for. */
    if (m == VIEW_MODE_FLAME && v->filter[0])
        str_copy(v->flame.search, sizeof v->flame.search, v->filter);
    if (update_trees(v) != 0)
        v->mode = was;
}

/* A key in the call tree or the callers view: CALLERS_KEY_OTHER when it
 * is not theirs (q, w, t, s...: the live view's everywhere). */
static int tree_key(struct view *v, int key)
{
    struct outline_src src;
    if (tree_source(v, &src) != 0) {
        v->mode = VIEW_TABLE;
        return CALLERS_KEY_OTHER;
    }
    if (v->mode == VIEW_MODE_FLAME) {
        int r = flame_view_key(&v->flame, &src, key);
        if (r < 0)
            view_status(v, "out of memory");
        if (r == FLAME_KEY_BACK)
            v->mode = VIEW_TABLE;
        return r == FLAME_KEY_OTHER ? CALLERS_KEY_OTHER : CALLERS_KEY_NONE;
    }
    if (v->mode == VIEW_MODE_TREE) {
        uint32_t frame = CT_NONE;
        int r = tree_view_key(&v->tv, &src, key, &frame);
        if (r < 0)
            view_status(v, "out of memory");
        if (r == TREE_KEY_BACK)
            v->mode = VIEW_TABLE;
        if (r == TREE_KEY_CALLERS)
            open_callers(v, frame, VIEW_MODE_TREE);
        return r == TREE_KEY_OTHER ? CALLERS_KEY_OTHER : CALLERS_KEY_NONE;
    }
    int r = callers_view_key(&v->cv, &src, key);
    if (r < 0)
        view_status(v, "out of memory");
    if (r == CALLERS_KEY_BACK) {
        if (v->cv_back == VIEW_MODE_TREE)
            open_view(v, VIEW_MODE_TREE);
        else
            v->mode = VIEW_TABLE;
    }
    return r == CALLERS_KEY_OTHER ? CALLERS_KEY_OTHER : CALLERS_KEY_NONE;
}

enum view_action view_key(struct view *v, int key)
{
    if (key == SCREEN_KEY_SIGNAL)
        return VIEW_QUIT;
    if (v->mode == VIEW_HELP) {
        if (key != SCREEN_KEY_NONE && key != SCREEN_KEY_RESIZE) {
            v->mode = v->help_back;
            update_trees(v);
        }
        return VIEW_NONE;
    }
    if (v->mode == VIEW_TEXT) {
        size_t page = v->page > 0 ? (size_t)v->page : 1;
        if (key == SCREEN_KEY_ESC || key == 'q') {
            v->mode = VIEW_TABLE;
            free_text(v);
        } else if (key == SCREEN_KEY_UP && v->text_top > 0)
            v->text_top--;
        else if (key == SCREEN_KEY_DOWN && v->text_top + 1 < v->ntext)
            v->text_top++;
        else if (key == SCREEN_KEY_PPAGE)
            v->text_top = v->text_top > page ? v->text_top - page : 0;
        else if (key == SCREEN_KEY_NPAGE && v->ntext > 0)
            v->text_top = v->text_top + page < v->ntext ? v->text_top + page : v->ntext - 1;
        else if (key == SCREEN_KEY_HOME)
            v->text_top = 0;
        else if (key == SCREEN_KEY_END)
            v->text_top = v->ntext > page ? v->ntext - page : 0;
        return VIEW_NONE;
    }
    if (v->editing)
        return filter_key(v, key);
    if (is_tree_mode(v->mode)) {
        int done = tree_key(v, key);
        if (done != CALLERS_KEY_OTHER)
            return VIEW_NONE;
    }
    if (key == 'F' && v->mode != VIEW_MODE_FLAME) {
        open_view(v, VIEW_MODE_FLAME);
        return VIEW_NONE;
    }
    if (v->mode == VIEW_TABLE && (key == SCREEN_KEY_ENTER || key == '\n' || key == '\r')) {
        if (v->selected < v->norder)
            open_callers(v, v->fs.v[v->order[v->selected]].frame, VIEW_TABLE);
        return VIEW_NONE;
    }
    if (key == 'T' && v->mode != VIEW_MODE_TREE) {
        open_view(v, VIEW_MODE_TREE);
        return VIEW_NONE;
    }
    if (v->mode == VIEW_MODE_ENDPOINTS) {
        long rows = v->eps.page > 0 ? v->eps.page : 1;
        if (key == SCREEN_KEY_UP || key == SCREEN_KEY_DOWN || key == SCREEN_KEY_PPAGE ||
            key == SCREEN_KEY_NPAGE || key == SCREEN_KEY_HOME || key == SCREEN_KEY_END) {
            long n = v->eps.t.n;
            endpoints_move(&v->eps, key == SCREEN_KEY_UP      ? -1
                                    : key == SCREEN_KEY_DOWN  ? 1
                                    : key == SCREEN_KEY_PPAGE ? -rows
                                    : key == SCREEN_KEY_NPAGE ? rows
                                    : key == SCREEN_KEY_HOME  ? -n
                                                              : n);
            return VIEW_NONE;
        }
        if (key == SCREEN_KEY_ENTER || key == '\n' || key == '\r') {
            const char *name = endpoints_selected(&v->eps);
            if (name == NULL)
                return VIEW_NONE;
            str_copy(v->endpoint, sizeof v->endpoint, name);
            v->mode = VIEW_TABLE;
            v->selection_reset = 1;
            return VIEW_ENDPOINT;
        }
        if (key == 'e' || key == SCREEN_KEY_ESC) {
            v->mode = VIEW_TABLE;
            return VIEW_NONE;
        }
        /* Sorting and filtering are the function table's. */
        if (key == '/' || key == '<' || key == '>' || (key >= '1' && key <= '5'))
            return VIEW_NONE;
    }
    long page = v->page > 0 ? v->page : 1;
    if (key == 'q' || key == SCREEN_KEY_F10)
        return VIEW_QUIT;
    if (key == '?' || key == 'h' || key == SCREEN_KEY_F1) {
        v->help_back = is_tree_mode(v->mode) ? v->mode : VIEW_TABLE;
        v->mode = VIEW_HELP;
    } else if (key >= '1' && key <= '5') {
        set_sort(v, (enum view_col)(key - '1'), 1);
    } else if (key == '<') {
        set_sort(v, (enum view_col)((v->sort + VIEW_NCOLS - 1) % VIEW_NCOLS), 0);
    } else if (key == '>') {
        set_sort(v, (enum view_col)((v->sort + 1) % VIEW_NCOLS), 0);
    } else if (key == '/') {
        v->editing = 1;
        v->filter[0] = '\0';
        view_update(v);
    } else if (key == SCREEN_KEY_ESC) {
        if (v->filter[0]) {
            v->filter[0] = '\0';
            view_update(v);
        } else if (v->endpoint[0]) {
            v->endpoint[0] = '\0';
            v->selection_reset = 1;
            return VIEW_ENDPOINT;
        }
    } else if (key == 'e') {
        v->mode = VIEW_MODE_ENDPOINTS;
        return VIEW_ENDPOINTS;
    } else if (key == SCREEN_KEY_UP) {
        move_selection(v, -1);
    } else if (key == SCREEN_KEY_DOWN) {
        move_selection(v, 1);
    } else if (key == SCREEN_KEY_PPAGE) {
        move_selection(v, -page);
    } else if (key == SCREEN_KEY_NPAGE) {
        move_selection(v, page);
    } else if (key == SCREEN_KEY_HOME) {
        move_selection(v, -(long)v->norder);
    } else if (key == SCREEN_KEY_END) {
        move_selection(v, (long)v->norder);
    } else if (key == 's') {
        return VIEW_SAVE;
    } else if (key == 'r') {
        return VIEW_RESET;
    } else if (key == 'l') {
        v->by_line = !v->by_line;
        return VIEW_LINES;
    } else if (key == 'i') {
        return VIEW_IDLE;
    } else if (key == 'w') {
        v->window = !v->window;
        return VIEW_WINDOW;
    } else if (key == 't') {
        return VIEW_THREADS;
    } else if (key == 'p') {
        return VIEW_PICKER;
    } else if (key == 'n') {
        if (!v->native) {
            view_status(v, "native frames need -n/--native at start");
            return VIEW_NONE;
        }
        v->native_hidden = !v->native_hidden;
        return VIEW_NATIVE;
    } else if (key == 'A') {
        return VIEW_ASYNC;
    } else if (key == 'd') {
        return VIEW_STACKS;
    } else if (key == ' ') {
        v->frozen = !v->frozen;
        return VIEW_FREEZE;
    }
    return VIEW_NONE;
}
