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

#endif
