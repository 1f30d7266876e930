/*
 * tests/unit/proctest.h: helpers of the tests of process discovery
 * (test_ports, test_proc, test_children, test_task, test_roles,
 * test_select): a socket listening on loopback, fork children that sleep
 * until killed, a hand-built process tree of a uvicorn server, a gunicorn
 * server and a multiprocessing pool, and lists of pids compared. Include
 * after <cmocka.h>.
 */
#ifndef PYTOP_TESTS_PROCTEST_H
#define PYTOP_TESTS_PROCTEST_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc/proc.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* A socket listening on loopback (IPv4, or IPv6 ::1) on a free port.
 * *port is 0 when there is none: inlined, GCC would see callers read it
 * after a failed assert_true, not knowing that the test has ended. */
static inline int listen_loopback(int family, int *port)
{
    *port = 0;
    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_storage ss = {0};
    socklen_t len;
    if (family == AF_INET) {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        len = sizeof *a;
    } else {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_addr = in6addr_loopback;
        len = sizeof *a;
    }
    if (bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, 4) != 0 ||
        getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                    : ((struct sockaddr_in6 *)&ss)->sin6_port);
    return fd;
}

/* A child that sleeps until killed, holding our fds (a "worker"). */
static inline pid_t fork_sleeper(void)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        for (;;)
            pause();
    }
    return pid;
}

static inline void end_child(pid_t pid)
{
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

static inline int has_pid(const pid_t *v, ssize_t n, pid_t pid)
{
    for (ssize_t i = 0; i < n; i++)
        if (v[i] == pid)
            return 1;
    return 0;
}

/* A uvicorn server, a gunicorn server and a multiprocessing pool. */
static inline struct proc_table *sample_tree(void)
{
    static const struct {
        pid_t pid, ppid;
        const char *cmdline;
    } procs[] = {
        {1, 0, "/sbin/init"},
        {50, 1, "bash"},
        {100, 50, "/usr/bin/python3.11 -m uvicorn app:app --workers 2 --port 8000"},
        {103, 100,
         "/usr/bin/python3.11 -c from multiprocessing.spawn import spawn_main; "
         "spawn_main(tracker_fd=5, pipe_handle=9) --multiprocessing-fork"},
        {101, 100,
         "/usr/bin/python3.11 -c from multiprocessing.resource_tracker import main;"
         "main(4)"},
        {102, 100,
         "/usr/bin/python3.11 -c from multiprocessing.spawn import spawn_main; "
         "spawn_main(tracker_fd=5, pipe_handle=7) --multiprocessing-fork"},
        {104, 102,
         "/usr/bin/python3.11 -c from multiprocessing.spawn import spawn_main; "
         "spawn_main(tracker_fd=6, pipe_handle=11) --multiprocessing-fork"},
        {200, 50, "/usr/bin/python3 /usr/bin/gunicorn -w 2 -b 127.0.0.1:9000 app:app"},
        {202, 200, "/usr/bin/python3 /usr/bin/gunicorn -w 2 -b 127.0.0.1:9000 app:app"},
        {201, 200, "/usr/bin/python3 /usr/bin/gunicorn -w 2 -b 127.0.0.1:9000 app:app"},
        {203, 201, "/usr/bin/python3 /usr/bin/gunicorn -w 2 -b 127.0.0.1:9000 app:app"},
        {300, 50, "python3 pool.py"},
        {301, 300,
         "python3 -c from multiprocessing.spawn import spawn_main; "
         "spawn_main(tracker_fd=4, pipe_handle=6) --multiprocessing-fork"},
        {302, 300,
         "python3 -c from multiprocessing.spawn import spawn_main; "
         "spawn_main(tracker_fd=4, pipe_handle=8) --multiprocessing-fork"},
        {400, 50, "/usr/bin/python3 -c import time; time.sleep(60)"},
        {500, 50, "vim notes.txt"},
    };
    struct proc_table *t = proc_table_new_empty();
    assert_non_null(t);
    for (size_t i = 0; i < ARRAY_LEN(procs); i++)
        assert_int_equal(proc_table_add(t, procs[i].pid, procs[i].ppid, procs[i].cmdline), 0);
    return t;
}

static inline void assert_pids(const pid_t *got, ssize_t n, const pid_t *want, size_t nwant)
{
    assert_int_equal(n, nwant);
    for (size_t i = 0; i < nwant; i++)
        assert_int_equal(got[i], want[i]);
}

static inline double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
