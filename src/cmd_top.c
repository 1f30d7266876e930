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
 */
#include "config.h"

#include <dirent.h>
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
#include "output/atomic.h"
#include "output/flamegraph.h"
#include "output/meta.h"
#include "proc/proc.h"
#include "proc/roles.h"
#include "profile.h"
#include "sampler.h"
#include "select.h"
#include "tui/screen.h"
#include "tui/stacks.h"
#include "tui/view.h"

struct top {
    const struct options *opt;
    struct select_result sel;
    pid_t launched; /* the command pytop started, 0 if none */
    pid_t main_pid; /* the process the header is about */
    struct sampler_config cfg;
    struct sampler *sampler;
    struct profile prof;
    struct proc_table *procs;
    struct calltree tree; /* the tree the view's rows borrow from */
    int have_tree;
    struct view view;
    struct screen *screen;
    struct stacks_source stacks;
    time_t started;
    double elapsed_before; /* seconds sampled by samplers restarted since */
    int exited;
    char output_log[256]; /* where a started command's output goes */
};

static double monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Threads of pid, and how many the kernel says are running. */
static void count_threads(pid_t pid, int *running, int *total)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        char stat[300], buf[512];
        snprintf(stat, sizeof stat, "/proc/%d/task/%s/stat", (int)pid, e->d_name);
        FILE *f = fopen(stat, "r");
        if (f == NULL)
            continue;
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = '\0';
        char *p = strrchr(buf, ')');
        (*total)++;
        if (p != NULL && p[1] == ' ' && p[2] == 'R')
            (*running)++;
    }
    closedir(d);
}

/* The processes to sample, as record chooses them, except that several
 * processes behind a port are all taken (the picker is a later step). */
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

static int top_start_sampler(struct top *t, struct pt_error *err)
{
    return sampler_start(&t->sampler, &t->cfg, &t->prof, err);
}

static void top_header(struct top *t, const struct profile_stats *st)
{
    struct view_header *h = &t->view.h;
    char target[512];
    sampler_describe(t->sampler, target, sizeof target, h->python, sizeof h->python);
    if (target[0])
        snprintf(h->target, sizeof h->target, "%s", target);
    h->rate = t->opt->rate;
    h->elapsed = t->elapsed_before + st->elapsed;
    /* n ticks span n - 1 periods (the first is at time 0). */
    h->achieved = st->elapsed > 0 && st->ticks > 1 ? (double)(st->ticks - 1) / st->elapsed : 0;
    h->samples = st->samples;
    h->lost = st->lost_total;
    h->gil_pct = st->target_ticks ? 100.0 * (double)st->gil_ticks / (double)st->target_ticks : -1;
    if (t->exited)
        return;
    int running = 0, total = 0;
    double cpu = 0;
    long rss = 0;
    int found = 0;
    if (t->procs != NULL)
        proc_table_refresh(t->procs, NULL);
    for (size_t i = 0; i < t->sel.n; i++) {
        pid_t pid = t->sel.pids[i];
        if (t->launched && i == 0)
            pid = t->main_pid;
        count_threads(pid, &running, &total);
        const struct proc_info *p = t->procs ? proc_table_find(t->procs, pid) : NULL;
        if (p != NULL) {
            cpu += p->cpu_pct;
            rss += (long)p->rss_kib;
            found = 1;
        }
    }
    h->threads_running = total ? running : -1;
    h->threads_total = total ? total : -1;
    h->cpu_pct = found ? cpu : -1;
    h->rss_kib = found ? rss : -1;
}

/* A new snapshot into the view. */
static void top_refresh(struct top *t)
{
    struct calltree all, win;
    struct profile_stats st;
    struct pt_error err;
    int64_t now = (int64_t)sampler_elapsed(t->sampler);
    int window = t->view.window;
    if (profile_snapshot(&t->prof, window ? NULL : &all, window ? &win : NULL, now, PROFILE_WINDOW,
                         &st, &err) != 0) {
        view_status(&t->view, "%s", err.msg);
        return;
    }
    struct calltree *tree = window ? &win : &all;
    struct funcstats fs;
    if (funcstats_compute(tree, t->view.by_line, 0, &fs) != 0) {
        calltree_free(tree);
        view_status(&t->view, "out of memory");
        return;
    }
    view_set_rows(&t->view, &fs);
    if (t->have_tree)
        calltree_free(&t->tree);
    t->tree = *tree;
    t->have_tree = 1;
    top_header(t, &st);
}

static void top_save(struct top *t)
{
    const char *want = t->opt->output ? t->opt->output : "profile.svg";
    char path[4096];
    struct pt_error err;
    struct calltree tree;
    struct profile_stats st;
    atomic_unused_path(want, path, sizeof path);
    if (profile_snapshot(&t->prof, &tree, NULL, 0, 0, &st, &err) != 0) {
        view_status(&t->view, "not saved: %s", err.msg);
        return;
    }
    struct profile_meta meta;
    memset(&meta, 0, sizeof meta);
    sampler_describe(t->sampler, meta.target, sizeof meta.target, meta.python, sizeof meta.python);
    meta.started = t->started;
    meta.duration = st.elapsed;
    meta.samples = st.samples;
    meta.lost = st.lost_total;
    meta.rate = t->opt->rate;
    meta.achieved = st.elapsed > 0 && st.ticks > 1 ? (double)(st.ticks - 1) / st.elapsed : 0;
    meta.by_function = t->cfg.by_function;
    meta.idle = t->cfg.idle;
    meta.gil_only = t->cfg.gil;
    struct atomic_file af;
    int rc = atomic_open(&af, path, &err);
    if (rc == 0) {
        rc = flamegraph_write(af.fp, &tree, &meta, &err);
        if (rc == 0)
            rc = atomic_commit(&af, &err);
        else
            atomic_abort(&af);
    }
    calltree_free(&tree);
    if (rc == 0)
        view_status(&t->view, "saved %s (%llu samples)", path, (unsigned long long)st.samples);
    else
        view_status(&t->view, "not saved: %s", err.msg);
}

/* `i`: sampling again with idle threads kept or not (a new profile). */
static void top_toggle_idle(struct top *t)
{
    struct pt_error err;
    t->elapsed_before += sampler_elapsed(t->sampler);
    sampler_free(t->sampler);
    t->sampler = NULL;
    t->cfg.idle = !t->cfg.idle;
    profile_reset(&t->prof);
    if (top_start_sampler(t, &err) != 0) {
        /* Back to what worked, if the targets are still there. */
        t->cfg.idle = !t->cfg.idle;
        struct pt_error err2;
        if (top_start_sampler(t, &err2) != 0) {
            t->exited = 1;
            snprintf(t->view.banner, sizeof t->view.banner, "sampling stopped: %.400s", err2.msg);
        }
        view_status(&t->view, "cannot restart sampling: %s", err.msg);
        return;
    }
    t->view.idle = t->cfg.idle;
    view_status(&t->view, "idle samples %s: sampling restarted, statistics reset",
                t->cfg.idle ? "shown" : "hidden");
}

/* The `d` key's source: the sampler's dump, split into lines. */
static int top_stacks_source(void *ctx, char ***lines, size_t *n, struct pt_error *err)
{
    struct top *t = ctx;
    *lines = NULL;
    *n = 0;
    if (t->sampler == NULL)
        return pt_error_set(err, PT_E_GONE, "no stacks: nothing is sampled any more");
    char *text = sampler_dump(t->sampler, 2000, err);
    if (text == NULL)
        return -1;
    size_t count = 1;
    for (const char *p = text; *p; p++)
        count += *p == '\n';
    char **v = calloc(count, sizeof *v);
    if (v == NULL) {
        free(text);
        return pt_error_set(err, PT_E_NOMEM, "out of memory");
    }
    size_t k = 0;
    for (char *line = text; *line != '\0' && k < count;) {
        size_t len = strcspn(line, "\n");
        v[k] = strndup(line, len);
        if (v[k++] == NULL) {
            stacks_free(v, k - 1);
            free(text);
            return pt_error_set(err, PT_E_NOMEM, "out of memory");
        }
        line += len + (line[len] == '\n');
    }
    free(text);
    *lines = v;
    *n = k;
    return 0;
}

static void top_stacks(struct top *t)
{
    char **lines;
    size_t n;
    char path[4096] = "";
    struct pt_error err;
    int rc = stacks_snapshot(&t->stacks, t->main_pid, &lines, &n, path, sizeof path, &err);
    if (lines != NULL) {
        char title[512];
        snprintf(title, sizeof title, "Stacks of PID %d%s%s", (int)t->main_pid,
                 rc == 0 ? " \u2014 written to " : "", rc == 0 ? path : "");
        view_show_text(&t->view, title, lines, n);
    }
    if (rc != 0)
        view_status(&t->view, "%s", err.msg);
}

/* One key; 1 to quit. */
static int top_key(struct top *t, int key, int *refresh_now)
{
    enum view_action a = view_key(&t->view, key);
    switch (a) {
    case VIEW_QUIT:
        return 1;
    case VIEW_SAVE:
        top_save(t);
        break;
    case VIEW_RESET:
        profile_reset(&t->prof);
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
        if (t->exited)
            view_status(&t->view, "the target exited: nothing to sample again");
        else
            top_toggle_idle(t);
        *refresh_now = 1;
        break;
    case VIEW_THREADS:
        view_status(&t->view, "cycling through threads is not available yet");
        break;
    case VIEW_PICKER:
        view_status(&t->view, "the process picker is not available yet");
        break;
    case VIEW_STACKS:
        top_stacks(t);
        break;
    case VIEW_FREEZE:
        view_status(&t->view, t->view.frozen ? "display frozen (sampling goes on): space resumes"
                                             : "display resumed");
        *refresh_now = !t->view.frozen;
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
        double now = monotonic();
        if (!t->exited) {
            char why[256];
            if (sampler_finished(t->sampler, why, sizeof why)) {
                t->exited = 1;
                snprintf(t->view.banner, sizeof t->view.banner,
                         "%s \u2014 data kept, s saves, q quits", why);
                refresh_now = 1;
            }
        }
        if ((refresh_now || now >= next) && !t->view.frozen) {
            top_refresh(t);
            next = now + 1.0;
            refresh_now = 0;
        }
        if (t->opt->duration > 0 &&
            t->elapsed_before + sampler_elapsed(t->sampler) >= t->opt->duration)
            break;
        view_draw(&t->view, t->screen);
        int wait = (int)((next - monotonic()) * 1000);
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
        if (top_key(t, key, &refresh_now))
            break;
    }
}

int cmd_top(const struct options *opt, struct pt_error *err)
{
    if (opt->npositional > 0)
        return pt_error_set(err, PT_E_USAGE, "unexpected argument '%s' (see pytop --help)",
                            opt->positional[0]);
    if (opt->pid == 0 && opt->port == 0 && opt->cmd_argv == NULL)
        return pt_error_set(err, PT_E_USAGE,
                            "the process picker is not available yet: give -p PID, -P PORT or "
                            "-- COMMAND");
    if (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO))
        return pt_error_set(err, PT_E_SYS,
                            "the live view needs a terminal: use `pytop record` to profile "
                            "without one");
    struct top t;
    memset(&t, 0, sizeof t);
    t.opt = opt;
    t.stacks = (struct stacks_source){top_stacks_source, &t};
    if (top_targets(&t, err) != 0) {
        launch_stop(t.launched, 2);
        return -1;
    }
    if (profile_init(&t.prof, err) != 0) {
        select_result_free(&t.sel);
        launch_stop(t.launched, 2);
        return -1;
    }
    sampler_config_init(&t.cfg, opt, &t.sel, t.launched != 0);
    int rc = -1;
    if (top_start_sampler(&t, err) != 0)
        goto out;
    t.started = time(NULL);
    view_init(&t.view, opt->rate);
    t.view.idle = opt->idle;
    snprintf(t.view.h.target, sizeof t.view.h.target, "PID %d", (int)t.main_pid);
    struct pt_error rerr;
    if (roles_describe_pid(t.main_pid, t.view.h.role, sizeof t.view.h.role, &rerr) != 0)
        t.view.h.role[0] = '\0';
    t.procs = proc_table_new(NULL);
    if (t.sel.ambiguous)
        view_status(&t.view,
                    "port %d is held by %zu processes: showing them all (the picker comes later)",
                    t.sel.port, t.sel.nchosen);
    if (t.launched)
        view_status(&t.view, "the command's output goes to %s", t.output_log);
    t.screen = screen_open(err);
    if (t.screen == NULL)
        goto out;
    top_loop(&t);
    rc = 0;
out:
    screen_close(t.screen);
    if (t.sampler)
        sampler_free(t.sampler);
    launch_stop(t.launched, 2);
    if (t.procs)
        proc_table_free(t.procs);
    view_free(&t.view);
    if (t.have_tree)
        calltree_free(&t.tree);
    profile_free(&t.prof);
    select_result_free(&t.sel);
    if (rc == 0 && screen_stop_signal() != 0 && screen_stop_signal() != SIGINT)
        fprintf(stderr, "pytop: stopped by %s\n", strsignal(screen_stop_signal()));
    return rc;
}
