/*
 * select: which processes a command profiles, from -p / -P / -s / --wait.
 *
 * Every command that takes a TARGET calls select_targets() and decides
 * what to do with several candidates: a port held by a uvicorn or gunicorn
 * master and its workers gives them all, marked ambiguous unless -s was
 * given; `top` then opens its picker, `dump` and `record` fail through
 * select_require_one() with the PIDs listed. The order is always the
 * server's tree: a master first, then its workers by pid. With -s, a
 * process named by -p need not be Python (a shell script that starts
 * Python later): it stays in the result as a root, marked notpython, and
 * only its descendants are profiled.
 */
#ifndef PYTOP_SELECT_H
#define PYTOP_SELECT_H

#include <stddef.h>
#include <sys/types.h>

#include "error.h"
#include "options.h"
#include "proc/proc.h"

struct select_result {
    pid_t *pids;               /* master first, then workers by pid; owned */
    unsigned char *descendant; /* 1 where pids[i] was added by -s; owned */
    unsigned char *notpython;  /* 1 where pids[i] is a -p root that is not
                                * Python (-s only): not to be read; owned */
    size_t n;
    size_t nchosen;   /* processes named by -p or holding the port */
    int ambiguous;    /* several chosen and no -s: the caller decides */
    int port;         /* the -P port they came from, 0 for -p */
    int subprocesses; /* built with -s */
};

/* Poll intervals of --wait: short sleeps, never a busy loop. */
#define SELECT_POLL_PID_MS  50
#define SELECT_POLL_PORT_MS 100

/* The processes opt names: -p PID (PT_E_NOPROC if it does not exist), or
 * those holding a listening socket on -P PORT (PT_E_NOPORT if none), both
 * waited for up to opt->wait seconds; with -s, every descendant too. No
 * target (a `--` command to start, or the picker) gives n == 0. Free with
 * select_result_free. 0, or -1 with err set and out empty. */
int select_targets(const struct options *opt, struct select_result *out, struct pt_error *err);

/* The pure core of select_targets: chosen[0..n) (duplicates allowed), plus
 * every descendant in t when subprocesses is set, ordered by the tree of
 * t (a process before its descendants, siblings by pid). t may be NULL when
 * subprocesses is 0 (then pid order). 0, or -1 (PT_E_NOMEM). */
int select_build(const pid_t *chosen, size_t n, int subprocesses, const struct proc_table *t,
                 struct select_result *out, struct pt_error *err);

/* "port 8000 is held by 3 processes", or where they are in several
 * network namespaces (containers, each its own service) "port 8000 is open
 * in 2 network namespaces, by 2 processes". */
void select_describe_port(const struct select_result *r, char *buf, size_t size);

/* 0 if r is not ambiguous; else PT_E_MANY: "port 8000 is held by 3
 * processes (PIDs 10, 11, 12): add -s to profile them all, or choose
 * one with -p PID", each PID followed by its container's words when the
 * port is open in several network namespaces. */
int select_require_one(const struct select_result *r, struct pt_error *err);

/* The index of the first of pids[0..n) that is not a Python process pytop
 * can read, with python_probe's error in err (PT_E_NOTPYTHON,
 * PT_E_UNSUPPORTED, PT_E_PERM, PT_E_NOPROC); -1 if they all are. */
ssize_t select_first_not_python(const pid_t *pids, size_t n, struct pt_error *err);

/* Keep only the Python processes of r. A process named by -p that is not
 * one fails with python_probe's error (with -s, one that is not Python at
 * all is kept, marked notpython), and so does a port none of whose
 * holders is; descendants added by -s and holders that are not Python
 * (when another holder is) are dropped. 0, or -1 with err set. */
int select_keep_python(struct select_result *r, struct pt_error *err);

/* The number of processes of r that are Python (not notpython). */
size_t select_count_python(const struct select_result *r);

void select_result_free(struct select_result *r);

#endif
