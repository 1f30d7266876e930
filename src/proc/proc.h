/*
 * proc/proc: the process table, read through libproc2 (procps).
 *
 * A struct proc_table is a snapshot of every process: pid, parent, command
 * line, threads, RSS, start time, owner and CPU use. CPU % needs two
 * snapshots: proc_table_refresh() takes a new one and computes each
 * process's CPU % over the time since the previous one, so the live view
 * and the picker simply refresh the same table once a second. A table can
 * also be built by hand (proc_table_add) for tests of the tree functions.
 */
#ifndef PYTOP_PROC_PROC_H
#define PYTOP_PROC_PROC_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "error.h"

struct proc_info {
    pid_t pid;
    pid_t ppid;
    uid_t uid;     /* effective uid */
    char comm[64]; /* kernel's short name (/proc/PID/comm) */
    char *cmdline; /* argv joined with spaces; "" if none; owned */
    char state;    /* 'R', 'S', 'Z', ... */
    int kthread;   /* a kernel thread: no user memory */
    int threads;
    unsigned long rss_kib;
    unsigned long long cpu_ticks;   /* utime + stime, in clock ticks */
    unsigned long long start_ticks; /* start time in clock ticks after boot */
    time_t start_time;              /* start time, wall clock */
    double cpu_pct;                 /* see proc_table_refresh; 100 = one core */
};

struct pids_info;
struct proc_sample;

struct proc_table {
    struct proc_info *v; /* sorted by pid */
    size_t n;
    /* private */
    size_t cap;
    struct pids_info *info;   /* libproc2 context, NULL for a hand-built table */
    struct proc_sample *prev; /* (pid, start, ticks) of the previous snapshot */
    size_t nprev;
    double prev_time; /* CLOCK_MONOTONIC seconds of the previous snapshot */
    long hertz;
    time_t boot_time;
};

/* Take a first snapshot of every process. CPU % is then each process's
 * average over its life (as ps shows) until the next refresh. NULL on
 * failure (PT_E_SYS: /proc unreadable, PT_E_NOMEM); free with proc_table_free. */
struct proc_table *proc_table_new(struct pt_error *err);

/* Replace the snapshot with a new one; each cpu_pct becomes the CPU % over
 * the time since the previous snapshot. 0, or -1 with the table unchanged. */
int proc_table_refresh(struct proc_table *t, struct pt_error *err);

/* An empty table without libproc2, filled with proc_table_add (tests). */
struct proc_table *proc_table_new_empty(void);

/* Add a process to a hand-built table, keeping it sorted by pid. cmdline is
 * copied. 0, or -1 when out of memory. */
int proc_table_add(struct proc_table *t, pid_t pid, pid_t ppid, const char *cmdline);

void proc_table_free(struct proc_table *t);

/* The entry of pid in the table, or NULL. */
const struct proc_info *proc_table_find(const struct proc_table *t, pid_t pid);

/* CPU % used between two samples of a process's tick counter over seconds
 * of wall time; 100 means one core busy. 0 if seconds <= 0. */
double proc_cpu_percent(unsigned long long ticks_before, unsigned long long ticks_after,
                        double seconds, long hertz);

/* The direct children of pid, sorted by pid, into a malloc'ed array the
 * caller frees (NULL when there are none). Returns the count, -1 when out
 * of memory. */
ssize_t proc_children(const struct proc_table *t, pid_t pid, pid_t **out);

/* Every descendant of pid (children, their children, ...), sorted by pid,
 * not including pid itself. Same ownership and return as proc_children. */
ssize_t proc_descendants(const struct proc_table *t, pid_t pid, pid_t **out);

/* qsort and bsearch order of pid_t values. */
int proc_pid_cmp(const void *a, const void *b);

/* Whether a process (not a thread of another one) with this pid exists
 * now; it may belong to another user. */
int proc_exists(pid_t pid);

#endif
