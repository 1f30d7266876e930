/*
 * tui/names: how the live view writes a function and a time, the same in
 * the table, the call tree and the callers / callees view.
 */
#ifndef PYTOP_TUI_NAMES_H
#define PYTOP_TUI_NAMES_H

#include <stddef.h>

#include "funcstats.h"

/* "name (file:line)" in width columns: the path is cut on the left first
 * ("name (…/app.py:12)"), the name only when nothing of the path fits. */
void view_format_function(const struct func_stat *f, int width, char *out, size_t size);

/* Seconds for a time column: "1.23s", "123.4s", "2.5h". */
void view_format_time(double seconds, char *out, size_t size);

#endif
