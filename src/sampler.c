/*
 * sampler: the sampling thread. See sampler.h.
 *
 * Per tick and target: one pystack_sample, then for each thread the
 * filters (idle, GIL) and the stack turned into profile frame ids through
 * a per-target cache keyed by (code object, line), so that a warm sample
 * hashes no strings and allocates nothing.
 */
#include "config.h"
#include "sampler.h"

#include <inttypes.h>

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "calltree.h"
#include "hash.h"
#include "hindex.h"
#include "modules.h"
#include "dump.h"
#include "output/filename.h"
#include "output/meta.h"
#include "proc/children.h"
#include "proc/proc.h"
#include "requests.h"
#include "python/asyncio.h"
#include "python/objects.h"
#include "python/request.h"
#include "python/stack.h"
#include "python/target.h"
#include "remote/pause.h"
#include "remote/task.h"
#include "native.h"
#include "options.h"
#include "prompt.h"
#include "select.h"
#include "util.h"

/* Targets that exited kept for the descriptions and sampler_pids. */
#define SAMPLER_RETIRED 32

/* A thread's running state not asked of the kernel (yet): beside 1
 * (running), 0 (not) and -1 (unreadable). */
#define UNASKED (-2)

/* A thread of a target, as the sampler knows it. */
struct sampled_thread {
    pid_t tid;
    struct task_probe probe; /* its state; probe.stat_fd -1 if unreadable */
    uint32_t frame;          /* its "thread TID (name)" frame, CT_NONE until named */
    uint64_t seen;           /* last tick it was in a sample */
    int before;              /* blocking: running (1) or not (0) before the pause, or UNASKED */
    int state;               /* thread_running's last answer, read at state_ns */
    uint64_t state_ns;
    int asked;           /* thread_is_running's answer this tick... */
    uint64_t asked_tick; /* ...if this is the tick + 1 */
    int sleeper;         /* one of its target's threads all asleep (sampled_process.asleep) */
};

struct sampled_process {
    struct py_target py;
    struct native *native; /* --native: its unwinder; NULL otherwise */
    int alive;
    uint32_t process_frame;
    char cwd[4096];
    char cmdline[512];
    /* The profile frame of each Python (code id, line), named native
     * function and unnamed task's coroutine seen: named and interned once. */
    struct frame_memo *memo;
    size_t nmemo, memo_cap;
    struct hindex memo_index;
    struct sampled_thread *threads;
    int nthreads;
    size_t cap;
    struct py_tasks tasks;  /* --async: its asyncio tasks, read each tick */
    struct pyreq_state req; /* --by-endpoint: what serves requests */
    int retired;            /* exited: only the shell is left (target_retire) */
    /* Every thread was asleep at the last sample and none held the GIL
     * (the threads are marked sleeper); asleep_cpu_ns: the process's CPU
     * time read before that sample. See quiet_target. */
    int asleep;
    unsigned long long asleep_cpu_ns;
};

/* A process of the tree that is not (readable) Python, as last looked at. */
struct rejected {
    pid_t pid;
    int tries; /* looks so far (a process caught while it starts is not Python yet) */
    dev_t dev; /* its executable then: an exec (a shell's child becoming */
    ino_t ino; /* python) makes it worth looking at again */
};

struct sampler {
    pthread_t thread;
    struct sampler_config cfg;
    pid_t *roots;
    unsigned char *waiting; /* per root: not attached yet, for it was not Python */
    pid_t wait_root;        /* the first such root, 0 if none; for messages: */
    char wait_name[64];     /* ... its short name ("bash") */
    char wait_cmdline[512];
    struct pt_error unreadable; /* the last process found that is a Python
                                 * pytop cannot read (PT_OK if none) */
    struct profile *prof;
    pthread_mutex_t lock; /* guards targets[] against sampler_describe */
    struct sampled_process **targets;
    int ntargets;
    size_t cap;
    struct rejected *rejected;
    int nrejected;
    size_t rejected_cap;
    struct py_sample sample;
    uint32_t stack[PY_MAX_DEPTH + NATIVE_MAX_DEPTH + 2];
    struct merged_frame merged[PY_MAX_DEPTH + NATIVE_MAX_DEPTH];
    /* --native: the kept threads of a target's tick, unwound while it is
     * paused, merged and named (source lines may read DWARF) after its
     * release. */
    struct native_stack *unwound;
    struct deferred *deferred;
    size_t deferred_cap, unwound_cap;
    int ndeferred;
    struct timespec start;
    time_t started; /* the wall clock at start, for profile files */
    uint64_t tick;
    atomic_int stop;
    atomic_int finished;
    int wake_fd;            /* an eventfd: written when finished, and by sampler_wake */
    atomic_int async_tasks; /* --async, or the live view's A */
    atomic_int by_endpoint; /* --by-endpoint, or the live view's e */
    atomic_int tracking;    /* requests fed to cfg.requests */
    atomic_int ntasks;      /* tasks seen at the last tick, over every target */
    int tick_tasks;
    char why[256];
    /* A dump asked for by another thread (sampler_dump). */
    pthread_mutex_t dump_lock;
    pthread_cond_t dump_done;
    atomic_int dump_wanted;
    char *dump_text;
};

static double ts_diff(const struct timespec *a, const struct timespec *b)
{
    return (double)(a->tv_sec - b->tv_sec) + (double)(a->tv_nsec - b->tv_nsec) / 1e9;
}

/* --- per-target caches --- */

struct frame_memo {
    /* code id << 32 | line (code ids are below 2^30); a task's coroutine
     * code id | 1 << 62; a native function's name's address | 1 << 63,
     * with a source line its offset + 1 << 47 too */
    uint64_t key;
    uint32_t frame;
};

static int memo_hash_at(const void *ctx, uint32_t i, uint64_t *hash)
{
    *hash = hash_mix(((const struct sampled_process *)ctx)->memo[i].key);
    return 1;
}

/* The frame memo of key into *out: 1 found, 0 not. */
static int memo_find(const struct sampled_process *tg, uint64_t key, uint32_t *out)
{
    const struct hindex *x = &tg->memo_index;
    if (hindex_slots(x) == 0)
        return 0;
    for (uint32_t h = hindex_start(x, hash_mix(key)); hindex_at(x, h); h = hindex_next(x, h))
        if (tg->memo[hindex_at(x, h) - 1].key == key) {
            *out = tg->memo[hindex_at(x, h) - 1].frame;
            return 1;
        }
    return 0;
}

static int memo_put(struct sampled_process *tg, uint64_t key, uint32_t frame)
{
    if (vec_reserve((void **)&tg->memo, &tg->memo_cap, sizeof *tg->memo, tg->nmemo + 1) != 0 ||
        hindex_reserve(&tg->memo_index, tg->nmemo + 1, 0, (uint32_t)tg->nmemo, memo_hash_at, tg) !=
            0)
        return -1;
    tg->memo[tg->nmemo] = (struct frame_memo){key, frame};
    hindex_add(&tg->memo_index, hash_mix(key), (uint32_t)tg->nmemo++);
    return 0;
}

/* The profile frame of (code, line) of a target into *out. 0 or -1. */
static int frame_of(struct sampler *s, struct sampled_process *tg, uint32_t code, int line,
                    uint32_t *out)
{
    const struct py_code *c = code_cache_at(&tg->py.codes, code);
    if (s->cfg.by_function)
        line = c->firstlineno;
    uint64_t key = ((uint64_t)code << 32) | (uint32_t)line;
    if (memo_find(tg, key, out))
        return 0;
    char file[4096];
    if (s->cfg.full_filenames)
        filename_absolute(c->filename, tg->cwd, file, sizeof file);
    else
        filename_shorten(c->filename, tg->cwd, file, sizeof file);
    if (profile_frame(s->prof, CT_PYTHON, c->name, file, "", line, module_origin(c->filename),
                      c->firstlineno, out) != 0)
        return -1;
    return memo_put(tg, key, *out);
}

static struct sampled_thread *thread_of(struct sampled_process *tg, pid_t tid)
{
    for (int i = 0; i < tg->nthreads; i++)
        if (tg->threads[i].tid == tid)
            return &tg->threads[i];
    if (vec_reserve((void **)&tg->threads, &tg->cap, sizeof *tg->threads,
                    (size_t)tg->nthreads + 1) != 0)
        return NULL;
    struct sampled_thread *th = &tg->threads[tg->nthreads++];
    *th = (struct sampled_thread){
        .tid = tid, .probe = {.stat_fd = -1, .sched_fd = -1}, .frame = CT_NONE, .before = UNASKED};
    if (tid > 0)
        task_probe_open(&th->probe, tg->py.pid, tid);
    return th;
}

/* Close what we keep of threads not seen for a second. */
static void threads_sweep(struct sampler *s, struct sampled_process *tg)
{
    uint64_t horizon = (uint64_t)s->cfg.rate + 1;
    for (int i = 0; i < tg->nthreads;) {
        if (s->tick - tg->threads[i].seen > horizon) {
            task_probe_close(&tg->threads[i].probe);
            tg->threads[i] = tg->threads[--tg->nthreads];
        } else {
            i++;
        }
    }
}

/* Is the thread running (kernel state R: on a CPU or waiting for one)? 1
 * yes, 0 no, -1 the thread is gone. */
static int thread_running(struct sampled_thread *th)
{
    return task_probe_running(&th->probe);
}

/* The pread of a thread's stat costs about as much as the whole read of
 * its stack: above 2 kHz a thread's state is read at most every
 * STATE_REUSE_NS, and a tick in between takes the last answer. At 2 kHz
 * and below every tick reads it. */
#define STATE_REUSE_NS 500000

static int thread_running_at(struct sampled_thread *th, uint64_t now_ns)
{
    if (th->state_ns != 0 && now_ns - th->state_ns < STATE_REUSE_NS && th->state >= 0)
        return th->state;
    th->state = thread_running(th);
    th->state_ns = now_ns;
    return th->state;
}

static void name_new_threads(struct sampler *s, struct sampled_process *tg)
{
    int unnamed = 0;
    for (int i = 0; i < s->sample.nthreads; i++) {
        struct sampled_thread *th = thread_of(tg, s->sample.threads[i].tid);
        unnamed += th != NULL && th->frame == CT_NONE;
    }
    if (!unnamed)
        return;
    char(*names)[64] = calloc((size_t)s->sample.nthreads, sizeof *names);
    if (names == NULL)
        return;
    pyobj_thread_names(&tg->py, &s->sample, names);
    for (int i = 0; i < s->sample.nthreads; i++) {
        struct sampled_thread *th = thread_of(tg, s->sample.threads[i].tid);
        if (th == NULL || th->frame != CT_NONE)
            continue;
        char label[128];
        if (names[i][0] == '\0')
            task_comm(tg->py.pid, th->tid, names[i], sizeof names[i]);
        snprintf(label, sizeof label, "thread %d (%s)", (int)th->tid, names[i]);
        profile_frame(s->prof, CT_THREAD, label, "", "", 0, CT_ORIGIN_UNKNOWN, 0, &th->frame);
    }
    free(names);
}

/* --- targets --- */

static int target_add(struct sampler *s, pid_t pid, struct pt_error *err)
{
    struct sampled_process *tg = calloc(1, sizeof *tg);
    if (tg == NULL)
        return pt_error_set(err, PT_E_NOMEM, "out of memory");
    if (pytarget_attach(&tg->py, pid, err) != 0) {
        free(tg);
        return -1;
    }
    if (s->cfg.native && (tg->native = native_new(&tg->py, err)) == NULL) {
        pytarget_detach(&tg->py);
        free(tg);
        return -1;
    }
    tg->alive = 1;
    task_cwd(pid, tg->cwd, sizeof tg->cwd);
    /* A process caught right after its execve (a wrapper that execs
     * chroot, env, then python) can show an empty command line for a
     * moment: ask again for up to 50 ms, then name it by its comm. */
    task_cmdline(pid, tg->cmdline, sizeof tg->cmdline);
    for (int i = 0; i < 50 && tg->cmdline[0] == '\0' && !remote_process_gone(pid); i++) {
        nanosleep(&(struct timespec){0, 1000000}, NULL);
        task_cmdline(pid, tg->cmdline, sizeof tg->cmdline);
    }
    if (tg->cmdline[0] == '\0')
        task_comm(pid, pid, tg->cmdline, sizeof tg->cmdline);
    char label[640];
    snprintf(label, sizeof label, "process %d (%s)", (int)pid, tg->cmdline);
    if (profile_frame(s->prof, CT_PROCESS, label, "", "", 0, CT_ORIGIN_UNKNOWN, 0,
                      &tg->process_frame) != 0) {
        pytarget_detach(&tg->py);
        free(tg);
        return pt_error_set(err, PT_E_NOMEM, "out of memory");
    }
    pthread_mutex_lock(&s->lock);
    if (vec_reserve((void **)&s->targets, &s->cap, sizeof *s->targets, (size_t)s->ntargets + 1) !=
        0) {
        pthread_mutex_unlock(&s->lock);
        pytarget_detach(&tg->py);
        free(tg);
        return pt_error_set(err, PT_E_NOMEM, "out of memory");
    }
    s->targets[s->ntargets++] = tg;
    pthread_mutex_unlock(&s->lock);
    return 0;
}

/* Let go of what a target that exited held: its memory reader, code
 * cache, thread files and caches. Its shell (PID, command line, version,
 * process frame) stays for sampler_pids and the descriptions: a server
 * that recycles its workers must not grow pytop by a process's caches
 * for each worker it ever had. */
static void target_retire(struct sampled_process *tg)
{
    if (tg->retired)
        return;
    tg->retired = 1;
    py_tasks_free(&tg->tasks);
    pyreq_free(&tg->req);
    for (int i = 0; i < tg->nthreads; i++)
        task_probe_close(&tg->threads[i].probe);
    free(tg->threads);
    tg->threads = NULL;
    tg->nthreads = tg->cap = 0;
    free(tg->memo);
    tg->memo = NULL;
    tg->nmemo = tg->memo_cap = 0;
    hindex_free(&tg->memo_index);
    native_free(tg->native);
    tg->native = NULL;
    pytarget_detach(&tg->py);
    /* Its caches were megabytes in the middle of the sampler's heap: give
     * the pages back rather than keep them for a next target that may
     * never come (glibc returns free pages inside an arena too). */
    malloc_trim(0);
}

static void target_release(struct sampled_process *tg)
{
    target_retire(tg);
    free(tg);
}

/* Keep at most SAMPLER_RETIRED of the targets that exited (the oldest
 * go): a server recycling its workers for days must not grow pytop by a
 * shell per worker it ever had. */
static void forget_retired(struct sampler *s)
{
    int retired = 0;
    for (int i = 0; i < s->ntargets; i++)
        retired += s->targets[i]->retired;
    if (retired <= SAMPLER_RETIRED)
        return;
    pthread_mutex_lock(&s->lock);
    int k = 0;
    for (int i = 0; i < s->ntargets; i++) {
        struct sampled_process *tg = s->targets[i];
        if (tg->retired && retired > SAMPLER_RETIRED) {
            retired--;
            target_release(tg);
            continue;
        }
        s->targets[k++] = tg;
    }
    s->ntargets = k;
    pthread_mutex_unlock(&s->lock);
}

/* Looks at a descendant that is not Python before giving up on it. */
#define REJECT_AFTER 5

static int known_pid(struct sampler *s, pid_t pid)
{
    for (int i = 0; i < s->ntargets; i++)
        if (s->targets[i]->py.pid == pid && s->targets[i]->alive)
            return 1;
    for (int i = 0; i < s->nrejected; i++) {
        struct rejected *r = &s->rejected[i];
        if (r->pid != pid)
            continue;
        if (r->tries < REJECT_AFTER)
            return 0;
        dev_t dev;
        ino_t ino;
        task_exe_id(pid, &dev, &ino);
        if (dev == r->dev && ino == r->ino)
            return 1;
        r->tries = 0; /* it ran another program since: look again */
        r->dev = dev;
        r->ino = ino;
        return 0;
    }
    return 0;
}

/* Remember that pid is not a Python pytop can read (err says why). */
static void reject(struct sampler *s, pid_t pid, const struct pt_error *err)
{
    if (err->code == PT_E_UNSUPPORTED || err->code == PT_E_PERM) {
        pthread_mutex_lock(&s->lock);
        s->unreadable = *err;
        pthread_mutex_unlock(&s->lock);
    }
    for (int i = 0; i < s->nrejected; i++)
        if (s->rejected[i].pid == pid) {
            s->rejected[i].tries++;
            return;
        }
    if (vec_reserve((void **)&s->rejected, &s->rejected_cap, sizeof *s->rejected,
                    (size_t)s->nrejected + 1) != 0)
        return;
    struct rejected *r = &s->rejected[s->nrejected++];
    r->pid = pid;
    r->tries = 1;
    task_exe_id(pid, &r->dev, &r->ino);
}

/* Attach pid if it is a Python process not seen yet. 1 if attached. */
static int follow_one(struct sampler *s, pid_t pid)
{
    struct pt_error err;
    if (known_pid(s, pid))
        return 0;
    if (target_add(s, pid, &err) == 0)
        return 1;
    if (!pt_error_gone(&err))
        reject(s, pid, &err);
    return 0;
}

/* Forget the rejected processes that are no longer in the tree (exited,
 * mostly): a shell script starts many short-lived ones, and each look
 * goes through the list. tree: the roots and their descendants, sorted. */
static void forget_gone(struct sampler *s, const pid_t *tree, size_t n)
{
    int k = 0;
    for (int i = 0; i < s->nrejected; i++)
        if (bsearch(&s->rejected[i].pid, tree, n, sizeof *tree, proc_pid_cmp) != NULL)
            s->rejected[k++] = s->rejected[i];
    s->nrejected = k;
}

/* -s: attach descendants that appeared since the last look, and a root
 * that was not Python and now is (it exec'd python). The descendants come
 * from the kernel's lists of children; the whole process table is read
 * only where the kernel keeps none. */
static void follow_descendants(struct sampler *s)
{
    struct pt_error err;
    struct proc_table *table = NULL;
    pid_t *tree = NULL;
    size_t ntree = 0, cap = 0;
    for (int r = 0; r < s->cfg.nroots; r++) {
        if (s->waiting[r] && follow_one(s, s->roots[r]))
            s->waiting[r] = 0;
        pid_t *desc = NULL;
        ssize_t n = proc_descendants_live(s->roots[r], &desc);
        if (n < 0 && table == NULL)
            table = proc_table_new(&err);
        if (n < 0 && table != NULL)
            n = proc_descendants(table, s->roots[r], &desc);
        if (n < 0)
            n = 0;
        for (ssize_t i = 0; i < n; i++)
            follow_one(s, desc[i]);
        if (vec_reserve((void **)&tree, &cap, sizeof *tree, ntree + (size_t)n + 1) == 0) {
            tree[ntree++] = s->roots[r];
            for (ssize_t i = 0; i < n; i++)
                tree[ntree++] = desc[i];
        }
        free(desc);
    }
    if (ntree > 0) {
        qsort(tree, ntree, sizeof *tree, proc_pid_cmp);
        forget_gone(s, tree, ntree);
    }
    free(tree);
    proc_table_free(table);
}

/* Whether a root that is not Python still runs: -s waits for its Python
 * descendants as long as it does. */
static int roots_waiting(struct sampler *s)
{
    for (int r = 0; r < s->cfg.nroots; r++)
        if (s->waiting[r] && !remote_process_gone(s->roots[r]))
            return 1;
    return 0;
}

/* Why sampling ended, every target and waited-for root being gone. */
static void finished_why(struct sampler *s)
{
    int last = s->ntargets ? (int)s->targets[s->ntargets - 1]->py.pid : 0;
    if (s->wait_root != 0 && s->ntargets == 0)
        snprintf(s->why, sizeof s->why, "PID %d (%s) exited without starting a Python process",
                 (int)s->wait_root, s->wait_name);
    else if (s->wait_root != 0)
        snprintf(s->why, sizeof s->why, "the process tree of PID %d exited", (int)s->wait_root);
    else if (s->ntargets == 1)
        snprintf(s->why, sizeof s->why, "PID %d exited", last);
    else
        snprintf(s->why, sizeof s->why, "every target exited (last: PID %d)", last);
}

/* --- sampling --- */

static enum lost_reason lost_reason_of(const struct pt_error *err)
{
    switch (err->code) {
    case PT_E_TORN:
        return LOST_TORN;
    case PT_E_GONE:
    case PT_E_NOPROC:
        return LOST_GONE;
    case PT_E_PERM:
        return LOST_PERMISSION;
    default:
        return LOST_OTHER;
    }
}

/* The profile frame of a native frame: named ones cached by their name
 * (the symbolizer's strings live as long as the target), or with a
 * source line by name and offset (its address), unnamed ones interned
 * each time (rare: stripped code). By function, a frame has no line and
 * no source file: what an address's line says of its file may be that of
 * a function inlined there. */
static int native_frame_of(struct sampler *s, struct sampled_process *tg,
                           const struct merged_frame *m, uint32_t *out)
{
    if (m->function == NULL) {
        char name[32];
        snprintf(name, sizeof name, "0x%" PRIx64, m->offset);
        return profile_frame(s->prof, CT_NATIVE, name, m->module, "", 0, CT_ORIGIN_UNKNOWN, 0, out);
    }
    int lined = m->source != NULL && !s->cfg.by_function;
    uint64_t fn = (uint64_t)(uintptr_t)m->function;
    /* Keys: bit 63, the offset + 1 in bits 47-62 when lined, the name's
     * address below (user-space addresses fit 47 bits); otherwise no key. */
    int keyed = fn < (1ULL << 47) && (!lined || m->offset + 1 < (1ULL << 16));
    uint64_t key = (1ULL << 63) | (lined ? (m->offset + 1) << 47 : 0) | fn;
    if (keyed && memo_find(tg, key, out))
        return 0;
    if (profile_frame(s->prof, CT_NATIVE, m->function, m->module, lined ? m->source : "",
                      lined ? m->line : 0, CT_ORIGIN_UNKNOWN, 0, out) != 0)
        return -1;
    return keyed ? memo_put(tg, key, *out) : 0;
}

#define STACK_CAP (PY_MAX_DEPTH + NATIVE_MAX_DEPTH + 2)

/* The request one of the frame runs f[0..n) (innermost first) serves,
 * else one of runs g (may be NULL); NULL when none does. */
static const struct py_request *find_request(struct sampled_process *tg, const struct py_frame *f,
                                             int n, const struct py_frame *g, int m)
{
    const struct py_request *r = NULL;
    int found = pyreq_find(&tg->py, &tg->req, f, n, &r);
    if (found == 0 && g != NULL)
        found = pyreq_find(&tg->py, &tg->req, g, m, &r);
    return found == 1 ? r : NULL;
}

/* What the sampler keeps of the request a sample serves: its endpoint's
 * name and, with --by-endpoint, its "request GET /users/{id}" frame. */
struct sreq {
    const struct py_request *r; /* NULL: no request (or none looked for) */
    char endpoint[RQ_NAME];
    uint32_t frame; /* CT_NONE without --by-endpoint */
};

/* Fill q for request r (may be NULL), as far as the sample needs it. */
static void sreq_of(struct sampler *s, struct sampled_process *tg, const struct py_request *r,
                    struct sreq *q)
{
    q->r = r;
    q->frame = CT_NONE;
    if (r == NULL)
        return;
    pyreq_endpoint(&tg->req, r, q->endpoint, sizeof q->endpoint);
    if (!atomic_load(&s->by_endpoint))
        return;
    char name[RQ_NAME + 16];
    snprintf(name, sizeof name, "request %s", q->endpoint);
    if (profile_frame(s->prof, CT_REQUEST, name, "", "", 0, CT_ORIGIN_UNKNOWN, 0, &q->frame) != 0)
        q->frame = CT_NONE;
}

/* Push the roots of a sample onto s->stack from 0: the request frame
 * (CT_NONE for none), the process frame and thread th's frame, as asked
 * for (th may be NULL). The new depth. */
static int push_roots(struct sampler *s, struct sampled_process *tg,
                      const struct sampled_thread *th, uint32_t request)
{
    int n = 0;
    if (request != CT_NONE)
        s->stack[n++] = request;
    if (s->cfg.process_roots)
        s->stack[n++] = tg->process_frame;
    if (s->cfg.threads && th != NULL && th->frame != CT_NONE)
        s->stack[n++] = th->frame;
    return n;
}

/* Push count Python frames (innermost first in f) onto s->stack from n,
 * outermost first. The new depth, or -1. */
static int push_py_frames(struct sampler *s, struct sampled_process *tg, const struct py_frame *f,
                          int count, int n)
{
    for (int k = count - 1; k >= 0 && n < STACK_CAP; k--)
        if (frame_of(s, tg, f[k].code, f[k].line, &s->stack[n++]) != 0)
            return -1;
    return n;
}

/* A thread's merged native and Python stack (st, its unwind) as profile
 * frames into s->stack from n (its roots are below n). The depth, or -1. */
static int native_stack_frames(struct sampler *s, struct sampled_process *tg,
                               const struct py_thread *pyth, const struct native_stack *st, int n)
{
    int m = native_merge(tg->native, st, &s->sample, pyth, s->cfg.native_all, s->merged,
                         PY_MAX_DEPTH + NATIVE_MAX_DEPTH);
    for (int k = m - 1; k >= 0; k--) {
        const struct merged_frame *f = &s->merged[k];
        int rc;
        if (f->native) {
            rc = native_frame_of(s, tg, f, &s->stack[n++]);
        } else {
            const struct py_frame *pf = &s->sample.frames[f->py];
            rc = frame_of(s, tg, pf->code, pf->line, &s->stack[n++]);
        }
        if (rc != 0)
            return -1;
    }
    return n;
}

/* Tell the request tracker of a sample of request q, whose stack is
 * s->stack[0..n) with nroots roots first (n < 0: no stack). */
static void track(struct sampler *s, struct sampled_process *tg, const struct sreq *q, int running,
                  int nroots, int n)
{
    if (n < 0)
        nroots = n = 0;
    requests_seen(s->cfg.requests, tg->py.pid, q->r, q->endpoint, running, s->stack + nroots,
                  n - nroots);
}

/* A kept sample of a thread whose native stack is unwound while its
 * process is paused and made a stack after the release: its roots, its
 * request (a copy: the request cache may reuse its entry meanwhile) and
 * what the tracker is told. */
struct deferred {
    int thread; /* in s->sample */
    int nroots;
    uint32_t roots[4];
    struct sreq q;
    struct py_request req;
    int running, track;
};

/* Unwind thread `thread` of the sample of tg (paused) for a sample whose
 * roots are s->stack[0..nroots), to be finished by finish_deferred. */
static void defer_native(struct sampler *s, struct sampled_process *tg, int thread, int nroots,
                         const struct sreq *q, int running, int tracked)
{
    size_t k = (size_t)s->ndeferred;
    struct pt_error err;
    if (vec_reserve((void **)&s->deferred, &s->deferred_cap, sizeof *s->deferred, k + 1) != 0 ||
        vec_reserve((void **)&s->unwound, &s->unwound_cap, sizeof *s->unwound, k + 1) != 0) {
        profile_lost(s->prof, LOST_OTHER);
    } else if (native_unwind(tg->native, s->sample.threads[thread].tid, &s->unwound[k], &err) !=
               0) {
        profile_lost(s->prof, err.code == PT_E_GONE ? LOST_THREAD : LOST_UNWIND);
    } else {
        struct deferred *d = &s->deferred[k];
        d->thread = thread;
        d->nroots = nroots;
        memcpy(d->roots, s->stack, (size_t)nroots * sizeof *s->stack);
        d->q = *q;
        if (q->r != NULL)
            d->req = *q->r;
        d->running = running;
        d->track = tracked;
        s->ndeferred++;
        return;
    }
    /* Lost: the tracker still sees the request, with no stack. */
    if (tracked)
        track(s, tg, q, running == 1, nroots, -1);
}

/* The deferred samples of tg, now that it runs again. */
static void finish_deferred(struct sampler *s, struct sampled_process *tg, int64_t second,
                            int keep_stacks)
{
    for (int k = 0; k < s->ndeferred; k++) {
        struct deferred *d = &s->deferred[k];
        if (d->q.r != NULL)
            d->q.r = &d->req;
        memcpy(s->stack, d->roots, (size_t)d->nroots * sizeof *s->stack);
        int n =
            native_stack_frames(s, tg, &s->sample.threads[d->thread], &s->unwound[k], d->nroots);
        if (n >= 0)
            profile_add(s->prof, s->stack, n, second);
        if (d->track)
            track(s, tg, &d->q, d->running == 1, d->nroots, keep_stacks ? n : -1);
    }
    s->ndeferred = 0;
}

/* --- asyncio tasks (--async) --- */

/* "Task-N", the name asyncio gives a task that was not named. */
static int default_task_name(const char *name)
{
    if (strncmp(name, "Task-", 5) != 0 || name[5] == '\0')
        return 0;
    for (const char *p = name + 5; *p; p++)
        if (*p < '0' || *p > '9')
            return 0;
    return 1;
}

/* The "task NAME" frame of task k. A task asyncio named Task-N (every
 * request of a server is one) is named by its outermost coroutine
 * instead, so that the tasks of one handler add up to one frame. */
static int task_frame(struct sampler *s, struct sampled_process *tg, const struct py_task *k,
                      uint32_t *out)
{
    char name[PY_TASKNAME_MAX + 160];
    if (default_task_name(k->name) && k->nframes > 0) {
        /* By the code object's id (ids are never reused): no formatting
         * and interning of the same name for every task of every tick. */
        const struct py_frame *outer = &tg->tasks.frames[k->first + k->nframes - 1];
        uint64_t key = (1ULL << 62) | outer->code;
        if (memo_find(tg, key, out))
            return 0;
        snprintf(name, sizeof name, "task %s", code_cache_at(&tg->py.codes, outer->code)->name);
        if (profile_frame(s->prof, CT_TASK, name, "", "", 0, CT_ORIGIN_UNKNOWN, 0, out) != 0)
            return -1;
        return memo_put(tg, key, *out);
    }
    snprintf(name, sizeof name, "task %s", k->name);
    return profile_frame(s->prof, CT_TASK, name, "", "", 0, CT_ORIGIN_UNKNOWN, 0, out);
}

#define AWAITERS_MAX 32

/* Push onto s->stack from n: the tasks awaiting task i, outermost first,
 * each as its task frame and its coroutine stack, then task i's own task
 * frame. The new depth, or -1. A cycle of awaits stops where it repeats. */
static int push_awaiters(struct sampler *s, struct sampled_process *tg, int i, int n)
{
    const struct py_tasks *ts = &tg->tasks;
    int chain[AWAITERS_MAX], depth = 0;
    chain[depth++] = i;
    while (depth < AWAITERS_MAX) {
        int parent = ts->v[chain[depth - 1]].awaiter;
        int seen = parent < 0;
        for (int k = 0; k < depth && !seen; k++)
            seen = chain[k] == parent;
        if (seen)
            break;
        chain[depth++] = parent;
    }
    for (int d = depth - 1; d >= 0; d--) {
        const struct py_task *k = &ts->v[chain[d]];
        if (n >= STACK_CAP || task_frame(s, tg, k, &s->stack[n++]) != 0)
            return -1;
        if (d == 0)
            break; /* task i's own frames are the caller's */
        if ((n = push_py_frames(s, tg, &ts->frames[k->first], k->nframes, n)) < 0)
            return -1;
    }
    return n;
}

/* Where task k's stack starts in the thread stack of its thread: the
 * index of its outermost coroutine's frame, or -1 when it is not there. */
static int running_frames(const struct sampled_process *tg, const struct py_sample *sm,
                          const struct py_task *k)
{
    if (k->thread < 0 || k->nframes == 0)
        return -1;
    const struct py_thread *pyth = &sm->threads[k->thread];
    uint64_t outer = tg->tasks.frames[k->first + k->nframes - 1].addr;
    for (int f = 0; f < pyth->nframes; f++)
        if (sm->frames[pyth->first + f].addr == outer)
            return f;
    return -1;
}

/* Is thread pyth of tg running now? 1, 0, or -1 when it cannot be told
 * (its stat unreadable). Asked once a tick: the answer stands for the
 * rest of it. */
static int thread_is_running(struct sampler *s, const struct py_thread *pyth,
                             struct sampled_thread *th, uint64_t tick_ns)
{
    if (th->asked_tick == s->tick + 1)
        return th->asked;
    /* The GIL holder is not idle, whatever the kernel says of it this
     * instant (it runs Python, or native code that keeps every other
     * thread waiting): no stat read for it. */
    th->asked = s->cfg.blocking && th->before != UNASKED ? th->before
                : pyth->gil                              ? 1
                : s->cfg.rate > 2000                     ? thread_running_at(th, tick_ns)
                                                         : thread_running(th);
    th->asked_tick = s->tick + 1;
    return th->asked;
}

/* What want_frames needs to decide. */
struct want {
    struct sampler *s;
    struct sampled_process *tg;
    uint64_t tick_ns;
};

/* py_sample.want when a tick keeps only running threads (the default:
 * idle threads dropped) or only the GIL holder (--gil): the stack of a
 * thread that will not be kept is not read. A thread whose state cannot
 * be told is read, and counted lost as before. */
static int want_frames(void *arg, const struct py_thread *pyth)
{
    const struct want *w = arg;
    if (w->s->cfg.gil)
        return 0; /* asked only of threads without the GIL */
    struct sampled_thread *th = thread_of(w->tg, pyth->tid);
    return th == NULL || thread_is_running(w->s, pyth, th, w->tick_ns) != 0;
}

/* One sample of every live task of tg: a task waiting in an await counts
 * where it waits; the running task counts with its thread's stack down
 * to its coroutine. add: into the profile (*covered gets the thread,
 * whose own sample this replaces); track: for the request tracker
 * (*tracked gets that thread). 0 when every task was read, -1 if not. */
static int sample_tasks(struct sampler *s, struct sampled_process *tg, int64_t second,
                        uint64_t tick_ns, int add, int track_on, unsigned char *covered,
                        unsigned char *tracked)
{
    struct pt_error err;
    if (pyasync_read(&tg->py, &s->sample, &tg->tasks, &err) != 0) {
        if (add)
            profile_lost(s->prof, LOST_OTHER);
        return -1;
    }
    const struct py_tasks *ts = &tg->tasks;
    s->tick_tasks += (int)ts->n;
    int keep_stacks = track_on && s->cfg.requests->keep_stacks;
    for (size_t i = 0; i < ts->n; i++) {
        const struct py_task *k = &ts->v[i];
        if ((k->state != PY_TASK_PENDING && k->state != PY_TASK_RUNNING) || k->nframes == 0)
            continue;
        struct sampled_thread *th =
            k->thread >= 0 ? thread_of(tg, s->sample.threads[k->thread].tid) : NULL;
        /* The request: in the task's own frames, else in the task
         * awaiting it (a request's task often awaits its handler's). */
        const struct py_task *up = k->awaiter >= 0 ? &ts->v[k->awaiter] : NULL;
        struct sreq q = {.r = NULL, .frame = CT_NONE};
        if (track_on || atomic_load(&s->by_endpoint))
            sreq_of(s, tg,
                    find_request(tg, &ts->frames[k->first], k->nframes,
                                 up ? &ts->frames[up->first] : NULL, up ? up->nframes : 0),
                    &q);
        if (!add && (q.r == NULL || !track_on))
            continue;
        int nroots = push_roots(s, tg, th, add ? q.frame : CT_NONE);
        int n = 0;
        if (add || keep_stacks) {
            n = push_awaiters(s, tg, (int)i, nroots);
            int outer = k->state == PY_TASK_RUNNING ? running_frames(tg, &s->sample, k) : -1;
            if (n >= 0 && outer >= 0) {
                const struct py_thread *pyth = &s->sample.threads[k->thread];
                n = push_py_frames(s, tg, &s->sample.frames[pyth->first], outer + 1, n);
            } else if (n >= 0) {
                n = push_py_frames(s, tg, &ts->frames[k->first], k->nframes, n);
            }
        }
        if (k->state == PY_TASK_RUNNING && k->thread >= 0) {
            if (add)
                covered[k->thread] = 1;
            tracked[k->thread] = 1;
        }
        if (add && n >= 0)
            profile_add(s->prof, s->stack, n, second);
        if (track_on && q.r != NULL) {
            /* A task runs when it is the one its thread runs and the
             * thread is on a CPU. */
            int running = k->state == PY_TASK_RUNNING && th != NULL &&
                          thread_is_running(s, &s->sample.threads[k->thread], th, tick_ns) == 1;
            track(s, tg, &q, running, nroots, keep_stacks ? n : -1);
        }
    }
    return 0;
}

/* Whether a tick that keeps only running threads can pass tg by: its
 * threads were all asleep at the last sample, the process has used no
 * CPU since (cpu_ns, read now), and none of them has been on a CPU since
 * (a thread put on one is seen at once; the process's clock also covers
 * threads that are not Python's, a scheduler tick late). Nothing of it
 * can have changed, and nothing of it would be kept: a server's idle
 * workers cost a clock read and a schedstat read a thread, not a read of
 * their memory. */
static int quiet_target(struct sampler *s, struct sampled_process *tg, unsigned long long cpu_ns)
{
    if (!tg->asleep || cpu_ns != tg->asleep_cpu_ns)
        return 0;
    for (int i = 0; i < tg->nthreads; i++)
        if (tg->threads[i].sleeper && !task_probe_still_asleep(&tg->threads[i].probe))
            return 0;
    for (int i = 0; i < tg->nthreads; i++)
        if (tg->threads[i].sleeper)
            tg->threads[i].seen = s->tick;
    return 1;
}

/* After a sample that kept only running threads: were they all asleep?
 * Then mark them for quiet_target. */
static void note_asleep(struct sampler *s, struct sampled_process *tg, unsigned long long cpu_ns)
{
    tg->asleep = 0;
    if (s->sample.gil_locked)
        return;
    for (int i = 0; i < tg->nthreads; i++)
        tg->threads[i].sleeper = 0;
    for (int i = 0; i < s->sample.nthreads; i++) {
        const struct py_thread *pyth = &s->sample.threads[i];
        struct sampled_thread *th = thread_of(tg, pyth->tid);
        if (th == NULL || pyth->torn || th->asked_tick != s->tick + 1 || th->asked != 0)
            return;
        th->sleeper = 1;
    }
    tg->asleep = s->sample.nthreads > 0;
    tg->asleep_cpu_ns = cpu_ns;
}

/* Sample one target; returns 1 if some thread held the GIL. With
 * --blocking or --native the whole target is paused meanwhile (native
 * stacks are unwound before it goes on). */
static int sample_target(struct sampler *s, struct sampled_process *tg, int64_t second,
                         uint64_t tick_ns)
{
    struct pt_error err;
    struct pause_set paused;
    uint64_t paused_at = 0;
    /* The request tracker sees every thread and task, running or not:
     * a request waiting is still in flight. */
    int track_on = s->cfg.requests != NULL && atomic_load(&s->tracking);
    int add_tasks = atomic_load(&s->async_tasks);
    /* Only running threads are kept: the default (idle dropped) or --gil. */
    int running_only = !s->cfg.idle && !track_on && !add_tasks;
    unsigned long long cpu_ns = 0;
    int quiet_check =
        running_only && !s->cfg.blocking && task_group_cpu_ns(tg->py.pid, &cpu_ns) == 0;
    if (quiet_check && quiet_target(s, tg, cpu_ns))
        return 0;
    tg->asleep = 0;
    if (s->cfg.blocking) {
        /* Paused, every thread would look stopped: what they were doing
         * is read first. */
        for (int i = 0; i < tg->nthreads; i++)
            tg->threads[i].before = thread_running(&tg->threads[i]);
        paused_at = monotonic_ns();
        if (pause_process(tg->py.pid, &paused, &err) != 0) {
            /* A process that exited (a zombie until its parent, maybe
             * pytop, reaps it) cannot be seized: it is gone, not lost. */
            if (pt_error_gone(&err) || remote_process_gone(tg->py.pid)) {
                tg->alive = 0;
                return 0;
            }
            profile_lost(s->prof, lost_reason_of(&err));
            return 0;
        }
    }
    struct want want = {s, tg, tick_ns};
    s->sample.want = running_only ? want_frames : NULL;
    s->sample.want_arg = &want;
    int rc = pystack_sample(&tg->py, &s->sample, &err);
    s->sample.want = NULL;
    if (rc != 0) {
        if (s->cfg.blocking) {
            pause_release(&paused);
            profile_pause(s->prof, monotonic_ns() - paused_at);
        }
        if (pt_error_gone(&err) || remote_process_gone(tg->py.pid)) {
            tg->alive = 0;
            return 0;
        }
        profile_lost(s->prof, lost_reason_of(&err));
        return 0;
    }
    if (s->cfg.threads)
        name_new_threads(s, tg);
    int keep_stacks = track_on && s->cfg.requests->keep_stacks;
    int whole = 1;    /* every thread and task read whole */
    unsigned cpu = 0; /* threads running */
    if (track_on)
        requests_begin(s->cfg.requests, tg->py.pid, tick_ns);
    s->ndeferred = 0;
    unsigned char covered[PY_MAX_THREADS], tracked[PY_MAX_THREADS];
    memset(covered, 0, (size_t)s->sample.nthreads);
    memset(tracked, 0, (size_t)s->sample.nthreads);
    if ((add_tasks || track_on) &&
        sample_tasks(s, tg, second, tick_ns, add_tasks, track_on, covered, tracked) != 0)
        whole = 0;
    for (int i = 0; i < s->sample.nthreads; i++) {
        const struct py_thread *pyth = &s->sample.threads[i];
        struct sampled_thread *th = thread_of(tg, pyth->tid);
        if (th == NULL) {
            whole = 0;
            continue;
        }
        th->seen = s->tick;
        /* A torn thread counts as lost even when not one of its frames
         * could be read. */
        if (pyth->torn) {
            whole = 0;
            if (!covered[i])
                profile_lost(s->prof, LOST_TORN);
            continue;
        }
        if (pyth->nframes == 0)
            continue;
        int running = UNASKED;
        int keep = !covered[i];
        if (keep && s->cfg.gil) {
            keep = pyth->gil;
        } else if (keep && !s->cfg.idle) {
            running = thread_is_running(s, pyth, th, tick_ns);
            if (running < 0 && th->probe.stat_fd >= 0)
                profile_lost(s->prof, LOST_THREAD);
            keep = running == 1;
        }
        struct sreq q = {.r = NULL, .frame = CT_NONE};
        if ((track_on && !tracked[i]) || (keep && atomic_load(&s->by_endpoint)))
            sreq_of(s, tg, find_request(tg, &s->sample.frames[pyth->first], pyth->nframes, NULL, 0),
                    &q);
        int n = -1, nroots = 0;
        if (track_on && running == UNASKED)
            running = thread_is_running(s, pyth, th, tick_ns);
        cpu += running == 1;
        int tell = q.r != NULL && track_on && !tracked[i];
        if (keep && tg->native != NULL) {
            defer_native(s, tg, i, push_roots(s, tg, th, q.frame), &q, running, tell);
            continue;
        }
        if (keep) {
            nroots = push_roots(s, tg, th, q.frame);
            n = push_py_frames(s, tg, &s->sample.frames[pyth->first], pyth->nframes, nroots);
            if (n >= 0)
                profile_add(s->prof, s->stack, n, second);
        }
        if (tell) {
            if (!keep && keep_stacks) {
                nroots = push_roots(s, tg, th, CT_NONE);
                n = push_py_frames(s, tg, &s->sample.frames[pyth->first], pyth->nframes, nroots);
            }
            track(s, tg, &q, running == 1, nroots, keep_stacks ? n : -1);
        }
    }
    if (s->cfg.blocking) {
        pause_release(&paused);
        profile_pause(s->prof, monotonic_ns() - paused_at);
    }
    finish_deferred(s, tg, second, keep_stacks);
    /* A slow request to write: wake whoever waits in sampler_wait. */
    if (track_on && requests_end(s->cfg.requests, tg->py.pid, whole, cpu) > 0)
        sampler_wake(s);
    if (quiet_check)
        note_asleep(s, tg, cpu_ns);
    if ((s->tick & 255) == 0)
        threads_sweep(s, tg);
    return s->sample.gil_locked;
}

/* Serve a sampler_dump request: the text of `pytop dump` of every live
 * target, from a fresh sample of each. */
static void serve_dump(struct sampler *s)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (out != NULL) {
        enum { MAXT = 1024 };
        static pid_t tids[MAXT];
        static char states[MAXT];
        int first = 1;
        for (int i = 0; i < s->ntargets; i++) {
            struct sampled_process *tg = s->targets[i];
            struct pt_error err;
            if (!tg->alive)
                continue;
            int n = task_states(tg->py.pid, tids, states, MAXT);
            struct pause_set paused;
            if (s->cfg.blocking && pause_process(tg->py.pid, &paused, &err) != 0)
                continue;
            if (pystack_sample(&tg->py, &s->sample, &err) != 0) {
                if (s->cfg.blocking)
                    pause_release(&paused);
                continue;
            }
            for (int k = 0; k < s->sample.nthreads; k++)
                for (int j = 0; j < n; j++)
                    if (tids[j] == s->sample.threads[k].tid)
                        s->sample.threads[k].os_state = states[j];
            if (!first)
                fputc('\n', out);
            first = 0;
            struct dump_options o = {0, s->cfg.full_filenames, tg->native, s->cfg.native_all};
            dump_write(out, &tg->py, &s->sample, &o);
            if (s->cfg.blocking)
                pause_release(&paused);
        }
        fclose(out);
    }
    pthread_mutex_lock(&s->dump_lock);
    free(s->dump_text);
    s->dump_text = text;
    atomic_store(&s->dump_wanted, 0);
    pthread_cond_broadcast(&s->dump_done);
    pthread_mutex_unlock(&s->dump_lock);
}

static void *sampler_main(void *arg)
{
    struct sampler *s = arg;
    const long period_ns = (long)(1e9 / s->cfg.rate);
    /* Linux lets a sleep end up to the timer slack (50 us by default)
     * late, to batch wake-ups: fine at 100 Hz, a fifth of the period at
     * 1 kHz. The slack is kept under 1/20 of the period. */
    if (period_ns / 20 < 50000)
        prctl(PR_SET_TIMERSLACK, (unsigned long)(period_ns / 20 > 1000 ? period_ns / 20 : 1000), 0,
              0, 0);
    /* Named for top -H and htop's thread view. */
    prctl(PR_SET_NAME, (unsigned long)"sampler", 0, 0, 0);
    struct prompt prompt;
    prompt_begin(&prompt);
    struct timespec next = s->start, now, last_follow = s->start, began;
    uint64_t slot = 0; /* the tick number on the absolute schedule */
    while (!atomic_load(&s->stop)) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        began = now;
        double elapsed = ts_diff(&now, &s->start);
        int64_t second = (int64_t)elapsed;
        int alive = 0, gil = 0;
        for (int i = 0; i < s->ntargets; i++) {
            struct sampled_process *tg = s->targets[i];
            if (!tg->alive)
                continue;
            gil += sample_target(s, tg, second,
                                 (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec);
            if (!tg->alive) {
                if (s->cfg.requests != NULL &&
                    requests_process_gone(s->cfg.requests, tg->py.pid) > 0)
                    sampler_wake(s);
                target_retire(tg);
            }
            alive += tg->alive;
        }
        forget_retired(s);
        s->tick++;
        atomic_store(&s->ntasks, s->tick_tasks);
        s->tick_tasks = 0;
        profile_tick(s->prof, elapsed, alive, gil);
        if (atomic_load(&s->dump_wanted))
            serve_dump(s);
        double follow_every = alive ? SAMPLER_FOLLOW_S : SAMPLER_FOLLOW_WAITING_S;
        if (s->cfg.subprocesses && ts_diff(&now, &last_follow) >= follow_every) {
            follow_descendants(s);
            last_follow = now;
            for (int i = 0; i < s->ntargets; i++)
                alive += s->targets[i]->alive;
        }
        if (alive == 0 && !roots_waiting(s)) {
            finished_why(s);
            atomic_store(&s->finished, 1);
            sampler_wake(s);
            break;
        }
        /* The next slot on the schedule; slots already past are lost. */
        slot++;
        clock_gettime(CLOCK_MONOTONIC, &now);
        prompt_tick(&prompt, (uint64_t)(ts_diff(&now, &began) * 1e9), (uint64_t)period_ns);
        double due = (double)slot * (double)period_ns / 1e9;
        double late = ts_diff(&now, &s->start) - due;
        if (late > (double)period_ns / 1e9) {
            uint64_t skip = (uint64_t)(late * 1e9 / (double)period_ns);
            for (uint64_t k = 0; k < skip; k++)
                profile_lost(s->prof, LOST_LATE);
            slot += skip;
        }
        uint64_t ns = slot * (uint64_t)period_ns;
        next.tv_sec = s->start.tv_sec + (time_t)(ns / 1000000000u);
        next.tv_nsec = s->start.tv_nsec + (long)(ns % 1000000000u);
        if (next.tv_nsec >= 1000000000L) {
            next.tv_sec++;
            next.tv_nsec -= 1000000000L;
        }
        /* A slot already due is taken at once: asked for more than it
         * can do, the sampler runs flat out instead of paying a sleep and
         * a wake-up per sample. */
        if (late >= 0)
            continue;
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR &&
               !atomic_load(&s->stop))
            ;
    }
    return NULL;
}

void sampler_set_async(struct sampler *s, int on)
{
    atomic_store(&s->async_tasks, on);
}

void sampler_set_requests(struct sampler *s, int on)
{
    atomic_store(&s->tracking, on && s->cfg.requests != NULL);
    atomic_store(&s->by_endpoint, on || s->cfg.by_endpoint);
}

int sampler_tasks(struct sampler *s)
{
    return atomic_load(&s->ntasks);
}

void sampler_config_init(struct sampler_config *cfg, const struct options *opt,
                         const struct select_result *sel, int launched)
{
    *cfg = (struct sampler_config){
        .rate = opt->rate,
        .async_tasks = opt->async_tasks,
        .by_endpoint = opt->by_endpoint,
        .idle = opt->idle,
        .gil = opt->gil,
        .blocking = opt->blocking || opt->native,
        .native = opt->native,
        .native_all = opt->native_all,
        .threads = opt->threads,
        .process_roots = opt->subprocesses || sel->n > 1,
        .by_function = opt->function,
        .full_filenames = opt->full_filenames,
        .subprocesses = opt->subprocesses,
        .roots = sel->pids,
        .nroots = launched ? 1 : (int)sel->nchosen,
        .pids = sel->pids,
        .npids = (int)sel->n,
    };
}

int sampler_start(struct sampler **out, const struct sampler_config *cfg, struct profile *prof,
                  struct pt_error *err)
{
    struct sampler *s = calloc(1, sizeof *s);
    if (s == NULL)
        return pt_error_set(err, PT_E_NOMEM, "out of memory");
    s->wake_fd = -1;
    s->cfg = *cfg;
    atomic_store(&s->async_tasks, cfg->async_tasks);
    atomic_store(&s->by_endpoint, cfg->by_endpoint);
    atomic_store(&s->tracking, cfg->requests != NULL && cfg->track_requests);
    s->prof = prof;
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->dump_lock, NULL);
    pthread_cond_init(&s->dump_done, NULL);
    py_sample_init(&s->sample);
    s->roots = calloc((size_t)cfg->nroots + 1, sizeof *s->roots);
    s->waiting = calloc((size_t)cfg->nroots + 1, 1);
    if (s->roots == NULL || s->waiting == NULL) {
        sampler_stop(s);
        return pt_error_set(err, PT_E_NOMEM, "out of memory");
    }
    memcpy(s->roots, cfg->roots, (size_t)cfg->nroots * sizeof *s->roots);
    s->cfg.roots = s->roots;
    s->cfg.pids = NULL;
    for (int i = 0; i < cfg->npids; i++) {
        if (target_add(s, cfg->pids[i], err) == 0)
            continue;
        int root = -1;
        for (int r = 0; r < cfg->nroots && root < 0; r++)
            if (cfg->roots[r] == cfg->pids[i])
                root = r;
        if (root >= 0 && cfg->subprocesses && err->code == PT_E_NOTPYTHON) {
            /* A shell that starts Python later: wait for it (or for the
             * root itself to exec python). */
            s->waiting[root] = 1;
            if (s->wait_root == 0) {
                s->wait_root = cfg->pids[i];
                task_name(s->wait_root, s->wait_name, sizeof s->wait_name);
                task_cmdline(s->wait_root, s->wait_cmdline, sizeof s->wait_cmdline);
            }
        } else if (root >= 0 || !cfg->subprocesses) {
            sampler_stop(s);
            return -1;
        }
        reject(s, cfg->pids[i], err);
    }
    pt_error_clear(err);
    if (s->ntargets == 0 && s->wait_root == 0) {
        sampler_stop(s);
        return pt_error_set(err, PT_E_NOTPYTHON, "no Python process to sample");
    }
    if ((s->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
        int e = errno;
        sampler_stop(s);
        return pt_error_sys(err, PT_E_SYS, e, "cannot make an eventfd: %s", strerror(e));
    }
    clock_gettime(CLOCK_MONOTONIC, &s->start);
    s->started = time(NULL);
    int rc = pthread_create(&s->thread, NULL, sampler_main, s);
    if (rc != 0) {
        sampler_stop(s);
        return pt_error_sys(err, PT_E_SYS, rc, "cannot start the sampling thread: %s",
                            strerror(rc));
    }
    *out = s;
    return 0;
}

int sampler_finished(struct sampler *s, char *why, size_t size)
{
    if (!atomic_load(&s->finished))
        return 0;
    snprintf(why, size, "%s", s->why);
    return 1;
}

void sampler_wait(struct sampler *s, double timeout_s)
{
    if (atomic_load(&s->finished))
        return;
    struct pollfd p = {s->wake_fd, POLLIN, 0};
    int ms = timeout_s <= 0              ? -1
             : timeout_s * 1000 > 3600e3 ? 3600000
                                         : (int)(timeout_s * 1000) + 1;
    if (poll(&p, 1, ms) > 0) {
        uint64_t n;
        if (read(s->wake_fd, &n, sizeof n) < 0) {
            /* drained by another waiter: nothing to do */
        }
    }
}

void sampler_wake(struct sampler *s)
{
    uint64_t one = 1;
    if (s != NULL && s->wake_fd >= 0 && write(s->wake_fd, &one, sizeof one) < 0) {
        /* the counter is full: a wake-up is pending anyway */
    }
}

double sampler_elapsed(struct sampler *s)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return ts_diff(&now, &s->start);
}

void sampler_stop(struct sampler *s)
{
    if (s == NULL)
        return;
    if (s->thread) {
        atomic_store(&s->stop, 1);
        pthread_join(s->thread, NULL);
    }
    for (int i = 0; i < s->ntargets; i++)
        target_release(s->targets[i]);
    free(s->targets);
    free(s->rejected);
    free(s->roots);
    free(s->waiting);
    py_sample_free(&s->sample);
    free(s->unwound);
    free(s->deferred);
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->dump_lock);
    pthread_cond_destroy(&s->dump_done);
    free(s->dump_text);
    if (s->wake_fd >= 0)
        close(s->wake_fd);
    free(s);
}

char *sampler_dump(struct sampler *s, int timeout_ms, struct pt_error *err)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&s->dump_lock);
    free(s->dump_text);
    s->dump_text = NULL;
    atomic_store(&s->dump_wanted, 1);
    int rc = 0;
    while (atomic_load(&s->dump_wanted) && !atomic_load(&s->finished) && rc == 0)
        rc = pthread_cond_timedwait(&s->dump_done, &s->dump_lock, &deadline);
    char *text = atomic_load(&s->dump_wanted) ? NULL : s->dump_text;
    s->dump_text = NULL;
    atomic_store(&s->dump_wanted, 0);
    pthread_mutex_unlock(&s->dump_lock);
    if (text == NULL)
        pt_error_set(err, PT_E_GONE, "no stacks: %s",
                     atomic_load(&s->finished) ? "nothing is sampled any more"
                                               : "the sampler did not answer in time");
    return text;
}

void sampler_describe(struct sampler *s, char *target, size_t tsize, char *python, size_t psize)
{
    pthread_mutex_lock(&s->lock);
    target[0] = python[0] = '\0';
    if (s->ntargets == 0 && s->wait_root != 0)
        snprintf(target, tsize, "waiting for Python processes under PID %d (%s)", (int)s->wait_root,
                 s->wait_cmdline);
    size_t tl = 0, pl = 0;
    for (int i = 0; i < s->ntargets; i++) {
        const struct sampled_process *tg = s->targets[i];
        char v[32];
        py_version_format(&tg->py.ver, v, sizeof v);
        if (!strstr(python, v) && pl < psize)
            pl += (size_t)snprintf(python + pl, psize - pl, "%sPython %s", pl ? ", " : "", v);
        if (tl < tsize) {
            if (s->ntargets == 1)
                tl += (size_t)snprintf(target + tl, tsize - tl, "PID %d (%s)", (int)tg->py.pid,
                                       tg->cmdline);
            else
                tl += (size_t)snprintf(target + tl, tsize - tl, "%s%d", i ? ", " : "",
                                       (int)tg->py.pid);
        }
    }
    if (s->ntargets > 1) {
        char list[512];
        snprintf(list, sizeof list, "%s", target);
        snprintf(target, tsize, "%d processes (PIDs %s)", s->ntargets, list);
    }
    pthread_mutex_unlock(&s->lock);
}

void sampler_meta(struct sampler *s, const struct profile_stats *st, struct profile_meta *m)
{
    memset(m, 0, sizeof *m);
    sampler_describe(s, m->target, sizeof m->target, m->python, sizeof m->python);
    m->started = s->started;
    m->duration = st->elapsed;
    m->samples = st->samples;
    m->lost = st->lost_total;
    m->rate = s->cfg.rate;
    m->achieved = profile_achieved_rate(st);
    m->by_function = s->cfg.by_function;
    m->idle = s->cfg.idle;
    m->gil_only = s->cfg.gil;
}

int sampler_waiting(struct sampler *s, char *root, size_t size, struct pt_error *unreadable)
{
    pthread_mutex_lock(&s->lock);
    int waiting = s->ntargets == 0 && s->wait_root != 0;
    if (waiting)
        snprintf(root, size, "PID %d (%s)", (int)s->wait_root, s->wait_name);
    if (unreadable != NULL)
        *unreadable = s->unreadable;
    pthread_mutex_unlock(&s->lock);
    return waiting;
}

int sampler_pids(struct sampler *s, pid_t *pids, int max)
{
    pthread_mutex_lock(&s->lock);
    int n = s->ntargets < max ? s->ntargets : max;
    for (int i = 0; i < n; i++)
        pids[i] = s->targets[i]->py.pid;
    pthread_mutex_unlock(&s->lock);
    return n;
}
