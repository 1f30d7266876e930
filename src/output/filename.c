/*
 * output/filename: shortening source paths. See filename.h.
 */
#include "config.h"
#include "output/filename.h"

#include <stdio.h>
#include <string.h>

#include "modules.h"

void filename_shorten(const char *path, const char *cwd, char *out, size_t size)
{
    const char *s = module_path_in_packages(path);
    if (s == NULL)
        s = module_path_in_stdlib(path);
    if (s == NULL && cwd[0] == '/') {
        size_t n = strlen(cwd);
        while (n > 1 && cwd[n - 1] == '/')
            n--;
        if (strncmp(path, cwd, n) == 0 && path[n] == '/' && path[n + 1] != '\0')
            s = path + n + 1;
    }
    snprintf(out, size, "%s", s ? s : path);
}

void filename_absolute(const char *path, const char *cwd, char *out, size_t size)
{
    if (path[0] == '/' || path[0] == '<' || cwd[0] == '\0')
        snprintf(out, size, "%s", path);
    else
        snprintf(out, size, "%s/%s", cwd, path[0] == '.' && path[1] == '/' ? path + 2 : path);
}
