/*
 * report/compare: two profiles' functions side by side. See compare.h.
 *
 * Each profile's per-function figures come from funcstats (the one owner
 * of self and total counts); the two lists are sorted by (name, file)
 * and merged, so a function found in one profile only gets 0 in the
 * other.
 */
#include "config.h"
#include "report/compare.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "funcstats.h"
#include "report/analysis.h"
#include "util.h"

static int by_key(const void *a, const void *b)
{
    const struct func_stat *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c == 0)
        c = strcmp(x->file, y->file);
    return c != 0 ? c : x->kind - y->kind;
}

static double change(const struct compare_row *r)
{
    return fabs(r->total_after - r->total_before) + fabs(r->own_after - r->own_before) / 1e3;
}

static int by_change(const void *a, const void *b)
{
    double x = change(a), y = change(b);
    if (x != y)
        return x < y ? 1 : -1;
    return strcmp(((const struct compare_row *)a)->name, ((const struct compare_row *)b)->name);
}

static int keep(const struct func_stat *f)
{
    return f->kind == CT_PYTHON || f->kind == CT_NATIVE;
}

int compare_profiles(const struct calltree *before, const struct calltree *after,
                     struct comparison *c)
{
    memset(c, 0, sizeof *c);
    struct funcstats a, b;
    if (funcstats_compute(before, 0, 0, &a) != 0)
        return -1;
    if (funcstats_compute(after, 0, 0, &b) != 0) {
        funcstats_free(&a);
        return -1;
    }
    c->samples_before = before->nodes[0].total;
    c->samples_after = after->nodes[0].total;
    if (a.n > 1)
        qsort(a.v, a.n, sizeof *a.v, by_key);
    if (b.n > 1)
        qsort(b.v, b.n, sizeof *b.v, by_key);
    size_t cap = 0, i = 0, j = 0;
    int rc = 0;
    while ((i < a.n || j < b.n) && rc == 0) {
        const struct func_stat *x = i < a.n ? &a.v[i] : NULL, *y = j < b.n ? &b.v[j] : NULL;
        int cmp = x == NULL ? 1 : y == NULL ? -1 : by_key(x, y);
        const struct func_stat *f = cmp <= 0 ? x : y;
        if (keep(f)) {
            if (vec_reserve((void **)&c->v, &cap, sizeof *c->v, c->n + 1) != 0) {
                rc = -1;
                break;
            }
            struct compare_row *r = &c->v[c->n++];
            *r = (struct compare_row){f->name, f->file, f->src, f->line, f->kind, 0, 0, 0, 0};
            if (cmp <= 0) {
                r->own_before = report_pct(x->self, c->samples_before);
                r->total_before = report_pct(x->total, c->samples_before);
            }
            if (cmp >= 0) {
                r->own_after = report_pct(y->self, c->samples_after);
                r->total_after = report_pct(y->total, c->samples_after);
            }
        }
        i += cmp <= 0;
        j += cmp >= 0;
    }
    /* The rows point into the trees, not into a and b: freeing those
     * leaves them valid (funcstats borrows its strings from the tree). */
    funcstats_free(&a);
    funcstats_free(&b);
    if (rc != 0) {
        comparison_free(c);
        return -1;
    }
    if (c->n > 1)
        qsort(c->v, c->n, sizeof *c->v, by_change);
    return 0;
}

void comparison_free(struct comparison *c)
{
    free(c->v);
    memset(c, 0, sizeof *c);
}
