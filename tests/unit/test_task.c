/*
 * tests/unit/test_task: remote/task, threads and processes read from
 * outside: the probe that tells a running thread from one asleep (and
 * knows a sleeper from its schedstat alone), and a process's CPU clock.
 */
#include "config.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "proctest.h"

#include "remote/task.h"

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

/* A process's CPU clock read from outside: a child that burns 0.2 s of
 * CPU (by its own clock: on a busy machine wall time says less) has used
 * at least that; a process that is gone has none. */
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
        volatile unsigned long spin = 0;
        struct timespec used;
        do {
            for (int i = 0; i < 100000; i++)
                spin++;
            clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &used);
        } while (used.tv_sec * 1000000000ll + used.tv_nsec < 200000000ll);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_task_probe),
        cmocka_unit_test(test_group_cpu_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
