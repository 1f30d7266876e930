/*
 * cmd_record: `pytop record`: sample without a screen until the duration
 * ends, Ctrl-C / SIGTERM / SIGHUP, or every target exits, then write the
 * profile atomically. Whatever ends it, what was sampled is written; only
 * when -s waited under a root that is not Python and no Python process
 * ever appeared is there nothing to write, and that is an error.
 */
#include "config.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "launch.h"
#include "output/atomic.h"
#include "output/collapsed.h"
#include "output/flamegraph.h"
#include "output/meta.h"
#include "output/pprof.h"
#include "output/speedscope.h"
#include "profile.h"
#include "sampler.h"
#include "select.h"
#include "util.h"

enum format { FMT_FLAMEGRAPH, FMT_COLLAPSED, FMT_SPEEDSCOPE, FMT_PPROF };

static volatile sig_atomic_t stop_signal;
static struct sampler *volatile waiting_on; /* the sampler the main thread sleeps on */

static void on_stop_signal(int sig)
{
    stop_signal = sig;
    sampler_wake(waiting_on);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int choose_format(const struct options *opt, const char *path, enum format *f,
                         struct pt_error *err)
{
    if (opt->format != NULL) {
        if (!strcmp(opt->format, "flamegraph") || !strcmp(opt->format, "svg"))
            *f = FMT_FLAMEGRAPH;
        else if (!strcmp(opt->format, "collapsed") || !strcmp(opt->format, "folded"))
            *f = FMT_COLLAPSED;
        else if (!strcmp(opt->format, "speedscope"))
            *f = FMT_SPEEDSCOPE;
        else if (!strcmp(opt->format, "pprof"))
            *f = FMT_PPROF;
        else
            return pt_error_set(err, PT_E_USAGE,
                                "unknown format '%s' (record writes flamegraph, collapsed, "
                                "speedscope or pprof)",
                                opt->format);
        return 0;
    }
    if (ends_with(path, ".txt") || ends_with(path, ".folded") || ends_with(path, ".collapsed"))
        *f = FMT_COLLAPSED;
    else if (ends_with(path, ".json"))
        *f = FMT_SPEEDSCOPE;
    else if (ends_with(path, ".pb.gz"))
        *f = FMT_PPROF;
    else
        *f = FMT_FLAMEGRAPH;
    return 0;
}

static int write_profile(const char *path, enum format f, const struct calltree *t,
                         const struct profile_meta *m, struct pt_error *err)
{
    struct atomic_file af;
    if (atomic_open(&af, path, err) != 0)
        return -1;
    int rc = f == FMT_COLLAPSED    ? collapsed_write(af.fp, t, err)
             : f == FMT_SPEEDSCOPE ? speedscope_write(af.fp, t, m, err)
             : f == FMT_PPROF      ? pprof_write(af.fp, t, m, err)
                                   : flamegraph_write(af.fp, t, m, err);
    if (rc != 0) {
        atomic_abort(&af);
        return -1;
    }
    return atomic_commit(&af, err);
}

static void print_summary(const char *path, const struct profile_stats *st, double rate,
                          const char *why)
{
    uint64_t tried = st->samples + st->lost_total;
    fprintf(stderr, "pytop: wrote %s: %llu samples in %.1f s (%.1f Hz requested, %.1f Hz achieved)",
            path, (unsigned long long)st->samples, st->elapsed, rate,
            st->elapsed > 0 ? (double)st->ticks / st->elapsed : 0.0);
    if (st->pauses) {
        /* Each process is paused once a tick: stopped pause x rate of the time. */
        double pause = (double)st->pause_ns / 1e9 / (double)st->pauses;
        double rate = st->elapsed > 0 ? (double)st->ticks / st->elapsed : 0.0;
        fprintf(stderr, "; target paused %.1f us per sample (stopped %.2f%% of the time)",
                pause * 1e6, 100.0 * pause * rate);
    }
    if (st->lost_total) {
        fprintf(stderr, "; lost %llu (%.1f%%):", (unsigned long long)st->lost_total,
                tried ? 100.0 * (double)st->lost_total / (double)tried : 0.0);
        const char *sep = " ";
        for (int r = 0; r < LOST_COUNT; r++) {
            if (st->lost[r] == 0)
                continue;
            fprintf(stderr, "%s%llu %s", sep, (unsigned long long)st->lost[r],
                    profile_lost_name((enum lost_reason)r));
            sep = ", ";
        }
    }
    fprintf(stderr, "%s%s\n", why[0] ? "; " : "", why);
}

/* -s under a root that is not Python, and no Python process came before
 * the recording ended (why_ended: the sampler's reason, "" if it did not
 * finish by itself): the one-line error, for there is no profile. */
static int nothing_appeared(struct sampler *sampler, const struct options *opt,
                            const char *why_ended, struct pt_error *err)
{
    char root[128];
    struct pt_error unreadable;
    if (!sampler_waiting(sampler, root, sizeof root, &unreadable))
        return 0;
    char why[400];
    if (why_ended[0])
        snprintf(why, sizeof why, "%s", why_ended);
    else if (stop_signal)
        snprintf(why, sizeof why, "stopped by %s before a Python process appeared under %s",
                 stop_signal == SIGINT ? "Ctrl-C" : strsignal(stop_signal), root);
    else
        snprintf(why, sizeof why, "no Python process appeared under %s within %g s (-d)", root,
                 opt->duration);
    /* A Python that could not be read was the only one: say which. */
    if (unreadable.code != PT_OK)
        return pt_error_set(err, unreadable.code, "%s: nothing to write; %s", why, unreadable.msg);
    return pt_error_set(err, PT_E_NOTPYTHON, "%s: nothing to write", why);
}

int cmd_record(const struct options *opt, struct pt_error *err)
{
    const char *path = opt->output ? opt->output : "profile.svg";
    enum format fmt;
    if (opt->npositional > 0)
        return pt_error_set(err, PT_E_USAGE, "unexpected argument '%s' (see pytop --help)",
                            opt->positional[0]);
    if (choose_format(opt, path, &fmt, err) != 0)
        return -1;
    /* A path that cannot be written is said now, not after the recording. */
    struct atomic_file probe;
    if (atomic_open(&probe, path, err) != 0)
        return -1;
    atomic_abort(&probe);
    stop_signals_install(on_stop_signal);

    if (opt->cmd_argv == NULL && opt->pid == 0 && opt->port == 0)
        return pt_error_set(err, PT_E_USAGE,
                            "record needs a target: -p PID, -P PORT or -- COMMAND");
    struct select_result sel;
    pid_t launched, python;
    if (launch_targets(opt, -1, &sel, &launched, &python, err) != 0) {
        launch_stop(launched, 2);
        return -1;
    }
    if (select_require_one(&sel, err) != 0) {
        select_result_free(&sel);
        return -1;
    }
    struct profile prof;
    if (profile_init(&prof, err) != 0) {
        select_result_free(&sel);
        launch_stop(launched, 2);
        return -1;
    }
    struct sampler_config cfg;
    sampler_config_init(&cfg, opt, &sel, launched != 0);
    struct sampler *sampler;
    if (sampler_start(&sampler, &cfg, &prof, err) != 0) {
        profile_free(&prof);
        select_result_free(&sel);
        launch_stop(launched, 2);
        return -1;
    }
    time_t started = time(NULL);
    char root[128];
    /* Nothing else shows until the recording ends: say what it waits for. */
    if (sampler_waiting(sampler, root, sizeof root, NULL) && isatty(STDERR_FILENO))
        fprintf(stderr, "pytop: %s is not Python: waiting for Python processes under it...\n",
                root);
    char why[256] = "", ended[256] = "";
    for (;;) {
        if (stop_signal) {
            snprintf(why, sizeof why, "stopped by %s",
                     stop_signal == SIGINT ? "Ctrl-C" : strsignal(stop_signal));
            break;
        }
        if (sampler_finished(sampler, why, sizeof why)) {
            snprintf(ended, sizeof ended, "%s", why);
            break;
        }
        double left = opt->duration > 0 ? opt->duration - sampler_elapsed(sampler) : 0;
        if (opt->duration > 0 && left <= 0)
            break;
        /* Asleep until the end, a stop signal or the target's exit: no
         * wake-up of this thread per tick to pay beside the sampler's. */
        waiting_on = sampler;
        if (!stop_signal)
            sampler_wait(sampler, left);
        waiting_on = NULL;
    }
    if (nothing_appeared(sampler, opt, ended, err) != 0) {
        sampler_free(sampler);
        launch_stop(launched, 2);
        profile_free(&prof);
        select_result_free(&sel);
        return -1;
    }
    double duration = sampler_elapsed(sampler);
    struct profile_meta meta;
    memset(&meta, 0, sizeof meta);
    sampler_describe(sampler, meta.target, sizeof meta.target, meta.python, sizeof meta.python);
    sampler_free(sampler);
    launch_stop(launched, 2);

    struct calltree tree;
    struct profile_stats st;
    int rc = profile_snapshot(&prof, &tree, NULL, 0, 0, &st, err);
    if (rc == 0) {
        meta.started = started;
        meta.duration = duration;
        meta.samples = st.samples;
        meta.lost = st.lost_total;
        meta.rate = opt->rate;
        meta.achieved = duration > 0 ? (double)st.ticks / duration : 0;
        st.elapsed = duration;
        meta.by_function = opt->function;
        meta.idle = opt->idle;
        meta.gil_only = opt->gil;
        rc = write_profile(path, fmt, &tree, &meta, err);
        if (rc == 0)
            print_summary(path, &st, opt->rate, why);
        calltree_free(&tree);
    }
    profile_free(&prof);
    select_result_free(&sel);
    return rc;
}
