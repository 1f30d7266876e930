/*
 * proc/pyprocs: the Python processes of the machine, as `pytop list` prints
 * them and the live view's picker shows them.
 *
 * One row per process: pid, parent, role in a uvicorn or gunicorn server,
 * listening ports, Python version, CPU %, RSS, threads and command line,
 * in display order (a master followed by its workers). CPU % is over the
 * time between two snapshots, so a caller opens the list, waits a little
 * and refreshes it, then refreshes it again whenever it wants new numbers
 * (the picker does so once a second). Each process is probed for Python
 * once: the answer is kept while the process (pid and start time) and its
 * name stay the same.
 */
#ifndef PYTOP_PROC_PYPROCS_H
#define PYTOP_PROC_PYPROCS_H

#include <stddef.h>
#include <sys/types.h>

#include "error.h"
#include "proc/container.h"
#include "proc/roles.h"

struct pyproc {
    pid_t pid, ppid;
    enum role role; /* ROLE_NONE: not Python (listed with `all` only) */
    pid_t master;   /* see struct roles_proc */
    int worker_index, worker_count;
    char ports[64];  /* "8000,8001", "-" */
    char python[32]; /* "3.12.1"; "?" when unknown, "-" when not Python */
    int supported;   /* pytop can read it (python_probe succeeded) */
    double cpu_pct;  /* since the previous snapshot; 100 = one core */
    unsigned long rss_kib;
    int threads;
    struct container container; /* its PID inside, its hostname or root */
    char *command;              /* the command line, control characters as '?'; owned */
};

struct pyprobe_entry;
struct proc_table;

struct pyprocs {
    struct pyproc *v; /* display order */
    size_t n;
    size_t hidden;    /* Python processes left out: reading them was refused */
    pid_t hidden_pid; /* the first of them, to tell why */
    /* private */
    struct proc_table *table;
    struct pyprobe_entry *probes; /* by pid */
    size_t nprobes;
};

/* A first snapshot of every process, each probed for Python; no rows yet
 * (CPU % needs the next snapshot). 0, or -1 with err set. */
int pyprocs_init(struct pyprocs *p, struct pt_error *err);

/* A new snapshot: rows of every Python process (every process with all),
 * CPU % over the time since the previous snapshot. 0, or -1 with err set
 * and the rows unchanged. */
int pyprocs_refresh(struct pyprocs *p, int all, struct pt_error *err);

void pyprocs_free(struct pyprocs *p);

/* The row of pid, or NULL. */
const struct pyproc *pyprocs_find(const struct pyprocs *p, pid_t pid);

/* "512K", "45.2M", "1.3G". */
void pyprocs_format_rss(unsigned long kib, char *buf, size_t size);

#endif
