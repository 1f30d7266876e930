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
#include "output/atomic_file.h"
#include "output/formats.h"
#include "profile.h"
#include "sampler.h"
#include "select.h"
#include "util.h"

static volatile sig_atomic_t stop_signal;
static struct sampler *volatile waiting_on; /* the sampler the main thread sleeps on */

static void on_stop_signal(int sig)
{
    stop_signal = sig;
    sampler_wake(waiting_on);
}

static int choose_format(const struct options *opt, const char *path, enum profile_format *f,
                         struct pt_error *err)
{
    if (opt->format == NULL) {
        *f = format_of_path(path);
        return 0;
    }
    if (format_by_name(opt->format, f) != 0)
        return pt_error_set(err, PT_E_USAGE,
                            "unknown format '%s' (record writes flamegraph, collapsed, "
                            "speedscope or pprof)",
                            opt->format);
    return 0;
}

static void print_summary(const char *path, const struct profile_meta *m,
                          const struct profile_stats *st, const char *why)
{
    uint64_t tried = st->samples + st->lost_total;
    fprintf(stderr, "pytop: wrote %s: %llu samples in %.1f s (%.1f Hz requested, %.1f Hz achieved)",
            path, (unsigned long long)st->samples, m->duration, m->rate, m->achieved);
    if (st->pauses) {
        /* Each process is paused once a tick: stopped pause x rate of the time. */
        double pause = (double)st->pause_ns / 1e9 / (double)st->pauses;
        fprintf(stderr, "; target paused %.1f us per sample (stopped %.2f%% of the time)",
                pause * 1e6, 100.0 * pause * m->achieved);
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
    enum profile_format fmt;
    if (opt->npositional > 0)
        return pt_error_set(err, PT_E_USAGE, "unexpected argument '%s' (see pytop --help)",
                            opt->positional[0]);
    if (choose_format(opt, path, &fmt, err) != 0)
        return -1;
    /* A path that cannot be written is said now, not after the recording. */
    struct atomic_file probe;
    if (atomic_file_open(&probe, path, err) != 0)
        return -1;
    atomic_file_abort(&probe);
    stop_signals_install(on_stop_signal);

    if (opt->cmd_argv == NULL && opt->pid == 0 && opt->port == 0)
        return pt_error_set(err, PT_E_USAGE,
                            "record needs a target: -p PID, -P PORT or -- COMMAND");
    /* One way out: what was started or made so far is undone at `out`. */
    struct select_result sel = {0};
    pid_t launched = 0, python;
    struct profile prof;
    int have_profile = 0, rc = -1;
    struct sampler *sampler = NULL;
    if (launch_targets(opt, -1, &sel, &launched, &python, err) != 0 ||
        select_require_one(&sel, err) != 0 || profile_init(&prof, err) != 0)
        goto out;
    have_profile = 1;
    struct sampler_config cfg;
    sampler_config_init(&cfg, opt, &sel, launched != 0);
    if (sampler_start(&sampler, &cfg, &prof, err) != 0) {
        sampler = NULL;
        goto out;
    }
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
    if (nothing_appeared(sampler, opt, ended, err) != 0)
        goto out;
    /* The sampling thread has stopped: the snapshot is the whole run. */
    double duration = sampler_elapsed(sampler);
    struct calltree tree;
    struct profile_stats st;
    struct profile_meta meta;
    if (profile_snapshot(&prof, &tree, NULL, 0, 0, &st, err) != 0)
        goto out;
    sampler_meta(sampler, &st, &meta);
    /* The run lasted from the start to the stop, past the last tick. */
    meta.duration = duration;
    sampler_stop(sampler);
    sampler = NULL;
    launch_stop(launched, LAUNCH_STOP_GRACE_S);
    launched = 0;
    struct profile_file pf = {fmt, &tree, &meta};
    rc = atomic_file_write(path, format_write, &pf, err);
    if (rc == 0)
        print_summary(path, &meta, &st, why);
    calltree_free(&tree);
out:
    sampler_stop(sampler);
    launch_stop(launched, LAUNCH_STOP_GRACE_S);
    if (have_profile)
        profile_free(&prof);
    select_result_free(&sel);
    return rc;
}
