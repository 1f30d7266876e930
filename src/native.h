/*
 * native: the native (C) stack of a paused thread, unwound with libunwind,
 * and merged with the thread's Python stack (-n/--native).
 *
 * libunwind's remote API does the unwinding (DWARF CFI from each module's
 * .eh_frame_hdr table); the accessors are pytop's own: registers come
 * from one PTRACE_GETREGS per thread, memory from process_vm_readv through
 * a page cache (read-only file pages are kept across samples, stack pages
 * for one unwind), so an unwind costs a few system calls, not one per
 * word. The caller pauses the thread first (remote/pause) and releases it
 * after: a running thread's registers cannot be read.
 *
 * Merging: every native frame of the eval loop (_PyEval_EvalFrameDefault,
 * found by symbol, or as the interpreter's largest function when it is
 * stripped) is replaced by the Python frames that call of the loop runs
 * (struct py_frame's group), innermost first. The interpreter's own frames
 * between Python frames and everything outside the outermost Python frame
 * (call trampolines, vectorcall helpers, main, thread start) are plumbing,
 * hidden unless asked for; frames below the innermost Python frame are
 * where the time goes, and stay.
 */
#ifndef PYTOP_NATIVE_H
#define PYTOP_NATIVE_H

#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "remote/symbols.h"

#define NATIVE_MAX_DEPTH 512

struct py_target;
struct py_sample;
struct py_thread;
struct native;

/* A frame of a merged stack. */
struct merged_frame {
    int native;           /* 0: Python frame py; 1: native */
    int at;               /* native: its index in the unwound stack */
    int py;               /* Python: index into the sample's frames */
    const char *function; /* native: symbol name, NULL when none */
    const char *module;   /* native: library basename ("libz.so.1"), "" if none */
    uint64_t offset;      /* native without a name: file-relative address of its
                           * function's start (from the unwind table) */
    const char *source;   /* native: its source file's base name, NULL without DWARF */
    int line;             /* native: its source line, 0 without */
};

/* A thread's native stack as unwound, innermost first: what is read while
 * the thread is paused (named by symbol already: cheap once a library's
 * symbols are read), merged and given its source lines after. */
struct native_stack {
    uint64_t ips[NATIVE_MAX_DEPTH]; /* the calls (return addresses - 1) */
    uint64_t sps[NATIVE_MAX_DEPTH]; /* each frame's stack pointer: its own
                                     * stack is [sps[i], sps[i + 1]) */
    struct native_sym syms[NATIVE_MAX_DEPTH];
    int depth;
};

/* An unwinder for target t (which must outlive it). NULL with err set. */
struct native *native_new(struct py_target *t, struct pt_error *err);
void native_free(struct native *n);

/* Unwind thread tid, which the caller has paused, into st. 0, or -1 with
 * err (PT_E_GONE if the thread is gone, PT_E_READ if nothing could be
 * unwound). */
int native_unwind(struct native *n, pid_t tid, struct native_stack *st, struct pt_error *err);

/* Merge st (thread th's unwind) with thread th of sample s into
 * out[0..max), innermost first, each native frame with its source line
 * where DWARF gives one (read on an address's first sight: the caller
 * need not keep the thread paused); all: keep the interpreter's
 * plumbing. The count. */
int native_merge(struct native *n, const struct native_stack *st, const struct py_sample *s,
                 const struct py_thread *th, int all, struct merged_frame *out, int max);

/* The merge itself, on plain data (native_merge calls it; tests too):
 * syms[0..depth) the native frames innermost first, is_eval[i] set where
 * frame i is the eval loop; pf[0..nframes) the thread's Python frames
 * innermost first, with their groups, found at index first + i of the
 * sample. The count written to out[0..max). */
struct py_frame;
int native_merge_frames(const struct native_sym *syms, const unsigned char *is_eval, int depth,
                        const struct py_frame *pf, int first, int nframes, int all,
                        struct merged_frame *out, int max);

#endif
