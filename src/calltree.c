/*
 * calltree: frames and stacks, interned. See calltree.h.
 *
 * Two open-addressing hash tables: frames by their content, and edges
 * (parent node, frame) -> child node. A sample of depth d costs d edge
 * lookups and allocates nothing once its stack has been seen.
 */
#include "config.h"
#include "calltree.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "hindex.h"
#include "util.h"

uint64_t calltree_frame_hash(int kind, const char *name, const char *file, const char *src,
                             int line)
{
    uint64_t h = hash_str(file, hash_str(name, HASH_SEED ^ (uint64_t)kind));
    if (src[0] != '\0')
        h = hash_str(src, h);
    return hash_mix(h ^ (uint64_t)(uint32_t)line);
}

static uint64_t edge_hash(uint32_t parent, uint32_t frame)
{
    return hash_mix(((uint64_t)parent << 32) | frame);
}

int calltree_init(struct calltree *t)
{
    memset(t, 0, sizeof *t);
    if (vec_reserve((void **)&t->nodes, &t->nodes_cap, sizeof *t->nodes, 1) != 0)
        return -1;
    t->nodes[0] = (struct ct_node){CT_NONE, CT_NONE, CT_NONE, CT_NONE, CT_NONE, 0, 0};
    t->nnodes = 1;
    return 0;
}

void calltree_free(struct calltree *t)
{
    for (uint32_t i = 0; i < t->nframes && !t->borrowed; i++) {
        free(t->frames[i].name);
        free(t->frames[i].file);
        free(t->frames[i].src);
    }
    free(t->frames);
    free(t->nodes);
    hindex_free(&t->frame_index);
    hindex_free(&t->edge_index);
    memset(t, 0, sizeof *t);
}

static int frame_hash_at(const void *ctx, uint32_t i, uint64_t *hash)
{
    const struct ct_frame *f = &((const struct calltree *)ctx)->frames[i];
    *hash = calltree_frame_hash(f->kind, f->name, f->file, f->src, f->line);
    return 1;
}

/* The frame's id, or CT_NONE with *slot the empty slot it would take. */
static uint32_t frame_probe(const struct calltree *t, int kind, const char *name, const char *file,
                            const char *src, int line, uint32_t *slot)
{
    const struct hindex *x = &t->frame_index;
    uint32_t h = hindex_start(x, calltree_frame_hash(kind, name, file, src, line));
    for (; hindex_at(x, h); h = hindex_next(x, h)) {
        const struct ct_frame *f = &t->frames[hindex_at(x, h) - 1];
        if (f->kind == kind && f->line == line && strcmp(f->name, name) == 0 &&
            strcmp(f->file, file) == 0 && strcmp(f->src, src) == 0)
            return hindex_at(x, h) - 1;
    }
    *slot = h;
    return CT_NONE;
}

uint32_t calltree_frame_find(const struct calltree *t, int kind, const char *name, const char *file,
                             const char *src, int line)
{
    uint32_t slot;
    if (hindex_slots(&t->frame_index) == 0)
        return CT_NONE;
    return frame_probe(t, kind, name, file ? file : "", src ? src : "", line, &slot);
}

int calltree_frame(struct calltree *t, int kind, const char *name, const char *file, int line,
                   uint32_t *id)
{
    return calltree_frame_src(t, kind, name, file, "", line, id);
}

int calltree_frame_src(struct calltree *t, int kind, const char *name, const char *file,
                       const char *src, int line, uint32_t *id)
{
    if (file == NULL)
        file = "";
    if (src == NULL)
        src = "";
    if (hindex_reserve(&t->frame_index, (size_t)t->nframes + 1, 0, t->nframes, frame_hash_at, t) !=
        0)
        return -1;
    uint32_t h = 0;
    *id = frame_probe(t, kind, name, file, src, line, &h);
    if (*id != CT_NONE)
        return 0;
    if (vec_reserve((void **)&t->frames, &t->frames_cap, sizeof *t->frames, t->nframes + 1) != 0)
        return -1;
    struct ct_frame *f = &t->frames[t->nframes];
    f->name = strdup(name);
    f->file = strdup(file);
    f->src = strdup(src);
    f->line = line;
    f->kind = kind;
    f->origin = CT_ORIGIN_UNKNOWN;
    f->def_line = 0;
    if (f->name == NULL || f->file == NULL || f->src == NULL) {
        free(f->name);
        free(f->file);
        free(f->src);
        return -1;
    }
    hindex_put(&t->frame_index, h, t->nframes);
    *id = t->nframes++;
    return 0;
}

void calltree_where(int kind, const char *file, const char *src, int line, char *buf, size_t size)
{
    if (size == 0)
        return;
    buf[0] = '\0';
    if (kind == CT_NATIVE && src[0] != '\0') {
        int n = line > 0 ? snprintf(buf, size, "%s:%d", src, line) : snprintf(buf, size, "%s", src);
        if (file[0] != '\0' && n >= 0 && (size_t)n < size)
            snprintf(buf + n, size - (size_t)n, ", %s", file);
    } else if (kind == CT_NATIVE) {
        snprintf(buf, size, "%s", file);
    } else if (kind == CT_PYTHON && line > 0) {
        snprintf(buf, size, "%s:%d", file, line);
    } else if (kind == CT_PYTHON) {
        snprintf(buf, size, "%s", file);
    }
}

void calltree_text(int kind, const char *name, const char *file, const char *src, int line,
                   char *buf, size_t size)
{
    char where[1024];
    calltree_where(kind, file, src, line, where, sizeof where);
    if (where[0] != '\0')
        snprintf(buf, size, "%s (%s)", name, where);
    else
        snprintf(buf, size, "%s", name);
}

void calltree_frame_text(const struct ct_frame *f, char *buf, size_t size)
{
    calltree_text(f->kind, f->name, f->file, f->src, f->line, buf, size);
}

void calltree_set_info(struct calltree *t, uint32_t id, int origin, int def_line)
{
    if (id < t->nframes) {
        t->frames[id].origin = origin;
        t->frames[id].def_line = def_line;
    }
}

static int edge_hash_at(const void *ctx, uint32_t i, uint64_t *hash)
{
    const struct ct_node *n = &((const struct calltree *)ctx)->nodes[i];
    *hash = edge_hash(n->parent, n->frame);
    return 1;
}

/* Room in the edge table for need edges (the root, node 0, is no edge). */
static int reserve_edges(struct calltree *t, size_t need)
{
    return hindex_reserve(&t->edge_index, need, 1, t->nnodes, edge_hash_at, t);
}

uint32_t calltree_child(const struct calltree *t, uint32_t parent, uint32_t frame)
{
    /* No child or one (a chain of calls, most of a tree): no hashing. */
    const struct ct_node *p = &t->nodes[parent];
    if (p->child == CT_NONE)
        return CT_NONE;
    if (p->child == p->last)
        return t->nodes[p->child].frame == frame ? p->child : CT_NONE;
    const struct hindex *x = &t->edge_index;
    if (hindex_slots(x) == 0)
        return CT_NONE;
    for (uint32_t h = hindex_start(x, edge_hash(parent, frame)); hindex_at(x, h);
         h = hindex_next(x, h)) {
        const struct ct_node *n = &t->nodes[hindex_at(x, h) - 1];
        if (n->parent == parent && n->frame == frame)
            return hindex_at(x, h) - 1;
    }
    return CT_NONE;
}

/* The child of parent for frame, created if missing. */
uint32_t calltree_child_add(struct calltree *t, uint32_t parent, uint32_t frame)
{
    uint32_t c = calltree_child(t, parent, frame);
    if (c != CT_NONE)
        return c;
    if (reserve_edges(t, t->nnodes) != 0)
        return CT_NONE;
    if (vec_reserve((void **)&t->nodes, &t->nodes_cap, sizeof *t->nodes, t->nnodes + 1) != 0)
        return CT_NONE;
    uint32_t id = t->nnodes++;
    struct ct_node *n = &t->nodes[id];
    *n = (struct ct_node){frame, parent, CT_NONE, CT_NONE, CT_NONE, 0, 0};
    /* Append as the last child, so children keep their insertion order. */
    struct ct_node *p = &t->nodes[parent];
    if (p->child == CT_NONE)
        p->child = id;
    else
        t->nodes[p->last].sibling = id;
    p->last = id;
    hindex_add(&t->edge_index, edge_hash(parent, frame), id);
    return id;
}

int calltree_path(struct calltree *t, const uint32_t *frames, int n, uint32_t *leaf)
{
    uint32_t node = 0;
    for (int i = 0; i < n; i++) {
        node = calltree_child_add(t, node, frames[i]);
        if (node == CT_NONE)
            return -1;
    }
    *leaf = node;
    return 0;
}

int calltree_add_leaf(struct calltree *t, const uint32_t *frames, int n, uint64_t count,
                      uint32_t *leaf)
{
    /* Find or create the path first, so that a failure counts nothing. */
    if (calltree_path(t, frames, n, leaf) != 0)
        return -1;
    calltree_add_at(t, *leaf, count);
    return 0;
}

void calltree_fix_totals(struct calltree *t)
{
    /* A child is always created after its parent: children have the
     * higher ids, so one backward pass sums every subtree. */
    for (uint32_t i = 0; i < t->nnodes; i++)
        t->nodes[i].total = t->nodes[i].self;
    for (uint32_t i = t->nnodes; i-- > 1;)
        t->nodes[t->nodes[i].parent].total += t->nodes[i].total;
}

int calltree_add(struct calltree *t, const uint32_t *frames, int n, uint64_t count)
{
    uint32_t leaf;
    return calltree_add_leaf(t, frames, n, count, &leaf);
}

void calltree_add_at(struct calltree *t, uint32_t node, uint64_t count)
{
    t->nodes[node].self += count;
    for (uint32_t n = node; n != CT_NONE; n = t->nodes[n].parent)
        t->nodes[n].total += count;
}

static void *dup_array(const void *src, size_t bytes)
{
    void *p = malloc(bytes ? bytes : 1);
    if (p && bytes)
        memcpy(p, src, bytes);
    return p;
}

int calltree_copy(struct calltree *dst, const struct calltree *src)
{
    memset(dst, 0, sizeof *dst);
    dst->borrowed = 1;
    dst->frames = dup_array(src->frames, (size_t)src->nframes * sizeof *src->frames);
    dst->nodes = dup_array(src->nodes, (size_t)src->nnodes * sizeof *src->nodes);
    if (!dst->frames || !dst->nodes || hindex_copy(&dst->frame_index, &src->frame_index) != 0 ||
        hindex_copy(&dst->edge_index, &src->edge_index) != 0) {
        calltree_free(dst);
        return -1;
    }
    dst->nframes = dst->frames_cap = src->nframes;
    dst->nnodes = dst->nodes_cap = src->nnodes;
    return 0;
}

static int merge_node(struct calltree *dst, const struct calltree *src, uint32_t snode,
                      uint32_t dnode)
{
    for (uint32_t c = src->nodes[snode].child; c != CT_NONE; c = src->nodes[c].sibling) {
        const struct ct_frame *f = &src->frames[src->nodes[c].frame];
        uint32_t frame, d;
        if (calltree_frame_src(dst, f->kind, f->name, f->file, f->src, f->line, &frame) != 0)
            return -1;
        calltree_set_info(dst, frame, f->origin, f->def_line);
        d = calltree_child_add(dst, dnode, frame);
        if (d == CT_NONE)
            return -1;
        dst->nodes[d].self += src->nodes[c].self;
        dst->nodes[d].total += src->nodes[c].total;
        if (merge_node(dst, src, c, d) != 0)
            return -1;
    }
    return 0;
}

int calltree_merge(struct calltree *dst, const struct calltree *src)
{
    dst->nodes[0].self += src->nodes[0].self;
    dst->nodes[0].total += src->nodes[0].total;
    return merge_node(dst, src, 0, 0);
}

int calltree_init_like(struct calltree *dst, const struct calltree *src)
{
    if (calltree_init(dst) != 0)
        return -1;
    dst->borrowed = 1;
    dst->frames = dup_array(src->frames, (size_t)src->nframes * sizeof *src->frames);
    if (dst->frames == NULL || hindex_copy(&dst->frame_index, &src->frame_index) != 0) {
        calltree_free(dst);
        return -1;
    }
    dst->nframes = dst->frames_cap = src->nframes;
    return 0;
}

/* dst, a tree made by calltree_init_like (of any tree), emptied and made
 * over src's frames, its memory kept: a tree made again every second
 * does not fault in megabytes of fresh pages each time. */
static int reuse_like(struct calltree *dst, const struct calltree *src)
{
    if (!dst->borrowed ||
        vec_reserve((void **)&dst->frames, &dst->frames_cap, sizeof *dst->frames, src->nframes) !=
            0 ||
        hindex_copy(&dst->frame_index, &src->frame_index) != 0)
        return -1;
    if (src->nframes > 0)
        memcpy(dst->frames, src->frames, (size_t)src->nframes * sizeof *src->frames);
    dst->nframes = src->nframes;
    dst->nodes[0] = (struct ct_node){CT_NONE, CT_NONE, CT_NONE, CT_NONE, CT_NONE, 0, 0};
    dst->nnodes = 1;
    hindex_clear(&dst->edge_index);
    return 0;
}

/* dst: src's stacks, those through a frame with keep[frame] only (all
 * when keep is NULL) and cut to what lies below it, each frame f counted
 * as as[f] (itself when as is NULL), frames of a kind in drop or with
 * as[f] == CT_NONE left out. One pass in id order: a parent always has a
 * smaller id than its children, so it is placed first. */
static int rebuild(struct calltree *dst, const struct calltree *src, const unsigned char *keep,
                   unsigned drop, const uint32_t *as, int again, uint32_t *keep_map)
{
    if (again && reuse_like(dst, src) != 0) {
        calltree_free(dst);
        return -1;
    }
    if (!again && calltree_init_like(dst, src) != 0)
        return -1;
    /* Room for as many nodes as src has, at once: no table grows twenty
     * times over on the way. */
    if (vec_reserve((void **)&dst->nodes, &dst->nodes_cap, sizeof *dst->nodes, src->nnodes + 1) !=
            0 ||
        reserve_edges(dst, (size_t)src->nnodes + 1) != 0) {
        calltree_free(dst);
        return -1;
    }
    /* map[i]: the node of dst that src's node i becomes; CT_NONE when
     * it is not part of a selected stack. */
    uint32_t *map = keep_map != NULL ? keep_map : malloc(((size_t)src->nnodes + 1) * sizeof *map);
    if (map == NULL) {
        calltree_free(dst);
        return -1;
    }
    map[0] = keep == NULL ? 0 : CT_NONE;
    dst->nodes[0].self = keep == NULL ? src->nodes[0].self : 0;
    for (uint32_t i = 1; i < src->nnodes; i++) {
        const struct ct_node *n = &src->nodes[i];
        uint32_t up = map[n->parent];
        int kept = keep != NULL && keep[n->frame];
        if (up == CT_NONE && !kept) {
            map[i] = CT_NONE;
            continue;
        }
        if (up == CT_NONE)
            up = 0; /* the selected frame's subtree hangs from the root */
        uint32_t f = as != NULL ? as[n->frame] : n->frame;
        if (f == CT_NONE || (drop & CT_DROP(src->frames[n->frame].kind))) {
            map[i] = up;
        } else if ((map[i] = calltree_child_add(dst, up, f)) == CT_NONE) {
            if (map != keep_map)
                free(map);
            calltree_free(dst);
            return -1;
        }
        dst->nodes[map[i]].self += n->self;
    }
    if (map != keep_map)
        free(map);
    calltree_fix_totals(dst);
    return 0;
}

int calltree_select(struct calltree *dst, const struct calltree *src, const unsigned char *keep,
                    unsigned drop)
{
    return rebuild(dst, src, keep, drop, NULL, 0, NULL);
}

/* r->t brought up to src when src is r's last source grown: the same
 * frames (strings and all) and the same nodes, with more appended, and
 * each old node still where as[] puts it. Counts are added again, new
 * nodes merged in. 0 done, 1 src is not such a tree (nothing is wrong
 * with r->t's shape, its counts are to be made again), -1 out of memory. */
static int regroup_grown(struct ct_regroup *r, const struct calltree *src, const uint32_t *as)
{
    struct calltree *t = &r->t;
    uint32_t old = r->nmap;
    if (old == 0 || old > src->nnodes || t->nframes > src->nframes)
        return 1;
    for (uint32_t f = 0; f < t->nframes; f++) {
        const struct ct_frame *a = &t->frames[f], *b = &src->frames[f];
        if (a->name != b->name || a->file != b->file || a->src != b->src || a->line != b->line ||
            a->kind != b->kind)
            return 1;
    }
    for (uint32_t i = 0; i < t->nnodes; i++)
        t->nodes[i].self = 0;
    uint32_t *map = r->map;
    t->nodes[0].self = src->nodes[0].self;
    for (uint32_t i = 1; i < old; i++) {
        const struct ct_node *n = &src->nodes[i];
        uint32_t up = map[n->parent], f = as[n->frame], d = map[i];
        if (f == CT_NONE ? d != up
                         : d >= t->nnodes || t->nodes[d].frame != f || t->nodes[d].parent != up)
            return 1;
        t->nodes[d].self += n->self;
    }
    /* The frames src added, then its new nodes. */
    if (vec_reserve((void **)&t->frames, &t->frames_cap, sizeof *t->frames, src->nframes) != 0 ||
        hindex_copy(&t->frame_index, &src->frame_index) != 0 ||
        vec_reserve((void **)&r->map, &r->map_cap, sizeof *r->map, (size_t)src->nnodes + 1) != 0)
        return -1;
    map = r->map;
    if (src->nframes > t->nframes)
        memcpy(t->frames + t->nframes, src->frames + t->nframes,
               (size_t)(src->nframes - t->nframes) * sizeof *t->frames);
    t->nframes = src->nframes;
    for (uint32_t i = old; i < src->nnodes; i++) {
        const struct ct_node *n = &src->nodes[i];
        uint32_t up = map[n->parent], f = as[n->frame];
        map[i] = f == CT_NONE ? up : calltree_child_add(t, up, f);
        if (map[i] == CT_NONE)
            return -1;
        t->nodes[map[i]].self += n->self;
    }
    r->nmap = src->nnodes;
    calltree_fix_totals(t);
    return 0;
}

int calltree_regroup(struct ct_regroup *r, const struct calltree *src, const uint32_t *as)
{
    if (r->have) {
        int rc = regroup_grown(r, src, as);
        if (rc == 0)
            return 0;
        if (rc < 0) {
            calltree_regroup_free(r);
            return -1;
        }
    }
    if (vec_reserve((void **)&r->map, &r->map_cap, sizeof *r->map, (size_t)src->nnodes + 1) != 0 ||
        rebuild(&r->t, src, NULL, 0, as, r->have, r->map) != 0) {
        r->have = 0; /* rebuild freed the tree */
        calltree_regroup_free(r);
        return -1;
    }
    r->have = 1;
    r->nmap = src->nnodes;
    return 0;
}

void calltree_regroup_free(struct ct_regroup *r)
{
    if (r->have)
        calltree_free(&r->t);
    free(r->map);
    memset(r, 0, sizeof *r);
}

void calltree_walk(const struct calltree *t,
                   void (*fn)(void *ctx, const struct calltree *t, uint32_t node, int depth),
                   void *ctx)
{
    /* Iterative: stacks can be thousands of frames deep. */
    uint32_t node = 0;
    int depth = 0;
    while (node != CT_NONE) {
        fn(ctx, t, node, depth);
        if (t->nodes[node].child != CT_NONE) {
            node = t->nodes[node].child;
            depth++;
            continue;
        }
        while (node != CT_NONE && t->nodes[node].sibling == CT_NONE) {
            node = t->nodes[node].parent;
            depth--;
        }
        if (node != CT_NONE)
            node = t->nodes[node].sibling;
    }
}
