/*
 * tests/unit/test_select: select, the processes to profile from -p PID,
 * --port and -s: masters first, the message of a port held by several
 * processes, a PID that does not exist, a port nobody listens on, a port
 * this process and its fork children share (as a server's workers do), a
 * root that is not Python, and --wait for a port that opens later.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "proctest.h"

#include "options.h"
#include "proc/proc.h"
#include "remote/task.h"
#include "select.h"

/* A port nobody listens on (bound once, then released). */
static int free_port(void)
{
    int port;
    int fd = listen_loopback(AF_INET, &port);
    assert_true(fd >= 0);
    close(fd);
    return port;
}

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

int main(void)
{
    const struct CMUnitTest tests[] = {
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
