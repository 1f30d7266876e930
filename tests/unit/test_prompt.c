/*
 * Tests of prompt (the sampling thread's real-time priority): taken when
 * the kernel allows it, given up above a quarter of the period and taken
 * back below an eighth, never asked again once refused. The case that
 * needs the right is skipped when it is not there.
 */
#include "config.h"

#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "prompt.h"

#define PERIOD 10000000u /* ns: 100 Hz */

static void test_taken_given_up_taken_back(void **state)
{
    (void)state;
    struct prompt p;
    prompt_begin(&p);
    if (!p.allowed)
        skip(); /* no CAP_SYS_NICE here */
    assert_int_equal(p.on, 1);
    assert_int_equal(sched_getscheduler(0), SCHED_FIFO | SCHED_RESET_ON_FORK);
    struct sched_param sp;
    assert_int_equal(sched_getparam(0, &sp), 0);
    assert_int_equal(sp.sched_priority, sched_get_priority_min(SCHED_FIFO));
    /* Cheap ticks keep it; a tick over a quarter gives it up. */
    prompt_tick(&p, PERIOD / 10, PERIOD);
    assert_int_equal(sched_getscheduler(0) & ~SCHED_RESET_ON_FORK, SCHED_FIFO);
    prompt_tick(&p, PERIOD / 4 + 1, PERIOD);
    assert_int_equal(p.on, 0);
    assert_int_equal(sched_getscheduler(0) & ~SCHED_RESET_ON_FORK, SCHED_OTHER);
    /* Between an eighth and a quarter nothing changes, either way. */
    prompt_tick(&p, PERIOD / 5, PERIOD);
    assert_int_equal(p.on, 0);
    prompt_tick(&p, PERIOD / 8 - 1, PERIOD);
    assert_int_equal(p.on, 1);
    prompt_tick(&p, PERIOD / 5, PERIOD);
    assert_int_equal(p.on, 1);
    assert_int_equal(sched_getscheduler(0) & ~SCHED_RESET_ON_FORK, SCHED_FIFO);
    /* A process started from this thread does not inherit it. */
    pid_t child = fork();
    if (child == 0)
        _exit(sched_getscheduler(0) == SCHED_OTHER ? 0 : 1);
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    prompt_tick(&p, PERIOD, PERIOD);
    assert_int_equal(sched_getscheduler(0) & ~SCHED_RESET_ON_FORK, SCHED_OTHER);
}

/* Without the right (a user other than root, RLIMIT_RTPRIO 0), the
 * thread stays as it was and prompt_tick never asks again. */
static void test_refused(void **state)
{
    (void)state;
    if (geteuid() != 0)
        skip();
    pid_t child = fork();
    if (child == 0) {
        struct rlimit none = {0, 0};
        if (setrlimit(RLIMIT_RTPRIO, &none) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
            _exit(2);
        struct prompt p;
        prompt_begin(&p);
        if (p.allowed || p.on || sched_getscheduler(0) != SCHED_OTHER)
            _exit(1);
        prompt_tick(&p, 0, PERIOD);
        _exit(p.on || sched_getscheduler(0) != SCHED_OTHER ? 1 : 0);
    }
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_taken_given_up_taken_back),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
