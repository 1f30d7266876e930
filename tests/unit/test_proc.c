/*
 * tests/unit/test_proc: process discovery — proc/ports, proc/proc, proc/roles and
 * select.
 *
 * Parsing and classification run on sample text and synthetic process
 * trees (a uvicorn master with spawn workers, a gunicorn master with fork
 * workers, a plain multiprocessing pool that is no server). A few tests use
 * this very process and fork children of it: a listening socket on
 * loopback shows up on our pid, and a fork child sharing it makes the port
 * ambiguous, just as a server's workers do.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "options.h"
#include "proc/children.h"
#include "proc/container.h"
#include "proc/ports.h"
#include "proc/proc.h"
#include "proc/roles.h"
#include "remote/nspid.h"
#include "remote/task.h"
#include "select.h"
#include "util.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- proc/ports: /proc/net/tcp{,6} lines ---- */

static const char tcp_header[] =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
    "timeout inode";
static const char tcp4_listen[] =
    "   0: 0100007F:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000"
    "        0 23456 1 0000000000000000 100 0 0 10 0";
static const char tcp4_established[] =
    "   1: 0100007F:1F40 0100007F:C350 01 00000000:00000000 00:00000000 00000000  1000"
    "        0 23999 1 0000000000000000 20 4 30 10 -1";
static const char tcp4_time_wait[] =
    "   2: 0100007F:D431 0100007F:1F40 06 00000000:00000000 03:00001771 00000000     0"
    "        0 0 3 0000000000000000";
static const char tcp6_listen[] =
    "   0: 00000000000000000000000001000000:0050 00000000000000000000000000000000:0000 0A "
    "00000000:00000000 00:00000000 00000000     0        0 777001 1 0000000000000000 100 0 0 "
    "10 0";
static const char tcp6_established[] =
    "  11: 0000000000000000FFFF00000100007F:0050 0000000000000000FFFF00000100007F:E2A4 01 "
    "00000000:00000000 00:00000000 00000000    33        0 777002 1 0000000000000000 20 4 1 "
    "10 -1";

static void test_parse_ipv4_listening(void **state)
{
    (void)state;
    struct ports_socket s;
    assert_int_equal(ports_parse_line(tcp4_listen, &s), 1);
    assert_int_equal(s.family, AF_INET);
    assert_int_equal(s.port, 8000);
    assert_int_equal(s.state, PORTS_STATE_LISTEN);
    assert_int_equal(s.inode, 23456);
}

static void test_parse_ipv4_not_listening(void **state)
{
    (void)state;
    struct ports_socket s;
    assert_int_equal(ports_parse_line(tcp4_established, &s), 0);
    assert_int_equal(s.port, 8000);
    assert_int_equal(s.state, 0x01);
    assert_int_equal(s.inode, 23999);
    assert_int_equal(ports_parse_line(tcp4_time_wait, &s), 0);
    assert_int_equal(s.port, 0xD431);
    assert_int_equal(s.state, 0x06);
    assert_int_equal(s.inode, 0);
}

static void test_parse_ipv6(void **state)
{
    (void)state;
    struct ports_socket s;
    assert_int_equal(ports_parse_line(tcp6_listen, &s), 1);
    assert_int_equal(s.family, AF_INET6);
    assert_int_equal(s.port, 80);
    assert_int_equal(s.inode, 777001);
    assert_int_equal(ports_parse_line(tcp6_established, &s), 0);
    assert_int_equal(s.family, AF_INET6);
    assert_int_equal(s.port, 80);
}

static void test_parse_rejects_other_lines(void **state)
{
    (void)state;
    struct ports_socket s;
    assert_int_equal(ports_parse_line(tcp_header, &s), -1);
    assert_int_equal(ports_parse_line("", &s), -1);
    assert_int_equal(ports_parse_line("garbage", &s), -1);
    assert_int_equal(ports_parse_line("   0: 0100007F:1F40", &s), -1);              /* cut short */
    assert_int_equal(ports_parse_line("   0: 0100:1F40 00000000:0000 0A", &s), -1); /* addr */
    assert_int_equal(ports_parse_line("   0: 0100007F:1FFFFF 00000000:0000 0A 00000000:00000000 "
                                      "00:00000000 00000000 0 0 1 1",
                                      &s),
                     -1); /* port out of range */
}

static void test_parse_table_keeps_listeners(void **state)
{
    (void)state;
    char text[2048];
    snprintf(text, sizeof text, "%s\n%s\n%s\n%s\n", tcp_header, tcp4_listen, tcp4_established,
             tcp4_time_wait);
    struct ports_table t = {0};
    assert_int_equal(ports_parse_table(text, &t, NULL), 0);
    snprintf(text, sizeof text, "%s\n%s\n%s", tcp_header, tcp6_established, tcp6_listen);
    assert_int_equal(ports_parse_table(text, &t, NULL), 0);
    assert_int_equal(t.n, 2);
    assert_int_equal(ports_table_port(&t, 23456), 8000);
    assert_int_equal(ports_table_port(&t, 777001), 80);
    assert_int_equal(ports_table_port(&t, 23999), 0); /* established: not a listener */
    ports_table_free(&t);
}

static void test_socket_links(void **state)
{
    (void)state;
    assert_int_equal(ports_parse_socket_link("socket:[23456]"), 23456);
    assert_int_equal(ports_parse_socket_link("socket:[]"), 0);
    assert_int_equal(ports_parse_socket_link("socket:[12"), 0);
    assert_int_equal(ports_parse_socket_link("socket:[12]x"), 0);
    assert_int_equal(ports_parse_socket_link("pipe:[23456]"), 0);
    assert_int_equal(ports_parse_socket_link("/dev/null"), 0);
    assert_int_equal(ports_parse_socket_link("anon_inode:[eventpoll]"), 0);
}

/* ---- listening sockets of real processes: ours, and fork children ---- */

/* A socket listening on loopback (IPv4, or IPv6 ::1) on a free port. */
static int listen_loopback(int family, int *port)
{
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

/* A port nobody listens on (bound once, then released). */
static int free_port(void)
{
    int port;
    int fd = listen_loopback(AF_INET, &port);
    assert_true(fd >= 0);
    close(fd);
    return port;
}

/* A child that sleeps until killed, holding our fds (a "worker"). */
static pid_t fork_sleeper(void)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        for (;;)
            pause();
    }
    return pid;
}

static void end_child(pid_t pid)
{
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

static int has_pid(const pid_t *v, ssize_t n, pid_t pid)
{
    for (ssize_t i = 0; i < n; i++)
        if (v[i] == pid)
            return 1;
    return 0;
}

static void test_our_listening_ports(void **state)
{
    (void)state;
    int port4, port6 = 0;
    int fd4 = listen_loopback(AF_INET, &port4);
    int fd6 = listen_loopback(AF_INET6, &port6); /* -1 where IPv6 is off */
    assert_true(fd4 >= 0);

    int *ports;
    ssize_t n = ports_listening(getpid(), &ports, NULL);
    assert_true(n >= (fd6 >= 0 ? 2 : 1));
    int seen4 = 0, seen6 = 0;
    for (ssize_t i = 0; i < n; i++) {
        seen4 |= ports[i] == port4;
        seen6 |= ports[i] == port6;
        if (i > 0)
            assert_true(ports[i - 1] < ports[i]);
    }
    assert_true(seen4);
    assert_true(fd6 < 0 || seen6);
    free(ports);

    pid_t *pids;
    n = ports_pids(port4, &pids, NULL);
    assert_int_equal(n, 1);
    assert_int_equal(pids[0], getpid());
    free(pids);
    if (fd6 >= 0) {
        n = ports_pids(port6, &pids, NULL);
        assert_int_equal(n, 1);
        free(pids);
        close(fd6);
    }
    close(fd4);
    assert_int_equal(ports_pids(port4, &pids, NULL), 0);
    assert_null(pids);
}

static void test_shared_socket_maps_to_every_holder(void **state)
{
    (void)state;
    int port;
    int fd = listen_loopback(AF_INET, &port);
    assert_true(fd >= 0);
    pid_t w1 = fork_sleeper(), w2 = fork_sleeper();

    pid_t *pids;
    ssize_t n = ports_pids(port, &pids, NULL);
    assert_int_equal(n, 3);
    assert_true(has_pid(pids, n, getpid()) && has_pid(pids, n, w1) && has_pid(pids, n, w2));
    free(pids);

    pid_t three[] = {getpid(), w1, w2};
    struct ports_map m;
    assert_int_equal(ports_map_build(three, 3, &m, NULL), 0);
    uint64_t ino_master, ino_worker;
    assert_int_equal(ports_map_inodes_of(&m, getpid(), &ino_master, 1), 1);
    assert_int_equal(ports_map_inodes_of(&m, w2, &ino_worker, 1), 1);
    assert_int_equal(ino_master, ino_worker);
    assert_true(ports_map_readable(&m, w1));
    int p;
    assert_int_equal(ports_map_ports_of(&m, w1, &p, 1), 1);
    assert_int_equal(p, port);
    ports_map_free(&m);

    end_child(w1);
    end_child(w2);
    close(fd);
}

static void test_ports_of_missing_process(void **state)
{
    (void)state;
    pid_t gone = fork_sleeper();
    end_child(gone);
    int *ports;
    struct pt_error err = {0};
    assert_int_equal(ports_listening(gone, &ports, &err), -1);
    assert_int_equal(err.code, PT_E_NOPROC);
}

/* ---- proc/proc: tables, trees, CPU % ---- */

/* A uvicorn server, a gunicorn server and a multiprocessing pool. */
static struct proc_table *sample_tree(void)
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

static void assert_pids(const pid_t *got, ssize_t n, const pid_t *want, size_t nwant)
{
    assert_int_equal(n, nwant);
    for (size_t i = 0; i < nwant; i++)
        assert_int_equal(got[i], want[i]);
}

static void test_hand_built_table(void **state)
{
    (void)state;
    struct proc_table *t = sample_tree();
    for (size_t i = 1; i < t->n; i++)
        assert_true(t->v[i - 1].pid < t->v[i].pid);
    const struct proc_info *p = proc_table_find(t, 102);
    assert_non_null(p);
    assert_int_equal(p->ppid, 100);
    assert_non_null(strstr(p->cmdline, "spawn_main"));
    assert_null(proc_table_find(t, 99));
    assert_int_equal(proc_table_refresh(t, NULL), -1); /* nothing to refresh from */
    proc_table_free(t);
}

static void test_children_and_descendants(void **state)
{
    (void)state;
    struct proc_table *t = sample_tree();
    pid_t *v;

    ssize_t n = proc_children(t, 100, &v);
    assert_pids(v, n, (pid_t[]){101, 102, 103}, 3);
    free(v);

    n = proc_descendants(t, 100, &v);
    assert_pids(v, n, (pid_t[]){101, 102, 103, 104}, 4);
    free(v);

    n = proc_descendants(t, 200, &v);
    assert_pids(v, n, (pid_t[]){201, 202, 203}, 3);
    free(v);

    n = proc_descendants(t, 50, &v);
    assert_int_equal(n, 14); /* everything but init and bash */
    free(v);

    assert_int_equal(proc_descendants(t, 400, &v), 0); /* a leaf */
    assert_null(v);
    assert_int_equal(proc_children(t, 12345, &v), 0); /* not in the table */
    assert_null(v);
    proc_table_free(t);
}

static void test_cpu_percent(void **state)
{
    (void)state;
    assert_true(proc_cpu_percent(1000, 1100, 1.0, 100) == 100.0);
    assert_true(proc_cpu_percent(1000, 1050, 2.0, 100) == 25.0);
    assert_true(proc_cpu_percent(0, 300, 1.0, 100) == 300.0); /* three cores */
    assert_true(proc_cpu_percent(1000, 1000, 1.0, 100) == 0.0);
    assert_true(proc_cpu_percent(1000, 900, 1.0, 100) == 0.0); /* a reused pid */
    assert_true(proc_cpu_percent(1000, 1100, 0.0, 100) == 0.0);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_real_table_sees_us(void **state)
{
    (void)state;
    struct pt_error err = {0};
    pid_t child = fork_sleeper();
    struct proc_table *t = proc_table_new(&err);
    assert_non_null(t);
    const struct proc_info *me = proc_table_find(t, getpid());
    assert_non_null(me);
    assert_int_equal(me->ppid, getppid());
    assert_int_equal(me->uid, geteuid());
    assert_non_null(strstr(me->cmdline, "test_proc"));
    assert_true(me->threads >= 1);
    assert_true(me->rss_kib > 0);
    assert_true(me->start_time > 0 && me->start_time <= time(NULL));
    assert_false(me->kthread);

    pid_t *kids;
    ssize_t n = proc_children(t, getpid(), &kids);
    assert_true(has_pid(kids, n, child));
    free(kids);

    /* Burn CPU between two snapshots: our CPU % must show it. */
    double until = now_seconds() + 0.3;
    volatile unsigned long spin = 0;
    while (now_seconds() < until)
        spin++;
    assert_int_equal(proc_table_refresh(t, &err), 0);
    me = proc_table_find(t, getpid());
    assert_non_null(me);
    assert_true(me->cpu_pct > 20.0);
    const struct proc_info *sleeper = proc_table_find(t, child);
    assert_non_null(sleeper);
    assert_true(sleeper->cpu_pct < 20.0);
    proc_table_free(t);
    end_child(child);
}

static void *fork_from_thread(void *arg)
{
    *(pid_t *)arg = fork_sleeper();
    return NULL;
}

/* The kernel's lists of children name the same descendants as the
 * process table: a child, its own child, and a child forked by another
 * thread than ours (listed under that thread). */
static void test_live_descendants(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        pid_t grandchild = fork_sleeper();
        assert_int_equal(write(fds[1], &grandchild, sizeof grandchild), sizeof grandchild);
        for (;;)
            pause();
    }
    pid_t grandchild;
    assert_int_equal(read(fds[0], &grandchild, sizeof grandchild), sizeof grandchild);
    close(fds[0]);
    close(fds[1]);
    pthread_t th;
    pid_t of_thread = 0;
    assert_int_equal(pthread_create(&th, NULL, fork_from_thread, &of_thread), 0);
    pthread_join(th, NULL);

    pid_t *live;
    ssize_t n = proc_descendants_live(getpid(), &live);
    assert_true(n >= 3);
    assert_true(has_pid(live, n, child));
    assert_true(has_pid(live, n, grandchild));
    assert_true(has_pid(live, n, of_thread));
    for (ssize_t i = 1; i < n; i++)
        assert_true(live[i - 1] < live[i]);
    struct pt_error err = {0};
    struct proc_table *t = proc_table_new(&err);
    assert_non_null(t);
    pid_t *table;
    assert_int_equal(proc_descendants(t, getpid(), &table), n);
    assert_memory_equal(live, table, (size_t)n * sizeof *live);
    free(table);
    proc_table_free(t);
    free(live);

    /* A process without children has no descendants. */
    assert_int_equal(proc_descendants_live(grandchild, &live), 0);
    assert_null(live);
    end_child(of_thread);
    end_child(child);
    kill(grandchild, SIGKILL); /* reparented: not ours to wait for */
}

/* A thread that reports its id, then waits until told to end. */
struct thread_probe {
    int ready[2], done[2];
};

static void *thread_tid(void *arg)
{
    struct thread_probe *tp = arg;
    pid_t tid = (pid_t)syscall(SYS_gettid);
    char c;
    assert_int_equal(write(tp->ready[1], &tid, sizeof tid), sizeof tid);
    assert_int_equal(read(tp->done[0], &c, 1), 1);
    return NULL;
}

static void test_exists(void **state)
{
    (void)state;
    assert_true(proc_exists(getpid()));
    assert_true(proc_exists(1));
    assert_false(proc_exists(0));
    assert_false(proc_exists(-5));
    pid_t gone = fork_sleeper();
    end_child(gone);
    assert_false(proc_exists(gone));

    /* The id of a thread is not a process, although kill() accepts it. */
    struct thread_probe tp;
    assert_int_equal(pipe(tp.ready), 0);
    assert_int_equal(pipe(tp.done), 0);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, thread_tid, &tp), 0);
    pid_t tid = 0;
    assert_int_equal(read(tp.ready[0], &tid, sizeof tid), sizeof tid);
    assert_true(tid > 0 && tid != getpid());
    assert_int_equal(kill(tid, 0), 0);
    assert_false(proc_exists(tid));
    assert_int_equal(write(tp.done[1], "x", 1), 1);
    pthread_join(th, NULL);
    close(tp.ready[0]);
    close(tp.ready[1]);
    close(tp.done[0]);
    close(tp.done[1]);
}

/* A thread that spins for `spin_ms` each time a byte arrives on its
 * pipe, reporting its id first and "done" after each spin. */
struct spinner {
    int go[2], ready[2];
    pid_t tid;
};

static void *spin_on_demand(void *arg)
{
    struct spinner *sp = arg;
    pid_t tid = (pid_t)syscall(SYS_gettid);
    assert_int_equal(write(sp->ready[1], &tid, sizeof tid), sizeof tid);
    char c;
    while (read(sp->go[0], &c, 1) == 1 && c == 's') {
        double until = now_seconds() + 0.05;
        volatile unsigned long spin = 0;
        while (now_seconds() < until)
            spin++;
        assert_int_equal(write(sp->ready[1], &tid, sizeof tid), sizeof tid);
    }
    return NULL;
}

/* Whether thread tid is in kernel state R now (its stat, read whole). */
static int stat_says_running(pid_t tid)
{
    return task_state(getpid(), tid) == 'R';
}

/* task_probe: a thread found asleep twice is then known asleep from its
 * schedstat alone, until it runs again; running and asleep are what the
 * thread's stat says. */
static void test_task_probe(void **state)
{
    (void)state;
    struct spinner sp;
    assert_int_equal(pipe(sp.go), 0);
    assert_int_equal(pipe(sp.ready), 0);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, spin_on_demand, &sp), 0);
    assert_int_equal(read(sp.ready[0], &sp.tid, sizeof sp.tid), sizeof sp.tid);
    /* Asleep in read() once its state says so. */
    for (int i = 0; i < 1000 && stat_says_running(sp.tid); i++)
        usleep(1000);
    struct task_probe p;
    assert_int_equal(task_probe_open(&p, getpid(), sp.tid), 0);
    assert_false(task_probe_still_asleep(&p)); /* not looked at yet */
    assert_int_equal(task_probe_running(&p), 0);
    assert_false(task_probe_still_asleep(&p)); /* no schedstat taken before that look */
    assert_int_equal(task_probe_running(&p), 0);
    assert_true(task_probe_still_asleep(&p));
    assert_int_equal(task_probe_running(&p), 0);

    /* It runs 50 ms and sleeps again: no longer known asleep without a
     * stat read, which then finds it asleep. */
    assert_int_equal(write(sp.go[1], "s", 1), 1);
    pid_t echo;
    assert_int_equal(read(sp.ready[0], &echo, sizeof echo), sizeof echo);
    for (int i = 0; i < 1000 && stat_says_running(sp.tid); i++)
        usleep(1000);
    assert_false(task_probe_still_asleep(&p));
    assert_int_equal(task_probe_running(&p), 0);

    /* While it spins, it runs. */
    assert_int_equal(write(sp.go[1], "s", 1), 1);
    int seen_running = 0;
    for (int i = 0; i < 40 && !seen_running; i++) {
        seen_running = task_probe_running(&p) == 1;
        usleep(500);
    }
    assert_true(seen_running);
    assert_int_equal(read(sp.ready[0], &echo, sizeof echo), sizeof echo);

    assert_int_equal(write(sp.go[1], "q", 1), 1);
    pthread_join(th, NULL);
    assert_int_equal(task_probe_running(&p), -1); /* the thread is gone */
    assert_false(task_probe_still_asleep(&p));
    task_probe_close(&p);
    assert_int_equal(p.stat_fd, -1);
    close(sp.go[0]);
    close(sp.go[1]);
    close(sp.ready[0]);
    close(sp.ready[1]);
}

/* A process's CPU clock read from outside: a child that burns 0.2 s has
 * used at least that; a process that is gone has none. */
static void test_group_cpu_time(void **state)
{
    (void)state;
    unsigned long long mine, child_ns;
    struct timespec ts;
    assert_int_equal(task_group_cpu_ns(getpid(), &mine), 0);
    assert_int_equal(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts), 0);
    assert_true(mine <=
                (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        double until = now_seconds() + 0.2;
        volatile unsigned long spin = 0;
        while (now_seconds() < until)
            spin++;
        assert_int_equal(write(fds[1], "x", 1), 1);
        for (;;)
            pause();
    }
    char c;
    assert_int_equal(read(fds[0], &c, 1), 1);
    assert_int_equal(task_group_cpu_ns(child, &child_ns), 0);
    assert_true(child_ns >= 150000000ull);
    end_child(child);
    assert_int_equal(task_group_cpu_ns(child, &child_ns), -1);
    close(fds[0]);
    close(fds[1]);
}

/* ---- proc/roles ---- */

static void test_program_from_cmdline(void **state)
{
    (void)state;
    assert_int_equal(roles_program("/usr/bin/python3.11 -m uvicorn app:app --workers 2"),
                     ROLES_PROG_UVICORN);
    assert_int_equal(roles_program("python3 -u -X dev -m uvicorn app:app"), ROLES_PROG_UVICORN);
    assert_int_equal(roles_program("python3 -muvicorn app:app"), ROLES_PROG_UVICORN);
    assert_int_equal(roles_program("/usr/bin/uvicorn app:app"), ROLES_PROG_UVICORN);
    assert_int_equal(roles_program("/srv/venv/bin/python /srv/venv/bin/uvicorn app:app"),
                     ROLES_PROG_UVICORN);
    assert_int_equal(roles_program("/usr/bin/python3 /usr/bin/gunicorn -w 2 app:app"),
                     ROLES_PROG_GUNICORN);
    assert_int_equal(roles_program("gunicorn -k uvicorn.workers.UvicornWorker app:app"),
                     ROLES_PROG_GUNICORN);
    assert_int_equal(roles_program("python3 -m gunicorn app:app"), ROLES_PROG_GUNICORN);
    assert_int_equal(roles_program("gunicorn: master [app:app]"), ROLES_PROG_GUNICORN);
    assert_int_equal(roles_program("gunicorn: worker [app:app]"), ROLES_PROG_GUNICORN);
    /* Mentions are not programs. */
    assert_int_equal(roles_program("python3 -c import uvicorn; uvicorn.run(app)"),
                     ROLES_PROG_OTHER);
    assert_int_equal(roles_program("vim /etc/gunicorn.conf.py"), ROLES_PROG_OTHER);
    assert_int_equal(roles_program("python3 uvicorn_tests.py"), ROLES_PROG_OTHER);
    assert_int_equal(roles_program("python3 -W ignore uvicorn_tests.py"), ROLES_PROG_OTHER);
    assert_int_equal(roles_program("tail -f uvicorn"), ROLES_PROG_OTHER);
    assert_int_equal(roles_program(""), ROLES_PROG_OTHER);
    assert_int_equal(roles_program(NULL), ROLES_PROG_OTHER);
}

static void test_spawn_children(void **state)
{
    (void)state;
    assert_true(
        roles_is_spawn_child("python3 -c from multiprocessing.spawn import spawn_main; "
                             "spawn_main(tracker_fd=5, pipe_handle=7) --multiprocessing-fork"));
    assert_false(roles_is_spawn_child(
        "python3 -c from multiprocessing.resource_tracker import main;main(4)"));
    assert_false(roles_is_spawn_child(
        "python3 -c from multiprocessing.forkserver import main; main(3, 4, ['__main__'])"));
    assert_false(roles_is_spawn_child("python3 -m uvicorn app:app"));
    assert_false(roles_is_spawn_child(NULL));
}

/* Roles of sample_tree(); is_python for everything but vim, bash and init. */
static struct roles_proc *classify_sample(struct proc_table *t, int with_sockets)
{
    unsigned char *is_python = calloc(t->n, 1);
    for (size_t i = 0; i < t->n; i++)
        is_python[i] = t->v[i].pid >= 100 && t->v[i].pid < 500;
    struct roles_proc *r;
    assert_int_equal(roles_classify_table(t, NULL, is_python, &r), 0);
    free(is_python);
    if (with_sockets) {
        /* uvicorn: master and both workers share inode 555 on :8000; the
         * resource tracker and the worker's pool child hold nothing. */
        for (size_t i = 0; i < t->n; i++) {
            r[i].fds_known = 1;
            if (r[i].pid == 100 || r[i].pid == 102 || r[i].pid == 103)
                r[i].listen[r[i].nlisten++] = 555;
        }
        assert_int_equal(roles_classify(r, t->n), 0);
    }
    return r;
}

static const struct roles_proc *role_of(const struct roles_proc *r, size_t n, pid_t pid)
{
    for (size_t i = 0; i < n; i++)
        if (r[i].pid == pid)
            return &r[i];
    fail_msg("pid %d not classified", (int)pid);
    return NULL;
}

static void check_sample_roles(const struct roles_proc *r, size_t n)
{
    assert_int_equal(role_of(r, n, 100)->role, ROLE_UVICORN_MASTER);
    assert_int_equal(role_of(r, n, 100)->worker_count, 2);
    assert_int_equal(role_of(r, n, 101)->role, ROLE_PYTHON); /* resource tracker */
    assert_int_equal(role_of(r, n, 102)->role, ROLE_UVICORN_WORKER);
    assert_int_equal(role_of(r, n, 102)->master, 100);
    assert_int_equal(role_of(r, n, 102)->worker_index, 1);
    assert_int_equal(role_of(r, n, 103)->role, ROLE_UVICORN_WORKER);
    assert_int_equal(role_of(r, n, 103)->worker_index, 2); /* by pid, not table order */
    assert_int_equal(role_of(r, n, 103)->worker_count, 2);
    assert_int_equal(role_of(r, n, 104)->role, ROLE_PYTHON); /* a worker's own pool */

    assert_int_equal(role_of(r, n, 200)->role, ROLE_GUNICORN_MASTER);
    assert_int_equal(role_of(r, n, 201)->role, ROLE_GUNICORN_WORKER);
    assert_int_equal(role_of(r, n, 201)->worker_index, 1);
    assert_int_equal(role_of(r, n, 202)->role, ROLE_GUNICORN_WORKER);
    assert_int_equal(role_of(r, n, 202)->worker_index, 2);
    assert_int_equal(role_of(r, n, 202)->master, 200);
    assert_int_equal(role_of(r, n, 203)->role, ROLE_PYTHON); /* forked by a worker */

    /* A multiprocessing pool is no uvicorn server. */
    assert_int_equal(role_of(r, n, 300)->role, ROLE_PYTHON);
    assert_int_equal(role_of(r, n, 301)->role, ROLE_PYTHON);
    assert_int_equal(role_of(r, n, 302)->role, ROLE_PYTHON);
    assert_int_equal(role_of(r, n, 400)->role, ROLE_PYTHON);
    assert_int_equal(role_of(r, n, 500)->role, ROLE_NONE);
    assert_int_equal(role_of(r, n, 50)->role, ROLE_NONE);
}

static void test_roles_from_the_tree(void **state)
{
    (void)state;
    struct proc_table *t = sample_tree();
    struct roles_proc *r = classify_sample(t, 0); /* sockets unknown */
    check_sample_roles(r, t->n);
    free(r);
    r = classify_sample(t, 1); /* sockets known */
    check_sample_roles(r, t->n);
    free(r);
    proc_table_free(t);
}

static void test_uvicorn_worker_needs_the_socket(void **state)
{
    (void)state;
    /* A single-process uvicorn whose app runs a spawn pool: the pool's
     * children do not hold the listening socket, so they are not workers. */
    struct roles_proc r[] = {
        {.pid = 10,
         .ppid = 1,
         .cmdline = "uvicorn app:app",
         .is_python = 1,
         .fds_known = 1,
         .listen = {77},
         .nlisten = 1},
        {.pid = 11,
         .ppid = 10,
         .is_python = 1,
         .fds_known = 1,
         .cmdline = "python3 -c from multiprocessing.spawn import spawn_main; "
                    "spawn_main(tracker_fd=5, pipe_handle=7) --multiprocessing-fork"},
    };
    assert_int_equal(roles_classify(r, 2), 0);
    assert_int_equal(r[0].role, ROLE_UVICORN_MASTER);
    assert_int_equal(r[0].worker_count, 0);
    assert_int_equal(r[1].role, ROLE_PYTHON);

    /* Same tree with the socket passed on: a worker. */
    r[1].listen[0] = 77;
    r[1].nlisten = 1;
    assert_int_equal(roles_classify(r, 2), 0);
    assert_int_equal(r[1].role, ROLE_UVICORN_WORKER);
    assert_int_equal(r[0].worker_count, 1);
}

static void test_gunicorn_process_titles(void **state)
{
    (void)state;
    struct roles_proc r[] = {
        {.pid = 71, .ppid = 70, .cmdline = "gunicorn: worker [app:app]", .is_python = 1},
        {.pid = 70, .ppid = 1, .cmdline = "gunicorn: master [app:app]", .is_python = 1},
        {.pid = 72, .ppid = 70, .cmdline = "gunicorn: worker [app:app]", .is_python = 1},
    };
    assert_int_equal(roles_classify(r, 3), 0);
    assert_int_equal(r[1].role, ROLE_GUNICORN_MASTER);
    assert_int_equal(r[0].role, ROLE_GUNICORN_WORKER);
    assert_int_equal(r[2].role, ROLE_GUNICORN_WORKER);
    assert_int_equal(r[2].worker_index, 2);
    char buf[64];
    roles_describe(&r[2], buf, sizeof buf);
    assert_string_equal(buf, "gunicorn worker 2/2");
    roles_describe(&r[1], buf, sizeof buf);
    assert_string_equal(buf, "gunicorn master (2 workers)");
}

static void test_role_names(void **state)
{
    (void)state;
    assert_string_equal(roles_name(ROLE_UVICORN_MASTER), "uvicorn-master");
    assert_string_equal(roles_name(ROLE_UVICORN_WORKER), "uvicorn-worker");
    assert_string_equal(roles_name(ROLE_GUNICORN_MASTER), "gunicorn-master");
    assert_string_equal(roles_name(ROLE_GUNICORN_WORKER), "gunicorn-worker");
    assert_string_equal(roles_name(ROLE_PYTHON), "python");
    assert_string_equal(roles_name(ROLE_NONE), "-");
    struct roles_proc w = {.role = ROLE_UVICORN_WORKER, .worker_index = 2, .worker_count = 4};
    char buf[64];
    roles_describe(&w, buf, sizeof buf);
    assert_string_equal(buf, "uvicorn worker 2/4");
    struct roles_proc p = {.role = ROLE_PYTHON};
    roles_describe(&p, buf, sizeof buf);
    assert_string_equal(buf, "python");
}

static void test_describe_live_process(void **state)
{
    (void)state;
    char buf[64];
    struct pt_error err = {0};
    assert_int_equal(roles_describe_pid(getpid(), buf, sizeof buf, &err), 0);
    assert_string_equal(buf, "python"); /* no server: everything counts as python */

    /* A process whose command line reads "uvicorn ...": a master without workers. */
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        execl("/bin/sleep", "uvicorn", "30", (char *)NULL);
        _exit(127);
    }
    char path[64], cmd[64] = "";
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)child);
    for (int tries = 0; tries < 200 && strcmp(cmd, "uvicorn") != 0; tries++) {
        FILE *f = fopen(path, "r");
        assert_non_null(f);
        size_t got = fread(cmd, 1, sizeof cmd - 1, f);
        cmd[got] = '\0';
        fclose(f);
        if (strcmp(cmd, "uvicorn") != 0) {
            struct timespec ts = {0, 10 * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    assert_string_equal(cmd, "uvicorn");
    assert_int_equal(roles_describe_pid(child, buf, sizeof buf, &err), 0);
    assert_string_equal(buf, "uvicorn master");
    end_child(child);

    assert_int_equal(roles_describe_pid(child, buf, sizeof buf, &err), -1);
    assert_int_equal(err.code, PT_E_NOPROC);
}

static void test_display_order(void **state)
{
    (void)state;
    struct proc_table *t = sample_tree();
    struct roles_proc *r = classify_sample(t, 1);
    size_t order[32];
    assert_true(t->n <= ARRAY_LEN(order));
    assert_int_equal(roles_order(r, t->n, order), 0);
    pid_t got[32];
    for (size_t i = 0; i < t->n; i++)
        got[i] = r[order[i]].pid;
    /* Masters, then their workers, then their other descendants. */
    const pid_t want[] = {1,   50,  100, 102, 103, 101, 104, 200,
                          201, 202, 203, 300, 301, 302, 400, 500};
    assert_pids(got, (ssize_t)t->n, want, ARRAY_LEN(want));
    free(r);
    proc_table_free(t);
}

/* ---- select ---- */

static void test_select_orders_master_first(void **state)
{
    (void)state;
    struct proc_table *t = sample_tree();
    struct select_result r;
    /* The holders of :8000, in any order and repeated. */
    pid_t holders[] = {103, 100, 102, 100};
    assert_int_equal(select_build(holders, 4, 0, t, &r, NULL), 0);
    assert_pids(r.pids, (ssize_t)r.n, (pid_t[]){100, 102, 103}, 3);
    assert_int_equal(r.nchosen, 3);
    assert_true(r.ambiguous);
    select_result_free(&r);

    /* -s: every descendant, master first, then by depth and pid. */
    assert_int_equal(select_build(holders, 4, 1, t, &r, NULL), 0);
    assert_pids(r.pids, (ssize_t)r.n, (pid_t[]){100, 101, 102, 103, 104}, 5);
    assert_false(r.ambiguous);
    const unsigned char desc[] = {0, 1, 0, 0, 1};
    for (size_t i = 0; i < r.n; i++)
        assert_int_equal(r.descendant[i], desc[i]);
    select_result_free(&r);

    /* -p PID -s */
    pid_t one = 200;
    assert_int_equal(select_build(&one, 1, 1, t, &r, NULL), 0);
    assert_pids(r.pids, (ssize_t)r.n, (pid_t[]){200, 201, 202, 203}, 4);
    assert_false(r.ambiguous);
    select_result_free(&r);
    proc_table_free(t);
}

static void test_select_master_with_higher_pid(void **state)
{
    (void)state;
    /* pids wrapped around: the master has the highest one. */
    struct proc_table *t = proc_table_new_empty();
    assert_int_equal(proc_table_add(t, 32000, 1, "gunicorn app:app"), 0);
    assert_int_equal(proc_table_add(t, 40, 32000, "gunicorn app:app"), 0);
    assert_int_equal(proc_table_add(t, 30, 32000, "gunicorn app:app"), 0);
    pid_t holders[] = {40, 30, 32000};
    struct select_result r;
    assert_int_equal(select_build(holders, 3, 0, t, &r, NULL), 0);
    assert_pids(r.pids, (ssize_t)r.n, (pid_t[]){32000, 30, 40}, 3);
    select_result_free(&r);
    proc_table_free(t);
}

static void test_select_ambiguous_message(void **state)
{
    (void)state;
    pid_t holders[] = {100, 102, 103};
    struct select_result r;
    assert_int_equal(select_build(holders, 3, 0, NULL, &r, NULL), 0);
    r.port = 8000;
    struct pt_error err = {0};
    assert_int_equal(select_require_one(&r, &err), -1);
    assert_int_equal(err.code, PT_E_MANY);
    assert_string_equal(err.msg, "port 8000 is held by 3 processes (PIDs 100, 102, 103): add -s "
                                 "to profile them all, or choose one with -p PID");
    assert_null(strchr(err.msg, '\n'));
    select_result_free(&r);

    assert_int_equal(select_build(holders, 1, 0, NULL, &r, NULL), 0);
    assert_false(r.ambiguous);
    assert_int_equal(select_require_one(&r, &err), 0);
    select_result_free(&r);
}

static void test_select_pid(void **state)
{
    (void)state;
    struct options opt = {.command = CMD_DUMP, .pid = getpid()};
    struct select_result r;
    struct pt_error err = {0};
    assert_int_equal(select_targets(&opt, &r, &err), 0);
    assert_pids(r.pids, (ssize_t)r.n, (pid_t[]){getpid()}, 1);
    assert_int_equal(r.port, 0);
    select_result_free(&r);

    pid_t gone = fork_sleeper();
    end_child(gone);
    opt.pid = gone;
    assert_int_equal(select_targets(&opt, &r, &err), -1);
    assert_int_equal(err.code, PT_E_NOPROC);
    char want[64];
    snprintf(want, sizeof want, "no such process: PID %d does not exist", (int)gone);
    assert_non_null(strstr(err.msg, want));
    assert_int_equal(r.n, 0);

    /* --wait gives up after its time, having slept, not spun. */
    opt.wait = 0.2;
    double start = now_seconds();
    clock_t cpu = clock();
    assert_int_equal(select_targets(&opt, &r, &err), -1);
    assert_int_equal(err.code, PT_E_NOPROC);
    assert_true(now_seconds() - start >= 0.2);
    assert_true((double)(clock() - cpu) / CLOCKS_PER_SEC < 0.1);

    struct options none = {.command = CMD_TOP};
    assert_int_equal(select_targets(&none, &r, &err), 0);
    assert_int_equal(r.n, 0);
}

static void test_select_port_nobody_listens(void **state)
{
    (void)state;
    int port = free_port();
    struct options opt = {.command = CMD_DUMP, .port = port};
    struct select_result r;
    struct pt_error err = {0};
    assert_int_equal(select_targets(&opt, &r, &err), -1);
    assert_int_equal(err.code, PT_E_NOPORT);
    char want[64];
    snprintf(want, sizeof want, "no process listens on port %d", port);
    assert_non_null(strstr(err.msg, want));

    opt.port = 70000;
    assert_int_equal(select_targets(&opt, &r, &err), -1);
    assert_int_equal(err.code, PT_E_USAGE);
}

static void test_select_port_with_workers(void **state)
{
    (void)state;
    int port;
    int fd = listen_loopback(AF_INET, &port);
    assert_true(fd >= 0);
    struct options opt = {.command = CMD_DUMP, .port = port};
    struct select_result r;
    struct pt_error err = {0};
    assert_int_equal(select_targets(&opt, &r, &err), 0);
    assert_pids(r.pids, (ssize_t)r.n, (pid_t[]){getpid()}, 1);
    assert_false(r.ambiguous);
    assert_int_equal(r.port, port);
    select_result_free(&r);

    pid_t w1 = fork_sleeper(), w2 = fork_sleeper();
    assert_int_equal(select_targets(&opt, &r, &err), 0);
    assert_int_equal(r.n, 3);
    assert_int_equal(r.pids[0], getpid()); /* the "master" first */
    assert_true(r.ambiguous);
    assert_int_equal(select_require_one(&r, &err), -1);
    assert_int_equal(err.code, PT_E_MANY);
    select_result_free(&r);

    opt.subprocesses = 1;
    assert_int_equal(select_targets(&opt, &r, &err), 0);
    assert_false(r.ambiguous);
    assert_int_equal(r.pids[0], getpid());
    assert_true(has_pid(r.pids, (ssize_t)r.n, w1) && has_pid(r.pids, (ssize_t)r.n, w2));
    select_result_free(&r);

    /* Neither we nor the children are Python. */
    assert_int_equal(select_first_not_python((pid_t[]){getpid()}, 1, &err), 0);
    assert_int_equal(err.code, PT_E_NOTPYTHON);
    end_child(w1);
    end_child(w2);
    close(fd);
}

static void test_select_root_not_python(void **state)
{
    (void)state;
    /* -s -p PID, PID not Python (a shell; here: ourselves): the root stays,
     * marked, for its Python descendants; the child that is not Python
     * either goes. */
    pid_t child = fork_sleeper();
    struct options opt = {.command = CMD_DUMP, .pid = getpid(), .subprocesses = 1};
    struct select_result r;
    struct pt_error err = {0};
    assert_int_equal(select_targets(&opt, &r, &err), 0);
    assert_true(has_pid(r.pids, (ssize_t)r.n, child));
    assert_int_equal(select_keep_python(&r, &err), 0);
    assert_pids(r.pids, (ssize_t)r.n, (pid_t[]){getpid()}, 1);
    assert_int_equal(r.notpython[0], 1);
    assert_int_equal(r.nchosen, 1);
    assert_int_equal(select_count_python(&r), 0);
    select_result_free(&r);

    /* Without -s it is an error, as it always was. */
    opt.subprocesses = 0;
    assert_int_equal(select_targets(&opt, &r, &err), 0);
    assert_int_equal(select_keep_python(&r, &err), -1);
    assert_int_equal(err.code, PT_E_NOTPYTHON);
    select_result_free(&r);
    end_child(child);

    /* Messages name it by argv[0]'s base name. */
    char name[64];
    task_name(getpid(), name, sizeof name);
    assert_string_equal(name, program_invocation_short_name);
}

static void test_select_waits_for_the_port(void **state)
{
    (void)state;
    int port = free_port();
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        /* A server that starts listening 300 ms from now. */
        struct timespec ts = {0, 300 * 1000000L};
        nanosleep(&ts, NULL);
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        struct sockaddr_in a = {.sin_family = AF_INET,
                                .sin_port = htons((uint16_t)port),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 4) != 0)
            _exit(1);
        for (;;)
            pause();
    }
    struct options opt = {.command = CMD_DUMP, .port = port, .wait = 10};
    struct select_result r;
    struct pt_error err = {0};
    assert_int_equal(select_targets(&opt, &r, &err), 0);
    assert_pids(r.pids, (ssize_t)r.n, (pid_t[]){child}, 1);
    select_result_free(&r);
    end_child(child);
}

/* The header's words for each thing a container may say. */
static void test_container_format(void **state)
{
    (void)state;
    char buf[64];
    struct container c = {.nspid = 1};
    str_copy(c.name, sizeof c.name, "web-1");
    container_format(&c, buf, sizeof buf);
    assert_string_equal(buf, "PID 1 in web-1");
    c.nspid = 0;
    container_format(&c, buf, sizeof buf);
    assert_string_equal(buf, "in web-1");
    c.nspid = 7;
    c.name[0] = '\0';
    container_format(&c, buf, sizeof buf);
    assert_string_equal(buf, "PID 7");
    c.nspid = 0;
    container_format(&c, buf, sizeof buf);
    assert_string_equal(buf, "");
}

/* This test runs in pytop's own namespaces: its ids are the same inside,
 * it is in no container, and a child shares its network namespace. */
static void test_own_namespaces(void **state)
{
    (void)state;
    assert_int_equal(nspid_inner(getpid(), 0), getpid());
    assert_int_equal(nspid_inner(getpid(), getpid()), getpid());
    struct nspid_map m = {0};
    assert_int_equal(nspid_map_read(&m, getpid()), 0);
    assert_int_equal(nspid_map_host(&m, getpid()), getpid());
    assert_int_equal(nspid_map_host(&m, -5), 0);
    nspid_map_free(&m);
    struct container c;
    assert_int_equal(container_of(getpid(), &c), 0);
    assert_int_equal(c.nspid, 0);
    pid_t both[2] = {getpid(), getppid()};
    assert_int_equal(container_netns_count(both, 2), 1);
    pid_t none[1] = {999999999};
    assert_int_equal(container_netns_count(none, 1), 0);
    assert_int_equal(nspid_inner(999999999, 0), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_container_format),
        cmocka_unit_test(test_own_namespaces),
        cmocka_unit_test(test_parse_ipv4_listening),
        cmocka_unit_test(test_parse_ipv4_not_listening),
        cmocka_unit_test(test_parse_ipv6),
        cmocka_unit_test(test_parse_rejects_other_lines),
        cmocka_unit_test(test_parse_table_keeps_listeners),
        cmocka_unit_test(test_socket_links),
        cmocka_unit_test(test_our_listening_ports),
        cmocka_unit_test(test_shared_socket_maps_to_every_holder),
        cmocka_unit_test(test_ports_of_missing_process),
        cmocka_unit_test(test_hand_built_table),
        cmocka_unit_test(test_children_and_descendants),
        cmocka_unit_test(test_cpu_percent),
        cmocka_unit_test(test_real_table_sees_us),
        cmocka_unit_test(test_live_descendants),
        cmocka_unit_test(test_exists),
        cmocka_unit_test(test_task_probe),
        cmocka_unit_test(test_group_cpu_time),
        cmocka_unit_test(test_program_from_cmdline),
        cmocka_unit_test(test_spawn_children),
        cmocka_unit_test(test_roles_from_the_tree),
        cmocka_unit_test(test_uvicorn_worker_needs_the_socket),
        cmocka_unit_test(test_gunicorn_process_titles),
        cmocka_unit_test(test_role_names),
        cmocka_unit_test(test_describe_live_process),
        cmocka_unit_test(test_display_order),
        cmocka_unit_test(test_select_orders_master_first),
        cmocka_unit_test(test_select_master_with_higher_pid),
        cmocka_unit_test(test_select_ambiguous_message),
        cmocka_unit_test(test_select_pid),
        cmocka_unit_test(test_select_port_nobody_listens),
        cmocka_unit_test(test_select_port_with_workers),
        cmocka_unit_test(test_select_root_not_python),
        cmocka_unit_test(test_select_waits_for_the_port),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
