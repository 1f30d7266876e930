/*
 * tests/unit/test_ports: proc/ports, the listening TCP sockets of processes.
 *
 * Lines of /proc/net/tcp and tcp6 as the kernel writes them (listeners
 * kept, other states and other lines told apart), socket links of
 * /proc/PID/fd, and the sockets of real processes: a listening socket on
 * loopback shows up on our pid, and fork children sharing it map the
 * port to every holder, just as a server's workers do.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "proctest.h"

#include "proc/ports.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_ipv4_listening),
        cmocka_unit_test(test_parse_ipv4_not_listening),
        cmocka_unit_test(test_parse_ipv6),
        cmocka_unit_test(test_parse_rejects_other_lines),
        cmocka_unit_test(test_parse_table_keeps_listeners),
        cmocka_unit_test(test_socket_links),
        cmocka_unit_test(test_our_listening_ports),
        cmocka_unit_test(test_shared_socket_maps_to_every_holder),
        cmocka_unit_test(test_ports_of_missing_process),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
