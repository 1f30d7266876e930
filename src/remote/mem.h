/*
 * remote/mem: reading another process's memory.
 *
 * Reads go through process_vm_readv (one syscall for many ranges); when the
 * kernel refuses it (EPERM under some LSMs, ENOSYS) pytop falls back to
 * pread on /proc/PID/mem. A source is abstract (struct remote_ops) so that
 * tests can feed the readers a synthetic memory image.
 */
#ifndef PYTOP_REMOTE_MEM_H
#define PYTOP_REMOTE_MEM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

struct remote_iov {
    uint64_t addr;
    void *buf;
    size_t len;
};

struct remote;
struct remote_cache;

struct remote_ops {
    /* Read every range fully; 0 on success, -1 with errno set otherwise. */
    int (*readv)(struct remote *r, const struct remote_iov *iov, int n);
};

struct remote {
    const struct remote_ops *ops;
    pid_t pid;
    int mem_fd;                 /* /proc/PID/mem, opened on first fallback; -1 if not */
    int use_procmem;            /* process_vm_readv is refused: use mem_fd */
    void *priv;                 /* for test sources */
    uint64_t syscalls;          /* read syscalls made: a benchmark figure */
    uint64_t bytes;             /* bytes read */
    struct remote_cache *cache; /* the replay cache of sampling, or NULL */
};

/* Open process pid for reading. Fails with PT_E_NOPROC or PT_E_PERM and the
 * CLI's message when the process is missing or not readable. */
int remote_open(struct remote *r, pid_t pid, struct pt_error *err);

/* Set up r over a custom source (tests). */
void remote_init_custom(struct remote *r, const struct remote_ops *ops, void *priv);

void remote_close(struct remote *r);

/* Read len bytes at addr into buf. 0 on success, -1 (errno set) if any byte
 * could not be read. */
int remote_read(struct remote *r, uint64_t addr, void *buf, size_t len);

/* Read several ranges, as one syscall where possible. 0 or -1 (errno). */
int remote_readv(struct remote *r, const struct remote_iov *iov, int n);

/*
 * The replay cache. A sample of a steady program reads the same ranges as
 * the one before (thread states, frames, data stack chunks), and one
 * process_vm_readv costs about the same for 8 bytes as for a page. So:
 * between remote_cache_begin and remote_cache_end every range asked for
 * is noted; the next begin reads all of them (each widened to the end of
 * its page, neighbours merged) in one call, and reads inside those ranges
 * are served from that copy. What is not in it is read live, and noted
 * for next time. A failed replay just means live reads for that sample.
 */

/* Give r a replay cache (done by pytarget_attach with scale 1): scale k
 * notes, plans and holds k times what scale 1 does (4096 reads in up to
 * 512 ranges, 2 MiB). 0 or -1. */
int remote_cache_enable(struct remote *r, int scale);

/* Start a sample: replay the ranges of the previous one. */
void remote_cache_begin(struct remote *r);

/* Ask for [addr, addr + len) in the next replay without reading it now
 * (a range the next sample is likely to need). Only while a sample runs. */
void remote_cache_note(struct remote *r, uint64_t addr, size_t len);

/* End a sample: reads go live again until the next begin. */
void remote_cache_end(struct remote *r);

/* Served-from-cache and live read counts, for benchmarks. */
void remote_cache_stats(const struct remote *r, uint64_t *hits, uint64_t *misses);

/* Read a pointer-sized value. 0 or -1. */
int remote_read_ptr(struct remote *r, uint64_t addr, uint64_t *out);

/* Has pid exited? True once it no longer exists or is a zombie (its
 * memory is gone even while its parent has not reaped it). */
int remote_process_gone(pid_t pid);

/* Fill err for a failed read of the target: PT_E_GONE if the process no
 * longer exists, PT_E_PERM for EPERM, PT_E_READ otherwise. Returns -1. */
int remote_read_error(struct remote *r, struct pt_error *err, const char *what);

/* The first time after some read fell back from process_vm_readv to
 * /proc/PID/mem (a seccomp filter or a security module refusing the call),
 * fill msg with one line that says so and return 1; 0 otherwise. The
 * fallback is slower, so the user is told, once per run. */
int remote_fallback_take(char *msg, size_t size);

#endif
