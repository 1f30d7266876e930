/*
 * modules: which module a frame's file belongs to and its family. See
 * modules.h.
 */
#include "config.h"
#include "modules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Top-level modules of the standard library written in Python, 3.8-3.15
 * (C-only modules never appear as a frame's file). Sorted for bsearch. */
// clang-format off
static const char *const stdlib_modules[] = {
    "__future__", "_aix_support", "_android_support", "_apple_support", "_ast_unparse",
    "_bootlocale", "_bootsubprocess", "_collections_abc", "_colorize", "_compat_pickle",
    "_compression", "_dummy_thread", "_ios_support", "_markupbase", "_opcode_metadata",
    "_osx_support", "_py_abc", "_py_warnings", "_pydatetime", "_pydecimal", "_pyio", "_pylong",
    "_pyrepl", "_sitebuiltins", "_strptime", "_threading_local", "_weakrefset", "abc", "aifc",
    "annotationlib", "antigravity", "argparse", "ast", "asynchat", "asyncio", "asyncore", "base64",
    "bdb", "binhex", "bisect", "bz2", "cProfile", "calendar", "cgi", "cgitb", "chunk", "cmd",
    "code", "codecs", "codeop", "collections", "colorsys", "compileall", "compression",
    "concurrent", "configparser", "contextlib", "contextvars", "copy", "copyreg", "crypt", "csv",
    "ctypes", "curses", "dataclasses", "datetime", "dbm", "decimal", "difflib", "dis", "distutils",
    "doctest", "dummy_threading", "email", "encodings", "ensurepip", "enum", "filecmp", "fileinput",
    "fnmatch", "formatter", "fractions", "ftplib", "functools", "genericpath", "getopt", "getpass",
    "gettext", "glob", "graphlib", "gzip", "hashlib", "heapq", "hmac", "html", "http", "idlelib",
    "imaplib", "imghdr", "imp", "importlib", "inspect", "io", "ipaddress", "json", "keyword",
    "lib2to3", "linecache", "locale", "logging", "lzma", "mailbox", "mailcap", "mimetypes",
    "modulefinder", "multiprocessing", "netrc", "nntplib", "ntpath", "nturl2path", "numbers",
    "opcode", "operator", "optparse", "os", "pathlib", "pdb", "pickle", "pickletools", "pipes",
    "pkgutil", "platform", "plistlib", "poplib", "posixpath", "pprint", "profile", "profiling",
    "pstats", "pty", "py_compile", "pyclbr", "pydoc", "pydoc_data", "queue", "quopri", "random",
    "re", "reprlib", "rlcompleter", "runpy", "sched", "secrets", "selectors", "shelve", "shlex",
    "shutil", "signal", "site", "smtpd", "smtplib", "sndhdr", "socket", "socketserver", "sqlite3",
    "sre_compile", "sre_constants", "sre_parse", "ssl", "stat", "statistics", "string",
    "stringprep", "struct", "subprocess", "sunau", "symbol", "symtable", "sysconfig", "tabnanny",
    "tarfile", "telnetlib", "tempfile", "textwrap", "this", "threading", "timeit", "tkinter",
    "token", "tokenize", "tomllib", "trace", "traceback", "tracemalloc", "tty", "turtle",
    "turtledemo", "types", "typing", "unittest", "urllib", "uu", "uuid", "venv", "warnings", "wave",
    "weakref", "webbrowser", "wsgiref", "xdrlib", "xml", "xmlrpc", "zipapp", "zipfile", "zipimport",
    "zoneinfo",
};
// clang-format on

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int is_stdlib_module(const char *mod, size_t len)
{
    char key[64];
    if (len >= sizeof key)
        return 0;
    memcpy(key, mod, len);
    key[len] = '\0';
    const char *k = key;
    return bsearch(&k, stdlib_modules, sizeof stdlib_modules / sizeof *stdlib_modules,
                   sizeof *stdlib_modules, str_cmp) != NULL;
}

/* The text after the last occurrence of dir in path, or NULL (also when
 * nothing follows it). */
static const char *after_last(const char *path, const char *dir)
{
    const char *found = NULL;
    for (const char *p = strstr(path, dir); p; p = strstr(p + 1, dir))
        if (p[strlen(dir)] != '\0')
            found = p + strlen(dir);
    return found;
}

const char *module_path_in_packages(const char *path)
{
    const char *p = after_last(path, "/site-packages/");
    const char *q = after_last(path, "/dist-packages/");
    return q > p ? q : p;
}

const char *module_path_in_stdlib(const char *path)
{
    const char *found = NULL;
    for (const char *p = strstr(path, "/lib/python"); p; p = strstr(p + 1, "/lib/python")) {
        const char *q = p + strlen("/lib/python");
        if (*q < '0' || *q > '9')
            continue; /* Debian's /usr/lib/python3/dist-packages is not it */
        while ((*q >= '0' && *q <= '9') || *q == '.')
            q++;
        if (*q == '/' && q[1] != '\0')
            found = q + 1;
    }
    return found;
}

/* The first component of a relative path, without ".py" when it is the
 * file itself ("asyncio/events.py" -> "asyncio", "app.py" -> "app"). */
static size_t first_component(const char *p)
{
    size_t len = strcspn(p, "/");
    if (p[len] == '\0' && len > 3 && strcmp(p + len - 3, ".py") == 0)
        len -= 3;
    return len;
}

enum module_family module_of(const char *file, int origin, const char **mod, size_t *len)
{
    /* The sampler knows where the file lives even when the name it shows
     * is shortened ("uvicorn/server.py" from site-packages). */
    if (file[0] != '/' && file[0] != '<' && origin != CT_ORIGIN_UNKNOWN) {
        *mod = file, *len = first_component(file);
        return origin == CT_ORIGIN_PACKAGE  ? MOD_THIRD
               : origin == CT_ORIGIN_STDLIB ? MOD_STDLIB
                                            : MOD_APP;
    }
    const char *p = module_path_in_packages(file);
    if (p != NULL) {
        *mod = p, *len = first_component(p);
        return MOD_THIRD;
    }
    if ((p = module_path_in_stdlib(file)) != NULL) {
        *mod = p, *len = first_component(p);
        return MOD_STDLIB;
    }
    if (strncmp(file, "<frozen ", 8) == 0) { /* "<frozen importlib._bootstrap>" */
        *mod = file + 8, *len = strcspn(file + 8, ".>");
        return MOD_STDLIB;
    }
    if (file[0] == '<') { /* <string>, <stdin>, <console> */
        *mod = file, *len = strlen(file);
        return MOD_APP;
    }
    if (file[0] == '/') { /* elsewhere: the directory holding the file */
        const char *slash = strrchr(file, '/'), *start = slash;
        while (start > file && start[-1] != '/')
            start--;
        if (slash == file)
            *mod = file + 1, *len = first_component(file + 1);
        else
            *mod = start, *len = (size_t)(slash - start);
        return MOD_APP;
    }
    *mod = file, *len = first_component(file);
    return is_stdlib_module(file, *len) ? MOD_STDLIB : MOD_APP;
}

int frame_class(const struct ct_frame *f)
{
    switch (f->kind) {
    case CT_PROCESS:
        return FC_PROCESS;
    case CT_THREAD:
        return FC_THREAD;
    case CT_TASK:
        return FC_TASK;
    case CT_REQUEST:
        return FC_REQUEST;
    case CT_NATIVE:
        return FC_NATIVE;
    default: {
        const char *mod;
        size_t len;
        enum module_family fam = module_of(f->file, f->origin, &mod, &len);
        return fam == MOD_THIRD ? FC_THIRD : fam == MOD_STDLIB ? FC_STDLIB : FC_APP;
    }
    }
}

int module_origin(const char *path)
{
    if (module_path_in_packages(path))
        return CT_ORIGIN_PACKAGE;
    if (module_path_in_stdlib(path) || strncmp(path, "<frozen ", 8) == 0)
        return CT_ORIGIN_STDLIB;
    return CT_ORIGIN_APP;
}

void module_dotted_name(const char *path, char *out, size_t size)
{
    const char *s = module_path_in_packages(path);
    size_t n;
    out[0] = '\0';
    if (size == 0)
        return;
    if (s == NULL)
        s = module_path_in_stdlib(path);
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
