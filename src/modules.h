/*
 * modules: which module a frame's file belongs to, and what kind of code
 * that is (the application's, a third-party package's, the standard
 * library's): what the flamegraphs colour by, in the SVG and in the
 * terminal.
 */
#ifndef PYTOP_MODULES_H
#define PYTOP_MODULES_H

#include <stddef.h>

#include "calltree.h"

enum module_family { MOD_APP, MOD_THIRD, MOD_STDLIB };

/* The module a Python file belongs to (*mod, *len: a piece of file) and
 * its family, from the path alone: whole paths say site-packages / stdlib
 * / elsewhere; shortened ones (relative) are stdlib when their top-level
 * module is, else the application's. origin (enum ct_origin) is where the
 * sampler found the file, for a name it shortened. */
enum module_family module_of(const char *file, int origin, const char **mod, size_t *len);

/* A frame's class, by its kind, else by its module's family. */
enum frame_class {
    FC_APP,
    FC_THIRD,
    FC_STDLIB,
    FC_NATIVE,
    FC_PROCESS,
    FC_THREAD,
    FC_TASK,
    FC_REQUEST,
    FC_COUNT
};
int frame_class(const struct ct_frame *f);

#endif
