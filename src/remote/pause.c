/*
 * remote/pause: ptrace-seize every thread of a process. See pause.h.
 */
#include "config.h"
#include "remote/pause.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include "remote/access.h"
#include "remote/mem.h"
#include "remote/task.h"
#include "util.h"

static int seized(const struct pause_set *p, pid_t tid)
{
    for (int i = 0; i < p->n; i++)
        if (p->tids[i] == tid)
            return 1;
    return 0;
}

/* Wait until tid reports its interrupt stop. Other stops (a signal being
 * delivered) are let through with the signal re-injected. */
static int wait_stopped(pid_t tid)
{
    for (int tries = 0; tries < 100; tries++) {
        int status;
        pid_t got = waitpid(tid, &status, __WALL);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (WIFEXITED(status) || WIFSIGNALED(status))
            return -1;
        if (!WIFSTOPPED(status))
            continue;
        if ((status >> 16) == PTRACE_EVENT_STOP)
            return 0;
        /* A signal-delivery stop: deliver it, ask again. */
        ptrace(PTRACE_CONT, tid, NULL, (void *)(long)WSTOPSIG(status));
        ptrace(PTRACE_INTERRUPT, tid, NULL, NULL);
    }
    return -1;
}

static int seize_one(struct pause_set *p, pid_t tid)
{
    if (vec_reserve((void **)&p->tids, &p->cap, sizeof *p->tids, (size_t)p->n + 1) != 0)
        return -1;
    if (ptrace(PTRACE_SEIZE, tid, NULL, NULL) != 0)
        return errno == ESRCH ? 0 : -1; /* a thread that just exited is fine */
    p->tids[p->n++] = tid;
    if (ptrace(PTRACE_INTERRUPT, tid, NULL, NULL) != 0) {
        ptrace(PTRACE_DETACH, tid, NULL, NULL);
        p->n--;
    }
    return 0;
}

/* Wait for the threads seized from index from on to stop: they were all
 * interrupted first, so they stop at the same time, not one after the
 * other. Those that exited meanwhile are forgotten. */
static void wait_all(struct pause_set *p, int from)
{
    int k = from;
    for (int i = from; i < p->n; i++) {
        if (wait_stopped(p->tids[i]) != 0) {
            ptrace(PTRACE_DETACH, p->tids[i], NULL, NULL);
            continue;
        }
        p->tids[k++] = p->tids[i];
    }
    p->n = k;
}

int pause_process(pid_t pid, struct pause_set *p, struct pt_error *err)
{
    memset(p, 0, sizeof *p);
    p->pid = pid;
    /* Threads may be born while we seize: go over the list until a pass
     * finds nothing new. */
    struct tid_list tids = {0};
    for (int pass = 0; pass < 16; pass++) {
        if (task_list(pid, &tids) != 0) {
            int gone = !task_exists(pid, pid);
            tid_list_free(&tids);
            pause_release(p);
            if (gone)
                return pt_error_set(err, PT_E_GONE, "PID %d exited", (int)pid);
            return pt_error_set(err, PT_E_NOMEM, "out of memory listing the threads of PID %d",
                                (int)pid);
        }
        int added = 0, first = p->n;
        for (size_t i = 0; i < tids.n; i++) {
            pid_t tid = tids.v[i];
            if (seized(p, tid))
                continue;
            int before = p->n;
            if (seize_one(p, tid) != 0) {
                int e = errno;
                tid_list_free(&tids);
                wait_all(p, first);
                pause_release(p);
                if (e == EPERM || e == EACCES)
                    return access_refused(pid, err);
                return pt_error_sys(err, PT_E_SYS, e, "cannot pause thread %d of PID %d: %s",
                                    (int)tid, (int)pid, strerror(e));
            }
            added += p->n > before;
        }
        wait_all(p, first);
        if (!added)
            break;
    }
    tid_list_free(&tids);
    return 0;
}

void pause_release(struct pause_set *p)
{
    for (int i = 0; i < p->n; i++)
        ptrace(PTRACE_DETACH, p->tids[i], NULL, NULL);
    free(p->tids);
    memset(p, 0, sizeof *p);
}
