/*
 * butterfly: callers and callees of one function. See butterfly.h.
 *
 * One pass over the nodes in id order (a parent always comes before its
 * children) finds each node's place in `down`: nothing outside the
 * function, the root for an outermost occurrence of it, the child of the
 * parent's place for anything below one. Each outermost occurrence also
 * adds its chain of callers, innermost first, to `up`.
 */
#include "config.h"
#include "butterfly.h"

#include <stdlib.h>
#include <string.h>

/* Add count samples through the callers of node i to up. */
static int add_callers(const struct calltree *t, const struct funcstats *fs, uint32_t i,
                       uint64_t count, struct calltree *up)
{
    uint32_t at = 0;
    for (uint32_t p = t->nodes[i].parent; p != CT_NONE && p != 0; p = t->nodes[p].parent) {
        uint32_t f = funcstats_frame(fs, t->nodes[p].frame);
        if (f == CT_NONE)
            continue;
        at = calltree_child_add(up, at, f);
        if (at == CT_NONE)
            return -1;
    }
    up->nodes[at].self += count;
    return 0;
}

int butterfly_compute(const struct calltree *t, const struct funcstats *fs, uint32_t row,
                      struct butterfly *out)
{
    memset(out, 0, sizeof *out);
    if (calltree_init_like(&out->up, t) != 0)
        return -1;
    if (calltree_init_like(&out->down, t) != 0) {
        calltree_free(&out->up);
        return -1;
    }
    if (row >= fs->n || fs->row_of == NULL)
        return 0; /* no such function: nothing calls it, it calls nothing */
    uint32_t *map = malloc(((size_t)t->nnodes + 1) * sizeof *map);
    if (map == NULL) {
        butterfly_free(out);
        return -1;
    }
    uint32_t self_frame = fs->v[row].frame;
    map[0] = CT_NONE;
    for (uint32_t i = 1; i < t->nnodes; i++) {
        const struct ct_node *n = &t->nodes[i];
        uint32_t up = map[n->parent], f = funcstats_frame(fs, n->frame);
        if (up == CT_NONE && f != self_frame) {
            map[i] = CT_NONE;
            continue;
        }
        if (up == CT_NONE) {
            map[i] = 0; /* an outermost occurrence */
            if (add_callers(t, fs, i, n->total, &out->up) != 0)
                goto oom;
        } else if (f == CT_NONE) {
            map[i] = up; /* a frame with no row is passed through */
        } else if ((map[i] = calltree_child_add(&out->down, up, f)) == CT_NONE) {
            goto oom;
        }
        out->down.nodes[map[i]].self += n->self;
    }
    free(map);
    calltree_fix_totals(&out->up);
    calltree_fix_totals(&out->down);
    return 0;
oom:
    free(map);
    butterfly_free(out);
    return -1;
}

void butterfly_free(struct butterfly *b)
{
    calltree_free(&b->up);
    calltree_free(&b->down);
}
