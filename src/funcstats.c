/*
 * funcstats: self and total per function. See funcstats.h.
 *
 * The one idea: a node adds its total to its row only where no ancestor
 * has the same row, and in pre-order an ancestor's subtree is the range
 * [its position, its position + its size). So the tree is laid out in
 * pre-order by two passes in id order (a parent always has a smaller id
 * than its children), then one scan keeps, per row, the end of the last
 * range counted. Every pass reads the nodes in memory order: a walk
 * along child and sibling links waits for a cache miss per node.
 */
#include "config.h"
#include "funcstats.h"

#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "hindex.h"

static uint64_t hash_function(const struct ct_frame *fr)
{
    return hash_mix(hash_str(fr->file, hash_str(fr->name, HASH_SEED ^ (uint64_t)fr->kind)));
}

/* Map every frame to a row: frames of one function share it (by function),
 * or each frame is its own row (by line). rows[frame] = row or CT_NONE.
 * The rows are indexed by their function's hash, computed for every frame
 * first: a probe compares strings only when the hashes agree, and the
 * slots can be fetched ahead. */
static int assign_rows(const struct calltree *t, int by_line, int with_roots, uint32_t *rows,
                       struct funcstats *out)
{
    enum { AHEAD = 8 };
    struct hindex index = {0};
    uint64_t *hashes = NULL;
    if (!by_line) {
        hashes = malloc(((size_t)t->nframes + 1) * sizeof *hashes);
        if (hashes == NULL || hindex_reserve(&index, t->nframes, 0, 0, NULL, NULL) != 0) {
            free(hashes);
            return -1;
        }
    }
    out->v = malloc((t->nframes ? t->nframes : 1) * sizeof *out->v);
    if (out->v == NULL) {
        free(hashes);
        hindex_free(&index);
        return -1;
    }
    for (uint32_t f = 0; f < t->nframes && !by_line; f++)
        hashes[f] = hash_function(&t->frames[f]);
    for (uint32_t f = 0; f < t->nframes; f++) {
        const struct ct_frame *fr = &t->frames[f];
        rows[f] = CT_NONE;
        if ((fr->kind == CT_PROCESS || fr->kind == CT_THREAD) && !with_roots)
            continue;
        if (by_line) {
            rows[f] = (uint32_t)out->n;
            out->v[out->n++] =
                (struct func_stat){fr->name, fr->file, fr->src, fr->line, fr->kind, 0, 0, f};
            continue;
        }
        if (f + AHEAD < t->nframes)
            __builtin_prefetch(&index.slots[hindex_start(&index, hashes[f + AHEAD])]);
        uint32_t at = hindex_start(&index, hashes[f]);
        for (; hindex_at(&index, at); at = hindex_next(&index, at)) {
            const struct func_stat *s = &out->v[hindex_at(&index, at) - 1];
            if (hashes[s->frame] == hashes[f] && s->kind == fr->kind &&
                strcmp(s->name, fr->name) == 0 && strcmp(s->file, fr->file) == 0)
                break;
        }
        /* A function's row shows its first line: known from the code
         * object, else the smallest line seen. */
        int line = fr->kind == CT_NATIVE ? 0 : fr->def_line > 0 ? fr->def_line : fr->line;
        uint32_t row;
        if (hindex_at(&index, at) == 0) {
            row = (uint32_t)out->n++;
            out->v[row] = (struct func_stat){fr->name, fr->file, fr->src, line, fr->kind, 0, 0, f};
            hindex_put(&index, at, row);
        } else {
            row = hindex_at(&index, at) - 1;
            if (line < out->v[row].line)
                out->v[row].line = line;
            if (strcmp(out->v[row].src, fr->src) != 0)
                out->v[row].src = "";
        }
        rows[f] = row;
    }
    free(hashes);
    hindex_free(&index);
    return 0;
}

/* A node in pre-order: its row, where its subtree ends, its total. */
struct pre_node {
    uint32_t row, end;
    uint64_t total;
};

/* Lay the nodes out in pre-order (children by id, which is as good as
 * sibling order for counting) and add up the self counts on the way. */
static int lay_out(const struct calltree *t, const uint32_t *rows, struct funcstats *out,
                   struct pre_node *pre)
{
    /* span[i]: first the size of i's subtree, then, once i has its
     * position, the position of i's next child. */
    uint32_t *span = malloc((size_t)t->nnodes * sizeof *span);
    if (span == NULL)
        return -1;
    for (uint32_t i = 0; i < t->nnodes; i++)
        span[i] = 1;
    for (uint32_t i = t->nnodes; i-- > 1;)
        span[t->nodes[i].parent] += span[i];
    span[0] = 1;
    pre[0] = (struct pre_node){CT_NONE, t->nnodes, 0};
    for (uint32_t i = 1; i < t->nnodes; i++) {
        const struct ct_node *n = &t->nodes[i];
        uint32_t at = span[n->parent];
        span[n->parent] += span[i];
        uint32_t row = rows[n->frame];
        pre[at] = (struct pre_node){row, at + span[i], n->total};
        span[i] = at + 1;
        if (row != CT_NONE)
            out->v[row].self += n->self;
    }
    free(span);
    return 0;
}

/* Totals: in pre-order, a node whose position is inside the last range
 * counted for its row is below an occurrence of the same row. The sums
 * go to a compact array first: the rows come in no order. */
static int add_totals(const struct calltree *t, const struct pre_node *pre, struct funcstats *out)
{
    struct {
        uint64_t total;
        uint32_t end;
    } *acc = calloc(out->n + 1, sizeof *acc);
    if (acc == NULL)
        return -1;
    for (uint32_t at = 1; at < t->nnodes; at++) {
        uint32_t row = pre[at].row;
        if (row != CT_NONE && at >= acc[row].end) {
            acc[row].total += pre[at].total;
            acc[row].end = pre[at].end;
        }
    }
    for (size_t row = 0; row < out->n; row++)
        out->v[row].total = acc[row].total;
    free(acc);
    return 0;
}

int funcstats_compute(const struct calltree *t, int by_line, int with_roots, struct funcstats *out)
{
    memset(out, 0, sizeof *out);
    out->samples = t->nnodes ? t->nodes[0].total : 0;
    uint32_t *rows = malloc(((size_t)t->nframes + 1) * sizeof *rows);
    struct pre_node *pre = malloc(((size_t)t->nnodes + 1) * sizeof *pre);
    int rc = rows && pre ? 0 : -1;
    if (rc == 0)
        rc = assign_rows(t, by_line, with_roots, rows, out);
    if (rc == 0 && t->nnodes > 0)
        rc = lay_out(t, rows, out, pre);
    if (rc == 0 && t->nnodes > 0)
        rc = add_totals(t, pre, out);
    free(pre);
    if (rc != 0) {
        free(rows);
        funcstats_free(out);
        return -1;
    }
    /* Rows never sampled (frames interned by a reset profile) go; the
     * frames map to the rows where they now are. */
    uint32_t *moved = malloc((out->n + 1) * sizeof *moved);
    if (moved == NULL) {
        free(rows);
        funcstats_free(out);
        return -1;
    }
    size_t k = 0;
    for (size_t i = 0; i < out->n; i++) {
        moved[i] = out->v[i].total > 0 ? (uint32_t)k : CT_NONE;
        if (out->v[i].total > 0)
            out->v[k++] = out->v[i];
    }
    out->n = k;
    for (uint32_t f = 0; f < t->nframes; f++)
        if (rows[f] != CT_NONE)
            rows[f] = moved[rows[f]];
    free(moved);
    out->row_of = rows;
    out->nframes = t->nframes;
    return 0;
}

uint32_t funcstats_frame(const struct funcstats *fs, uint32_t frame)
{
    if (frame >= fs->nframes || fs->row_of[frame] == CT_NONE)
        return CT_NONE;
    return fs->v[fs->row_of[frame]].frame;
}

void funcstats_free(struct funcstats *fs)
{
    free(fs->row_of);
    free(fs->v);
    memset(fs, 0, sizeof *fs);
}
