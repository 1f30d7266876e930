/*
 * tui/endpoints: see endpoints.h.
 */
#include "config.h"

#include "tui/endpoints.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const struct {
    const char *title;
    int width;
} cols_def[EP_NCOLS] = {
    [EP_COL_REQUESTS] = {"Reqs", 7}, [EP_COL_IN_FLIGHT] = {"InFlt", 6},
    [EP_COL_CPU] = {"%CPU", 6},      [EP_COL_WALL] = {"%Wall", 6},
    [EP_COL_P50] = {"p50", 8},       [EP_COL_P95] = {"p95", 8},
    [EP_COL_MAX] = {"Max", 8},       [EP_COL_SLOW] = {"Slow", 6},
    [EP_COL_NAME] = {"Endpoint", 0},
};

void endpoints_init(struct endpoints *e, double rate)
{
    memset(e, 0, sizeof *e);
    e->period = rate > 0 ? 1.0 / rate : 0.01;
}

void endpoints_free(struct endpoints *e)
{
    rq_table_free(&e->t);
}

void endpoints_set(struct endpoints *e, struct rq_table *t)
{
    rq_table_free(&e->t);
    e->t = *t;
    memset(t, 0, sizeof *t);
    size_t sel = 0;
    for (int i = 0; i < e->t.n; i++)
        if (strcmp(e->t.rows[i].name, e->sel_name) == 0)
            sel = (size_t)i;
    e->selected = sel;
    if (e->t.n > 0)
        str_copy(e->sel_name, sizeof e->sel_name, e->t.rows[sel].name);
}

const char *endpoints_selected(const struct endpoints *e)
{
    return e->t.n > 0 ? e->t.rows[e->selected].name : NULL;
}

void endpoints_move(struct endpoints *e, long delta)
{
    if (e->t.n == 0)
        return;
    long sel = (long)e->selected + delta;
    if (sel < 0)
        sel = 0;
    if (sel >= e->t.n)
        sel = e->t.n - 1;
    e->selected = (size_t)sel;
    str_copy(e->sel_name, sizeof e->sel_name, e->t.rows[sel].name);
}

static void right(struct screen *s, int row, int x, int width, int attr, const char *text)
{
    int w = screen_width(text);
    screen_text(s, row, x, attr, "", width);
    if (w < width)
        screen_text(s, row, x + width - w, attr, text, w);
    else
        screen_text(s, row, x, attr, text, width);
}

static double pct(uint64_t n, uint64_t base)
{
    return base ? 100.0 * (double)n / (double)base : 0.0;
}

void endpoints_draw(struct endpoints *e, struct screen *s, int first, int rows, int cols, int note)
{
    int x[EP_NCOLS], at = 0;
    for (int c = 0; c < EP_COL_NAME; c++) {
        x[c] = at;
        at += cols_def[c].width;
    }
    x[EP_COL_NAME] = at + 2;
    int name_w = cols - x[EP_COL_NAME] > 0 ? cols - x[EP_COL_NAME] : 0;
    screen_text(s, first, 0, SA_TITLE, "", cols);
    for (int c = 0; c < EP_COL_NAME; c++)
        if (x[c] + cols_def[c].width <= cols)
            right(s, first, x[c], cols_def[c].width, SA_TITLE, cols_def[c].title);
    if (name_w > 0)
        screen_text(s, first, x[EP_COL_NAME], SA_TITLE, cols_def[EP_COL_NAME].title, name_w);
    e->page = rows - 1 > 0 ? rows - 1 : 1;
    if (e->selected < e->top)
        e->top = e->selected;
    if (e->selected >= e->top + (size_t)e->page)
        e->top = e->selected + 1 - (size_t)e->page;
    for (int r = 0; r < e->page; r++) {
        int row = first + 1 + r;
        size_t i = e->top + (size_t)r;
        screen_text(s, row, 0, SA_NORMAL, "", cols);
        if (i >= (size_t)e->t.n) {
            if (i == 0 && r == 0)
                screen_text(s, row, 2, SA_DIM,
                            "no request seen yet: the endpoints appear as the service serves them",
                            cols - 2);
            continue;
        }
        const struct rq_row *w = &e->t.rows[i];
        int attr = i == e->selected ? SA_SELECTED : SA_NORMAL;
        char buf[RQ_NAME + 32];
        screen_text(s, row, 0, attr, "", cols);
        for (int c = 0; c < EP_COL_NAME; c++) {
            int none = w->requests == 0; /* no duration yet: only in flight */
            switch (c) {
            case EP_COL_REQUESTS:
                snprintf(buf, sizeof buf, "%llu", (unsigned long long)w->requests);
                break;
            case EP_COL_IN_FLIGHT:
                snprintf(buf, sizeof buf, "%d", w->in_flight);
                break;
            case EP_COL_CPU:
                snprintf(buf, sizeof buf, "%.1f", pct(w->cpu, e->t.cpu_all));
                break;
            case EP_COL_WALL:
                snprintf(buf, sizeof buf, "%.1f", pct(w->wall, e->t.wall));
                break;
            case EP_COL_P50:
            case EP_COL_P95:
            case EP_COL_MAX:
                if (none)
                    snprintf(buf, sizeof buf, "-");
                else
                    rq_format_duration(c == EP_COL_P50   ? w->p50
                                       : c == EP_COL_P95 ? w->p95
                                                         : w->max,
                                       buf, sizeof buf);
                break;
            default:
                snprintf(buf, sizeof buf, "%llu", (unsigned long long)w->slow);
            }
            if (x[c] + cols_def[c].width <= cols)
                right(s, row, x[c], cols_def[c].width, attr, buf);
        }
        if (name_w > 0)
            screen_text(s, row, x[EP_COL_NAME], attr, w->name, name_w);
    }
    if (note >= 0) {
        char slow[32], res[32], line[400];
        rq_format_duration(e->t.slow, slow, sizeof slow);
        rq_format_duration(e->period, res, sizeof res);
        snprintf(
            line, sizeof line,
            "%llu requests, %llu in flight \u00b7 %%CPU of all CPU samples, %%Wall of the "
            "requests' \u00b7 durations observed from outside, first to last sample (\u00b1%s) "
            "\u00b7 slow \u2265 %s",
            (unsigned long long)e->t.finished, (unsigned long long)e->t.in_flight, res, slow);
        screen_text(s, note, 0, SA_DIM, line, cols);
    }
}
