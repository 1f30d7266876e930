/*
 * output/atomic_file: temp file + fsync + rename. See atomic_file.h.
 */
#include "config.h"
#include "output/atomic_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int atomic_file_open(struct atomic_file *af, const char *path, struct pt_error *err)
{
    memset(af, 0, sizeof *af);
    if (strlen(path) >= sizeof af->path)
        return pt_error_set(err, PT_E_IO, "output path too long: %s", path);
    snprintf(af->path, sizeof af->path, "%s", path);
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return pt_error_set(err, PT_E_IO,
                            "cannot write %s: it is a directory (choose a file with -o)", path);
    const char *slash = strrchr(path, '/');
    int dirlen = slash ? (int)(slash - path) + 1 : 0;
    snprintf(af->tmp, sizeof af->tmp, "%.*s.%s.tmp-XXXXXX", dirlen, path, slash ? slash + 1 : path);
    int fd = mkstemp(af->tmp);
    if (fd < 0)
        return pt_error_sys(err, PT_E_IO, errno,
                            "cannot write %s: %s (choose another file with -o)", path,
                            strerror(errno));
    fchmod(fd, 0644 & ~0022u);
    af->fp = fdopen(fd, "w");
    if (af->fp == NULL) {
        int e = errno;
        close(fd);
        unlink(af->tmp);
        return pt_error_sys(err, PT_E_IO, e, "cannot write %s: %s", path, strerror(e));
    }
    return 0;
}

int atomic_file_commit(struct atomic_file *af, struct pt_error *err)
{
    int failed = ferror(af->fp) || fflush(af->fp) != 0 || fsync(fileno(af->fp)) != 0;
    int e = errno;
    if (fclose(af->fp) != 0 && !failed) {
        failed = 1;
        e = errno;
    }
    af->fp = NULL;
    if (!failed && rename(af->tmp, af->path) != 0) {
        failed = 1;
        e = errno;
    }
    if (failed) {
        unlink(af->tmp);
        return pt_error_sys(err, PT_E_IO, e, "cannot write %s: %s", af->path, strerror(e));
    }
    return 0;
}

void atomic_file_abort(struct atomic_file *af)
{
    if (af->fp != NULL)
        fclose(af->fp);
    af->fp = NULL;
    unlink(af->tmp);
}

int atomic_file_write(const char *path, atomic_file_writer write, const void *arg,
                      struct pt_error *err)
{
    if (strcmp(path, "-") == 0) {
        if (write(stdout, arg, err) != 0)
            return -1;
        if ((fflush(stdout) != 0 || ferror(stdout)) && errno != EPIPE)
            return pt_error_sys(err, PT_E_IO, errno, "cannot write to stdout: %s", strerror(errno));
        return 0;
    }
    struct atomic_file af;
    if (atomic_file_open(&af, path, err) != 0)
        return -1;
    if (write(af.fp, arg, err) != 0) {
        atomic_file_abort(&af);
        return -1;
    }
    return atomic_file_commit(&af, err);
}

void atomic_file_unused_path(const char *path, char *out, size_t size)
{
    struct stat st;
    snprintf(out, size, "%s", path);
    if (stat(out, &st) != 0)
        return;
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(path, '.');
    if (dot == NULL || (slash && dot < slash) || dot == (slash ? slash + 1 : path))
        dot = path + strlen(path);
    for (int i = 1; i < 100000; i++) {
        snprintf(out, size, "%.*s-%d%s", (int)(dot - path), path, i, dot);
        if (stat(out, &st) != 0)
            return;
    }
}
