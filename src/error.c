/*
 * error: formatting of pytop's one error type. See error.h.
 */
#include "config.h"
#include "error.h"

#include <stdio.h>
#include <string.h>

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

int pt_error_prefix(struct pt_error *err, const char *fmt, ...)
{
    if (err == NULL)
        return -1;
    char prefix[sizeof err->msg], both[2 * sizeof err->msg + 2];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    snprintf(both, sizeof both, "%s: %s", prefix, err->msg);
    /* Cut to the message's size: the cause's end goes first. */
    memcpy(err->msg, both, sizeof err->msg - 1);
    err->msg[sizeof err->msg - 1] = '\0';
    return -1;
}

int pt_error_gone(const struct pt_error *err)
{
    return err->code == PT_E_GONE || err->code == PT_E_NOPROC;
}

int pt_error_exit_status(const struct pt_error *err)
{
    return err->code == PT_E_USAGE ? 2 : 1;
}
