/*
 * output/dump: formatting a stack sample as text. See dump.h.
 */
#include "config.h"
#include "output/dump.h"

#include <stdlib.h>
#include <string.h>

#include "output/filename.h"
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

void dump_write(FILE *out, struct py_target *t, const struct py_sample *s,
                const struct dump_options *o)
{
    char cmdline[4096], cwd[4096], version[32];
    task_cmdline(t->pid, cmdline, sizeof cmdline);
    task_cwd(t->pid, cwd, sizeof cwd);
    py_version_format(&t->ver, version, sizeof version);
    fprintf(out, "Process %d: %s\n", (int)t->pid, cmdline);
    fprintf(out, "Python %s (%s)\n", version, t->bin.path);

    char(*names)[64] = calloc((size_t)s->nthreads + 1, sizeof *names);
    struct thread_order *order = calloc((size_t)s->nthreads + 1, sizeof *order);
    if (names == NULL || order == NULL) {
        free(names);
        free(order);
        return;
    }
    pyobj_thread_names(t, s, names);
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
        for (int i = 0; i < th->nframes; i++) {
            const struct py_frame *f = &s->frames[th->first + i];
            const struct py_code *c = code_cache_at(&t->codes, f->code);
            char file[4096];
            if (o->full_filenames)
                filename_absolute(c->filename, cwd, file, sizeof file);
            else
                filename_shorten(c->filename, cwd, file, sizeof file);
            fprintf(out, "    %s (%s:%d)\n", c->name, file, (int)f->line);
            if (o->locals) {
                struct locals_ctx ctx = {out, t};
                pyobj_frame_locals(t, f, print_local, &ctx);
            }
        }
        if (th->truncated)
            fprintf(out, "    ... (deeper frames not shown)\n");
        if (th->torn)
            fprintf(out, "    ... (the stack changed while it was read)\n");
    }
    free(names);
    free(order);
}
