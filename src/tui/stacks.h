/*
 * tui/stacks: the `d` key: every thread's current stack, frozen into
 * lines of text for the live view's text view and written to
 * pytop-stacks-PID-TIME.txt.
 *
 * The UI thread never reads the target: the stacks come from a source
 * function the caller wires to the sampler (which holds the latest stack
 * of each thread). Without a source, `d` says it is not available yet.
 */
#ifndef PYTOP_TUI_STACKS_H
#define PYTOP_TUI_STACKS_H

#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* Fill *lines (malloc'ed array of malloc'ed strings, as `pytop dump`
 * prints them: "Thread TID (name) [running|idle] [GIL]" then frames
 * innermost first) and *n. 0, or -1 with err set. */
typedef int (*stacks_source_fn)(void *ctx, char ***lines, size_t *n, struct pt_error *err);

struct stacks_source {
    stacks_source_fn fn; /* NULL: not available */
    void *ctx;
};

/* Take a snapshot from src and write it to pytop-stacks-PID-TIME.txt in
 * the current directory (path gets the name). 0, or -1 with err set (the
 * lines are still returned when only the file failed: *lines != NULL). */
int stacks_snapshot(const struct stacks_source *src, pid_t pid, char ***lines, size_t *n,
                    char *path, size_t psize, struct pt_error *err);

void stacks_free(char **lines, size_t n);

#endif
