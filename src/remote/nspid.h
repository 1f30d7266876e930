/*
 * remote/nspid: the ids a process and its threads have inside their own
 * PID namespace, against the host's.
 *
 * A Python in a container knows its threads by the ids it sees there
 * (3.11+ PyThreadState.native_thread_id is gettid(); 3.8-3.10 glibc's
 * struct pthread holds the same), while /proc, ptrace and the scheduler
 * files pytop reads take the ids of pytop's own namespace. The kernel
 * lists both in /proc/PID/task/TID/status (NSpid, Linux 4.1): the first
 * field is the id in the reader's namespace, the last the innermost.
 */
#ifndef PYTOP_REMOTE_NSPID_H
#define PYTOP_REMOTE_NSPID_H

#include <sys/types.h>

/* The innermost id of thread tid of pid (of the process when tid is 0):
 * what it sees from gettid() or getpid(). The same as pytop's id outside
 * a PID namespace; -1 if gone. */
pid_t nspid_inner(pid_t pid, pid_t tid);

/* Every thread of one process, inner id -> pytop's id. */
struct nspid_map {
    struct nspid_pair {
        pid_t inner, host;
    } * v;
    size_t n, cap;
};

/* Read the pairs of every thread of pid anew. 0, or -1 if pid is gone or
 * memory ran out (m is then empty). */
int nspid_map_read(struct nspid_map *m, pid_t pid);

/* pytop's id of the thread whose inner id is inner, 0 if not listed. */
pid_t nspid_map_host(const struct nspid_map *m, pid_t inner);

void nspid_map_free(struct nspid_map *m);

#endif
