/*
 * proc/roles: what a Python process is for — a uvicorn or gunicorn master,
 * one of its workers, or plain python.
 *
 * A command line alone does not tell: uvicorn --workers N starts its workers
 * with multiprocessing's spawn, so a worker's command line is
 * "python3 -c from multiprocessing.spawn import spawn_main; ..." like any
 * spawn child. Roles come from the process tree (the parent is a uvicorn
 * master) and, where the sockets are known, from the listening socket the
 * worker shares with its master. Gunicorn forks its workers, which keep the
 * master's command line (or a "gunicorn: worker [app]" title): the master is
 * the gunicorn process whose parent is not one.
 */
#ifndef PYTOP_PROC_ROLES_H
#define PYTOP_PROC_ROLES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proc/ports.h"
#include "proc/proc.h"

enum role {
    ROLE_NONE, /* not a Python process */
    ROLE_PYTHON,
    ROLE_UVICORN_MASTER,
    ROLE_UVICORN_WORKER,
    ROLE_GUNICORN_MASTER,
    ROLE_GUNICORN_WORKER,
};

/* What a command line runs, as far as roles care. */
enum roles_program { ROLES_PROG_OTHER, ROLES_PROG_UVICORN, ROLES_PROG_GUNICORN };

#define ROLES_MAX_LISTEN 16

struct roles_proc {
    /* filled in by the caller */
    pid_t pid, ppid;
    const char *cmdline; /* argv joined with spaces; not owned */
    int is_python;
    int fds_known;                     /* listen[] is known (fds were readable) */
    uint64_t listen[ROLES_MAX_LISTEN]; /* listening socket inodes held */
    size_t nlisten;
    /* filled in by roles_classify */
    enum role role;
    pid_t master;     /* masters: their own pid; workers: their master's; else 0 */
    int worker_index; /* workers: 1..worker_count, by pid among their master's workers */
    int worker_count; /* masters and workers: how many workers the master has */
};

/* Classify every process of v[0..n) (a whole process table, or at least
 * every process with its parent and children). -1 when out of memory. */
int roles_classify(struct roles_proc *v, size_t n);

/* Fill a roles_proc per entry of table t (out[i] for t->v[i]), with the
 * sockets of m (NULL: unknown) and is_python[i], then classify them. The
 * cmdline pointers point into t. *out is malloc'ed, the caller frees it.
 * 0, or -1 when out of memory. */
int roles_classify_table(const struct proc_table *t, const struct ports_map *m,
                         const unsigned char *is_python, struct roles_proc **out);

/* The role as `pytop list` prints it: "uvicorn-master", ..., "python";
 * "-" for ROLE_NONE. */
const char *roles_name(enum role r);

/* The role for a human, as the live view's header shows it: "uvicorn
 * worker 2/4", "gunicorn master (2 workers)", "python". */
void roles_describe(const struct roles_proc *p, char *buf, size_t size);

/* roles_describe for one live process, reading the process table and the
 * sockets now (a few milliseconds: for a header, not for every refresh).
 * 0, or -1 with err set (PT_E_NOPROC if pid is gone). */
int roles_describe_pid(pid_t pid, char *buf, size_t size, struct pt_error *err);

/* What cmdline runs: uvicorn (uvicorn ..., python -m uvicorn ...,
 * python /path/bin/uvicorn ...), gunicorn (likewise, or a "gunicorn: ..."
 * process title), or something else. */
enum roles_program roles_program(const char *cmdline);

/* Whether cmdline is a multiprocessing spawn child (a uvicorn worker if its
 * parent is a uvicorn master), not multiprocessing's helper processes. */
int roles_is_spawn_child(const char *cmdline);

/* A display order for v[0..n): every process by pid, except that a master
 * is followed by its workers (by pid), then its other descendants. Fills
 * order[0..n) with indexes into v. -1 when out of memory. */
int roles_order(const struct roles_proc *v, size_t n, size_t *order);

#endif
