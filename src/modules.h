/*
 * modules: what a Python source file is, from its path: the part below
 * site-packages or the standard library's directory, the dotted name of
 * the module it holds, where it lives (the sampler's origin) and its
 * family (the application's, a third-party package's, the standard
 * library's). The one classifier of files: the flamegraphs colour by it,
 * the views shorten names by its rules, the report's categories look its
 * dotted names up.
 */
#ifndef PYTOP_MODULES_H
#define PYTOP_MODULES_H

#include <stddef.h>

#include "calltree.h"

enum module_family { MOD_APP, MOD_THIRD, MOD_STDLIB };

/* The path below the last site-packages or dist-packages directory of
 * path ("uvicorn/server.py"), or NULL. */
const char *module_path_in_packages(const char *path);

/* The path below the last standard library directory, lib/pythonX.Y, of
 * path ("asyncio/events.py"), or NULL: the one rule for "is this file the
 * standard library's?", wherever it is asked. */
const char *module_path_in_stdlib(const char *path);

/* Where path lives, as an enum ct_origin (calltree.h): site-packages or
 * dist-packages, the standard library (lib/pythonX.Y, <frozen ...>), or
 * the application. */
int module_origin(const char *path);

/* The dotted name of the module a source path holds, as far as the path
 * says: "sqlalchemy/orm/query.py" and ".../site-packages/sqlalchemy/orm/
 * query.py" are sqlalchemy.orm.query, a package's __init__.py is the
 * package, "<frozen importlib._bootstrap>" is importlib._bootstrap. An
 * absolute path outside site-packages and the standard library names no
 * module ("" : the program's own file), nor do "<stdin>" and "<string>".
 * Written into out (cut at size). */
void module_dotted_name(const char *path, char *out, size_t size);

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
