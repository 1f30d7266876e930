/*
 * proc/usage: the CPU use and memory of a few chosen processes (the
 * targets a live view shows in its header), read from those processes
 * alone.
 *
 * A proc_table reads every process on the machine (some 300 files on a
 * small server, milliseconds of CPU): right for the picker, which shows
 * them all, and far too much for a header refreshed every second. Here
 * each process costs one read of its CPU clock and one of its statm.
 */
#ifndef PYTOP_PROC_USAGE_H
#define PYTOP_PROC_USAGE_H

#include <stddef.h>
#include <sys/types.h>

struct proc_usage {
    pid_t pid;
    unsigned long long cpu_ns; /* CPU time of all its threads, at `at` */
    double at;                 /* CLOCK_MONOTONIC seconds */
    double cpu_pct;            /* since the previous refresh (100 = one core); -1 at the first */
    unsigned long rss_kib;
};

struct proc_usage_set {
    struct proc_usage *v;
    size_t n;
};

/* Read the CPU time and RSS of each of the n pids. A pid read at the
 * previous refresh gets its CPU % over the time since, a new one -1;
 * pids that are gone, and pids not asked for, are dropped. 0, or -1 when
 * out of memory (the set is then empty). */
int proc_usage_refresh(struct proc_usage_set *s, const pid_t *pids, int n);

/* The entry of pid, or NULL. */
const struct proc_usage *proc_usage_find(const struct proc_usage_set *s, pid_t pid);

void proc_usage_free(struct proc_usage_set *s);

#endif
