/*
 * tests/unit/test_roles: proc/roles, which process of a server is what:
 * programs told from command lines, spawn children, the roles in a
 * hand-built tree (a uvicorn master with spawn workers, a gunicorn master
 * with fork workers, a multiprocessing pool that is no server), with and
 * without the listening sockets known, gunicorn's process titles, the
 * names and descriptions of roles, a live process described, and the
 * order they are shown in.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "proctest.h"

#include "proc/proc.h"
#include "proc/roles.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_program_from_cmdline),
        cmocka_unit_test(test_spawn_children),
        cmocka_unit_test(test_roles_from_the_tree),
        cmocka_unit_test(test_uvicorn_worker_needs_the_socket),
        cmocka_unit_test(test_gunicorn_process_titles),
        cmocka_unit_test(test_role_names),
        cmocka_unit_test(test_describe_live_process),
        cmocka_unit_test(test_display_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
