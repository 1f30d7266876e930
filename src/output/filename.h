/*
 * output/filename: the short form of a Python source path that views show
 * unless --full-filenames is given: the part after site-packages or
 * dist-packages ("uvicorn/server.py"), else after the standard library
 * directory lib/pythonX.Y ("asyncio/base_events.py"), else relative to the
 * target's working directory, else the whole path.
 */
#ifndef PYTOP_OUTPUT_FILENAME_H
#define PYTOP_OUTPUT_FILENAME_H

#include <stddef.h>

/* Write the short form of path into out. cwd may be "" (unknown). */
void filename_shorten(const char *path, const char *cwd, char *out, size_t size);

/* Write the absolute form of path: relative paths (3.8's main script)
 * are joined to cwd. */
void filename_absolute(const char *path, const char *cwd, char *out, size_t size);

/* Where path lives, as an enum ct_origin (calltree.h): site-packages or
 * dist-packages, the standard library (lib/pythonX.Y, <frozen ...>), or
 * the application. */
int filename_origin(const char *path);

/* The dotted name of the module a source path holds, as far as the path
 * says: "sqlalchemy/orm/query.py" and ".../site-packages/sqlalchemy/orm/
 * query.py" are sqlalchemy.orm.query, a package's __init__.py is the
 * package, "<frozen importlib._bootstrap>" is importlib._bootstrap. An
 * absolute path outside site-packages and the standard library names no
 * module ("" : the program's own file), nor do "<stdin>" and "<string>".
 * Written into out (cut at size). */
void filename_module(const char *path, char *out, size_t size);

#endif
