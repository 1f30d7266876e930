/*
 * remote/mem: process_vm_readv with a /proc/PID/mem fallback. See mem.h.
 */
#include "config.h"
#include "remote/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

/* The kernel's limit on iovecs per call (UIO_MAXIOV). */
#define REMOTE_MAX_IOV 1024

static int procmem_readv(struct remote *r, const struct remote_iov *iov, int n)
{
    if (r->mem_fd < 0) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/mem", (int)r->pid);
        r->mem_fd = open(path, O_RDONLY | O_CLOEXEC);
        if (r->mem_fd < 0)
            return -1;
    }
    for (int i = 0; i < n; i++) {
        size_t done = 0;
        while (done < iov[i].len) {
            ssize_t got = pread(r->mem_fd, (char *)iov[i].buf + done, iov[i].len - done,
                                (off_t)(iov[i].addr + done));
            r->syscalls++;
            if (got < 0 && errno == EINTR)
                continue;
            if (got <= 0) {
                if (got == 0)
                    errno = EFAULT;
                return -1;
            }
            done += (size_t)got;
        }
        r->bytes += done;
    }
    return 0;
}

static int vm_readv_batch(struct remote *r, const struct remote_iov *iov, int n)
{
    struct iovec local[REMOTE_MAX_IOV], remote[REMOTE_MAX_IOV];
    size_t want = 0;
    for (int i = 0; i < n; i++) {
        local[i].iov_base = iov[i].buf;
        local[i].iov_len = iov[i].len;
        remote[i].iov_base = (void *)(uintptr_t)iov[i].addr;
        remote[i].iov_len = iov[i].len;
        want += iov[i].len;
    }
    ssize_t got = process_vm_readv(r->pid, local, (unsigned long)n, remote, (unsigned long)n, 0);
    r->syscalls++;
    if (got < 0)
        return -1;
    r->bytes += (uint64_t)got;
    if ((size_t)got != want) {
        /* A partial read stops at the first unreadable page. */
        errno = EFAULT;
        return -1;
    }
    return 0;
}

static int pid_readv(struct remote *r, const struct remote_iov *iov, int n)
{
    if (!r->use_procmem) {
        int rc = 0;
        for (int at = 0; at < n && rc == 0; at += REMOTE_MAX_IOV) {
            int chunk = n - at < REMOTE_MAX_IOV ? n - at : REMOTE_MAX_IOV;
            rc = vm_readv_batch(r, iov + at, chunk);
        }
        if (rc == 0 || (errno != ENOSYS && errno != EPERM))
            return rc;
        /* EPERM from process_vm_readv while /proc/PID/mem may still work
         * (some LSM setups): try the fallback once and keep it if it does. */
        if (procmem_readv(r, iov, n) != 0)
            return -1;
        r->use_procmem = 1;
        return 0;
    }
    return procmem_readv(r, iov, n);
}

static const struct remote_ops pid_ops = {.readv = pid_readv};

int remote_perm_error(struct pt_error *err, pid_t pid)
{
    return pt_error_set(err, PT_E_PERM,
                        "permission denied reading PID %d (run as the same user with ptrace "
                        "allowed, or as root, or give CAP_SYS_PTRACE; in containers add "
                        "--cap-add SYS_PTRACE)",
                        (int)pid);
}

int remote_open(struct remote *r, pid_t pid, struct pt_error *err)
{
    memset(r, 0, sizeof *r);
    r->ops = &pid_ops;
    r->pid = pid;
    r->mem_fd = -1;
    if (pid <= 0)
        return pt_error_set(err, PT_E_NOPROC, "no such process: %d", (int)pid);
    if (kill(pid, 0) != 0 && errno == ESRCH)
        return pt_error_set(err, PT_E_NOPROC, "no such process: PID %d does not exist",
                            (int)pid);
    return 0;
}

void remote_init_custom(struct remote *r, const struct remote_ops *ops, void *priv)
{
    memset(r, 0, sizeof *r);
    r->ops = ops;
    r->priv = priv;
    r->mem_fd = -1;
}

void remote_close(struct remote *r)
{
    if (r->mem_fd >= 0)
        close(r->mem_fd);
    r->mem_fd = -1;
}

int remote_readv(struct remote *r, const struct remote_iov *iov, int n)
{
    if (n <= 0)
        return 0;
    return r->ops->readv(r, iov, n);
}

int remote_read(struct remote *r, uint64_t addr, void *buf, size_t len)
{
    struct remote_iov one = {.addr = addr, .buf = buf, .len = len};
    if (len == 0)
        return 0;
    return r->ops->readv(r, &one, 1);
}

int remote_read_ptr(struct remote *r, uint64_t addr, uint64_t *out)
{
    return remote_read(r, addr, out, sizeof *out);
}

int remote_process_gone(pid_t pid)
{
    if (kill(pid, 0) != 0 && errno == ESRCH)
        return 1;
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT || errno == ESRCH;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 1;
    buf[n] = '\0';
    const char *close_paren = strrchr(buf, ')');
    return close_paren && close_paren[1] == ' ' && (close_paren[2] == 'Z' || close_paren[2] == 'X');
}

int remote_read_error(struct remote *r, struct pt_error *err, const char *what)
{
    int e = errno;
    if (r->pid > 0 && remote_process_gone(r->pid))
        return pt_error_set(err, PT_E_GONE, "PID %d exited", (int)r->pid);
    if (e == EPERM || e == EACCES)
        return remote_perm_error(err, r->pid);
    return pt_error_sys(err, PT_E_READ, e, "cannot read %s of PID %d: %s", what, (int)r->pid,
                        strerror(e));
}
