/*
 * output/dump: formatting a stack sample as text. See dump.h.
 */
#include "config.h"
#include "output/dump.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "native.h"
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
    int merged_cap = PY_MAX_DEPTH + NATIVE_MAX_DEPTH;
    struct merged_frame *merged =
        o->native != NULL ? malloc((size_t)merged_cap * sizeof *merged) : NULL;
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
            if (native_unwind(o->native, th->tid, &err) == 0 && merged != NULL) {
                n = native_merge(o->native, s, th, o->native_all, merged, merged_cap);
                m = merged;
            } else {
                fprintf(out, "    (no native stack: %s)\n", merged ? err.msg : "out of memory");
            }
        }
        for (int i = 0; i < n; i++) {
            if (m != NULL && m[i].native) {
                if (m[i].function != NULL)
                    fprintf(out, "    %s (%s)\n", m[i].function, m[i].module);
                else
                    fprintf(out, "    0x%" PRIx64 " (%s)\n", m[i].offset, m[i].module);
                continue;
            }
            const struct py_frame *f = &s->frames[m != NULL ? m[i].py : th->first + i];
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
    free(merged);
    free(names);
    free(order);
}
