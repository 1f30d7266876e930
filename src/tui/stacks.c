/*
 * tui/stacks: the stack snapshot of the live view. See stacks.h.
 */
#include "config.h"

#include "tui/stacks.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "output/atomic_file.h"

void stacks_free(char **lines, size_t n)
{
    for (size_t i = 0; lines != NULL && i < n; i++)
        free(lines[i]);
    free(lines);
}

struct stack_lines {
    char **v;
    size_t n;
};

static int write_lines(FILE *fp, const void *arg, struct pt_error *err)
{
    (void)err; /* atomic_file_write's commit finds a write error */
    const struct stack_lines *t = arg;
    for (size_t i = 0; i < t->n; i++)
        fprintf(fp, "%s\n", t->v[i]);
    return 0;
}

int stacks_snapshot(const struct stacks_source *src, pid_t pid, char ***lines, size_t *n,
                    char *path, size_t psize, struct pt_error *err)
{
    *lines = NULL;
    *n = 0;
    if (src == NULL || src->fn == NULL)
        return pt_error_set(err, PT_E_USAGE, "stack snapshots are not available yet");
    if (src->fn(src->ctx, lines, n, err) != 0)
        return -1;
    char name[256], stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    snprintf(name, sizeof name, "pytop-stacks-%d-%s.txt", (int)pid, stamp);
    atomic_file_unused_path(name, path, psize);
    struct stack_lines text = {*lines, *n};
    return atomic_file_write(path, write_lines, &text, err);
}
