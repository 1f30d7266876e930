/*
 * dump: the text of `pytop dump` for one process: a header, then
 * each thread (main thread first, then by TID) with its frames innermost
 * first and, if asked, their local variables and the asyncio tasks of the
 * event loop it runs. It reads the live process (thread names, locals,
 * native stacks, /proc), so it sits with the sampler, not in output/.
 */
#ifndef PYTOP_DUMP_H
#define PYTOP_DUMP_H

#include <stdio.h>

#include "error.h"

struct py_target;
struct py_sample;

struct native;
struct py_tasks;

struct dump_options {
    int locals;
    int full_filenames;
    struct native *native;        /* --native: merge each thread's native stack (the
                                   * process must be paused); NULL: Python only */
    int native_all;               /* ... keeping the interpreter's plumbing */
    const struct py_tasks *tasks; /* --async: the asyncio tasks, each under the
                                   * thread running its loop; NULL: none */
};

/* Print the process block for sample s of target t to out. */
void dump_write(FILE *out, struct py_target *t, const struct py_sample *s,
                const struct dump_options *o);

#endif
