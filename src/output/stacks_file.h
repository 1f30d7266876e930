/*
 * output/stacks_file: the live view's `d` written down: every thread's
 * stack as `pytop dump` prints it, in pytop-stacks-PID-TIME.txt in the
 * current directory, beside the text view that shows the same.
 */
#ifndef PYTOP_OUTPUT_STACKS_FILE_H
#define PYTOP_OUTPUT_STACKS_FILE_H

#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* Write text to a new pytop-stacks-PID-TIME.txt (an existing name gets
 * "-1", "-2"... before .txt), whole or not at all; path gets the name.
 * 0, or -1 with err set. */
int stacks_file_write(pid_t pid, const char *text, char *path, size_t psize, struct pt_error *err);

#endif
