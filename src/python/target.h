/*
 * python/target: one attached Python process: how to read it (memory,
 * layout, version) and what was learned about it (code objects, the place
 * of the kernel thread id in glibc's struct pthread). Nothing here stops
 * the process.
 */
#ifndef PYTOP_PYTHON_TARGET_H
#define PYTOP_PYTHON_TARGET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "python/code.h"
#include "python/layout.h"
#include "python/version.h"
#include "util.h"
#include "remote/mem.h"
#include "remote/nspid.h"

/* A loaded range of the target's frame memory (3.11+ data stack chunks). */
struct frame_segment {
    uint64_t lo, hi; /* [lo, hi) in the target */
    size_t off;      /* where it starts in the arena */
};

#define FRAME_SEGMENTS_MAX 32

/* An interpreter as last read: its next, thread list head and GIL. */
struct interp_entry {
    uint64_t addr, next, threads, gil;
};

#define INTERP_CACHE_MAX 16

/* 3.8-3.10: how many pages frames were read from are remembered, for how
 * many samples, and their size (see frame_pages_note in stack.c). */
#define FRAME_PAGES_MAX 16
#define FRAME_PAGE_AGE  8
#define FRAME_PAGE_SIZE 4096

/* Names python/objects has met, by address (util.h's addr_names): the
 * types' (tp_name), so that an object's type name costs one read, of its
 * ob_type; and the interned str keys of dicts looked up, so that a
 * lookup compares addresses instead of reading every key. */

struct py_target {
    pid_t pid;
    struct remote mem;
    struct py_version ver;
    struct py_layout lay;
    struct py_binary bin;
    struct code_cache codes;
    int tid_offset; /* 3.8-3.10: offset of the tid in struct pthread; -1 = unknown */
    /* In a PID namespace (a container), the interpreter knows its threads
     * by the namespace's ids: ns_pid is the process's own id there (0
     * outside one, or when it is pid), and tids turns thread ids into
     * pytop's, read again at most every 100 ms when a thread is not
     * listed (see stack.c). */
    pid_t ns_pid;
    struct nspid_map tids;
    uint64_t tids_read;
    /* The frame reader of the thread being walked (3.11+): reused buffers,
     * so a sample allocates nothing once warm. */
    uint8_t *arena;
    size_t arena_used, arena_cap;
    struct frame_segment segs[FRAME_SEGMENTS_MAX];
    int nsegs;
    uint64_t next_chunk; /* the next older data stack chunk not loaded yet */
    /* The interpreter list changes rarely (threads start and end at its
     * head): it is re-read at most every interps_ttl (200 ms), which spares
     * two pages of the one read a fast sample makes. */
    struct interp_entry interps[INTERP_CACHE_MAX];
    int ninterps;            /* -1: not cached */
    uint64_t interps_read;   /* CLOCK_MONOTONIC ns of the last read */
    uint64_t interps_ttl;    /* how long a read serves, ns; 0 = read every sample */
    uint64_t codes_checked;  /* when the code cache's epoch last began */
    uint64_t codes_epoch_ns; /* how long the current epoch lasts (see stack.c) */
    uint32_t codes_changes;  /* the code cache's changes when it began */
    /* 3.8-3.10: pages frames were read from lately (0 = a free slot) and
     * the sample each was last read in; `samples` counts pystack_sample,
     * `stack_moved` is the last one that walked again (0 = none). */
    uint64_t frame_pages[FRAME_PAGES_MAX];
    uint64_t frame_pages_seen[FRAME_PAGES_MAX];
    uint64_t samples, stack_moved;
    struct addr_names types, keys;
};

/* Attach to pid: find its interpreter and version, set up the layout (with
 * 3.13's debug offsets). Errors as python_probe, plus PT_E_UNSUPPORTED for
 * unreadable debug offsets. On failure nothing needs freeing. */
int pytarget_attach(struct py_target *t, pid_t pid, struct pt_error *err);

/* Release everything attach allocated. */
void pytarget_detach(struct py_target *t);

#endif
