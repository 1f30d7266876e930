/*
 * remote/mem: process_vm_readv with a /proc/PID/mem fallback. See mem.h.
 */
#include "config.h"
#include "remote/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "remote/access.h"

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

/* The first process read through /proc/PID/mem since process_vm_readv
 * was refused, and whether a user was told: once per run of pytop, from
 * whichever thread samples. */
static pid_t fallback_pid;
static int fallback_told;

int remote_fallback_take(char *msg, size_t size)
{
    pid_t pid = __atomic_load_n(&fallback_pid, __ATOMIC_RELAXED);
    if (pid == 0 || __atomic_exchange_n(&fallback_told, 1, __ATOMIC_RELAXED))
        return 0;
    snprintf(msg, size,
             "process_vm_readv was refused (a seccomp filter?): reading PID %d through "
             "/proc/%d/mem instead, one system call per object",
             (int)pid, (int)pid);
    return 1;
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
        pid_t none = 0;
        __atomic_compare_exchange_n(&fallback_pid, &none, r->pid, 0, __ATOMIC_RELAXED,
                                    __ATOMIC_RELAXED);
        return 0;
    }
    return procmem_readv(r, iov, n);
}

static const struct remote_ops pid_ops = {.readv = pid_readv};

int remote_open(struct remote *r, pid_t pid, struct pt_error *err)
{
    memset(r, 0, sizeof *r);
    r->ops = &pid_ops;
    r->pid = pid;
    r->mem_fd = -1;
    if (pid <= 0)
        return pt_error_set(err, PT_E_NOPROC, "no such process: %d", (int)pid);
    if (kill(pid, 0) != 0 && errno == ESRCH)
        return pt_error_set(err, PT_E_NOPROC, "no such process: PID %d does not exist", (int)pid);
    return 0;
}

void remote_init_custom(struct remote *r, const struct remote_ops *ops, void *priv)
{
    memset(r, 0, sizeof *r);
    r->ops = ops;
    r->priv = priv;
    r->mem_fd = -1;
}

/* --- the replay cache --- */

#define PAGE 4096u

/* The sizes of a cache at scale 1; scale k allows k times as much. */
#define CACHE_MAX_BYTES  (2u << 20)
#define CACHE_MAX_RANGES 512
#define CACHE_MAX_NOTES  4096

struct cache_range {
    uint64_t addr, end; /* [addr, end) */
    size_t off;         /* in buf */
};

struct remote_cache {
    int active;                 /* inside begin..end */
    struct cache_range *ranges; /* what buf holds, sorted */
    int nranges;
    uint8_t *buf;
    size_t bufcap;
    struct cache_range *notes; /* ranges asked for in this sample */
    int nnotes;
    uint64_t notes_hash; /* of this sample's notes, in order */
    uint64_t plan_hash;  /* of the notes the current ranges were planned from */
    int nplan;           /* how many there were */
    uint64_t hits, misses;
    int last;                  /* the range the last hit was in: the next read is often near */
    int max_notes, max_ranges; /* the limits of this cache */
    size_t max_bytes;
    struct remote_iov *iov; /* max_ranges of them, for the replay */
};

static void cache_free(struct remote_cache *c);

int remote_cache_enable(struct remote *r, int scale)
{
    if (r->cache != NULL)
        return 0;
    struct remote_cache *c = calloc(1, sizeof *c);
    if (c == NULL)
        return -1;
    c->max_notes = CACHE_MAX_NOTES * scale;
    c->max_ranges = CACHE_MAX_RANGES * scale;
    c->max_bytes = (size_t)CACHE_MAX_BYTES * (size_t)scale;
    c->ranges = calloc((size_t)c->max_ranges, sizeof *c->ranges);
    c->notes = calloc((size_t)c->max_notes, sizeof *c->notes);
    c->iov = calloc((size_t)c->max_ranges, sizeof *c->iov);
    if (c->ranges == NULL || c->notes == NULL || c->iov == NULL) {
        cache_free(c);
        return -1;
    }
    r->cache = c;
    return 0;
}

static void cache_free(struct remote_cache *c)
{
    if (c == NULL)
        return;
    free(c->ranges);
    free(c->notes);
    free(c->iov);
    free(c->buf);
    free(c);
}

static void note(struct remote_cache *c, uint64_t addr, size_t len)
{
    if (c->nnotes < c->max_notes && len > 0 && addr + len > addr) {
        c->notes[c->nnotes++] = (struct cache_range){addr, addr + len, 0};
        c->notes_hash = (c->notes_hash ^ addr ^ (len << 48)) * 0x100000001b3ull;
    }
}

static int range_cmp(const void *a, const void *b)
{
    const struct cache_range *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Sort notes by address: insertion sort for the usual handful, which is
 * also nearly sorted from one sample to the next. */
static void sort_notes(struct cache_range *v, int n)
{
    if (n > 64) {
        qsort(v, (size_t)n, sizeof *v, range_cmp);
        return;
    }
    for (int i = 1; i < n; i++) {
        struct cache_range x = v[i];
        int j = i;
        for (; j > 0 && v[j - 1].addr > x.addr; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

/* Plan the replay from the notes: ranges widened, sorted, merged. */
static size_t cache_plan(struct remote_cache *c)
{
    /* Widen each noted range to the end of its page (the rest of a mapped
     * page is mapped too), sort, and merge neighbours: two ranges less
     * than a page apart have no unmapped page between them. */
    sort_notes(c->notes, c->nnotes);
    c->nranges = 0;
    size_t total = 0;
    for (int i = 0; i < c->nnotes; i++) {
        uint64_t addr = c->notes[i].addr;
        uint64_t end = (c->notes[i].end + PAGE - 1) & ~(uint64_t)(PAGE - 1);
        if (end < c->notes[i].end)
            continue; /* the top of the address space */
        struct cache_range *last = c->nranges ? &c->ranges[c->nranges - 1] : NULL;
        if (last && addr < last->end + PAGE) {
            if (end > last->end) {
                total += end - last->end;
                last->end = end;
            }
            continue;
        }
        if (c->nranges == c->max_ranges || total + (end - addr) > c->max_bytes)
            break;
        c->ranges[c->nranges++] = (struct cache_range){addr, end, 0};
        total += end - addr;
    }
    return total;
}

void remote_cache_begin(struct remote *r)
{
    struct remote_cache *c = r->cache;
    if (c == NULL)
        return;
    c->active = 1;
    if (c->nnotes == 0) {
        c->nranges = 0;
        return;
    }
    /* A steady program asks for the same ranges every time: then the plan
     * of last time stands. The notes are compared by a hash: a collision
     * costs a plan that fits less well (reads outside it go live), never
     * a wrong byte, for every byte served was read at this begin. */
    size_t total = 0;
    if (c->nnotes == c->nplan && c->notes_hash == c->plan_hash && c->nranges > 0) {
        for (int i = 0; i < c->nranges; i++)
            total += c->ranges[i].end - c->ranges[i].addr;
    } else {
        c->plan_hash = c->notes_hash;
        c->nplan = c->nnotes;
        total = cache_plan(c);
    }
    c->nnotes = 0;
    c->notes_hash = 0;
    if (total > c->bufcap) {
        uint8_t *nb = realloc(c->buf, total);
        if (nb == NULL) {
            c->nranges = 0;
            return;
        }
        c->buf = nb;
        c->bufcap = total;
    }
    struct remote_iov *iov = c->iov;
    size_t off = 0;
    for (int i = 0; i < c->nranges; i++) {
        c->ranges[i].off = off;
        iov[i] = (struct remote_iov){c->ranges[i].addr, c->buf + off,
                                     (size_t)(c->ranges[i].end - c->ranges[i].addr)};
        off += iov[i].len;
    }
    if (c->nranges > 0 && r->ops->readv(r, iov, c->nranges) != 0) {
        c->nranges = 0; /* something moved: live reads this time */
        c->nplan = 0;
    }
}

void remote_cache_note(struct remote *r, uint64_t addr, size_t len)
{
    if (r->cache != NULL && r->cache->active)
        note(r->cache, addr, len);
}

void remote_cache_end(struct remote *r)
{
    if (r->cache != NULL)
        r->cache->active = 0;
}

void remote_cache_stats(const struct remote *r, uint64_t *hits, uint64_t *misses)
{
    *hits = r->cache ? r->cache->hits : 0;
    *misses = r->cache ? r->cache->misses : 0;
}

/* Serve [addr, addr + len) from the cache if it holds all of it. */
static int cache_get(struct remote_cache *c, uint64_t addr, void *buf, size_t len)
{
    const struct cache_range *cr = &c->ranges[c->last < c->nranges ? c->last : 0];
    if (addr < cr->addr || addr >= cr->end) {
        int lo = 0, hi = c->nranges - 1;
        cr = NULL;
        while (lo <= hi && cr == NULL) {
            int mid = (lo + hi) / 2;
            if (addr < c->ranges[mid].addr) {
                hi = mid - 1;
            } else if (addr >= c->ranges[mid].end) {
                lo = mid + 1;
            } else {
                cr = &c->ranges[mid];
                c->last = mid;
            }
        }
        if (cr == NULL)
            return -1;
    }
    if (len > cr->end - addr)
        return -1;
    memcpy(buf, c->buf + cr->off + (addr - cr->addr), len);
    return 0;
}

void remote_close(struct remote *r)
{
    if (r->mem_fd >= 0)
        close(r->mem_fd);
    r->mem_fd = -1;
    cache_free(r->cache);
    r->cache = NULL;
}

int remote_readv(struct remote *r, const struct remote_iov *iov, int n)
{
    if (n <= 0)
        return 0;
    struct remote_cache *c = r->cache;
    if (c == NULL || !c->active)
        return r->ops->readv(r, iov, n);
    /* Serve what the replay holds; read the rest live, in one call. */
    enum { BATCH = 64 };
    struct remote_iov live[BATCH];
    int nlive = 0;
    for (int i = 0; i < n; i++) {
        note(c, iov[i].addr, iov[i].len);
        if (c->nranges > 0 && cache_get(c, iov[i].addr, iov[i].buf, iov[i].len) == 0) {
            c->hits++;
            continue;
        }
        c->misses++;
        live[nlive++] = iov[i];
        if (nlive == BATCH) {
            if (r->ops->readv(r, live, nlive) != 0)
                return -1;
            nlive = 0;
        }
    }
    return nlive ? r->ops->readv(r, live, nlive) : 0;
}

int remote_read(struct remote *r, uint64_t addr, void *buf, size_t len)
{
    struct remote_iov one = {.addr = addr, .buf = buf, .len = len};
    if (len == 0)
        return 0;
    return remote_readv(r, &one, 1);
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
        return access_refused(r->pid, err);
    return pt_error_sys(err, PT_E_READ, e, "cannot read %s of PID %d: %s", what, (int)r->pid,
                        strerror(e));
}
