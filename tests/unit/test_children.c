/*
 * tests/unit/test_children: proc/children, a process's descendants from
 * the kernel's lists of children: a child, its own child and a child
 * forked by another thread, the same as the process table names.
 */
#include "config.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "proctest.h"

#include "proc/children.h"
#include "proc/proc.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_live_descendants),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
