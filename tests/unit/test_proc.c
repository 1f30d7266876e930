/*
 * tests/unit/test_proc: proc/proc, the process table: tables built by
 * hand (a uvicorn master with spawn workers, a gunicorn master with fork
 * workers, a plain multiprocessing pool), children and descendants, CPU %,
 * the real table seen from this very process, and which pids exist (a
 * thread's id is not a process).
 */
#include "config.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "proctest.h"

#include "proc/proc.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_built_table), cmocka_unit_test(test_children_and_descendants),
        cmocka_unit_test(test_cpu_percent),      cmocka_unit_test(test_real_table_sees_us),
        cmocka_unit_test(test_exists),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
