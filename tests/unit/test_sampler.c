/*
 * test_sampler: the sampler's thread and public API against a real
 * interpreter (Debian's python3, which the test setup installs): samples
 * land on the running function, the targets are described and listed, a
 * dump is taken by the sampling thread, the end of the target is noticed
 * and said, and a process that is not Python is refused at the start.
 */
#include "config.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "calltree.h"
#include "output/meta.h"
#include "profile.h"
#include "sampler.h"

#define PYTHON "/usr/bin/python3"

/* spin() is defined on line 2 and never returns; "ready" says it runs. */
static const char SPIN[] = "import sys\n"
                           "def spin():\n"
                           "    x = 0\n"
                           "    while True:\n"
                           "        x += 1\n"
                           "sys.stdout.write('ready\\n')\n"
                           "sys.stdout.flush()\n"
                           "spin()\n";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Start argv with its stdout on a pipe; wait for its first line when
 * want_line. The child's PID. */
static pid_t start(char *const argv[], int want_line)
{
    int fd[2];
    assert_int_equal(pipe(fd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fd[1], 1);
        close(fd[0]);
        close(fd[1]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(fd[1]);
    if (want_line) {
        char buf[16] = "";
        ssize_t n = read(fd[0], buf, sizeof buf - 1);
        assert_true(n > 0);
        assert_non_null(strstr(buf, "ready"));
    }
    close(fd[0]);
    return pid;
}

static void stop(pid_t pid)
{
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

static struct sampler_config config(const pid_t *pid)
{
    return (struct sampler_config){.rate = 200,
                                   .by_function = 1,
                                   .roots = pid,
                                   .nroots = 1,
                                   .pids = pid,
                                   .npids = 1};
}

/* The samples whose innermost frame is spin (at its first line, 2). */
static uint64_t spin_samples(const struct calltree *t)
{
    uint64_t n = 0;
    for (uint32_t i = 1; i < t->nnodes; i++) {
        const struct ct_frame *f = &t->frames[t->nodes[i].frame];
        if (f->kind == CT_PYTHON && strcmp(f->name, "spin") == 0 && f->line == 2)
            n += t->nodes[i].self;
    }
    return n;
}

static void test_samples_land_on_the_running_function(void **state)
{
    (void)state;
    if (access(PYTHON, X_OK) != 0) {
        skip(); /* cmocka prints the test as skipped */
    }
    char *argv[] = {PYTHON, "-c", (char *)SPIN, NULL};
    pid_t pid = start(argv, 1);
    struct profile prof;
    struct pt_error err;
    assert_int_equal(profile_init(&prof, &err), 0);
    struct sampler_config cfg = config(&pid);
    struct sampler *s = NULL;
    assert_int_equal(sampler_start(&s, &cfg, &prof, &err), 0);

    /* A second at 200 Hz: poll the profile, do not sleep a guess. */
    struct profile_stats st = {0};
    struct calltree all;
    for (double end = now_s() + 10; now_s() < end;) {
        assert_int_equal(profile_snapshot(&prof, &all, NULL, 0, 0, &st, &err), 0);
        calltree_free(&all);
        if (st.samples >= 200)
            break;
        sampler_wait(s, 0.05);
    }
    assert_true(st.samples >= 200);
    assert_int_equal(profile_snapshot(&prof, &all, NULL, 0, 0, &st, &err), 0);
    uint64_t spin = spin_samples(&all);
    /* The only thread runs spin all the time; a sample or two may catch
     * the loop between its frames' updates. */
    assert_true(spin * 100 >= st.samples * 98);
    calltree_free(&all);
    assert_true(st.ticks >= st.samples);

    pid_t pids[4];
    assert_int_equal(sampler_pids(s, pids, 4), 1);
    assert_int_equal(pids[0], pid);
    char target[256], python[64], expect[32];
    sampler_describe(s, target, sizeof target, python, sizeof python);
    snprintf(expect, sizeof expect, "PID %d", (int)pid);
    assert_non_null(strstr(target, expect));
    assert_true(strncmp(python, "Python 3.", 9) == 0);
    struct profile_meta meta;
    sampler_meta(s, &st, &meta);
    assert_true(meta.rate == 200);
    assert_int_equal(meta.samples, st.samples);

    /* The dump is read by the sampling thread: spin at its line. */
    char *text = sampler_dump(s, 5000, &err);
    assert_non_null(text);
    assert_non_null(strstr(text, "spin (<string>:"));
    free(text);

    /* The target ends: the sampler says so, and a dump is refused. */
    char why[256] = "";
    stop(pid);
    int finished = 0;
    for (double end = now_s() + 10; now_s() < end && !finished;) {
        finished = sampler_finished(s, why, sizeof why);
        if (!finished)
            sampler_wait(s, 0.05);
    }
    assert_true(finished);
    assert_non_null(strstr(why, expect));
    assert_non_null(strstr(why, "exited"));
    assert_null(sampler_dump(s, 1000, &err));
    assert_int_equal(err.code, PT_E_GONE);
    sampler_stop(s);
    profile_free(&prof);
}

static void test_a_process_that_is_not_python_is_refused(void **state)
{
    (void)state;
    char *argv[] = {"/bin/sleep", "30", NULL};
    pid_t pid = start(argv, 0);
    /* Wait until the child is sleep, not the forked copy of this test. */
    char exe[64], path[4096] = "";
    snprintf(exe, sizeof exe, "/proc/%d/exe", (int)pid);
    for (double end = now_s() + 5; now_s() < end && strstr(path, "sleep") == NULL;) {
        ssize_t n = readlink(exe, path, sizeof path - 1);
        path[n > 0 ? n : 0] = '\0';
    }
    struct profile prof;
    struct pt_error err;
    assert_int_equal(profile_init(&prof, &err), 0);
    struct sampler_config cfg = config(&pid);
    struct sampler *s = NULL;
    assert_int_equal(sampler_start(&s, &cfg, &prof, &err), -1);
    assert_int_equal(err.code, PT_E_NOTPYTHON);
    assert_true(err.msg[0] != '\0');
    stop(pid);
    profile_free(&prof);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_samples_land_on_the_running_function),
        cmocka_unit_test(test_a_process_that_is_not_python_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
