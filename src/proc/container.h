/*
 * proc/container: which container a process runs in, as a user names it.
 *
 * A worker seen from the host has a host PID the service's own logs never
 * show, and two containers' workers look alike in a list. The kernel
 * keeps what tells them apart: the PID inside the process's own PID
 * namespace (the last field of NSpid in /proc/PID/status, Linux 4.1), the
 * hostname of its UTS namespace (what `hostname` prints inside: Docker's
 * container ID, a Kubernetes pod's name), and its root directory (a
 * chroot, or a container's filesystem).
 */
#ifndef PYTOP_PROC_CONTAINER_H
#define PYTOP_PROC_CONTAINER_H

#include <stddef.h>
#include <sys/types.h>

struct container {
    pid_t nspid;    /* the PID inside its namespace; 0 when it is pytop's */
    char name[256]; /* its hostname where its UTS namespace is not pytop's,
                       else its root where that is not "/", else "" */
};

/* What pid's container is, where pytop may read it. 0, or -1 when the
 * process is gone (c then says nothing). */
int container_of(pid_t pid, struct container *c);

/* The header's words for c: "PID 1 in web-1", "in /srv/root", "PID 7";
 * "" when c says nothing. */
void container_format(const struct container *c, char *buf, size_t size);

/* How many network namespaces pids[0..n) are in, of those pytop may
 * look at: more than one means a port is open in several containers, each
 * its own service. */
size_t container_netns_count(const pid_t *pids, size_t n);

#endif
