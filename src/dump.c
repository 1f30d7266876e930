/*
 * dump: a stack sample of a live process as text. See dump.h.
 */
#include "config.h"
#include "dump.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "calltree.h"
#include "native.h"
#include "output/filename.h"
#include "proc/container.h"
#include "python/asyncio.h"
#include "python/objects.h"
#include "python/stack.h"
#include "python/target.h"
#include "remote/task.h"

struct thread_order {
    const struct py_thread *th;
    int index;
    pid_t pid;
};

static int thread_cmp(const void *a, const void *b)
{
    const struct thread_order *x = a, *y = b;
    int xm = x->th->tid == x->pid, ym = y->th->tid == y->pid;
    if (xm != ym)
        return ym - xm;
    if (x->th->tid != y->th->tid)
        return x->th->tid < y->th->tid ? -1 : 1;
    return x->index - y->index;
}

struct locals_ctx {
    FILE *out;
    struct py_target *t;
};

static void print_local(void *ctx, const char *name, uint64_t value)
{
    struct locals_ctx *c = ctx;
    char repr[PYREPR_MAX * 4 + 8];
    pyobj_repr(c->t, value, repr, sizeof repr);
    fprintf(c->out, "        %s = %s\n", name, repr);
}

/* One Python frame: "    function (file:line)" at the given indent. */
static void write_frame(FILE *out, struct py_target *t, const struct py_frame *f, const char *cwd,
                        const struct dump_options *o, const char *indent)
{
    const struct py_code *c = code_cache_at(&t->codes, f->code);
    char file[4096];
    if (o->full_filenames)
        filename_absolute(c->filename, cwd, file, sizeof file);
    else
        filename_shorten(c->filename, cwd, file, sizeof file);
    fprintf(out, "%s%s (%s:%d)\n", indent, c->name, file, (int)f->line);
}

static const char *const async_states[] = {"pending", "cancelled", "done", "running"};

static void write_task_ref(FILE *out, const struct py_task *k)
{
    fprintf(out, "task \"%s\" 0x%" PRIx64, k->name, k->addr);
}

/* The tasks this one awaits (edges from it) or that await it. */
static void write_edges(FILE *out, const struct py_tasks *ts, int task, int awaited_by)
{
    int n = 0;
    for (size_t e = 0; e < ts->nedges; e++) {
        const struct py_task_edge *ed = &ts->edges[e];
        int from = awaited_by ? ed->awaited : ed->waiter;
        if (from != task)
            continue;
        fputs(n++ > 0 ? ", " : "", out);
        write_task_ref(out, &ts->v[awaited_by ? ed->waiter : ed->awaited]);
    }
}

static int count_edges(const struct py_tasks *ts, int task, int awaited_by)
{
    int n = 0;
    for (size_t e = 0; e < ts->nedges; e++)
        n += (awaited_by ? ts->edges[e].awaited : ts->edges[e].waiter) == task;
    return n;
}

static void write_task(FILE *out, struct py_target *t, const struct py_tasks *ts, int i,
                       const char *cwd, const struct dump_options *o)
{
    const struct py_task *k = &ts->v[i];
    fputs("    ", out);
    write_task_ref(out, k);
    fprintf(out, " [%s]\n", async_states[k->state]);
    for (int f = 0; f < k->nframes; f++)
        write_frame(out, t, &ts->frames[k->first + f], cwd, o, "        ");
    int nawaits = count_edges(ts, i, 0);
    if (k->await_kind == PY_AWAIT_FUTURE && nawaits == 0) {
        fprintf(out, "        awaits: future 0x%" PRIx64 " (%s)\n", k->awaited, k->awaited_type);
    } else if (nawaits > 0) {
        fputs("        awaits: ", out);
        if (k->await_kind == PY_AWAIT_GATHER)
            fputs("gather: ", out);
        else if (k->await_kind == PY_AWAIT_TASKGROUP)
            fputs("taskgroup: ", out);
        write_edges(out, ts, i, 0);
        fputc('\n', out);
    }
    if (count_edges(ts, i, 1) > 0) {
        fputs("        awaited by: ", out);
        write_edges(out, ts, i, 1);
        fputc('\n', out);
    }
}

/* Running tasks first, then by name and address. */
static int task_cmp(const void *a, const void *b, void *ctx)
{
    const struct py_tasks *ts = ctx;
    const struct py_task *x = &ts->v[*(const int *)a], *y = &ts->v[*(const int *)b];
    int xr = x->state == PY_TASK_RUNNING, yr = y->state == PY_TASK_RUNNING;
    if (xr != yr)
        return yr - xr;
    int c = strcmp(x->name, y->name);
    if (c != 0)
        return c;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* The tasks of thread index `thread` (-1: of no running loop). */
static void write_tasks(FILE *out, struct py_target *t, const struct py_tasks *ts, int thread,
                        const char *cwd, const struct dump_options *o)
{
    int *order = malloc((ts->n + 1) * sizeof *order);
    int n = 0;
    if (order == NULL)
        return;
    for (size_t i = 0; i < ts->n; i++)
        if (ts->v[i].thread == thread)
            order[n++] = (int)i;
    if (n > 0) {
        qsort_r(order, (size_t)n, sizeof *order, task_cmp, (void *)ts);
        if (thread >= 0)
            fprintf(out, "  asyncio: %d task%s\n", n, n == 1 ? "" : "s");
        else
            fprintf(out, "\n  asyncio: %d task%s on no running loop\n", n, n == 1 ? "" : "s");
        for (int i = 0; i < n; i++)
            write_task(out, t, ts, order[i], cwd, o);
    }
    free(order);
}

void dump_write(FILE *out, struct py_target *t, const struct py_sample *s,
                const struct dump_options *o)
{
    char cmdline[4096], cwd[4096], version[32];
    task_cmdline(t->pid, cmdline, sizeof cmdline);
    task_cwd(t->pid, cwd, sizeof cwd);
    py_version_format(&t->ver, version, sizeof version);
    /* In a container, also the PID and name the service's own logs use. */
    struct container ct;
    char where[300] = "";
    if (container_of(t->pid, &ct) == 0)
        container_format(&ct, where, sizeof where);
    fprintf(out, "Process %d%s%s%s: %s\n", (int)t->pid, where[0] ? " (" : "", where,
            where[0] ? ")" : "", cmdline);
    fprintf(out, "Python %s (%s)\n", version, t->bin.path);

    char(*names)[64] = calloc((size_t)s->nthreads + 1, sizeof *names);
    struct thread_order *order = calloc((size_t)s->nthreads + 1, sizeof *order);
    if (names == NULL || order == NULL) {
        free(names);
        free(order);
        return;
    }
    pyobj_thread_names(t, s, names);
    int merged_cap = PY_MAX_DEPTH + NATIVE_MAX_DEPTH;
    struct merged_frame *merged =
        o->native != NULL ? malloc((size_t)merged_cap * sizeof *merged) : NULL;
    struct native_stack *unwound = o->native != NULL ? malloc(sizeof *unwound) : NULL;
    if (unwound == NULL) {
        free(merged);
        merged = NULL;
    }
    for (int i = 0; i < s->nthreads; i++)
        order[i] = (struct thread_order){&s->threads[i], i, t->pid};
    qsort(order, (size_t)s->nthreads, sizeof *order, thread_cmp);

    for (int k = 0; k < s->nthreads; k++) {
        const struct py_thread *th = order[k].th;
        char name[64];
        if (names[order[k].index][0])
            snprintf(name, sizeof name, "%s", names[order[k].index]);
        else
            task_comm(t->pid, th->tid, name, sizeof name);
        fprintf(out, "\nThread %d (%s) [%s]%s\n", (int)th->tid, name[0] ? name : "?",
                th->os_state == 'R' ? "running" : "idle", th->gil ? " [GIL]" : "");
        int n = th->nframes;
        const struct merged_frame *m = NULL;
        if (o->native != NULL) {
            struct pt_error err;
            if (merged != NULL && native_unwind(o->native, th->tid, unwound, &err) == 0) {
                n = native_merge(o->native, unwound, s, th, o->native_all, merged, merged_cap);
                m = merged;
            } else {
                fprintf(out, "    (no native stack: %s)\n", merged ? err.msg : "out of memory");
            }
        }
        for (int i = 0; i < n; i++) {
            if (m != NULL && m[i].native) {
                char where[1024];
                calltree_where(CT_NATIVE, m[i].module, m[i].source ? m[i].source : "", m[i].line,
                               where, sizeof where);
                if (m[i].function != NULL)
                    fprintf(out, "    %s (%s)\n", m[i].function, where);
                else
                    fprintf(out, "    0x%" PRIx64 " (%s)\n", m[i].offset, m[i].module);
                continue;
            }
            const struct py_frame *f = &s->frames[m != NULL ? m[i].py : th->first + i];
            write_frame(out, t, f, cwd, o, "    ");
            if (o->locals) {
                struct locals_ctx ctx = {out, t};
                pyobj_frame_locals(t, f, print_local, &ctx);
            }
        }
        if (th->truncated)
            fprintf(out, "    ... (deeper frames not shown)\n");
        if (th->torn)
            fprintf(out, "    ... (the stack changed while it was read)\n");
        if (o->tasks != NULL)
            write_tasks(out, t, o->tasks, order[k].index, cwd, o);
    }
    if (o->tasks != NULL) {
        write_tasks(out, t, o->tasks, -1, cwd, o);
        if (o->tasks->unreadable > 0)
            fprintf(out, "  (%d asyncio task%s changed while read and %s left out)\n",
                    o->tasks->unreadable, o->tasks->unreadable == 1 ? "" : "s",
                    o->tasks->unreadable == 1 ? "is" : "are");
    }
    free(merged);
    free(unwound);
    free(names);
    free(order);
}
