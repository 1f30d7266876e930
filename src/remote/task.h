/*
 * remote/task: what the kernel says about one thread of a process
 * (/proc/PID/task/TID): its scheduler state and its name.
 */
#ifndef PYTOP_REMOTE_TASK_H
#define PYTOP_REMOTE_TASK_H

#include <stddef.h>
#include <sys/types.h>

/* The state letter of thread tid of pid ('R' running, 'S' sleeping, 'D'
 * disk wait, ...), or 0 if the thread is gone. */
char task_state(pid_t pid, pid_t tid);

/* The state letters of every thread of pid: tids[i] has states[i]. At
 * most max threads. Returns the count (0 if the process is gone). */
int task_states(pid_t pid, pid_t *tids, char *states, int max);

/* The thread's name (comm) into buf; "" if gone. */
void task_comm(pid_t pid, pid_t tid, char *buf, size_t size);

/* The command line of pid, arguments joined by spaces, into buf; "" if
 * unreadable. */
void task_cmdline(pid_t pid, char *buf, size_t size);

/* A short name of pid for one-line messages into buf: the base name of
 * argv[0] ("bash" for a script started through its #! line), else its
 * comm; "" if gone. */
void task_name(pid_t pid, char *buf, size_t size);

/* The working directory of pid as pid sees it (inside its own root) into
 * buf; "" if unreadable. */
void task_cwd(pid_t pid, char *buf, size_t size);

#endif
