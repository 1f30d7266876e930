/*
 * proc/ports: which processes hold which listening TCP sockets.
 *
 * The kernel lists sockets per network namespace in /proc/net/tcp and
 * /proc/net/tcp6 (state 0A is LISTEN) with their inode; a process holds a
 * socket when one of its /proc/PID/fd links reads "socket:[INODE]". A
 * uvicorn or gunicorn master and all its workers hold the same listening
 * inode, so one port maps to several PIDs. Processes in other network
 * namespaces (containers) are covered by reading the tables of each
 * namespace through /proc/PID/net/tcp of one of its processes.
 */
#ifndef PYTOP_PROC_PORTS_H
#define PYTOP_PROC_PORTS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/* One socket line of /proc/net/tcp{,6}. */
struct ports_socket {
    int family;     /* AF_INET or AF_INET6, from the address's length */
    int port;       /* local port */
    int state;      /* TCP state, 0x0A = LISTEN */
    uint64_t inode; /* socket inode, 0 for sockets no file refers to */
};

/* Listening sockets, from one or several tables. */
struct ports_table {
    struct ports_socket *v;
    size_t n, cap;
};

/* Which process holds which listening socket. */
struct ports_holder {
    pid_t pid;
    int port;
    uint64_t inode;
};

/* Every (pid, port, inode) where pid holds a listening socket, sorted by
 * pid then port. */
struct ports_map {
    struct ports_holder *v;
    size_t n, cap;
    pid_t *unreadable; /* processes whose fds could not be read (permission), ascending */
    size_t nunreadable, capunreadable;
};

#define PORTS_STATE_LISTEN 0x0A

/* Parse one line of /proc/net/tcp or tcp6. 1 for a listening socket, 0 for
 * another socket (established, time-wait...), -1 for anything else (the
 * header line, garbage). s is filled in for 0 and 1. */
int ports_parse_line(const char *line, struct ports_socket *s);

/* Append the listening sockets of the text of a tcp/tcp6 file to t.
 * 0, or -1 (PT_E_NOMEM). */
int ports_parse_table(const char *text, struct ports_table *t, struct pt_error *err);

/* Append the listening sockets of the network namespace of pid (0: ours)
 * to t, from its tcp and tcp6 tables. A table that cannot be read adds
 * nothing (IPv6 may be off); -1 only when out of memory. */
int ports_table_read(pid_t pid, struct ports_table *t, struct pt_error *err);

/* The port of the listening socket with this inode, or 0. */
int ports_table_port(const struct ports_table *t, uint64_t inode);

void ports_table_free(struct ports_table *t);

/* Parse the target of an fd symlink, "socket:[12345]": the inode, or 0
 * for anything that is not a socket. */
uint64_t ports_parse_socket_link(const char *link);

/* Build the map for the processes pids[0..n), or for every process when
 * pids is NULL. Processes that vanish or cannot be read are skipped (and
 * listed in unreadable when permission was denied). 0, or -1 on
 * PT_E_NOMEM / PT_E_SYS. Free with ports_map_free. */
int ports_map_build(const pid_t *pids, size_t n, struct ports_map *m, struct pt_error *err);

void ports_map_free(struct ports_map *m);

/* 0 if the fds of pid could not be read when m was built (so its sockets
 * are unknown), 1 otherwise. */
int ports_map_readable(const struct ports_map *m, pid_t pid);

/* The distinct ports pid listens on, ascending, at most max of them into
 * ports. Returns how many there are (which may exceed max). */
size_t ports_map_ports_of(const struct ports_map *m, pid_t pid, int *ports, size_t max);

/* The distinct listening socket inodes pid holds, at most max of them.
 * Returns how many there are. */
size_t ports_map_inodes_of(const struct ports_map *m, pid_t pid, uint64_t *inodes, size_t max);

/* The PIDs holding a listening socket on port, ascending, into a malloc'ed
 * array the caller frees (NULL if none). Returns the count, -1 on no memory. */
ssize_t ports_map_pids(const struct ports_map *m, int port, pid_t **out);

/* The ports pid listens on (in its own network namespace), ascending, into a
 * malloc'ed array the caller frees. Returns the count, or -1 with err set
 * (PT_E_NOPROC, PT_E_PERM when its fds are not readable, PT_E_NOMEM). */
ssize_t ports_listening(pid_t pid, int **out, struct pt_error *err);

/* The PIDs holding a listening socket on port, scanning every process:
 * ascending, malloc'ed, the caller frees. Returns the count (0 when nobody
 * listens there), or -1 with err set. */
ssize_t ports_pids(int port, pid_t **out, struct pt_error *err);

#endif
