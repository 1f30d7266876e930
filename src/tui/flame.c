/*
 * tui/flame: the terminal flamegraph. See flame.h.
 *
 * Boxes are laid out from the zoomed node down, in samples: a box starts
 * where its previous sibling ended (its parent's start for the first),
 * and its columns are its start and end scaled to the screen's width and
 * rounded, so that neighbours tile the row with no gap and no overlap.
 * Only boxes at least a column wide are laid out, so a draw touches at
 * most a screenful of them, whatever the size of the tree.
 */
#include "config.h"
#include "tui/flame.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "modules.h"
#include "tui/edit.h"
#include "tui/names.h"
#include "util.h"

void flame_view_init(struct flame_view *fv)
{
    memset(fv, 0, sizeof *fv);
}

void flame_view_free(struct flame_view *fv)
{
    calltree_regroup_free(&fv->merged);
    free(fv->paths);
    free(fv->boxes);
    free(fv->hit);
    memset(fv, 0, sizeof *fv);
}

static uint32_t node_of(const struct flame_view *fv, uint64_t path, uint32_t otherwise)
{
    if (path == 0 || path == fv->paths[0])
        return path == 0 ? otherwise : 0;
    for (uint32_t i = 0; i < fv->merged.t.nnodes; i++)
        if (fv->paths[i] == path && fv->merged.t.nodes[i].total > 0)
            return i;
    return otherwise;
}

/* Which frames match the search, and the share of the samples under a
 * match (each sample once, however many matching frames it has). */
static int find_matches(struct flame_view *fv)
{
    const struct calltree *t = &fv->merged.t;
    fv->match = 0;
    if (vec_reserve((void **)&fv->hit, &fv->hit_cap, 1, (size_t)t->nframes + 1) != 0)
        return -1;
    for (uint32_t f = 0; f < t->nframes; f++)
        fv->hit[f] = fv->search[0] && (strcasestr(t->frames[f].name, fv->search) != NULL ||
                                       strcasestr(t->frames[f].file, fv->search) != NULL ||
                                       strcasestr(t->frames[f].src, fv->search) != NULL);
    if (!fv->search[0] || t->nnodes == 0)
        return 0;
    unsigned char *under = calloc((size_t)t->nnodes + 1, 1);
    if (under == NULL)
        return -1;
    uint64_t sum = 0;
    for (uint32_t i = 1; i < t->nnodes; i++) {
        int hit = fv->hit[t->nodes[i].frame], above = under[t->nodes[i].parent];
        if (hit && !above)
            sum += t->nodes[i].total;
        under[i] = (unsigned char)(hit || above);
    }
    free(under);
    fv->match = t->nodes[0].total ? 100.0 * (double)sum / (double)t->nodes[0].total : 0;
    return 0;
}

int flame_view_update(struct flame_view *fv, const struct outline_src *src)
{
    /* Kept from the last snapshot where it can be (calltree_regroup). */
    if (calltree_regroup(&fv->merged, src->t, src->as) != 0)
        return -1;
    if (vec_reserve((void **)&fv->paths, &fv->paths_cap, sizeof *fv->paths,
                    (size_t)fv->merged.t.nnodes + 1) != 0)
        return -1;
    outline_paths(&fv->merged.t, src->key, fv->paths);
    fv->zoom = node_of(fv, fv->zoom_path, 0);
    fv->sel = node_of(fv, fv->sel_path, fv->zoom);
    /* The selection inside the zoomed box, or on it. */
    uint32_t n = fv->sel;
    while (n != CT_NONE && n != fv->zoom)
        n = fv->merged.t.nodes[n].parent;
    if (n == CT_NONE)
        fv->sel = fv->zoom;
    fv->zoom_path = fv->paths[fv->zoom];
    fv->sel_path = fv->paths[fv->sel];
    return find_matches(fv);
}

/* Lay out the boxes under the zoomed node for width columns. */
static int lay_out(struct flame_view *fv, int width)
{
    const struct calltree *t = &fv->merged.t;
    fv->nboxes = 0;
    double all = (double)t->nodes[fv->zoom].total;
    if (all <= 0 || width <= 0)
        return 0;
    /* Depth-first with an explicit stack of (node, start in samples,
     * depth): deep recursion must not overflow the C stack. */
    struct item {
        uint32_t node;
        int depth;
        uint64_t start;
    } *stack = NULL;
    size_t n = 0, cap = 0;
    uint32_t *kids = NULL;
    size_t kids_cap = 0;
    int rc = 0;
    if (vec_reserve((void **)&stack, &cap, sizeof *stack, 1) != 0)
        return -1;
    stack[n++] = (struct item){fv->zoom, 0, 0};
    while (n > 0 && rc == 0) {
        struct item it = stack[--n];
        uint64_t total = t->nodes[it.node].total;
        int x0 = (int)floor((double)it.start * width / all + 0.5);
        int x1 = (int)floor((double)(it.start + total) * width / all + 0.5);
        if (x1 <= x0)
            continue;
        if ((rc = vec_reserve((void **)&fv->boxes, &fv->boxes_cap, sizeof *fv->boxes,
                              fv->nboxes + 1)) != 0)
            break;
        fv->boxes[fv->nboxes++] = (struct flame_box){it.node, it.depth, x0, x1};
        /* Children under half a column are never drawn: not sorted, not
         * laid out (a node can have thousands). Widest first, they would
         * come after every other child: leaving them out moves none. */
        size_t k = 0;
        for (uint32_t c = t->nodes[it.node].child; c != CT_NONE && rc == 0;
             c = t->nodes[c].sibling) {
            if (t->nodes[c].total == 0)
                continue;
            if ((double)t->nodes[c].total * width * 2 < all)
                continue;
            if ((rc = vec_reserve((void **)&kids, &kids_cap, sizeof *kids, k + 1)) == 0)
                kids[k++] = c;
        }
        if (rc != 0 || k == 0)
            continue;
        outline_sort(t, kids, k, OUTLINE_BY_TOTAL, 0);
        if ((rc = vec_reserve((void **)&stack, &cap, sizeof *stack, n + k)) != 0)
            break;
        /* Pushed last child first, so that the widest is laid out first. */
        uint64_t at = it.start;
        for (size_t j = 0; j < k; j++)
            at += t->nodes[kids[j]].total;
        for (size_t j = k; j-- > 0;) {
            at -= t->nodes[kids[j]].total;
            stack[n++] = (struct item){kids[j], it.depth + 1, at};
        }
    }
    free(stack);
    free(kids);
    return rc;
}

static const struct flame_box *box_of(const struct flame_view *fv, uint32_t node)
{
    for (size_t i = 0; i < fv->nboxes; i++)
        if (fv->boxes[i].node == node)
            return &fv->boxes[i];
    return NULL;
}

static int depth_of(const struct flame_view *fv, uint32_t node)
{
    int d = 0;
    for (; node != fv->zoom && node != CT_NONE; node = fv->merged.t.nodes[node].parent)
        d++;
    return d;
}

/* "name (file:line) 12.3% · own 1.2%" of node, for the line on top. */
static void describe(const struct flame_view *fv, const struct outline_src *src, uint32_t node,
                     char *out, size_t size)
{
    const struct calltree *t = &fv->merged.t;
    uint64_t all = t->nodes[0].total;
    if (node == 0) {
        snprintf(out, size, "all %llu samples", (unsigned long long)all);
        return;
    }
    const struct ct_node *n = &t->nodes[node];
    struct func_stat fn = {t->frames[n->frame].name,
                           t->frames[n->frame].file,
                           t->frames[n->frame].src,
                           t->frames[n->frame].line,
                           t->frames[n->frame].kind,
                           0,
                           0,
                           n->frame};
    if (n->frame < src->fs->nframes && src->fs->row_of[n->frame] != CT_NONE)
        fn = src->fs->v[src->fs->row_of[n->frame]];
    char name[600];
    view_format_function(&fn, 300, name, sizeof name);
    snprintf(out, size, "%s %.1f%% \u00b7 own %.1f%%", name,
             all ? 100.0 * (double)n->total / (double)all : 0.0,
             all ? 100.0 * (double)n->self / (double)all : 0.0);
}

void flame_view_draw(struct flame_view *fv, const struct outline_src *src, struct screen *s,
                     int first, int rows, int cols)
{
    char line[1400], what[700];
    if (!fv->merged.have) { /* its last update ran out of memory */
        screen_text(s, first, 0, SA_TITLE, "Flamegraph: no samples to draw", cols);
        for (int r = 1; r < rows; r++)
            screen_text(s, first + r, 0, SA_NORMAL, "", cols);
        return;
    }
    if (lay_out(fv, cols) != 0)
        fv->nboxes = 0;
    describe(fv, src, fv->sel, what, sizeof what);
    if (fv->search[0] || fv->editing)
        snprintf(line, sizeof line, "Search: %s%s \u00b7 %.1f%% of the samples match \u00b7 %s",
                 fv->search, fv->editing ? "_" : "", fv->match, what);
    else if (fv->zoom != 0)
        snprintf(line, sizeof line, "Flamegraph, zoomed (Esc zooms out) \u00b7 %s", what);
    else
        snprintf(line, sizeof line, "Flamegraph \u00b7 %s", what);
    screen_text(s, first, 0, SA_TITLE, line, cols);
    int depth_rows = rows - 1 > 0 ? rows - 1 : 1;
    int d = depth_of(fv, fv->sel);
    if (d < fv->top)
        fv->top = d;
    if (d >= fv->top + depth_rows)
        fv->top = d - depth_rows + 1;
    for (int r = 0; r < depth_rows; r++)
        screen_text(s, first + 1 + r, 0, SA_NORMAL, "", cols);
    for (size_t i = 0; i < fv->nboxes; i++) {
        const struct flame_box *b = &fv->boxes[i];
        if (b->depth < fv->top || b->depth >= fv->top + depth_rows)
            continue;
        /* The root ("all") has no frame. */
        uint32_t frame = fv->merged.t.nodes[b->node].frame;
        const struct ct_frame *f = b->node == 0 ? NULL : &fv->merged.t.frames[frame];
        int attr = b->node == fv->sel                  ? SA_FLAME_SELECTED
                   : f == NULL                         ? SA_FLAME + FC_STDLIB
                   : fv->hit != NULL && fv->hit[frame] ? SA_FLAME_MATCH
                                                       : SA_FLAME + frame_class(f);
        int w = b->x1 - b->x0, y = first + 1 + b->depth - fv->top;
        const char *name = f == NULL ? "all" : f->name;
        if (w < 2) {
            screen_text(s, y, b->x0, attr, "\u258f", 1);
            continue;
        }
        /* The left edge, then the name, cut with an ellipsis. */
        char label[620];
        if (screen_width(name) <= w - 1) {
            snprintf(label, sizeof label, "\u258f%s", name);
        } else if (w >= 4) {
            char head[600];
            screen_fit(name, w - 2, head, sizeof head);
            snprintf(label, sizeof label, "\u258f%s\u2026", head);
        } else {
            snprintf(label, sizeof label, "\u258f");
        }
        screen_text(s, y, b->x0, attr, label, w);
    }
}

/* The box at the same depth next to the selection, to the left (dir < 0)
 * or to the right. */
static uint32_t beside(const struct flame_view *fv, int dir)
{
    const struct flame_box *me = box_of(fv, fv->sel);
    const struct flame_box *best = NULL;
    if (me == NULL)
        return fv->sel;
    for (size_t i = 0; i < fv->nboxes; i++) {
        const struct flame_box *b = &fv->boxes[i];
        if (b->depth != me->depth)
            continue;
        if (dir < 0 && b->x1 <= me->x0 && (best == NULL || b->x1 > best->x1))
            best = b;
        if (dir > 0 && b->x0 >= me->x1 && (best == NULL || b->x0 < best->x0))
            best = b;
    }
    return best ? best->node : fv->sel;
}

static int search_key(struct flame_view *fv, int key)
{
    enum edit_result r = edit_key(fv->search, sizeof fv->search, key);
    if (r == EDIT_DONE || r == EDIT_CANCELLED)
        fv->editing = 0;
    return r == EDIT_IGNORED || find_matches(fv) == 0 ? FLAME_KEY_NONE : -1;
}

int flame_view_key(struct flame_view *fv, const struct outline_src *src, int key)
{
    (void)src;
    if (!fv->merged.have)
        return key == SCREEN_KEY_ESC ? FLAME_KEY_BACK : FLAME_KEY_OTHER;
    if (fv->editing)
        return search_key(fv, key);
    if (key == 'F') /* as T leaves the tree */
        return FLAME_KEY_BACK;
    const struct calltree *t = &fv->merged.t;
    uint32_t sel = fv->sel;
    if (key == SCREEN_KEY_UP) {
        if (sel != fv->zoom)
            sel = t->nodes[sel].parent;
    } else if (key == SCREEN_KEY_DOWN) {
        uint32_t best = CT_NONE;
        for (uint32_t c = t->nodes[sel].child; c != CT_NONE; c = t->nodes[c].sibling)
            if (t->nodes[c].total > 0 &&
                (best == CT_NONE || t->nodes[c].total > t->nodes[best].total))
                best = c;
        if (best != CT_NONE && box_of(fv, best) != NULL)
            sel = best;
    } else if (key == SCREEN_KEY_LEFT) {
        sel = beside(fv, -1);
    } else if (key == SCREEN_KEY_RIGHT) {
        sel = beside(fv, 1);
    } else if (key == SCREEN_KEY_HOME) {
        sel = fv->zoom;
    } else if (key == SCREEN_KEY_ENTER || key == '\n' || key == '\r') {
        fv->zoom = sel;
        fv->top = 0;
    } else if (key == '/') {
        fv->editing = 1;
        fv->search[0] = '\0';
        return find_matches(fv) == 0 ? FLAME_KEY_NONE : -1;
    } else if (key == SCREEN_KEY_ESC || key == SCREEN_KEY_BACKSPACE || key == 0x7f || key == 8) {
        if (fv->search[0]) {
            fv->search[0] = '\0';
            return find_matches(fv) == 0 ? FLAME_KEY_NONE : -1;
        }
        if (fv->zoom == 0)
            return FLAME_KEY_BACK;
        fv->zoom = t->nodes[fv->zoom].parent;
        fv->top = 0;
    } else {
        return FLAME_KEY_OTHER;
    }
    fv->sel = sel;
    fv->zoom_path = fv->paths[fv->zoom];
    fv->sel_path = fv->paths[fv->sel];
    return FLAME_KEY_NONE;
}
