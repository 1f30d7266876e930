/*
 * report/difftree: see difftree.h.
 */
#include "config.h"
#include "report/difftree.h"

#include <stdlib.h>
#include <string.h>

#define WEIGHT_MAX (UINT64_C(1) << 60)

static uint64_t gcd(uint64_t a, uint64_t b)
{
    while (b != 0) {
        uint64_t r = a % b;
        a = b;
        b = r;
    }
    return a;
}

/* BEFORE's node i's twin in AFTER, for every i, in map: a parent's id is
 * always below its children's, so one pass in id order sees every parent
 * first. frames[f]: AFTER's id of BEFORE's frame f, or CT_NONE. */
static void match(const struct calltree *before, const struct calltree *after,
                  const uint32_t *frames, uint32_t *map)
{
    map[0] = 0;
    for (uint32_t i = 1; i < before->nnodes; i++) {
        uint32_t up = map[before->nodes[i].parent], f = frames[before->nodes[i].frame];
        map[i] = up == CT_NONE || f == CT_NONE ? CT_NONE : calltree_child(after, up, f);
    }
}

int difftree_build(struct difftree *d, const struct calltree *before, const struct calltree *after)
{
    memset(d, 0, sizeof *d);
    d->before = before;
    d->after = after;
    uint32_t *frames = malloc(((size_t)before->nframes + 1) * sizeof *frames);
    uint32_t *map = malloc((size_t)before->nnodes * sizeof *map);
    d->twin = malloc((size_t)after->nnodes * sizeof *d->twin);
    d->gone = malloc((size_t)before->nnodes);
    d->weight = calloc(after->nnodes, sizeof *d->weight);
    if (frames == NULL || map == NULL || d->twin == NULL || d->gone == NULL || d->weight == NULL) {
        free(frames);
        free(map);
        difftree_free(d);
        return -1;
    }
    for (uint32_t i = 0; i < before->nframes; i++) {
        const struct ct_frame *f = &before->frames[i];
        frames[i] = calltree_frame_find(after, f->kind, f->name, f->file, f->src, f->line);
    }
    match(before, after, frames, map);
    free(frames);

    uint64_t a_all = after->nodes[0].total, b_all = before->nodes[0].total;
    uint64_t g = a_all && b_all ? gcd(a_all, b_all) : 1;
    uint64_t ka = b_all ? b_all / g : 1, kb = a_all ? a_all / g : 1;
    while ((a_all > 0 && ka > WEIGHT_MAX / a_all) || (b_all > 0 && kb > WEIGHT_MAX / b_all)) {
        ka = (ka + 1) / 2;
        kb = (kb + 1) / 2;
    }
    d->before_unit = kb;

    /* weight first holds, per AFTER node, the BEFORE samples of the gone
     * paths that start right under it; a backward pass (children have
     * the higher ids) sums them over each subtree. */
    for (uint32_t i = 0; i < after->nnodes; i++)
        d->twin[i] = CT_NONE;
    for (uint32_t i = 0; i < before->nnodes; i++) {
        d->gone[i] = map[i] == CT_NONE;
        if (map[i] != CT_NONE)
            d->twin[map[i]] = i;
        else if (map[before->nodes[i].parent] != CT_NONE)
            d->weight[map[before->nodes[i].parent]] += before->nodes[i].total;
    }
    free(map);
    for (uint32_t i = after->nnodes; i-- > 1;)
        d->weight[after->nodes[i].parent] += d->weight[i];
    for (uint32_t i = 0; i < after->nnodes; i++)
        d->weight[i] = after->nodes[i].total * ka + d->weight[i] * kb;
    return 0;
}

void difftree_free(struct difftree *d)
{
    free(d->twin);
    free(d->gone);
    free(d->weight);
    memset(d, 0, sizeof *d);
}
