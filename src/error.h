/*
 * error: the one error type of pytop, from the lowest layer up to main.
 *
 * A failing function fills a struct pt_error with a code and the complete
 * one-line message a user reads (what went wrong and what to do), then
 * returns -1. Callers pass the error up untouched, or replace it with a
 * better-informed message. main() prints it as "pytop: MESSAGE".
 */
#ifndef PYTOP_ERROR_H
#define PYTOP_ERROR_H

#include <stdarg.h>

enum pt_code {
    PT_OK = 0,
    PT_E_USAGE,       /* bad command line or config: exit status 2 */
    PT_E_NOPROC,      /* no such process */
    PT_E_PERM,        /* not allowed to read the process */
    PT_E_NOTPYTHON,   /* no libpython / _PyRuntime in the process */
    PT_E_UNSUPPORTED, /* a Python version pytop cannot read */
    PT_E_NOPORT,      /* nothing listens on the port */
    PT_E_MANY,        /* several candidate processes and no way to choose */
    PT_E_READ,        /* a memory read of the target failed */
    PT_E_TORN,        /* the target changed under us: inconsistent data */
    PT_E_GONE,        /* the target exited */
    PT_E_NOMEM,
    PT_E_IO,  /* reading or writing a file of ours */
    PT_E_SYS, /* any other system call failure */
    PT_E_COUNT
};

struct pt_error {
    enum pt_code code;
    int sys_errno; /* errno at the failure, 0 if none */
    char msg[512];
};

/* Fill err (if not NULL) with code and a printf-style message; returns -1. */
int pt_error_set(struct pt_error *err, enum pt_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Like pt_error_set, also recording errno_value. Returns -1. */
int pt_error_sys(struct pt_error *err, enum pt_code code, int errno_value, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Make err's message more precise by putting a printf-style prefix and
 * ": " before it ("profile.txt: line 3: ..."), keeping its code, errno
 * and cause. Returns -1. */
int pt_error_prefix(struct pt_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Reset err to PT_OK with an empty message. */
void pt_error_clear(struct pt_error *err);

/* Whether err says the process is not there: it exited while read
 * (PT_E_GONE) or was gone before (PT_E_NOPROC). Such a process is
 * dropped, not reported: the one answer for every caller that follows
 * processes coming and going. */
int pt_error_gone(const struct pt_error *err);

/* The exit status for an error: 2 for usage errors, 1 for the rest. */
int pt_error_exit_status(const struct pt_error *err);

#endif
