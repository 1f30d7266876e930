/*
 * cmd_top: `pytop [top]`: the live view. The same targets, sampler and
 * profile as record, with a screen instead of a file.
 *
 * The main thread owns the terminal and never reads a target: about once
 * a second (and at once after a key that changes what is shown) it takes
 * a snapshot of the profile, computes the function table from it and
 * redraws; /proc gives the process's CPU %, RSS and threads. Whatever ends
 * it (q, a signal, --duration, an error) the terminal is restored and a
 * command pytop started is stopped.
 *
 * The picker (tui/picker) comes first when there is no target, or when a
 * port is held by a server's master and its workers; `p` brings it back.
 * Choosing there starts a new sampler into a new profile and swaps both in
 * only once it runs, so a choice that cannot be profiled leaves the old
 * one going. The view always samples with thread frames, so that `t` can
 * show one thread; they are taken out of everything else.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "funcstats.h"
#include "launch.h"
#include "output/atomic_file.h"
#include "output/formats.h"
#include "output/stacks_file.h"
#include "output/meta.h"
#include "proc/container.h"
#include "proc/proc.h"
#include "proc/pyprocs.h"
#include "proc/roles.h"
#include "proc/usage.h"
#include "profile.h"
#include "remote/debuginfo.h"
#include "remote/mem.h"
#include "remote/task.h"
#include "requests.h"
#include "sampler.h"
#include "select.h"
#include "tui/picker.h"
#include "tui/screen.h"
#include "tui/view.h"
#include "util.h"

/* Seconds a key's message stands on the status line before a hint of
 * what would name a stripped file's functions may take its place. */
#define HINT_QUIET_S 5.0

struct top {
    const struct options *opt;
    struct select_result sel; /* what is sampled now */
    pid_t launched;           /* the command pytop started, 0 if none */
    pid_t main_pid;           /* the process the header is about */
    pid_t container_pid;      /* main_pid when container was read */
    struct container container;
    pid_t server_master; /* `a`: the master whose workers are followed */
    struct sampler_config cfg;
    struct sampler *sampler; /* NULL until a process is chosen */
    struct profile *prof;
    struct requests *rq;         /* the requests the sampler saw, for e */
    int tracking;                /* e was used: requests are tracked */
    struct proc_usage_set usage; /* the header's CPU % and RSS of the targets */
    struct calltree tree;        /* the tree the view's rows borrow from */
    int have_tree;
    struct view view;
    struct screen *screen;
    double elapsed_before; /* seconds sampled by samplers restarted since */
    int exited;
    char output_log[256];      /* where a started command's output goes */
    pid_t thread;              /* `t`: the one thread shown, 0 for all */
    struct pyprocs procs_list; /* the picker's processes, once opened */
    int have_procs;
    struct picker picker;
    int picking;
    double picker_next; /* when to refresh the picker's processes */
    /* The status line's message and since when it stands: a hint of
     * debuginfo waits until what a key said has stood HINT_QUIET_S. */
    unsigned status_seen;
    double status_since;
};

/* Threads of pid, and how many the kernel says are running. */
static void count_threads(pid_t pid, int *running, int *total)
{
    enum { MAXT = 4096 };
    static pid_t tids[MAXT];
    static char states[MAXT];
    int n = task_states(pid, tids, states, MAXT);
    for (int i = 0; i < n; i++)
        *running += states[i] == 'R';
    *total += n;
}

/* The processes to sample, as record chooses them. Several processes
 * behind a port without -s are left to the picker. */
static int top_targets(struct top *t, struct pt_error *err)
{
    int logfd = -1;
    if (t->opt->cmd_argv != NULL) {
        /* The command's output would scribble over the screen: it goes
         * to a file (the status line names it). */
        char *tmp = getenv("TMPDIR");
        snprintf(t->output_log, sizeof t->output_log, "%s/pytop-output-%d.log",
                 tmp && tmp[0] ? tmp : "/tmp", (int)getpid());
        logfd = open(t->output_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (logfd < 0)
            return pt_error_sys(err, PT_E_IO, errno, "cannot create %s", t->output_log);
    }
    int rc = launch_targets(t->opt, logfd, &t->sel, &t->launched, &t->main_pid, err);
    if (logfd >= 0)
        close(logfd);
    return rc;
}

/* A new sampler over sel into a new profile; on success both replace
 * what was sampled before (whose samples are dropped), on failure nothing
 * changes. sel is taken over either way. */
static int top_sample(struct top *t, struct select_result *sel, pid_t master, int launched,
                      pid_t main_pid, struct pt_error *err)
{
    struct profile *prof = malloc(sizeof *prof);
    if (prof == NULL) {
        select_result_free(sel);
        return pt_error_set(err, PT_E_NOMEM, "out of memory");
    }
    struct requests *rq = malloc(sizeof *rq);
    if (rq == NULL || profile_init(prof, err) != 0) {
        if (rq == NULL)
            pt_error_set(err, PT_E_NOMEM, "out of memory");
        else
            free(rq);
        free(prof);
        select_result_free(sel);
        return -1;
    }
    if (requests_init(rq, t->opt->slow, 0, err) != 0) {
        free(rq);
        profile_free(prof);
        free(prof);
        select_result_free(sel);
        return -1;
    }
    pid_t old_master = t->server_master;
    t->server_master = master;
    struct sampler_config cfg;
    sampler_config_init(&cfg, t->opt, sel, launched);
    cfg.threads = 1; /* for `t`; taken out of the table and of saved files */
    if (t->sampler != NULL)
        cfg.async_tasks = t->cfg.async_tasks; /* A stays as it was set */
    cfg.requests = rq;
    cfg.track_requests = t->tracking;
    cfg.by_endpoint = cfg.by_endpoint || t->tracking;
    if (master != 0) {
        /* Every worker of a server, and those it starts later. */
        cfg.process_roots = 1;
        cfg.subprocesses = 1;
        cfg.roots = &t->server_master;
        cfg.nroots = 1;
    }
    struct sampler *sampler;
    if (sampler_start(&sampler, &cfg, prof, err) != 0) {
        t->server_master = old_master;
        requests_free(rq);
        free(rq);
        profile_free(prof);
        free(prof);
        select_result_free(sel);
        return -1;
    }
    /* The view's rows borrow the old profile's strings. */
    struct funcstats none = {0};
    view_set_tree(&t->view, NULL, 0);
    view_set_rows(&t->view, &none);
    if (t->have_tree)
        calltree_free(&t->tree);
    t->have_tree = 0;
    sampler_stop(t->sampler);
    if (t->prof != NULL) {
        profile_free(t->prof);
        free(t->prof);
    }
    if (t->rq != NULL) {
        requests_free(t->rq);
        free(t->rq);
    }
    t->rq = rq;
    t->view.endpoint[0] = '\0';
    select_result_free(&t->sel);
    t->sel = *sel;
    t->sampler = sampler;
    t->prof = prof;
    t->cfg = cfg;
    t->cfg.pids = t->sel.pids;
    /* The header's first CPU % is over its first second. */
    proc_usage_refresh(&t->usage, t->sel.pids, (int)t->sel.n);
    t->main_pid = main_pid;
    t->exited = 0;
    t->thread = 0;
    t->elapsed_before = 0;
    t->view.banner[0] = '\0';
    snprintf(t->view.threads, sizeof t->view.threads, "all");
    snprintf(t->view.h.target, sizeof t->view.h.target, "PID %d", (int)main_pid);
    struct pt_error rerr;
    char root[128];
    if (sampler_waiting(sampler, root, sizeof root, NULL)) {
        t->view.h.role[0] = '\0'; /* a shell: the header says what it waits for */
    } else if (master != 0) {
        char role[64];
        if (roles_describe_pid(master, role, sizeof role, &rerr) != 0)
            snprintf(role, sizeof role, "PID %d", (int)master);
        snprintf(t->view.h.role, sizeof t->view.h.role, "every worker of %s", role);
    } else if (roles_describe_pid(main_pid, t->view.h.role, sizeof t->view.h.role, &rerr) != 0) {
        t->view.h.role[0] = '\0';
    }
    return 0;
}

/* The header's threads, CPU and RSS add up at most this many processes. */
#define TOP_HEADER_PIDS 256

static void top_header(struct top *t, const struct profile_stats *st)
{
    struct view_header *h = &t->view.h;
    char target[512];
    sampler_describe(t->sampler, target, sizeof target, h->python, sizeof h->python);
    if (target[0])
        snprintf(h->target, sizeof h->target, "%s", target);
    h->rate = t->opt->rate;
    h->elapsed = t->elapsed_before + st->elapsed;
    h->achieved = profile_achieved_rate(st);
    h->samples = st->samples;
    h->lost = st->lost_total;
    h->gil_pct = st->target_ticks ? 100.0 * (double)st->gil_ticks / (double)st->target_ticks : -1;
    h->pause_us = st->pauses ? (double)st->pause_ns / 1e3 / (double)st->pauses : -1;
    h->tasks = t->cfg.async_tasks ? sampler_tasks(t->sampler) : -1;
    if (t->exited)
        return;
    int running = 0, total = 0;
    double cpu = 0;
    long rss = 0;
    int found = 0;
    /* What the sampler attached: with -s, also the workers (or the Python
     * processes of a shell) that started since. */
    pid_t pids[TOP_HEADER_PIDS];
    int npids = sampler_pids(t->sampler, pids, TOP_HEADER_PIDS);
    proc_usage_refresh(&t->usage, pids, npids);
    for (int i = 0; i < npids; i++) {
        pid_t pid = pids[i];
        count_threads(pid, &running, &total);
        const struct proc_usage *p = proc_usage_find(&t->usage, pid);
        if (p != NULL && p->cpu_pct >= 0) {
            cpu += p->cpu_pct;
            rss += (long)p->rss_kib;
            found = 1;
        }
    }
    /* The container of the process the header is about, read once: with
     * several processes, its name alone (their PIDs inside differ). */
    if (t->main_pid != t->container_pid) {
        t->container_pid = t->main_pid;
        if (container_of(t->main_pid, &t->container) != 0)
            memset(&t->container, 0, sizeof t->container);
    }
    struct container shown = t->container;
    if (npids > 1)
        shown.nspid = 0;
    container_format(&shown, h->container, sizeof h->container);
    h->threads_running = total ? running : -1;
    h->threads_total = total ? total : -1;
    h->cpu_pct = found ? cpu : -1;
    h->rss_kib = found ? rss : -1;
}

/* The TID of a thread frame ("thread 123 (name)"), 0 for other frames. */
static pid_t thread_of_frame(const struct ct_frame *f)
{
    int tid;
    if (f->kind != CT_THREAD || sscanf(f->name, "thread %d", &tid) != 1)
        return 0;
    return (pid_t)tid;
}

/* The samples of thread tid in tree (percentages are of that thread);
 * its name into label. 0, or -1 when out of memory. */
static int top_thread_tree(const struct calltree *tree, pid_t tid, unsigned drop,
                           struct calltree *out, char *label, size_t size)
{
    unsigned char *keep = calloc(tree->nframes ? tree->nframes : 1, 1);
    if (keep == NULL)
        return -1;
    snprintf(label, size, "%d (gone)", (int)tid);
    for (uint32_t f = 0; f < tree->nframes; f++)
        if (thread_of_frame(&tree->frames[f]) == tid) {
            keep[f] = 1;
            snprintf(label, size, "%s", tree->frames[f].name + strlen("thread "));
        }
    int rc = calltree_select(out, tree, keep, drop);
    free(keep);
    return rc;
}

/* Make *tree the samples of endpoint name only (under its request
 * frame). 0, or -1 when out of memory. */
static int top_endpoint_tree(struct calltree *tree, const char *name)
{
    char frame[RQ_NAME + 16];
    snprintf(frame, sizeof frame, "request %s", name);
    unsigned char *keep = calloc(tree->nframes ? tree->nframes : 1, 1);
    if (keep == NULL)
        return -1;
    uint32_t id = calltree_frame_find(tree, CT_REQUEST, frame, "", "", 0);
    if (id != CT_NONE)
        keep[id] = 1;
    struct calltree sub;
    int rc = calltree_select(&sub, tree, keep, 0);
    free(keep);
    if (rc != 0)
        return -1;
    /* sub borrows tree's frame strings: a tree of its own replaces both. */
    struct calltree own;
    if (calltree_init(&own) != 0 || calltree_merge(&own, &sub) != 0) {
        calltree_free(&own);
        calltree_free(&sub);
        return -1;
    }
    calltree_free(&sub);
    calltree_free(tree);
    *tree = own;
    return 0;
}

/* A new snapshot into the view. */
static void top_refresh(struct top *t)
{
    struct calltree all, win;
    struct profile_stats st;
    struct pt_error err;
    if (t->sampler == NULL)
        return;
    int64_t now = (int64_t)sampler_elapsed(t->sampler);
    int window = t->view.window;
    if (profile_snapshot(t->prof, window ? NULL : &all, window ? &win : NULL, now, PROFILE_WINDOW,
                         &st, &err) != 0) {
        view_status(&t->view, "%s", err.msg);
        return;
    }
    struct calltree *tree = window ? &win : &all;
    if (t->tracking) {
        struct rq_table rt;
        if (requests_table(t->rq, &rt, &err) == 0)
            endpoints_set(&t->view.eps, &rt);
    }
    if (t->view.endpoint[0] && top_endpoint_tree(tree, t->view.endpoint) != 0) {
        calltree_free(tree);
        view_status(&t->view, "out of memory");
        return;
    }
    struct calltree one;
    const struct calltree *shown = tree;
    /* Several processes: a row per process (its share of the samples in
     * %Total), but none per thread. One thread: only its functions. */
    int roots = t->thread == 0 && t->cfg.process_roots;
    unsigned drop = CT_DROP(CT_THREAD) | (t->view.native_hidden ? CT_DROP(CT_NATIVE) : 0);
    int rc = 0, select = t->thread != 0 || roots || t->view.native_hidden;
    if (t->thread != 0)
        rc = top_thread_tree(tree, t->thread, drop, &one, t->view.threads, sizeof t->view.threads);
    else if (select)
        rc = calltree_select(&one, tree, NULL, drop);
    if (rc != 0) {
        calltree_free(tree);
        view_status(&t->view, "out of memory");
        return;
    }
    if (select)
        shown = &one;
    struct funcstats fs;
    rc = funcstats_compute(shown, t->view.by_line, roots, &fs);
    if (rc != 0) {
        if (shown == &one)
            calltree_free(&one);
        calltree_free(tree);
        view_status(&t->view, "out of memory");
        return;
    }
    /* The view keeps the tree its rows come from (the call tree and the
     * callers view read it); it and the rows borrow the snapshot's
     * strings, so the last snapshot goes only after they have moved on. */
    struct calltree old = t->tree;
    int had = t->have_tree;
    t->tree = *tree;
    t->have_tree = 1;
    view_set_tree(&t->view, shown == &one ? &one : &t->tree, shown == &one);
    view_set_rows(&t->view, &fs);
    if (had)
        calltree_free(&old);
    top_header(t, &st);
    char note[4608];
    double now_s = monotonic_s();
    if (t->view.status_seq != t->status_seen) {
        t->status_seen = t->view.status_seq;
        t->status_since = now_s;
    }
    if (remote_fallback_take(note, sizeof note) ||
        (now_s - t->status_since >= HINT_QUIET_S && debuginfo_hint_take(note, sizeof note)))
        view_status(&t->view, "%s", note);
}

/* `t`: all threads, then each thread seen so far by TID, then all again. */
static void top_next_thread(struct top *t)
{
    pid_t next = 0;
    for (uint32_t i = 1; t->have_tree && i < t->tree.nnodes; i++) {
        const struct ct_node *n = &t->tree.nodes[i];
        pid_t tid = thread_of_frame(&t->tree.frames[n->frame]);
        if (tid > t->thread && n->total > 0 && (next == 0 || tid < next))
            next = tid;
    }
    t->thread = next;
    if (next == 0) {
        snprintf(t->view.threads, sizeof t->view.threads, "all");
        view_status(&t->view, "showing every thread");
    } else {
        view_status(&t->view, "showing thread %d only: t for the next one", (int)next);
    }
}

static void top_save(struct top *t)
{
    const char *want = t->opt->output ? t->opt->output : "profile.svg";
    char path[4096];
    struct pt_error err;
    struct calltree tree, plain;
    struct profile_stats st;
    if (t->sampler == NULL) {
        view_status(&t->view, "nothing sampled yet");
        return;
    }
    atomic_file_unused_path(want, path, sizeof path);
    if (profile_snapshot(t->prof, &tree, NULL, 0, 0, &st, &err) != 0) {
        view_status(&t->view, "not saved: %s", err.msg);
        return;
    }
    /* Thread frames are there for `t`, not asked for by the user. */
    if (calltree_select(&plain, &tree, NULL, t->opt->threads ? 0 : CT_DROP(CT_THREAD)) != 0) {
        calltree_free(&tree);
        view_status(&t->view, "not saved: out of memory");
        return;
    }
    struct profile_meta meta;
    sampler_meta(t->sampler, &st, &meta);
    struct profile_file pf = {FORMAT_FLAMEGRAPH, &plain, &meta};
    int rc = atomic_file_write(path, format_write, &pf, &err);
    calltree_free(&plain);
    calltree_free(&tree);
    if (rc == 0)
        view_status(&t->view, "saved %s (%llu samples)", path, (unsigned long long)st.samples);
    else
        view_status(&t->view, "not saved: %s", err.msg);
}

/* `i`: sampling again with idle threads kept or not (a new profile). */
/* Sampling again from now with *flag flipped (i: idle samples, A:
 * asyncio tasks): the samples so far were taken the other way, so the
 * statistics start again. */
static void top_restart_flipped(struct top *t, int *flag, const char *what)
{
    struct pt_error err;
    t->elapsed_before += sampler_elapsed(t->sampler);
    sampler_stop(t->sampler);
    t->sampler = NULL;
    *flag = !*flag;
    profile_reset(t->prof);
    if (sampler_start(&t->sampler, &t->cfg, t->prof, &err) != 0) {
        /* Back to what worked, if the targets are still there. */
        *flag = !*flag;
        struct pt_error err2;
        if (sampler_start(&t->sampler, &t->cfg, t->prof, &err2) != 0) {
            t->sampler = NULL;
            t->exited = 1;
            snprintf(t->view.banner, sizeof t->view.banner, "sampling stopped: %.400s", err2.msg);
        }
        view_status(&t->view, "cannot restart sampling: %s", err.msg);
        return;
    }
    t->view.idle = t->cfg.idle;
    view_status(&t->view, "%s %s: sampling restarted, statistics reset", what,
                *flag ? "on" : "off");
}

/* `d`: every thread's stack, taken by the sampling thread (this one never
 * reads a target), shown in the text view and written to a file. */
static void top_stacks(struct top *t)
{
    struct pt_error err;
    char root[128];
    char *text = NULL;
    if (t->sampler == NULL)
        pt_error_set(&err, PT_E_GONE, "no stacks: nothing is sampled any more");
    else if (sampler_waiting(t->sampler, root, sizeof root, NULL))
        pt_error_set(&err, PT_E_GONE, "no stacks yet: no Python process under %s so far", root);
    else
        text = sampler_dump(t->sampler, 2000, &err);
    if (text == NULL) {
        view_status(&t->view, "%s", err.msg);
        return;
    }
    char path[4096] = "", title[512];
    int written = stacks_file_write(t->main_pid, text, path, sizeof path, &err) == 0;
    snprintf(title, sizeof title, "Stacks of PID %d%s%s", (int)t->main_pid,
             written ? " \u2014 written to " : "", written ? path : "");
    if (view_show_text(&t->view, title, text) != 0)
        view_status(&t->view, "out of memory");
    else if (!written)
        view_status(&t->view, "%s", err.msg);
}

/* The picker's processes, loaded on first use. CPU % needs two looks at
 * the process table some time apart: the first look probes every process
 * for Python, which fills most of that time. */
#define TOP_CPU_INTERVAL_MS 300

static int top_procs(struct top *t, struct pt_error *err)
{
    if (t->have_procs)
        return pyprocs_refresh(&t->procs_list, 0, err);
    double start = monotonic_s();
    if (pyprocs_init(&t->procs_list, err) != 0)
        return -1;
    t->have_procs = 1;
    double left = TOP_CPU_INTERVAL_MS / 1000.0 - (monotonic_s() - start);
    if (left > 0) {
        struct timespec ts = {0, (long)(left * 1e9)};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
    }
    return pyprocs_refresh(&t->procs_list, 0, err);
}

/* Open the picker: over pids[0..n) (a port's holders), or every Python
 * process when n is 0. */
static int top_open_picker(struct top *t, const pid_t *pids, size_t n, struct pt_error *err)
{
    if (top_procs(t, err) != 0)
        return -1;
    if (t->picker.procs == NULL)
        picker_init(&t->picker, &t->procs_list);
    if (picker_restrict(&t->picker, pids, n) != 0)
        return pt_error_set(err, PT_E_NOMEM, "out of memory");
    t->picker.can_cancel = t->sampler != NULL;
    t->picker.current = t->sampler != NULL ? t->main_pid : 0;
    if (t->picker.current != 0)
        t->picker.sel_pid = t->picker.current; /* `p`: start from what is profiled */
    t->picker.status[0] = '\0';
    snprintf(t->picker.title, sizeof t->picker.title, "Python processes");
    picker_update(&t->picker);
    t->picking = 1;
    t->picker_next = monotonic_s() + 1.0;
    return 0;
}

/* Enter or `a` in the picker: sample the choice. 1 if it is sampled now. */
static int top_pick(struct top *t, int all_workers)
{
    struct pt_error err;
    const struct pyproc *sel = picker_selected(&t->picker);
    if (sel == NULL)
        return 0;
    pid_t one = sel->pid, master = 0, *workers = NULL;
    const pid_t *pids = &one;
    ssize_t n = 1;
    if (all_workers) {
        n = picker_server(&t->picker, &workers, &master);
        if (n <= 0) {
            snprintf(t->picker.status, sizeof t->picker.status, "out of memory");
            return 0;
        }
        pids = workers;
    }
    struct select_result chosen;
    if (select_build(pids, (size_t)n, 0, NULL, &chosen, &err) != 0 ||
        top_sample(t, &chosen, master, 0, master ? master : pids[0], &err) != 0) {
        snprintf(t->picker.status, sizeof t->picker.status, "cannot profile PID %d: %.400s",
                 (int)(master ? master : pids[0]), err.msg);
        free(workers);
        return 0;
    }
    if (master != 0)
        view_status(&t->view, "profiling %zd worker%s of PID %d (new workers are followed)", n,
                    n == 1 ? "" : "s", (int)master);
    else
        view_status(&t->view, "profiling PID %d", (int)pids[0]);
    free(workers);
    return 1;
}

/* One key in the picker; 1 to quit. */
static int top_picker_key(struct top *t, int key, int *refresh_now)
{
    enum picker_action a = picker_key(&t->picker, key);
    switch (a) {
    case PICKER_PICK:
    case PICKER_ALL:
        if (top_pick(t, a == PICKER_ALL)) {
            t->picking = 0;
            *refresh_now = 1;
        }
        break;
    case PICKER_CANCEL:
        t->picking = 0;
        *refresh_now = 1;
        break;
    case PICKER_QUIT:
        return 1;
    case PICKER_NONE:
        break;
    }
    return 0;
}

/* One key; 1 to quit. */
static int top_key(struct top *t, int key, int *refresh_now)
{
    enum view_action a = view_key(&t->view, key);
    struct pt_error err;
    switch (a) {
    case VIEW_QUIT:
        return 1;
    case VIEW_SAVE:
        top_save(t);
        break;
    case VIEW_RESET:
        profile_reset(t->prof);
        if (t->rq != NULL)
            requests_reset(t->rq);
        view_status(&t->view, "statistics reset");
        *refresh_now = 1;
        break;
    case VIEW_LINES:
        view_status(&t->view, "aggregated by %s", t->view.by_line ? "line" : "function");
        *refresh_now = 1;
        break;
    case VIEW_WINDOW:
        view_status(&t->view, "showing %s",
                    t->view.window ? "the last 10 seconds" : "everything since start");
        *refresh_now = 1;
        break;
    case VIEW_IDLE:
        if (t->exited || t->sampler == NULL)
            view_status(&t->view, "the target exited: nothing to sample again");
        else
            top_restart_flipped(t, &t->cfg.idle, "idle samples");
        *refresh_now = 1;
        break;
    case VIEW_THREADS:
        top_next_thread(t);
        *refresh_now = 1;
        break;
    case VIEW_PICKER:
        if (top_open_picker(t, NULL, 0, &err) != 0)
            view_status(&t->view, "no picker: %s", err.msg);
        break;
    case VIEW_STACKS:
        top_stacks(t);
        break;
    case VIEW_FREEZE:
        view_status(&t->view, t->view.frozen ? "display frozen (sampling goes on): space resumes"
                                             : "display resumed");
        *refresh_now = !t->view.frozen;
        break;
    case VIEW_NATIVE:
        view_status(&t->view, "native frames %s", t->view.native_hidden ? "hidden" : "shown");
        *refresh_now = 1;
        break;
    case VIEW_ASYNC:
        if (t->exited || t->sampler == NULL)
            view_status(&t->view, "the target exited: nothing to sample again");
        else
            top_restart_flipped(t, &t->cfg.async_tasks, "asyncio tasks");
        *refresh_now = 1;
        break;
    case VIEW_ENDPOINTS:
        if (!t->tracking && t->sampler != NULL) {
            t->tracking = 1;
            t->cfg.track_requests = 1;
            t->cfg.by_endpoint = 1;
            sampler_set_requests(t->sampler, 1);
            view_status(&t->view, "requests are tracked from now on: Enter shows the functions "
                                  "of an endpoint");
        }
        *refresh_now = 1;
        break;
    case VIEW_ENDPOINT:
        if (t->view.endpoint[0])
            view_status(&t->view, "functions of %s only: Esc shows every sample", t->view.endpoint);
        else
            view_status(&t->view, "every sample");
        *refresh_now = 1;
        break;
    case VIEW_NONE:
        break;
    }
    return 0;
}

static void top_loop(struct top *t)
{
    double next = 0;
    int refresh_now = 1;
    for (;;) {
        double now = monotonic_s();
        if (!t->exited && t->sampler != NULL) {
            char why[256], root[128];
            if (sampler_finished(t->sampler, why, sizeof why)) {
                t->exited = 1;
                /* A shell that never started Python left no data. */
                int none = sampler_waiting(t->sampler, root, sizeof root, NULL);
                snprintf(t->view.banner, sizeof t->view.banner, "%s \u2014 %sq quits", why,
                         none ? "" : "data kept, s saves, ");
                refresh_now = 1;
            }
        }
        if ((refresh_now || now >= next) && !t->view.frozen) {
            top_refresh(t);
            next = now + 1.0;
            refresh_now = 0;
        }
        if (t->picking && now >= t->picker_next) {
            struct pt_error err;
            if (pyprocs_refresh(&t->procs_list, 0, &err) != 0)
                snprintf(t->picker.status, sizeof t->picker.status, "%s", err.msg);
            picker_update(&t->picker);
            t->picker_next = now + 1.0;
        }
        if (t->sampler != NULL && t->opt->duration > 0 &&
            t->elapsed_before + sampler_elapsed(t->sampler) >= t->opt->duration)
            break;
        if (t->picking)
            picker_draw(&t->picker, t->screen);
        else
            view_draw(&t->view, t->screen);
        double due = t->picking && t->picker_next < next ? t->picker_next : next;
        int wait = (int)((due - monotonic_s()) * 1000);
        if (wait < 10)
            wait = 10;
        if (wait > 1000)
            wait = 1000;
        int key = screen_key(t->screen, wait);
        if (key == SCREEN_KEY_NONE)
            continue;
        if (key == SCREEN_KEY_RESIZE) {
            screen_clear(t->screen);
            continue;
        }
        if (t->picking ? top_picker_key(t, key, &refresh_now) : top_key(t, key, &refresh_now))
            break;
    }
}

int cmd_top(const struct options *opt, struct pt_error *err)
{
    if (opt->npositional > 0)
        return pt_error_set(err, PT_E_USAGE, "unexpected argument '%s' (see pytop --help)",
                            opt->positional[0]);
    if (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO))
        return pt_error_set(err, PT_E_SYS,
                            "the live view needs a terminal: use `pytop record` to profile "
                            "without one");
    struct top t;
    memset(&t, 0, sizeof t);
    t.opt = opt;
    view_init(&t.view, opt->rate);
    t.view.idle = opt->idle;
    t.view.gil_only = opt->gil;
    t.view.blocking = opt->blocking || opt->native;
    t.view.native = opt->native;
    snprintf(t.view.threads, sizeof t.view.threads, "all");
    int rc = -1;
    int has_target = opt->pid != 0 || opt->port != 0 || opt->cmd_argv != NULL;
    if (has_target) {
        if (top_targets(&t, err) != 0)
            goto out;
        if (t.sel.ambiguous) {
            /* A server's master and workers: the picker chooses. */
            if (top_open_picker(&t, t.sel.pids, t.sel.n, err) != 0)
                goto out;
            char what[128];
            select_describe_port(&t.sel, what, sizeof what);
            snprintf(t.picker.title, sizeof t.picker.title, "%s: choose one", what);
            picker_select_busiest(&t.picker);
        } else {
            struct select_result sel = t.sel;
            memset(&t.sel, 0, sizeof t.sel);
            if (top_sample(&t, &sel, 0, t.launched != 0, t.main_pid, err) != 0)
                goto out;
            if (t.launched)
                view_status(&t.view, "the command's output goes to %s", t.output_log);
            else if (t.sel.n > 1)
                view_status(&t.view, "%zu processes together: p picks one, t one thread, ? keys",
                            t.sel.n);
        }
    } else if (top_open_picker(&t, NULL, 0, err) != 0) {
        goto out;
    }
    t.screen = screen_open(err);
    if (t.screen == NULL)
        goto out;
    top_loop(&t);
    rc = 0;
out:
    screen_close(t.screen);
    sampler_stop(t.sampler);
    launch_stop(t.launched, LAUNCH_STOP_GRACE_S);
    proc_usage_free(&t.usage);
    view_free(&t.view);
    if (t.have_tree)
        calltree_free(&t.tree);
    if (t.prof != NULL) {
        profile_free(t.prof);
        free(t.prof);
    }
    if (t.rq != NULL) {
        requests_free(t.rq);
        free(t.rq);
    }
    select_result_free(&t.sel);
    if (t.picker.procs != NULL)
        picker_free(&t.picker);
    if (t.have_procs)
        pyprocs_free(&t.procs_list);
    if (rc == 0 && screen_stop_signal() != 0 && screen_stop_signal() != SIGINT)
        fprintf(stderr, "pytop: stopped by %s\n", strsignal(screen_stop_signal()));
    return rc;
}
