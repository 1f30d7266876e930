/*
 * launch: `pytop ... -- COMMAND`: start a command in a process group of its
 * own, wait until it runs Python, and stop its whole tree at the end.
 */
#ifndef PYTOP_LAUNCH_H
#define PYTOP_LAUNCH_H

#include <sys/types.h>

#include "error.h"
#include "options.h"
#include "select.h"

/* Start argv (argv[0] looked up in PATH) in a new process group, its
 * stdin /dev/null, its stdout and stderr out_fd (-1: pytop's own). 0 and
 * *pid, or -1. */
int launch_start(char *const *argv, int out_fd, pid_t *pid, struct pt_error *err);

/* The processes a command profiles, as options name them: a command after
 * "--" is started (output to out_fd, see launch_start), waited for until
 * it runs Python (*launched and *python say which PIDs; with -s not
 * waited for: it is the root the sampler follows), and chosen alone;
 * else -p / -P (with -s) through select_targets, Python processes only
 * (and, with -s, a -p root that is not Python: see select_keep_python).
 * The caller has checked that some target is given. 0, or -1 with err and
 * nothing to free (a started command is left for launch_stop). */
int launch_targets(const struct options *opt, int out_fd, struct select_result *sel,
                   pid_t *launched, pid_t *python, struct pt_error *err);

/* Wait up to timeout seconds until pid runs a Python pytop can read
 * (*python then names it). PT_E_GONE if it exits first, python_probe's
 * error on timeout. (With -s nothing waits here: the sampler follows the
 * command's tree, see sampler.h.) */
int launch_wait_python(pid_t pid, double timeout, pid_t *python, struct pt_error *err);

/* How long a command pytop started has to end after SIGTERM: time for a
 * server's shutdown hooks, short enough that quitting pytop is prompt. */
#define LAUNCH_STOP_GRACE_S 2.0

/* Stop the process group of pid: SIGTERM, then SIGKILL after grace
 * seconds, and reap pid. Safe to call when it already exited, and a no-op
 * for pid 0 (nothing was started). */
void launch_stop(pid_t pid, double grace);

/* Has pid exited (reaped here)? *status gets its wait status. */
int launch_exited(pid_t pid, int *status);

#endif
