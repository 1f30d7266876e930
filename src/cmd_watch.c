/*
 * cmd_watch: `pytop watch TARGET --slow 500ms -o DIR`: run as a service
 * would, until Ctrl-C or SIGTERM (SIGHUP re-reads the configuration).
 * Every request the target serves that lasts at least the threshold, as
 * seen from outside, is written into DIR as a profile of that request
 * alone (report/capture); the first slow request of an endpoint within
 * the alert window raises an alert (watch/alerts keeps the windows
 * across restarts): a line in DIR's alert log, and the notifiers
 * configured (notify/sender, a thread of its own: sending never holds up
 * sampling). On exit, a table of the endpoints seen.
 *
 * The sampler follows the target's descendants, so that every worker of
 * a server is watched and workers restarted by their master are found.
 * With -P PORT, a server that goes away is waited for and watched again
 * when something listens on the port once more.
 */
#include "config.h"

#include <errno.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "launch.h"
#include "notify/netlibs.h"
#include "notify/sender.h"
#include "output/meta.h"
#include "profile.h"
#include "remote/task.h"
#include "report/capture.h"
#include "requests.h"
#include "sampler.h"
#include "select.h"
#include "util.h"
#include "watch/alerts.h"

#define WATCH_DIR        "pytop-watch"
#define WATCH_LOG        "alerts.log"
#define WATCH_POLL_MS    50   /* -P: the nap between looks while no server is there */
#define WATCH_SEND_GRACE 10.0 /* seconds to deliver what is queued at exit */
#define WATCH_RETRY_S    1.0  /* -P: how often to look for a server that went away */

static volatile sig_atomic_t stop_signal, reload_signal;
static struct sampler *volatile waiting_on; /* the sampler watch_run sleeps on */

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        reload_signal = 1;
    else
        stop_signal = sig;
    sampler_wake(waiting_on);
}

/* What the configuration decides, read at start and at each SIGHUP. */
struct watch_config {
    double slow, window;
    char include[OPT_LIST_MAX][256], exclude[OPT_LIST_MAX][256]; /* URL path globs */
    int ninclude, nexclude;
    struct notifier notifiers[SENDER_NOTIFIERS];
    int nnotifiers;
};

/* Per endpoint, what watch did (the exit summary). */
struct watch_count {
    char endpoint[RQ_NAME];
    uint64_t captured, alerted, skipped;
};

struct watch {
    const struct options *opt;
    struct watch_config cfg;
    char dir[4096];
    char log[4200];
    struct alert_state alerts;
    struct sender *sender; /* NULL without notifiers */
    struct category_table *categories;
    struct requests rq;
    struct profile *prof;
    uint32_t off_cpu; /* the CT_OFF_CPU frame in prof */
    struct sampler *sampler;
    struct watch_count *counts;
    size_t ncounts, counts_cap;
    uint64_t captures, alerts_raised, write_errors;
};

static int config_from(const struct options *opt, struct watch_config *c, struct pt_error *err)
{
    memset(c, 0, sizeof *c);
    if (opt->slow <= 0)
        return pt_error_set(err, PT_E_USAGE, "--slow must be more than 0 (for example 500ms)");
    if (opt->alert_window <= 0)
        return pt_error_set(err, PT_E_USAGE, "--alert-window must be more than 0 (for example 1d)");
    c->slow = opt->slow;
    c->window = opt->alert_window;
    for (int i = 0; i < opt->include.n; i++)
        str_copy(c->include[i], sizeof c->include[i], opt->include.v[i]);
    for (int i = 0; i < opt->exclude.n; i++)
        str_copy(c->exclude[i], sizeof c->exclude[i], opt->exclude.v[i]);
    c->ninclude = opt->include.n;
    c->nexclude = opt->exclude.n;
    if (opt->notify.n > SENDER_NOTIFIERS)
        return pt_error_set(err, PT_E_USAGE, "at most %d notifiers", SENDER_NOTIFIERS);
    for (int i = 0; i < opt->notify.n; i++) {
        if (notifier_parse(opt->notify.v[i], &c->notifiers[i], err) != 0)
            return -1;
        if (opt->ca_file)
            str_copy(c->notifiers[i].ca_file, sizeof c->notifiers[i].ca_file, opt->ca_file);
    }
    c->nnotifiers = opt->notify.n;
    return 0;
}

/* Whether path is one watch looks at: it matches an --include glob (when
 * there is one) and no --exclude glob. */
static int path_wanted(const struct watch_config *c, const char *path)
{
    for (int i = 0; i < c->nexclude; i++)
        if (fnmatch(c->exclude[i], path, 0) == 0)
            return 0;
    if (c->ninclude == 0)
        return 1;
    for (int i = 0; i < c->ninclude; i++)
        if (fnmatch(c->include[i], path, 0) == 0)
            return 1;
    return 0;
}

static struct watch_count *count_of(struct watch *w, const char *endpoint)
{
    for (size_t i = 0; i < w->ncounts; i++)
        if (strcmp(w->counts[i].endpoint, endpoint) == 0)
            return &w->counts[i];
    if (vec_reserve((void **)&w->counts, &w->counts_cap, sizeof *w->counts, w->ncounts + 1) != 0)
        return NULL;
    struct watch_count *c = &w->counts[w->ncounts++];
    memset(c, 0, sizeof *c);
    str_copy(c->endpoint, sizeof c->endpoint, endpoint);
    return c;
}

/* "2026-12-05T03:20:01Z" of t. */
static void iso_time(double t, char *buf, size_t size)
{
    time_t s = (time_t)t;
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A line of the alert log: the time, then text. */
static void log_line(struct watch *w, const char *text)
{
    char when[32];
    iso_time((double)time(NULL), when, sizeof when);
    FILE *f = fopen(w->log, "a");
    if (f == NULL) {
        fprintf(stderr, "pytop: cannot write %s: %s\n", w->log, strerror(errno));
        return;
    }
    fprintf(f, "%s %s\n", when, text);
    fclose(f);
}

/* The base name of a request's files: its start time, method, path and
 * worker, so that they sort by time and say what they are. */
static void capture_base(const struct watch *w, const struct rq_done *d, char *buf, size_t size)
{
    char when[32], slug[64];
    time_t s = (time_t)d->started;
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(when, sizeof when, "%Y%m%dT%H%M%S", &tm);
    size_t n = 0;
    for (const char *p = d->path; *p && n + 1 < sizeof slug; p++) {
        char c = *p;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '.';
        if (!ok && (n == 0 || slug[n - 1] == '_'))
            continue;
        slug[n++] = ok ? c : '_';
    }
    while (n > 0 && slug[n - 1] == '_')
        n--;
    slug[n] = '\0';
    char stem[4096], probe[4200];
    snprintf(stem, sizeof stem, "%.3800s/%s.%03dZ-%s-%s-%d", w->dir, when,
             (int)((d->started - (double)s) * 1000), d->method, n ? slug : "root", (int)d->pid);
    /* Two requests of one path and worker starting in one millisecond. */
    snprintf(buf, size, "%s", stem);
    snprintf(probe, sizeof probe, "%s.md", buf);
    for (int k = 2; access(probe, F_OK) == 0 && k < 1000; k++) {
        snprintf(buf, size, "%.4000s-%d", stem, k);
        snprintf(probe, sizeof probe, "%s.md", buf);
    }
}

/* The calltree of d's samples, with frames of its own. 0 or -1. */
static int request_tree(struct watch *w, const struct rq_done *d, struct calltree *t)
{
    if (calltree_init(t) != 0)
        return -1;
    size_t pos = 0;
    const uint32_t *frames;
    int n;
    uint32_t cpu, wall;
    uint32_t stack[RQ_STACK_DEPTH + 1];
    while (rq_done_next(d, &pos, &frames, &n, &cpu, &wall)) {
        if (n > RQ_STACK_DEPTH)
            n = RQ_STACK_DEPTH;
        memcpy(stack, frames, (size_t)n * sizeof *frames);
        stack[n] = w->off_cpu;
        if ((cpu > 0 && profile_export(w->prof, stack, n, cpu, t) != 0) ||
            (wall > cpu && profile_export(w->prof, stack, n + 1, wall - cpu, t) != 0)) {
            calltree_free(t);
            return -1;
        }
    }
    calltree_fix_totals(t);
    return 0;
}

/* The text of an alert: what was slow, where the time went, the files. */
static char *alert_text(const struct rq_done *d, const struct capture *c, double until,
                        const char *cmdline, double period)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    if (f == NULL)
        return NULL;
    char when[32], next[32];
    iso_time(d->started, when, sizeof when);
    iso_time(until, next, sizeof next);
    fprintf(f,
            "**Slow request** `%s %s` took **%.0f ms** (observed from outside, ±%.0f ms), "
            "endpoint `%s`, worker PID %d (`%s`), started %s.\n\n",
            d->method, d->path, d->duration * 1e3, period * 1e3, d->endpoint, (int)d->pid, cmdline,
            when);
    if (c->ntop > 0) {
        fprintf(f, "Where its time went (%llu samples, %.0f%% waiting):\n\n",
                (unsigned long long)d->wall, c->waiting_pct);
        for (int i = 0; i < c->ntop; i++)
            fprintf(f, "%d. `%s`: %.1f%%\n", i + 1, c->top[i], c->top_pct[i]);
        fprintf(f, "\n");
    }
    fprintf(f,
            "Reports: `%s`, `%s`, `%s`.\n\nFurther slow requests of this endpoint are written but "
            "not alerted until %s.\n",
            c->path[0], c->path[1], c->path[2], next);
    fclose(f);
    return text;
}

/* One finished slow request: its files, maybe an alert. */
static void handle(struct watch *w, struct rq_done *d)
{
    char cmdline[256] = "";
    if (!path_wanted(&w->cfg, d->path)) {
        struct watch_count *c = count_of(w, d->endpoint);
        if (c)
            c->skipped++;
        return;
    }
    task_cmdline(d->pid, cmdline, sizeof cmdline);
    struct calltree t;
    struct pt_error err;
    if (request_tree(w, d, &t) != 0) {
        fprintf(stderr, "pytop: out of memory for a slow request of %s\n", d->endpoint);
        return;
    }
    struct profile_meta meta;
    memset(&meta, 0, sizeof meta);
    snprintf(meta.target, sizeof meta.target, "%s %s \u00b7 PID %d (%s)", d->method, d->path,
             (int)d->pid, cmdline[0] ? cmdline : "?");
    meta.started = (time_t)d->started;
    meta.samples = d->wall; /* the duration: the request's rows say how it was observed */
    meta.rate = w->opt->rate;
    meta.idle = 1;
    struct report_request q = {d->method,          d->path,    d->endpoint,
                               (int)d->pid,        d->started, d->duration,
                               1.0 / w->opt->rate, d->cpu,     d->wall};
    char base[4096];
    capture_base(w, d, base, sizeof base);
    struct capture cap;
    int rc = capture_write(base, &t, &meta, &q, w->categories, &cap, &err);
    calltree_free(&t);
    if (rc != 0) {
        w->write_errors++;
        fprintf(stderr, "pytop: slow request %s %s not written: %s\n", d->method, d->path, err.msg);
        return;
    }
    w->captures++;
    struct watch_count *c = count_of(w, d->endpoint);
    if (c)
        c->captured++;
    fprintf(stderr, "pytop: slow request %s %s (%s) %.0f ms on PID %d%s: %s.md\n", d->method,
            d->path, d->endpoint, d->duration * 1e3, (int)d->pid,
            d->truncated ? " (its longest part)" : "", base);
    double until;
    int alert =
        alerts_decide(&w->alerts, d->endpoint, d->started + d->duration, w->cfg.window, &until);
    if (alerts_save(&w->alerts, &err) != 0)
        fprintf(stderr, "pytop: %s\n", err.msg);
    if (alert != 1)
        return;
    w->alerts_raised++;
    if (c)
        c->alerted++;
    char subject[256];
    snprintf(subject, sizeof subject, "pytop: slow request %s %.0f ms (PID %d)", d->endpoint,
             d->duration * 1e3, (int)d->pid);
    alert_one_line(subject);
    char line[4600];
    snprintf(line, sizeof line, "ALERT %s: %s %s took %.0f ms on PID %d: %s.md", d->endpoint,
             d->method, d->path, d->duration * 1e3, (int)d->pid, base);
    log_line(w, line);
    fprintf(stderr, "pytop: alert: %s\n", line + 6);
    if (w->sender == NULL)
        return;
    char *text = alert_text(d, &cap, until, cmdline, 1.0 / w->opt->rate);
    struct alert *a = text ? alert_new(subject, text) : NULL;
    free(text);
    for (int i = 0; a != NULL && i < CAPTURE_FILES; i++)
        alert_add_file(a, cap.path[i]);
    if (a == NULL)
        fprintf(stderr, "pytop: out of memory for an alert\n");
    else
        sender_post(w->sender, a); /* a full queue is counted and logged by the sender */
}

/* SIGHUP: the configuration again, from the command line, environment
 * and config file as at start; a configuration that does not parse
 * leaves the one in force. */
static void reload(struct watch *w)
{
    struct options fresh;
    struct pt_error err;
    static struct watch_config c; /* large: not on the stack */
    int rc = options_parse(w->opt->argc, w->opt->argv, &fresh, &err);
    if (rc == 0)
        rc = config_from(&fresh, &c, &err);
    options_free(&fresh);
    if (rc != 0) {
        fprintf(stderr, "pytop: configuration not reloaded: %s\n", err.msg);
        return;
    }
    if (w->sender != NULL)
        sender_set_notifiers(w->sender, c.notifiers, c.nnotifiers);
    else if (c.nnotifiers > 0 && sender_start(&w->sender, c.notifiers, c.nnotifiers, w->log,
                                              w->opt->notify_retry, &err) != 0)
        fprintf(stderr, "pytop: notifiers not started: %s\n", err.msg);
    requests_set_slow(&w->rq, c.slow);
    w->cfg = c;
    char slow[32], window[32];
    rq_format_duration(c.slow, slow, sizeof slow);
    rq_format_duration(c.window, window, sizeof window);
    fprintf(stderr,
            "pytop: configuration reloaded: slow %s, alert window %s, %d include, %d exclude, "
            "%d notifiers\n",
            slow, window, c.ninclude, c.nexclude, c.nnotifiers);
}

static void summary(struct watch *w)
{
    struct rq_table t;
    struct pt_error err;
    if (requests_table(&w->rq, &t, &err) != 0)
        return;
    char slow[32];
    rq_format_duration(w->cfg.slow, slow, sizeof slow);
    fprintf(stderr,
            "pytop: watched %llu requests; %llu slow (at least %s) written to %s, %llu alerts\n",
            (unsigned long long)t.finished, (unsigned long long)w->captures, slow, w->dir,
            (unsigned long long)w->alerts_raised);
    if (t.n > 0)
        fprintf(stderr, "%8s %8s %8s %8s %8s %8s %6s  %s\n", "Reqs", "p50", "p95", "Max", "Slow",
                "Written", "Alerts", "Endpoint");
    for (int i = 0; i < t.n; i++) {
        const struct rq_row *r = &t.rows[i];
        const struct watch_count *c = count_of(w, r->name);
        char p50[16], p95[16], max[16];
        rq_format_duration(r->p50, p50, sizeof p50);
        rq_format_duration(r->p95, p95, sizeof p95);
        rq_format_duration(r->max, max, sizeof max);
        fprintf(stderr, "%8llu %8s %8s %8s %8llu %8llu %6llu  %s\n",
                (unsigned long long)r->requests, p50, p95, max, (unsigned long long)r->slow,
                (unsigned long long)(c ? c->captured : 0), (unsigned long long)(c ? c->alerted : 0),
                r->name);
    }
    if (t.dropped)
        fprintf(stderr,
                "pytop: %llu slow requests were not written: they came faster than "
                "they could be\n",
                (unsigned long long)t.dropped);
    rq_table_free(&t);
}

/* Start sampling the target: the processes opt names and, always, their
 * descendants. 0, or -1 with err. */
static int watch_attach(struct watch *w, const struct options *opt, pid_t *launched,
                        struct pt_error *err)
{
    struct select_result sel;
    pid_t python;
    if (launch_targets(opt, -1, &sel, launched, &python, err) != 0)
        return -1;
    struct sampler_config cfg;
    sampler_config_init(&cfg, opt, &sel, *launched != 0);
    cfg.requests = &w->rq;
    cfg.track_requests = 1;
    cfg.subprocesses = 1;
    cfg.process_roots = 0; /* each request is of one process: its files say which */
    int rc = sampler_start(&w->sampler, &cfg, w->prof, err);
    select_result_free(&sel);
    return rc;
}

/* The loop until a stop signal, or the target gone for good. */
static int watch_run(struct watch *w, struct options *opt, pid_t *launched, struct pt_error *err)
{
    char why[256];
    double next_try = 0; /* -P: when to look at the port again */
    for (;;) {
        if (reload_signal) {
            reload_signal = 0;
            reload(w);
        }
        struct rq_done *d;
        while ((d = requests_take_done(&w->rq)) != NULL) {
            handle(w, d);
            rq_done_free(d);
        }
        if (stop_signal)
            return 0;
        if (opt->duration > 0 && w->sampler && sampler_elapsed(w->sampler) >= opt->duration)
            return 0;
        if (w->sampler != NULL && sampler_finished(w->sampler, why, sizeof why)) {
            sampler_stop(w->sampler);
            w->sampler = NULL;
            if (opt->port == 0) {
                fprintf(stderr, "pytop: %s: nothing left to watch\n", why);
                return 0;
            }
            fprintf(stderr, "pytop: %s: waiting for a server on port %d again\n", why, opt->port);
        }
        if (w->sampler == NULL && monotonic_s() >= next_try) {
            /* -P PORT: whatever listens there next (a restarted server),
             * looked for once a second: a look reads every process's
             * sockets. */
            struct pt_error aerr;
            opt->wait = 0;
            next_try = monotonic_s() + WATCH_RETRY_S;
            if (watch_attach(w, opt, launched, &aerr) == 0) {
                fprintf(stderr, "pytop: watching port %d again\n", opt->port);
            } else if (aerr.code != PT_E_NOPORT && aerr.code != PT_E_NOTPYTHON &&
                       !pt_error_gone(&aerr)) {
                *err = aerr;
                return -1;
            }
        }
        if (w->sampler != NULL) {
            /* Asleep until a slow request is queued, a signal comes, the
             * target is gone or -d ends: no wake-ups of its own. */
            double left = opt->duration > 0 ? opt->duration - sampler_elapsed(w->sampler) : 0;
            waiting_on = w->sampler;
            if (!stop_signal && !reload_signal && (opt->duration <= 0 || left > 0))
                sampler_wait(w->sampler, left);
            waiting_on = NULL;
            continue;
        }
        struct timespec nap = {0, WATCH_POLL_MS * 1000000L};
        nanosleep(&nap, NULL);
    }
}

int cmd_watch(const struct options *opt_in, struct pt_error *err)
{
    if (opt_in->npositional > 0)
        return pt_error_set(err, PT_E_USAGE, "unexpected argument '%s' (see pytop --help)",
                            opt_in->positional[0]);
    if (opt_in->cmd_argv == NULL && opt_in->pid == 0 && opt_in->port == 0)
        return pt_error_set(err, PT_E_USAGE, "watch needs a target: -p PID, -P PORT or -- COMMAND");
    struct options opt = *opt_in;
    struct watch w;
    memset(&w, 0, sizeof w);
    w.opt = &opt;
    if (config_from(&opt, &w.cfg, err) != 0)
        return -1;
    str_copy(w.dir, sizeof w.dir, opt.output ? opt.output : WATCH_DIR);
    struct stat st;
    if (mkdir(w.dir, 0755) != 0 && errno != EEXIST)
        return pt_error_sys(err, PT_E_IO, errno, "cannot create %s: %s", w.dir, strerror(errno));
    if (stat(w.dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return pt_error_set(err, PT_E_USAGE, "%s is not a directory (-o names where watch writes)",
                            w.dir);
    if (access(w.dir, W_OK) != 0)
        return pt_error_sys(err, PT_E_IO, errno, "cannot write into %s: %s", w.dir,
                            strerror(errno));
    snprintf(w.log, sizeof w.log, "%s/%s", w.dir, WATCH_LOG);
    if (alerts_load(&w.alerts, w.dir, err) != 0)
        return -1;
    int rc = -1;
    pid_t launched = 0;
    w.categories = category_table_new();
    w.prof = malloc(sizeof *w.prof);
    if (w.categories == NULL || w.prof == NULL) {
        free(w.prof);
        w.prof = NULL;
        pt_error_set(err, PT_E_NOMEM, "out of memory");
        goto out;
    }
    if (profile_init(w.prof, err) != 0) {
        free(w.prof);
        w.prof = NULL;
        goto out;
    }
    if (profile_frame(w.prof, CT_NATIVE, CT_OFF_CPU, "", "", 0, CT_ORIGIN_UNKNOWN, 0, &w.off_cpu) !=
        0) {
        pt_error_set(err, PT_E_NOMEM, "out of memory");
        goto out;
    }
    if (opt.categories != NULL && category_table_load(w.categories, opt.categories, err) != 0)
        goto out;
    if (requests_init(&w.rq, w.cfg.slow, 1, err) != 0)
        goto out;
    if (w.cfg.nnotifiers > 0 && sender_start(&w.sender, w.cfg.notifiers, w.cfg.nnotifiers, w.log,
                                             opt.notify_retry, err) != 0)
        goto out;
    /* The notifiers' libraries are loaded on first use: one missing is
     * said now, once, not at the first alert. Alerts still go to the log. */
    const struct netlibs_curl *curl;
    const struct netlibs_zip *zip;
    struct pt_error lerr;
    if (w.cfg.nnotifiers > 0 && netlibs_curl(&curl, &lerr) != 0)
        fprintf(stderr, "pytop: alerts will only be logged: %s\n", lerr.msg);
    for (int i = 0; i < w.cfg.nnotifiers; i++)
        if (w.cfg.notifiers[i].kind == NOTIFIER_MATTERMOST) {
            if (netlibs_zip(&zip, &lerr) != 0)
                fprintf(stderr, "pytop: Mattermost alerts will only be logged: %s\n", lerr.msg);
            break;
        }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    if (watch_attach(&w, &opt, &launched, err) != 0)
        goto out;
    char slow[32], window[32], target[512], python[64];
    rq_format_duration(w.cfg.slow, slow, sizeof slow);
    rq_format_duration(w.cfg.window, window, sizeof window);
    sampler_describe(w.sampler, target, sizeof target, python, sizeof python);
    fprintf(stderr,
            "pytop: watching %s%s%s: requests of %s or more go to %s/, one alert per endpoint "
            "per %s",
            target, python[0] ? ", " : "", python, slow, w.dir, window);
    for (int i = 0; i < w.cfg.nnotifiers; i++) {
        char desc[600];
        notifier_describe(&w.cfg.notifiers[i], desc, sizeof desc);
        fprintf(stderr, "%s%s", i == 0 ? " to " : ", ", desc);
    }
    fprintf(stderr, "\n");
    rc = watch_run(&w, &opt, &launched, err);
    summary(&w);
out:
    sampler_stop(w.sampler);
    launch_stop(launched, LAUNCH_STOP_GRACE_S);
    if (w.sender != NULL) {
        struct sender_stats ss;
        sender_stop_stats(w.sender, WATCH_SEND_GRACE, &ss);
        if (ss.queued > 0)
            fprintf(stderr, "pytop: alerts: %llu sent, %llu failed, %llu dropped\n",
                    (unsigned long long)ss.sent, (unsigned long long)ss.failed,
                    (unsigned long long)ss.dropped);
    }
    requests_free(&w.rq);
    if (w.prof) {
        profile_free(w.prof);
        free(w.prof);
    }
    if (w.categories)
        category_table_free(w.categories);
    alerts_free(&w.alerts);
    free(w.counts);
    return rc;
}
