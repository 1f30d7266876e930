/*
 * error: formatting of pytop's one error type. See error.h.
 */
#include "config.h"
#include "error.h"

#include <stdio.h>
#include <string.h>

static const char *const code_names[PT_E_COUNT] = {
    [PT_OK] = "ok",
    [PT_E_USAGE] = "usage",
    [PT_E_NOPROC] = "no such process",
    [PT_E_PERM] = "permission denied",
    [PT_E_NOTPYTHON] = "not python",
    [PT_E_UNSUPPORTED] = "unsupported version",
    [PT_E_NOPORT] = "no listener",
    [PT_E_MANY] = "several candidates",
    [PT_E_READ] = "read failed",
    [PT_E_TORN] = "torn read",
    [PT_E_GONE] = "process gone",
    [PT_E_NOMEM] = "out of memory",
    [PT_E_IO] = "i/o error",
    [PT_E_SYS] = "system error",
};

static int error_vset(struct pt_error *err, enum pt_code code, int errno_value, const char *fmt,
                      va_list ap)
{
    if (err == NULL)
        return -1;
    err->code = code;
    err->sys_errno = errno_value;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    return -1;
}

int pt_error_set(struct pt_error *err, enum pt_code code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_vset(err, code, 0, fmt, ap);
    va_end(ap);
    return -1;
}

int pt_error_sys(struct pt_error *err, enum pt_code code, int errno_value, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_vset(err, code, errno_value, fmt, ap);
    va_end(ap);
    return -1;
}

void pt_error_clear(struct pt_error *err)
{
    if (err == NULL)
        return;
    err->code = PT_OK;
    err->sys_errno = 0;
    err->msg[0] = '\0';
}

const char *pt_code_name(enum pt_code code)
{
    if ((unsigned)code >= PT_E_COUNT)
        return "unknown";
    return code_names[code];
}

int pt_error_exit_status(const struct pt_error *err)
{
    return err->code == PT_E_USAGE ? 2 : 1;
}
