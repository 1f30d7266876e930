/*
 * tui/names: how the live view writes a function and a time. See names.h.
 */
#include "config.h"

#include "tui/names.h"

#include <stdio.h>

#include "calltree.h"
#include "tui/screen.h"

void view_format_time(double s, char *out, size_t size)
{
    if (s < 100)
        snprintf(out, size, "%.2fs", s);
    else if (s < 10000)
        snprintf(out, size, "%.1fs", s);
    else if (s < 100000)
        snprintf(out, size, "%.0fs", s);
    else
        snprintf(out, size, "%.1fh", s / 3600);
}

void view_format_function(const struct func_stat *f, int width, char *out, size_t size)
{
    char where[1024], full[2048];
    calltree_where(f->kind, f->file, f->src, f->line, where, sizeof where);
    if (where[0] == '\0')
        snprintf(full, sizeof full, "%s", f->name);
    else
        snprintf(full, sizeof full, "%s (%s)", f->name, where);
    if (screen_width(full) <= width || size == 0) {
        snprintf(out, size, "%s", full);
        return;
    }
    int wname = screen_width(f->name);
    int room = width - wname - 4; /* " (" "…" ")" */
    if (where[0] != '\0' && room >= 3) {
        char tail[1024];
        screen_fit_tail(where, room, tail, sizeof tail);
        snprintf(out, size, "%s (\u2026%s)", f->name, tail);
        return;
    }
    /* Not even a bit of the path fits: the name alone, cut at its end. */
    if (wname <= width) {
        snprintf(out, size, "%s", f->name);
        return;
    }
    char head[1024];
    screen_fit(f->name, width - 1, head, sizeof head);
    snprintf(out, size, "%s\u2026", head);
}
