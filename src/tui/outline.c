/*
 * tui/outline: a folding call tree. See outline.h.
 */
#include "config.h"
#include "tui/outline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hash.h"
#include "tui/names.h"
#include "util.h"

#define PATH_SEED 0x6a09e667f3bcc908ULL
#define MORE_KEY  0x3c6ef372fe94f82bULL /* a "more" row's key below its parent */

struct outline_level {
    size_t lo, hi, at; /* its children are pool[lo..hi); the next to show is at */
    uint32_t parent;
    int depth;
};

static uint64_t path_of(uint64_t parent, uint64_t key)
{
    return hash_mix(parent ^ key);
}

void outline_init(struct outline *o)
{
    memset(o, 0, sizeof *o);
}

void outline_free(struct outline *o)
{
    free(o->open);
    free(o->rows);
    free(o->paths);
    free(o->pool);
    free(o->levels);
    memset(o, 0, sizeof *o);
}

/* Where path is in the open set, or where it would go. */
static size_t open_at(const struct outline *o, uint64_t path)
{
    size_t lo = 0, hi = o->nopen;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (o->open[mid] < path)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int is_open(const struct outline *o, uint64_t path)
{
    size_t at = open_at(o, path);
    return at < o->nopen && o->open[at] == path;
}

static int set_open(struct outline *o, uint64_t path, int open)
{
    size_t at = open_at(o, path);
    int there = at < o->nopen && o->open[at] == path;
    if (open && !there) {
        if (vec_reserve((void **)&o->open, &o->open_cap, sizeof *o->open, o->nopen + 1) != 0)
            return -1;
        memmove(o->open + at + 1, o->open + at, (o->nopen - at) * sizeof *o->open);
        o->open[at] = path;
        o->nopen++;
    } else if (!open && there) {
        memmove(o->open + at, o->open + at + 1, (o->nopen - at - 1) * sizeof *o->open);
        o->nopen--;
    }
    return 0;
}

void outline_paths(const struct calltree *t, const uint64_t *key, uint64_t *paths)
{
    paths[0] = PATH_SEED;
    for (uint32_t i = 1; i < t->nnodes; i++)
        paths[i] = path_of(paths[t->nodes[i].parent], key[t->nodes[i].frame]);
}

static int paths_of(struct outline *o, const struct calltree *t, const uint64_t *key)
{
    if (vec_reserve((void **)&o->paths, &o->paths_cap, sizeof *o->paths, (size_t)t->nnodes + 1) !=
        0)
        return -1;
    outline_paths(t, key, o->paths);
    return 0;
}

struct order_ctx {
    const struct calltree *t;
    int order, reverse;
};

static int by_order(const void *a, const void *b, void *ctx)
{
    const struct order_ctx *c = ctx;
    const struct ct_node *x = &c->t->nodes[*(const uint32_t *)a],
                         *y = &c->t->nodes[*(const uint32_t *)b];
    int r = 0;
    if (c->order == OUTLINE_BY_NAME)
        r = strcmp(c->t->frames[x->frame].name, c->t->frames[y->frame].name);
    else if (x->total != y->total)
        r = x->total > y->total ? -1 : 1;
    if (r != 0)
        return c->reverse ? -r : r;
    return *(const uint32_t *)a < *(const uint32_t *)b ? -1 : 1; /* first seen first */
}

void outline_sort(const struct calltree *t, uint32_t *nodes, size_t n, int order, int reverse)
{
    struct order_ctx c = {t, order, reverse};
    if (n > 1)
        qsort_r(nodes, n, sizeof *nodes, by_order, &c);
}

/* Push the children of node (those with samples) as a new level. */
static int push_level(struct outline *o, size_t *nlevels, const struct calltree *t, uint32_t node,
                      int depth)
{
    size_t lo = *nlevels ? o->levels[*nlevels - 1].hi : 0, hi = lo;
    for (uint32_t c = t->nodes[node].child; c != CT_NONE; c = t->nodes[c].sibling) {
        if (t->nodes[c].total == 0)
            continue;
        if (vec_reserve((void **)&o->pool, &o->pool_cap, sizeof *o->pool, hi + 1) != 0)
            return -1;
        o->pool[hi++] = c;
    }
    /* The children of the limit or more first, in the order asked; the
     * small ones after them, where one "more" row can fold them. */
    size_t big = lo;
    for (size_t k = lo; k < hi; k++)
        if (t->nodes[o->pool[k]].total >= o->limit) {
            uint32_t c = o->pool[k];
            o->pool[k] = o->pool[big];
            o->pool[big++] = c;
        }
    outline_sort(t, o->pool + lo, big - lo, o->order, o->reverse);
    outline_sort(t, o->pool + big, hi - big, OUTLINE_BY_TOTAL, 0);
    if (vec_reserve((void **)&o->levels, &o->levels_cap, sizeof *o->levels, *nlevels + 1) != 0)
        return -1;
    o->levels[(*nlevels)++] = (struct outline_level){lo, hi, lo, node, depth};
    return 0;
}

static int add_row(struct outline *o, struct outline_row r)
{
    if (vec_reserve((void **)&o->rows, &o->rows_cap, sizeof *o->rows, o->nrows + 1) != 0)
        return -1;
    o->rows[o->nrows++] = r;
    return 0;
}

int outline_build(struct outline *o, const struct calltree *t, const uint64_t *key, uint64_t limit)
{
    o->nrows = 0;
    o->limit = limit;
    if (t->nnodes == 0)
        return 0;
    if (paths_of(o, t, key) != 0)
        return -1;
    size_t nlevels = 0;
    if (push_level(o, &nlevels, t, 0, 0) != 0)
        return -1;
    while (nlevels > 0) {
        struct outline_level *l = &o->levels[nlevels - 1];
        if (l->at == l->hi) {
            nlevels--;
            continue;
        }
        uint32_t c = o->pool[l->at];
        uint64_t more = path_of(o->paths[l->parent], MORE_KEY);
        /* Sorted largest first: from here on all are small. */
        if (t->nodes[c].total < limit && l->hi - l->at > 1 && !is_open(o, more)) {
            uint64_t sum = 0;
            for (size_t k = l->at; k < l->hi; k++)
                sum += t->nodes[o->pool[k]].total;
            struct outline_row r = {l->parent, (uint32_t)(l->hi - l->at), sum, more, l->depth};
            l->at = l->hi;
            if (add_row(o, r) != 0)
                return -1;
            continue;
        }
        l->at++;
        int depth = l->depth;
        struct outline_row r = {c, 0, t->nodes[c].total, o->paths[c], depth};
        if (add_row(o, r) != 0)
            return -1;
        if (t->nodes[c].child != CT_NONE && is_open(o, o->paths[c]) &&
            push_level(o, &nlevels, t, c, depth + 1) != 0)
            return -1;
    }
    return 0;
}

int outline_is_open(const struct outline *o, const struct outline_row *r)
{
    return r->hidden == 0 && is_open(o, r->path);
}

int outline_set(struct outline *o, size_t i, int open)
{
    if (i >= o->nrows)
        return 0;
    return set_open(o, o->rows[i].path, open);
}

static int by_value(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int outline_open_below(struct outline *o, const struct calltree *t, size_t i)
{
    if (i >= o->nrows || o->rows[i].hidden)
        return 0;
    uint32_t top = o->rows[i].node;
    unsigned char *under = calloc((size_t)t->nnodes + 1, 1);
    if (under == NULL)
        return -1;
    under[top] = 1;
    size_t n = o->nopen;
    int rc = 0;
    for (uint32_t k = top; k < t->nnodes && rc == 0; k++) {
        if (k != top && !under[t->nodes[k].parent])
            continue;
        under[k] = 1;
        if (t->nodes[k].child == CT_NONE)
            continue;
        rc = vec_reserve((void **)&o->open, &o->open_cap, sizeof *o->open, n + 1);
        if (rc == 0)
            o->open[n++] = o->paths[k];
    }
    free(under);
    if (rc != 0)
        return -1;
    /* Sorted again, once, and each path kept once. */
    if (n > 1)
        qsort(o->open, n, sizeof *o->open, by_value);
    size_t k = 0;
    for (size_t j = 0; j < n; j++)
        if (k == 0 || o->open[k - 1] != o->open[j])
            o->open[k++] = o->open[j];
    o->nopen = k;
    return 0;
}

int outline_open_hottest(struct outline *o, const struct calltree *t, const uint64_t *key,
                         uint64_t limit)
{
    if (t->nnodes == 0 || paths_of(o, t, key) != 0)
        return t->nnodes == 0 ? 0 : -1;
    uint32_t node = 0;
    for (;;) {
        uint32_t best = CT_NONE;
        for (uint32_t c = t->nodes[node].child; c != CT_NONE; c = t->nodes[c].sibling)
            if (best == CT_NONE || t->nodes[c].total > t->nodes[best].total)
                best = c;
        if (best == CT_NONE || t->nodes[best].total < limit || t->nodes[best].total == 0)
            return 0;
        if (t->nodes[best].child != CT_NONE && set_open(o, o->paths[best], 1) != 0)
            return -1;
        node = best;
    }
}

size_t outline_find(const struct outline *o, uint64_t path)
{
    for (size_t i = 0; i < o->nrows; i++)
        if (o->rows[i].path == path)
            return i;
    return o->nrows;
}

size_t outline_parent(const struct outline *o, size_t i)
{
    if (i >= o->nrows || o->rows[i].depth == 0)
        return i;
    for (size_t k = i; k-- > 0;)
        if (o->rows[k].depth < o->rows[i].depth)
            return k;
    return i;
}

void outline_draw_name(struct screen *s, int y, int x, int width, int attr, const struct outline *o,
                       const struct outline_row *r, const struct calltree *t,
                       const struct outline_src *src, int shift)
{
    const struct funcstats *fs = src->fs;
    if (width <= 0)
        return;
    int indent = 2 * (r->depth > shift ? r->depth - shift : 0);
    if (indent > width / 2)
        indent = width / 2;
    char buf[1200];
    if (r->hidden) {
        snprintf(buf, sizeof buf, "%*s\u25b8 %u more", indent, "", r->hidden);
        screen_text(s, y, x, attr == SA_SELECTED ? attr : SA_DIM, buf, width);
        return;
    }
    const struct ct_node *n = &t->nodes[r->node];
    const char *mark = n->child == CT_NONE ? "  " : outline_is_open(o, r) ? "\u25be " : "\u25b8 ";
    /* As the table writes its row (by function: its first line). */
    const struct ct_frame *f = &t->frames[n->frame];
    struct func_stat fn = {f->name, f->file, f->src, f->line, f->kind, 0, 0, n->frame};
    if (n->frame < fs->nframes && fs->row_of[n->frame] != CT_NONE)
        fn = fs->v[fs->row_of[n->frame]];
    /* The table's filter: what it would keep stands out. */
    if (attr == SA_NORMAL && src->filter != NULL && src->filter[0] &&
        (strcasestr(fn.name, src->filter) != NULL || strcasestr(fn.file, src->filter) != NULL ||
         strcasestr(fn.src, src->filter) != NULL))
        attr = SA_BOLD;
    snprintf(buf, sizeof buf, "%*s%s", indent, "", mark);
    screen_text(s, y, x, attr, buf, indent + 2);
    view_format_function(&fn, width - indent - 2, buf, sizeof buf);
    screen_text(s, y, x + indent + 2, attr, buf, width - indent - 2);
}

void outline_move(size_t *sel, size_t *top, size_t n, long delta, int page)
{
    if (n == 0) {
        *sel = *top = 0;
        return;
    }
    long at = (long)*sel + delta;
    if (at < 0)
        at = 0;
    if (at >= (long)n)
        at = (long)n - 1;
    *sel = (size_t)at;
    if (page < 1)
        page = 1;
    if (*sel < *top)
        *top = *sel;
    if (*sel >= *top + (size_t)page)
        *top = *sel - (size_t)page + 1;
    if (*top > n - 1)
        *top = n - 1;
}

void outline_pct(uint64_t n, uint64_t base, char *out, size_t size)
{
    snprintf(out, size, "%6.1f", base ? 100.0 * (double)n / (double)base : 0.0);
}

long outline_key_delta(int key, long page, size_t n)
{
    return key == SCREEN_KEY_UP      ? -1
           : key == SCREEN_KEY_DOWN  ? 1
           : key == SCREEN_KEY_PPAGE ? -page
           : key == SCREEN_KEY_NPAGE ? page
           : key == SCREEN_KEY_HOME  ? -(long)n
           : key == SCREEN_KEY_END   ? (long)n
                                     : 0;
}

int outline_shift(const struct outline *o, size_t top, int page, int width)
{
    int deepest = 0, levels = width / 4 > 1 ? width / 4 : 1;
    for (size_t i = top; i < o->nrows && i < top + (size_t)page; i++)
        if (o->rows[i].depth > deepest)
            deepest = o->rows[i].depth;
    return deepest >= levels ? deepest - levels + 1 : 0;
}
