/*
 * launch: starting and stopping the command pytop profiles. See launch.h.
 */
#include "config.h"
#include "launch.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc/proc.h"
#include "python/target.h"
#include "remote/mem.h"
#include "util.h"

int launch_start(char *const *argv, int out_fd, pid_t *pid, struct pt_error *err)
{
    /* A pipe closed by exec tells the parent whether exec worked. */
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        return pt_error_sys(err, PT_E_SYS, errno, "cannot start %s: %s", argv[0], strerror(errno));
    pid_t child = fork();
    if (child < 0) {
        close(fds[0]);
        close(fds[1]);
        return pt_error_sys(err, PT_E_SYS, errno, "cannot start %s: %s", argv[0], strerror(errno));
    }
    if (child == 0) {
        setpgid(0, 0);
        signal(SIGPIPE, SIG_DFL);
        files_limit_restore();
        int null = open("/dev/null", O_RDONLY);
        if (null >= 0) {
            dup2(null, 0);
            close(null);
        }
        if (out_fd >= 0) {
            dup2(out_fd, 1);
            dup2(out_fd, 2);
        }
        execvp(argv[0], argv);
        int e = errno;
        ssize_t w = write(fds[1], &e, sizeof e);
        (void)w;
        _exit(127);
    }
    setpgid(child, child);
    close(fds[1]);
    int e = 0;
    ssize_t got;
    do
        got = read(fds[0], &e, sizeof e);
    while (got < 0 && errno == EINTR);
    close(fds[0]);
    if (got == (ssize_t)sizeof e) {
        waitpid(child, NULL, 0);
        return pt_error_set(err, PT_E_USAGE, "cannot run %s: %s", argv[0], strerror(e));
    }
    *pid = child;
    return 0;
}

int launch_exited(pid_t pid, int *status)
{
    int st;
    pid_t got = waitpid(pid, &st, WNOHANG);
    if (got == pid) {
        if (status)
            *status = st;
        return 1;
    }
    return got < 0 && errno == ECHILD;
}

int launch_wait_python(pid_t pid, double timeout, pid_t *python, struct pt_error *err)
{
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        int status;
        if (launch_exited(pid, &status))
            return pt_error_set(err, PT_E_GONE,
                                "the command exited (status %d) before it ran Python",
                                WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        struct py_target t;
        if (pytarget_attach(&t, pid, err) == 0) {
            pytarget_detach(&t);
            *python = pid;
            return 0;
        }
        if (err->code == PT_E_PERM)
            return -1;
        clock_gettime(CLOCK_MONOTONIC, &now);
        double waited =
            (double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9;
        if (waited >= timeout) {
            if (err->code == PT_E_NOTPYTHON)
                return pt_error_set(err, PT_E_NOTPYTHON,
                                    "the command (PID %d) is not a Python program; add -s to "
                                    "profile the Python processes it starts",
                                    (int)pid);
            return -1;
        }
        struct timespec nap = {0, 20 * 1000 * 1000};
        nanosleep(&nap, NULL);
    }
}

/* Signal pid's group and every descendant of pid (one that moved to a
 * group of its own is still in the tree). */
static void signal_tree(pid_t pid, const pid_t *desc, ssize_t n, int sig)
{
    kill(-pid, sig);
    for (ssize_t i = 0; i < n; i++)
        kill(desc[i], sig);
}

void launch_stop(pid_t pid, double grace)
{
    if (pid <= 0)
        return;
    struct pt_error ignored;
    struct proc_table *t = proc_table_new(&ignored);
    pid_t *desc = NULL;
    ssize_t n = t ? proc_descendants(t, pid, &desc) : 0;
    if (t)
        proc_table_free(t);
    if (n < 0)
        n = 0;
    signal_tree(pid, desc, n, SIGTERM);
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        int leader_gone = launch_exited(pid, NULL);
        /* kill(-pgid, 0) fails with ESRCH once the whole group is gone. */
        /* Orphaned workers stay zombies until init reaps them: gone. */
        int rest = 0;
        for (ssize_t i = 0; i < n; i++)
            rest |= !remote_process_gone(desc[i]);
        if (leader_gone && kill(-pid, 0) != 0 && !rest) {
            free(desc);
            return;
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9 >
            grace)
            break;
        struct timespec nap = {0, 20 * 1000 * 1000};
        nanosleep(&nap, NULL);
    }
    signal_tree(pid, desc, n, SIGKILL);
    waitpid(pid, NULL, 0);
    free(desc);
}

int launch_targets(const struct options *opt, int out_fd, struct select_result *sel,
                   pid_t *launched, pid_t *python, struct pt_error *err)
{
    *launched = 0;
    if (opt->cmd_argv != NULL) {
        if (opt->pid || opt->port)
            return pt_error_set(err, PT_E_USAGE,
                                "give either -p/-P or a command after --, not both");
        if (launch_start(opt->cmd_argv, out_fd, launched, err) != 0)
            return -1;
        pid_t chosen = *launched;
        if (opt->subprocesses) {
            /* The command is the root of what is profiled, Python or not
             * (a shell script that starts Python later): the sampler
             * waits for Python processes under it. */
            *python = chosen;
            return select_build(&chosen, 1, 1, NULL, sel, err);
        }
        double timeout = opt->wait > 0 ? opt->wait : 10;
        if (launch_wait_python(*launched, timeout, python, err) != 0)
            return -1;
        return select_build(&chosen, 1, 0, NULL, sel, err);
    }
    if (select_targets(opt, sel, err) != 0)
        return -1;
    if (select_keep_python(sel, err) != 0) {
        select_result_free(sel);
        return -1;
    }
    *python = sel->pids[0];
    return 0;
}
