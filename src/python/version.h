/*
 * python/version: which CPython a process runs, without attaching fully.
 *
 * Looks at /proc/PID/maps for a libpython3.X.so or a python3.X executable,
 * finds _PyRuntime in its symbols and reads Py_Version (3.11+) from the
 * target, else takes the version from the file's name or its PY_VERSION
 * string. Cheap enough to call for every process in `pytop list`.
 */
#ifndef PYTOP_PYTHON_VERSION_H
#define PYTOP_PYTHON_VERSION_H

#include <stdint.h>
#include <sys/types.h>

#include "error.h"

struct py_version {
    int major, minor, micro;
    uint32_t hex; /* Py_Version (PY_VERSION_HEX, 3.11+), 0 if not known */
};

struct py_binary {
    char path[4096];       /* as in /proc/PID/maps */
    char open_path[4200];  /* a path that opens it from here (/proc/PID/root/... or map_files) */
    uint64_t bias;         /* run-time address = symbol value + bias */
    uint64_t runtime_addr; /* address of _PyRuntime in the target, 0 if none */
    uint64_t code_type;    /* address of PyCode_Type, 0 if not found */
    uint64_t frame_type;   /* address of PyFrame_Type, 0 if not found */
};

/* The lowest and highest versions pytop reads. A later version that
 * publishes its Py_Version is tried through its _Py_DebugOffsets
 * (python/target). */
#define PY_SUPPORTED_MIN_MINOR 8
#define PY_SUPPORTED_MAX_MINOR 15
#define PY_SUPPORTED_TEXT      "3.8-3.15"

/* Find the interpreter of pid and its version. Errors: PT_E_NOPROC,
 * PT_E_PERM, PT_E_NOTPYTHON (no libpython / _PyRuntime), PT_E_UNSUPPORTED
 * (a Python before 3.8, or after 3.15 without Py_Version; version still
 * filled in). bin may be NULL. */
int python_probe(pid_t pid, struct py_version *ver, struct py_binary *bin, struct pt_error *err);

/* "3.12.1" ("3.15.0b1" for a pre-release) into buf. */
void py_version_format(const struct py_version *v, char *buf, unsigned size);

#endif
