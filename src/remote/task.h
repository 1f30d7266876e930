/*
 * remote/task: what the kernel says about one thread of a process
 * (/proc/PID/task/TID): its scheduler state and its name.
 */
#ifndef PYTOP_REMOTE_TASK_H
#define PYTOP_REMOTE_TASK_H

#include <stddef.h>
#include <sys/types.h>

/* Process or thread ids, in a growable array (util's vec_reserve). */
struct tid_list {
    pid_t *v;
    size_t n, cap;
};

/* The threads of pid, as /proc/PID/task lists them now, into out (emptied
 * first; its memory is kept). 0, or -1 when pid is gone or out of memory
 * (out empty). */
int task_list(pid_t pid, struct tid_list *out);

void tid_list_free(struct tid_list *l);

/* The state letter of thread tid of pid ('R' running, 'S' sleeping, 'D'
 * disk wait, ...), or 0 if the thread is gone. */
char task_state(pid_t pid, pid_t tid);

/* The state letters of every thread of pid: tids[i] has states[i]. At
 * most max threads. Returns the count (0 if the process is gone). */
int task_states(pid_t pid, pid_t *tids, char *states, int max);

/* One thread's scheduler state, asked again and again (every tick of the
 * sampler): its files kept open. A thread that the last look found
 * asleep and that the scheduler has not put on a CPU since is asleep
 * still, and its schedstat tells that (its time run and times put on a
 * CPU: three numbers) for a quarter of the cost of its stat (the whole
 * task formatted), measured 0.7 against 2.7 us a read. So a sleeping
 * thread costs a schedstat read a look, a running one a stat read. */
struct task_probe {
    int stat_fd;  /* /proc/PID/task/TID/stat, -1 if not open */
    int sched_fd; /* /proc/PID/task/TID/schedstat, -1 if not open or of no use */
    int asleep;   /* the last stat read said not running */
    int snapped;  /* ran_ns and runs were read before that stat read */
    unsigned long long ran_ns, runs;
};

/* Open the files of thread tid of pid. 0, or -1 if its stat cannot be
 * opened (p is still valid: task_probe_running then answers -1). */
int task_probe_open(struct task_probe *p, pid_t pid, pid_t tid);

/* Is the thread running (kernel state R: on a CPU or waiting for one)?
 * 1 yes, 0 no, -1 gone or unreadable. */
int task_probe_running(struct task_probe *p);

/* Whether the thread is known asleep without a stat read: the last look
 * found it asleep and it has not been on a CPU since. 0 when that cannot
 * be told this way (task_probe_running can). */
int task_probe_still_asleep(struct task_probe *p);

void task_probe_close(struct task_probe *p);

/* The CPU time of all the threads of pid together (ns) into *ns: 0, or
 * -1 if pid is gone. One clock_gettime of the process's CPU clock (no
 * file); the kernel adds a thread's time up when it leaves a CPU and at
 * each scheduler tick. */
int task_group_cpu_ns(pid_t pid, unsigned long long *ns);

/* The thread's name (comm) into buf; "" if gone. */
void task_comm(pid_t pid, pid_t tid, char *buf, size_t size);

/* The command line of pid, arguments joined by spaces, into buf; "" if
 * unreadable. */
void task_cmdline(pid_t pid, char *buf, size_t size);

/* A short name of pid for one-line messages into buf: the base name of
 * argv[0] ("bash" for a script started through its #! line), else its
 * comm; "" if gone. */
void task_name(pid_t pid, char *buf, size_t size);

/* The text of /proc/PID/status, of thread tid of pid when tid > 0, of
 * pytop itself when pid is 0: malloc'd, NULL if gone or unreadable. */
char *task_status(pid_t pid, pid_t tid);

/* The value of the "Name:" line of a status text (after the colon), or
 * NULL when the kernel has no such line. */
const char *task_status_field(const char *text, const char *name);

/* Whether pid has a thread tid (pytop's id of it). */
int task_exists(pid_t pid, pid_t tid);

/* The path of pid's executable (its /proc/PID/exe link, without the
 * kernel's " (deleted)") into buf: 0, or -1 with errno (EACCES when
 * reading the process is refused, ENOENT when it is gone or has none). */
int task_exe(pid_t pid, char *buf, size_t size);

/* The device and inode of pid's executable; both 0 when unreadable. */
void task_exe_id(pid_t pid, dev_t *dev, ino_t *ino);

/* The working directory of pid as pid sees it (inside its own root) into
 * buf; "" if unreadable. */
void task_cwd(pid_t pid, char *buf, size_t size);

#endif
