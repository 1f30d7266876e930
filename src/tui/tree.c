/*
 * tui/tree: the call tree view. See tree.h.
 */
#include "config.h"
#include "tui/tree.h"

#include <stdio.h>
#include <string.h>

void tree_view_init(struct tree_view *tv)
{
    memset(tv, 0, sizeof *tv);
    outline_init(&tv->ol);
}

void tree_view_free(struct tree_view *tv)
{
    calltree_regroup_free(&tv->merged);
    outline_free(&tv->ol);
    memset(tv, 0, sizeof *tv);
}

uint64_t tree_view_limit(uint64_t total)
{
    return total >= 100 ? total / 100 : 1;
}

/* Keep the selection on its path, or near where it was. */
static void reselect(struct tree_view *tv)
{
    size_t at = outline_find(&tv->ol, tv->sel_path);
    if (at < tv->ol.nrows)
        tv->sel = at;
    else if (tv->sel >= tv->ol.nrows)
        tv->sel = tv->ol.nrows ? tv->ol.nrows - 1 : 0;
    if (tv->sel < tv->ol.nrows)
        tv->sel_path = tv->ol.rows[tv->sel].path;
    outline_move(&tv->sel, &tv->top, tv->ol.nrows, 0, tv->page);
}

int tree_view_update(struct tree_view *tv, const struct outline_src *src)
{
    /* Kept from the last snapshot where it can be (calltree_regroup). */
    if (calltree_regroup(&tv->merged, src->t, src->as) != 0) {
        tv->ol.nrows = 0; /* its rows were of the tree just lost */
        return -1;
    }
    uint64_t limit = tree_view_limit(tv->merged.t.nodes[0].total);
    if (!tv->opened && tv->merged.t.nodes[0].total > 0) {
        if (outline_open_hottest(&tv->ol, &tv->merged.t, src->key, limit) != 0)
            return -1;
        tv->opened = 1;
    }
    tv->ol.order = src->order;
    tv->ol.reverse = src->reverse;
    if (outline_build(&tv->ol, &tv->merged.t, src->key, limit) != 0)
        return -1;
    if (!tv->sel_path && tv->ol.nrows)
        tv->sel_path = tv->ol.rows[0].path;
    reselect(tv);
    return 0;
}

void tree_view_draw(struct tree_view *tv, const struct outline_src *src, struct screen *s,
                    int first, int rows, int cols)
{
    screen_text(s, first, 0, SA_TITLE, " %Total   %Own  Call tree", cols);
    tv->page = rows - 1 > 0 ? rows - 1 : 1;
    if (tv->ol.nrows <= (size_t)tv->page)
        tv->top = 0;
    outline_move(&tv->sel, &tv->top, tv->ol.nrows, 0, tv->page);
    uint64_t base = tv->merged.have ? tv->merged.t.nodes[0].total : 0;
    int shift = outline_shift(&tv->ol, tv->top, tv->page, cols - 16);
    for (int r = 0; r < tv->page; r++) {
        int y = first + 1 + r;
        size_t i = tv->top + (size_t)r;
        if (i >= tv->ol.nrows) {
            screen_text(s, y, 0, SA_NORMAL, "", cols);
            continue;
        }
        const struct outline_row *row = &tv->ol.rows[i];
        int attr = i == tv->sel ? SA_SELECTED : SA_NORMAL;
        char a[32], b[32], line[80];
        outline_pct(row->total, base, a, sizeof a);
        if (row->hidden)
            snprintf(b, sizeof b, "%7s", "");
        else
            outline_pct(tv->merged.t.nodes[row->node].self, base, b, sizeof b);
        snprintf(line, sizeof line, "%s %s  ", a, b);
        screen_text(s, y, 0, attr, line, 16);
        outline_draw_name(s, y, 16, cols - 16, attr, &tv->ol, row, &tv->merged.t, src, shift);
    }
}

int tree_view_key(struct tree_view *tv, const struct outline_src *src, int key, uint32_t *frame)
{
    struct outline *o = &tv->ol;
    long page = tv->page > 0 ? tv->page : 1;
    long delta = outline_key_delta(key, page, o->nrows);
    if (delta != 0) {
        outline_move(&tv->sel, &tv->top, o->nrows, delta, tv->page);
        if (tv->sel < o->nrows)
            tv->sel_path = o->rows[tv->sel].path;
        return TREE_KEY_NONE;
    }
    if (key == SCREEN_KEY_ESC || key == SCREEN_KEY_BACKSPACE || key == 'T')
        return TREE_KEY_BACK;
    if (tv->sel >= o->nrows)
        return key == SCREEN_KEY_ENTER || key == '\n' || key == '\r' || key == SCREEN_KEY_RIGHT ||
                       key == SCREEN_KEY_LEFT || key == '+' || key == '-' || key == '*'
                   ? TREE_KEY_NONE
                   : TREE_KEY_OTHER;
    const struct outline_row *r = &o->rows[tv->sel];
    int rc = 0;
    if (key == SCREEN_KEY_RIGHT || key == '+') {
        rc = outline_set(o, tv->sel, 1);
    } else if (key == SCREEN_KEY_LEFT || key == '-') {
        /* An open node closes; a closed one or a leaf hands the
         * selection to its parent, as file managers do. */
        if (outline_is_open(o, r))
            rc = outline_set(o, tv->sel, 0);
        else {
            tv->sel = outline_parent(o, tv->sel);
            tv->sel_path = o->rows[tv->sel].path;
        }
    } else if (key == '*') {
        rc = outline_open_below(o, &tv->merged.t, tv->sel);
    } else if (key == SCREEN_KEY_ENTER || key == '\n' || key == '\r') {
        if (r->hidden)
            rc = outline_set(o, tv->sel, 1);
        else {
            *frame = tv->merged.t.nodes[r->node].frame;
            return TREE_KEY_CALLERS;
        }
    } else {
        return TREE_KEY_OTHER;
    }
    if (rc != 0 || outline_build(o, &tv->merged.t, src->key,
                                 tree_view_limit(tv->merged.t.nodes[0].total)) != 0)
        return -1;
    reselect(tv);
    return TREE_KEY_NONE;
}
