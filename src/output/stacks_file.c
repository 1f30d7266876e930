/*
 * output/stacks_file: the live view's `d` written down. See stacks_file.h.
 */
#include "config.h"
#include "output/stacks_file.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "output/atomic_file.h"

static int write_text(FILE *fp, const void *arg, struct pt_error *err)
{
    (void)err; /* atomic_file_write's commit finds a write error */
    fputs(arg, fp);
    return 0;
}

int stacks_file_write(pid_t pid, const char *text, char *path, size_t psize, struct pt_error *err)
{
    char name[256], stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    snprintf(name, sizeof name, "pytop-stacks-%d-%s.txt", (int)pid, stamp);
    atomic_file_unused_path(name, path, psize);
    return atomic_file_write(path, write_text, text, err);
}
