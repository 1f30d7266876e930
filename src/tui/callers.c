/*
 * tui/callers: callers and callees of one function. See callers.h.
 */
#include "config.h"
#include "tui/callers.h"

#include <stdio.h>
#include <string.h>

#include "tui/names.h"
#include "tui/tree.h"
#include "util.h"

void callers_view_init(struct callers_view *cv)
{
    memset(cv, 0, sizeof *cv);
    cv->row = CT_NONE;
    outline_init(&cv->up);
    outline_init(&cv->down);
}

static void drop_trees(struct callers_view *cv)
{
    if (cv->have)
        butterfly_free(&cv->b);
    cv->have = 0;
}

void callers_view_free(struct callers_view *cv)
{
    drop_trees(cv);
    outline_free(&cv->up);
    outline_free(&cv->down);
    memset(cv, 0, sizeof *cv);
    cv->row = CT_NONE;
}

/* The list's length: the callers' rows, the function, the callees'. */
static size_t list_len(const struct callers_view *cv)
{
    return cv->up.nrows + 1 + cv->down.nrows;
}

/* Which part entry i of the list is in, and its row there. */
static int part_of(const struct callers_view *cv, size_t i, size_t *row)
{
    if (i < cv->up.nrows) {
        *row = i;
        return 0;
    }
    if (i == cv->up.nrows) {
        *row = 0;
        return 1;
    }
    *row = i - cv->up.nrows - 1;
    return 2;
}

static void remember(struct callers_view *cv)
{
    size_t row;
    cv->sel_part = part_of(cv, cv->sel, &row);
    cv->sel_path = cv->sel_part == 0   ? cv->up.rows[row].path
                   : cv->sel_part == 2 ? cv->down.rows[row].path
                                       : 0;
}

/* The selection back on its row after a rebuild, else on the function. */
static void reselect(struct callers_view *cv)
{
    size_t at;
    if (cv->sel_part == 0 && (at = outline_find(&cv->up, cv->sel_path)) < cv->up.nrows)
        cv->sel = at;
    else if (cv->sel_part == 2 && (at = outline_find(&cv->down, cv->sel_path)) < cv->down.nrows)
        cv->sel = cv->up.nrows + 1 + at;
    else
        cv->sel = cv->up.nrows;
    remember(cv);
    outline_move(&cv->sel, &cv->top, list_len(cv), 0, cv->page);
}

static int build(struct callers_view *cv, const struct outline_src *src)
{
    uint64_t limit = tree_view_limit(cv->have ? cv->b.down.nodes[0].total : 0);
    if (!cv->have) {
        cv->up.nrows = cv->down.nrows = 0;
        return 0;
    }
    cv->up.order = src->order;
    cv->up.reverse = src->reverse;
    cv->down.order = src->order;
    cv->down.reverse = src->reverse;
    if (outline_build(&cv->up, &cv->b.up, src->key, limit) != 0 ||
        outline_build(&cv->down, &cv->b.down, src->key, limit) != 0)
        return -1;
    reselect(cv);
    return 0;
}

int callers_view_update(struct callers_view *cv, const struct outline_src *src)
{
    drop_trees(cv);
    cv->row = CT_NONE;
    if (cv->nfocus == 0)
        return build(cv, src);
    uint64_t want = cv->focus[cv->nfocus - 1];
    for (size_t i = 0; i < src->fs->n; i++)
        if (src->key[src->fs->v[i].frame] == want) {
            cv->row = (uint32_t)i;
            break;
        }
    if (cv->row != CT_NONE) {
        if (butterfly_compute(src->t, src->fs, cv->row, &cv->b) != 0)
            return -1;
        cv->have = 1;
        const struct func_stat *f = &src->fs->v[cv->row];
        view_format_function(f, 500, cv->name, sizeof cv->name);
    }
    return build(cv, src);
}

int callers_view_focus(struct callers_view *cv, const struct outline_src *src, uint32_t frame,
                       int fresh)
{
    if (fresh)
        cv->nfocus = 0;
    if (cv->nfocus == CALLERS_HISTORY) {
        memmove(cv->focus, cv->focus + 1, (CALLERS_HISTORY - 1) * sizeof *cv->focus);
        cv->nfocus--;
    }
    cv->focus[cv->nfocus++] = src->key[frame];
    /* A new function: nothing of the last one's stays open. */
    outline_free(&cv->up);
    outline_free(&cv->down);
    cv->sel_part = 1;
    cv->recentre = 1;
    return callers_view_update(cv, src);
}

uint32_t callers_view_frame(const struct callers_view *cv, const struct outline_src *src)
{
    return cv->row == CT_NONE ? CT_NONE : src->fs->v[cv->row].frame;
}

void callers_view_draw(struct callers_view *cv, const struct outline_src *src, struct screen *s,
                       int first, int rows, int cols)
{
    screen_text(s, first, 0, SA_TITLE, " %Total    %Fn  callers above, callees below", cols);
    cv->page = rows - 1 > 0 ? rows - 1 : 1;
    size_t n = list_len(cv);
    /* A function just centred on: a third of the page above it for its
     * callers, the rest for its callees. */
    if (cv->recentre)
        cv->top = cv->sel > (size_t)cv->page / 3 ? cv->sel - (size_t)cv->page / 3 : 0;
    cv->recentre = 0;
    if (n <= (size_t)cv->page)
        cv->top = 0;
    outline_move(&cv->sel, &cv->top, n, 0, cv->page);
    uint64_t all = src->fs->samples, fn = cv->have ? cv->b.down.nodes[0].total : 0;
    /* Each half shifts its own deep levels. */
    int shift_up = outline_shift(&cv->up, cv->top, cv->page, cols - 16);
    int shift_down = outline_shift(
        &cv->down, cv->top > cv->up.nrows ? cv->top - cv->up.nrows - 1 : 0, cv->page, cols - 16);
    for (int r = 0; r < cv->page; r++) {
        int y = first + 1 + r;
        size_t i = cv->top + (size_t)r, row;
        if (i >= n) {
            screen_text(s, y, 0, SA_NORMAL, "", cols);
            continue;
        }
        int part = part_of(cv, i, &row), attr = i == cv->sel ? SA_SELECTED : SA_NORMAL;
        char a[32], b[32], line[1200];
        if (part == 1) {
            if (!cv->have) {
                snprintf(line, sizeof line, "%14s  %s: not in the samples shown", "", cv->name);
                screen_text(s, y, 0, attr == SA_SELECTED ? attr : SA_BOLD, line, cols);
                continue;
            }
            const struct ct_node *root = &cv->b.down.nodes[0];
            char own[32], when[32];
            outline_pct(root->total, all, a, sizeof a);
            outline_pct(root->total, fn, b, sizeof b);
            snprintf(own, sizeof own, "%.1f%%", all ? 100.0 * (double)root->self / (double)all : 0);
            view_format_time((double)root->total / src->rate, when, sizeof when);
            snprintf(line, sizeof line, "%s %s  %s \u00b7 own %s \u00b7 %s", a, b, cv->name, own,
                     when);
            screen_text(s, y, 0, attr == SA_SELECTED ? attr : SA_BOLD, line, cols);
            continue;
        }
        const struct outline *o = part == 0 ? &cv->up : &cv->down;
        const struct calltree *t = part == 0 ? &cv->b.up : &cv->b.down;
        const struct outline_row *orow = &o->rows[row];
        outline_pct(orow->total, all, a, sizeof a);
        outline_pct(orow->total, fn, b, sizeof b);
        snprintf(line, sizeof line, "%s %s  ", a, b);
        screen_text(s, y, 0, attr, line, 16);
        outline_draw_name(s, y, 16, cols - 16, attr, o, orow, t, src,
                          part == 0 ? shift_up : shift_down);
    }
}

int callers_view_key(struct callers_view *cv, const struct outline_src *src, int key)
{
    size_t n = list_len(cv);
    long page = cv->page > 0 ? cv->page : 1;
    long delta = outline_key_delta(key, page, n);
    if (delta != 0) {
        outline_move(&cv->sel, &cv->top, n, delta, cv->page);
        remember(cv);
        return CALLERS_KEY_NONE;
    }
    if (key == SCREEN_KEY_ESC || key == SCREEN_KEY_BACKSPACE || key == 0x7f || key == 8) {
        if (cv->nfocus <= 1)
            return CALLERS_KEY_BACK;
        cv->nfocus--;
        outline_free(&cv->up);
        outline_free(&cv->down);
        cv->sel_part = 1;
        cv->recentre = 1;
        return callers_view_update(cv, src) == 0 ? CALLERS_KEY_NONE : -1;
    }
    int enter = key == SCREEN_KEY_ENTER || key == '\n' || key == '\r';
    if (!enter && key != SCREEN_KEY_RIGHT && key != SCREEN_KEY_LEFT && key != '+' && key != '-' &&
        key != '*')
        return CALLERS_KEY_OTHER;
    size_t row;
    int part = part_of(cv, cv->sel, &row);
    if (part == 1 || !cv->have)
        return CALLERS_KEY_NONE;
    struct outline *o = part == 0 ? &cv->up : &cv->down;
    const struct calltree *t = part == 0 ? &cv->b.up : &cv->b.down;
    const struct outline_row *r = &o->rows[row];
    int rc = 0;
    if (enter && !r->hidden)
        return callers_view_focus(cv, src, t->nodes[r->node].frame, 0) == 0 ? CALLERS_KEY_NONE : -1;
    if (enter || key == SCREEN_KEY_RIGHT || key == '+') {
        rc = outline_set(o, row, 1);
    } else if (key == SCREEN_KEY_LEFT || key == '-') {
        if (outline_is_open(o, r)) {
            rc = outline_set(o, row, 0);
        } else {
            size_t p = outline_parent(o, row);
            cv->sel = part == 0 ? p : cv->up.nrows + 1 + p;
            remember(cv);
        }
    } else {
        rc = outline_open_below(o, t, row);
    }
    return rc == 0 && build(cv, src) == 0 ? CALLERS_KEY_NONE : -1;
}
