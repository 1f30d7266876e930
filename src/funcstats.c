/*
 * funcstats: self and total per function. See funcstats.h.
 *
 * One depth-first pass over the tree with an explicit stack (trees can be
 * thousands of frames deep) and, per function, how many times it is on
 * the current path.
 */
#include "config.h"
#include "funcstats.h"

#include <stdlib.h>
#include <string.h>

static uint64_t hash_str(const char *s, uint64_t h)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return h;
}

/* Map every frame to a row: frames of one function share it (by function),
 * or each frame is its own row (by line). rows[frame] = row or CT_NONE. */
static int assign_rows(const struct calltree *t, int by_line, int with_roots, uint32_t *rows,
                       struct funcstats *out)
{
    uint32_t nslots = 64;
    while (nslots < t->nframes * 2)
        nslots *= 2;
    uint32_t *slots = calloc(nslots, sizeof *slots);
    out->v = calloc(t->nframes ? t->nframes : 1, sizeof *out->v);
    if (slots == NULL || out->v == NULL) {
        free(slots);
        return -1;
    }
    for (uint32_t f = 0; f < t->nframes; f++) {
        const struct ct_frame *fr = &t->frames[f];
        rows[f] = CT_NONE;
        if (fr->kind != CT_PYTHON && !with_roots)
            continue;
        if (by_line) {
            rows[f] = (uint32_t)out->n;
            out->v[out->n++] = (struct func_stat){fr->name, fr->file, fr->line, fr->kind, 0, 0};
            continue;
        }
        uint64_t h = hash_str(fr->file, hash_str(fr->name, 0xcbf29ce484222325ULL) ^ 0x2f);
        uint32_t at = (uint32_t)(h ^ (h >> 29)) & (nslots - 1);
        for (; slots[at]; at = (at + 1) & (nslots - 1)) {
            const struct func_stat *s = &out->v[slots[at] - 1];
            if (s->kind == fr->kind && strcmp(s->name, fr->name) == 0 &&
                strcmp(s->file, fr->file) == 0)
                break;
        }
        /* A function's row shows its first line: known from the code
         * object, else the smallest line seen. */
        int line = fr->def_line > 0 ? fr->def_line : fr->line;
        if (slots[at] == 0) {
            out->v[out->n] = (struct func_stat){fr->name, fr->file, line, fr->kind, 0, 0};
            slots[at] = (uint32_t)++out->n;
        } else if (line < out->v[slots[at] - 1].line) {
            out->v[slots[at] - 1].line = line;
        }
        rows[f] = slots[at] - 1;
    }
    free(slots);
    return 0;
}

int funcstats_compute(const struct calltree *t, int by_line, int with_roots, struct funcstats *out)
{
    memset(out, 0, sizeof *out);
    out->samples = t->nnodes ? t->nodes[0].total : 0;
    uint32_t *rows = malloc(((size_t)t->nframes + 1) * sizeof *rows);
    if (rows == NULL || assign_rows(t, by_line, with_roots, rows, out) != 0) {
        free(rows);
        funcstats_free(out);
        return -1;
    }
    uint32_t *onpath = calloc(out->n + 1, sizeof *onpath);
    if (onpath == NULL) {
        free(rows);
        funcstats_free(out);
        return -1;
    }
    /* Iterative depth-first walk: enter a node, visit its children, leave. */
    uint32_t node = t->nodes[0].child;
    while (node != CT_NONE) {
        const struct ct_node *n = &t->nodes[node];
        uint32_t row = rows[n->frame];
        if (row != CT_NONE) {
            out->v[row].self += n->self;
            if (onpath[row]++ == 0)
                out->v[row].total += n->total;
        }
        if (n->child != CT_NONE) {
            node = n->child;
            continue;
        }
        /* Leave nodes until one has a next sibling. */
        for (;;) {
            const struct ct_node *m = &t->nodes[node];
            if (rows[m->frame] != CT_NONE)
                onpath[rows[m->frame]]--;
            if (m->sibling != CT_NONE) {
                node = m->sibling;
                break;
            }
            node = m->parent;
            if (node == 0 || node == CT_NONE) {
                node = CT_NONE;
                break;
            }
        }
    }
    free(onpath);
    free(rows);
    /* Rows never sampled (frames interned by a reset profile) go. */
    size_t k = 0;
    for (size_t i = 0; i < out->n; i++)
        if (out->v[i].total > 0)
            out->v[k++] = out->v[i];
    out->n = k;
    return 0;
}

void funcstats_free(struct funcstats *fs)
{
    free(fs->v);
    memset(fs, 0, sizeof *fs);
}
