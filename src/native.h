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

#define NATIVE_MAX_DEPTH 512

struct py_target;
struct py_sample;
struct py_thread;
struct native;

/* A frame of a merged stack. */
struct merged_frame {
    int native;           /* 0: Python frame py; 1: native */
    int py;               /* Python: index into the sample's frames */
    const char *function; /* native: symbol name, NULL when none */
    const char *module;   /* native: library basename ("libz.so.1"), "" if none */
    uint64_t offset;      /* native without a name: file-relative address of its
                           * function's start (from the unwind table) */
};

/* An unwinder for target t (which must outlive it). NULL with err set. */
struct native *native_new(struct py_target *t, struct pt_error *err);
void native_free(struct native *n);

/* Unwind thread tid, which the caller has paused. 0, or -1 with err
 * (PT_E_GONE if the thread is gone, PT_E_READ if nothing could be
 * unwound). */
int native_unwind(struct native *n, pid_t tid, struct pt_error *err);

/* Merge the last unwind with thread th of sample s into out[0..max),
 * innermost first; all: keep the interpreter's plumbing. The count. */
int native_merge(struct native *n, const struct py_sample *s, const struct py_thread *th, int all,
                 struct merged_frame *out, int max);

/* Frames of the last unwind (for tests and the benchmark). */
int native_depth(const struct native *n);

/* The merge itself, on plain data (native_merge calls it; tests too):
 * syms[0..depth) the native frames innermost first, is_eval[i] set where
 * frame i is the eval loop; pf[0..nframes) the thread's Python frames
 * innermost first, with their groups, found at index first + i of the
 * sample. The count written to out[0..max). */
struct native_sym;
struct py_frame;
int native_merge_frames(const struct native_sym *syms, const unsigned char *is_eval, int depth,
                        const struct py_frame *pf, int first, int nframes, int all,
                        struct merged_frame *out, int max);

#endif
