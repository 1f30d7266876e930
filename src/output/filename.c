/*
 * output/filename: shortening source paths. See filename.h.
 */
#include "config.h"
#include "output/filename.h"

#include <stdio.h>
#include <string.h>

#include "calltree.h"

/* The text after the last "/lib/pythonX.Y/" in path, or NULL. */
static const char *after_stdlib(const char *path)
{
    const char *found = NULL;
    for (const char *p = strstr(path, "/lib/python"); p; p = strstr(p + 1, "/lib/python")) {
        const char *q = p + strlen("/lib/python");
        while ((*q >= '0' && *q <= '9') || *q == '.')
            q++;
        if (*q == '/' && q[1] != '\0')
            found = q + 1;
    }
    return found;
}

static const char *after_packages(const char *path)
{
    const char *found = NULL;
    static const char *const dirs[] = {"/site-packages/", "/dist-packages/"};
    for (int i = 0; i < 2; i++)
        for (const char *p = strstr(path, dirs[i]); p; p = strstr(p + 1, dirs[i]))
            if (p[strlen(dirs[i])] != '\0')
                found = p + strlen(dirs[i]);
    return found;
}

void filename_shorten(const char *path, const char *cwd, char *out, size_t size)
{
    const char *s = after_packages(path);
    if (s == NULL)
        s = after_stdlib(path);
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

int filename_origin(const char *path)
{
    if (after_packages(path))
        return CT_ORIGIN_PACKAGE;
    if (after_stdlib(path) || strncmp(path, "<frozen ", 8) == 0)
        return CT_ORIGIN_STDLIB;
    return CT_ORIGIN_APP;
}

void filename_module(const char *path, char *out, size_t size)
{
    const char *s = after_packages(path);
    size_t n;
    out[0] = '\0';
    if (size == 0)
        return;
    if (s == NULL)
        s = after_stdlib(path);
    if (s == NULL && strncmp(path, "<frozen ", 8) == 0) {
        s = path + 8;
        n = strcspn(s, ">");
    } else {
        if (s == NULL && (path[0] == '/' || path[0] == '<'))
            return;
        if (s == NULL)
            s = path[0] == '.' && path[1] == '/' ? path + 2 : path;
        n = strlen(s);
        static const char *const exts[] = {".py", ".pyc", ".pyx", ".so"};
        for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
            size_t e = strlen(exts[i]);
            if (n > e && strcmp(s + n - e, exts[i]) == 0) {
                n -= e;
                break;
            }
        }
        if (n > 9 && strncmp(s + n - 9, "/__init__", 9) == 0)
            n -= 9;
    }
    if (n >= size)
        n = size - 1;
    for (size_t i = 0; i < n; i++)
        out[i] = s[i] == '/' ? '.' : s[i];
    out[n] = '\0';
}
