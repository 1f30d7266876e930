/*
 * remote/pause: stopping every thread of a process for an exactly
 * consistent read (--blocking, --native), and letting them go.
 *
 * Uses PTRACE_SEIZE + PTRACE_INTERRUPT, never PTRACE_ATTACH: a seized
 * thread is not sent SIGSTOP, and if pytop dies while threads are paused
 * (even by SIGKILL) the kernel detaches them and they simply run on.
 */
#ifndef PYTOP_REMOTE_PAUSE_H
#define PYTOP_REMOTE_PAUSE_H

#include <sys/types.h>

#include "error.h"

struct pause_set {
    pid_t pid;
    pid_t *tids; /* the threads pytop seized */
    int n;
    size_t cap;
};

/* Seize and stop every thread of pid (threads born meanwhile included).
 * On failure every thread already stopped is released again and err says
 * why (PT_E_PERM with the CLI's message, PT_E_GONE). */
int pause_process(pid_t pid, struct pause_set *p, struct pt_error *err);

/* Release every thread of p (they continue where they were) and free p. */
void pause_release(struct pause_set *p);

#endif
