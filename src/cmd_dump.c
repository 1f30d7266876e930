/*
 * cmd_dump: `pytop dump`: every thread's current Python stack, once, for
 * each selected process. With -s the root named by -p may be a shell that
 * is not Python: its Python descendants present now are dumped.
 */
#include "config.h"

#include <stdio.h>

#include "commands.h"
#include "native.h"
#include "dump.h"
#include "python/asyncio.h"
#include "python/stack.h"
#include "python/target.h"
#include "remote/pause.h"
#include "remote/task.h"
#include "select.h"

/* -s -p PID, PID not Python: 0 if it has Python descendants now, else
 * the error saying it has none. */
static int require_python(const struct select_result *sel, struct pt_error *err)
{
    if (select_count_python(sel) > 0)
        return 0;
    for (size_t i = 0; i < sel->n; i++) {
        if (!sel->notpython[i])
            continue;
        char name[64];
        task_name(sel->pids[i], name, sizeof name);
        return pt_error_set(err, PT_E_NOTPYTHON,
                            "PID %d (%s) is not a Python process and has no Python descendants",
                            (int)sel->pids[i], name);
    }
    return 0;
}

/* A torn read of a running target is retried a few times before giving
 * up: the target is never stopped, so its stacks move while read. */
#define DUMP_ATTEMPTS 5

/* Give each sampled thread the kernel state it had before any pause. */
static void assign_states(struct py_sample *s, const pid_t *tids, const char *states, int n)
{
    for (int i = 0; i < s->nthreads; i++)
        for (int k = 0; k < n; k++)
            if (tids[k] == s->threads[i].tid)
                s->threads[i].os_state = states[k];
}

static int dump_one(pid_t pid, const struct options *opt, struct pt_error *err)
{
    struct py_target t;
    if (pytarget_attach(&t, pid, err) != 0)
        return -1;
    struct native *native = NULL;
    if (opt->native && (native = native_new(&t, err)) == NULL) {
        pytarget_detach(&t);
        return -1;
    }
    int blocking = opt->blocking || opt->native;
    struct py_tasks tasks;
    py_tasks_init(&tasks);
    struct dump_options o = {opt->locals, opt->full_filenames, native, opt->native_all,
                             opt->async_tasks ? &tasks : NULL};
    struct py_sample s;
    py_sample_init(&s);
    int rc = -1;
    for (int attempt = 0; attempt < DUMP_ATTEMPTS; attempt++) {
        pid_t tids[PY_MAX_THREADS];
        char states[PY_MAX_THREADS];
        int ntasks = task_states(pid, tids, states, PY_MAX_THREADS);
        struct pause_set paused;
        if (blocking && pause_process(pid, &paused, err) != 0)
            break;
        rc = pystack_sample(&t, &s, err);
        assign_states(&s, tids, states, ntasks);
        if (blocking) {
            /* Locals, names and native stacks are read while still
             * paused, too. */
            if (rc == 0 && opt->async_tasks)
                rc = pyasync_read(&t, &s, &tasks, err);
            if (rc == 0)
                dump_write(stdout, &t, &s, &o);
            pause_release(&paused);
            goto done;
        }
        int torn = 0;
        for (int i = 0; rc == 0 && i < s.nthreads; i++)
            torn |= s.threads[i].torn;
        if ((rc == 0 && !torn) || (rc != 0 && err->code != PT_E_TORN))
            break;
    }
    if (rc == 0 && opt->async_tasks)
        rc = pyasync_read(&t, &s, &tasks, err);
    if (rc == 0)
        dump_write(stdout, &t, &s, &o);
done:
    py_tasks_free(&tasks);
    py_sample_free(&s);
    native_free(native);
    pytarget_detach(&t);
    return rc;
}

int cmd_dump(const struct options *opt, struct pt_error *err)
{
    if (opt->cmd_argv != NULL || opt->npositional > 0)
        return pt_error_set(err, PT_E_USAGE,
                            "dump takes -p PID or -P PORT, not a command or other arguments");
    if (opt->pid == 0 && opt->port == 0)
        return pt_error_set(err, PT_E_USAGE, "dump needs a target: -p PID or -P PORT");
    struct select_result sel;
    if (select_targets(opt, &sel, err) != 0)
        return -1;
    /* Non-Python holders of a port are dropped before deciding whether the
     * choice is ambiguous. */
    int rc = select_keep_python(&sel, err);
    if (rc == 0)
        rc = select_require_one(&sel, err);
    if (rc == 0)
        rc = require_python(&sel, err);
    int dumped = 0;
    for (size_t i = 0; rc == 0 && i < sel.n; i++) {
        if (sel.notpython[i])
            continue;
        if (dumped++ > 0)
            fputc('\n', stdout);
        struct pt_error one;
        if (dump_one(sel.pids[i], opt, &one) != 0) {
            /* A worker that exits between selection and reading is skipped
             * with a note; the first chosen process failing is an error. */
            if ((dumped > 1 || sel.descendant[i]) && pt_error_gone(&one)) {
                fprintf(stdout, "Process %d: exited while being read\n", (int)sel.pids[i]);
                continue;
            }
            *err = one;
            rc = -1;
        }
    }
    fflush(stdout);
    select_result_free(&sel);
    return rc;
}
