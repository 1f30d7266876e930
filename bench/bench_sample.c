/*
 * bench/bench_sample: what one sample of a running Python process costs.
 *
 *   bench_sample -p PID [-n SAMPLES] [-r RATE_HZ] [-d SECONDS] [-w WARMUP] [-q]
 *
 * Attaches to PID the way pytop does (no stop, no ptrace), takes WARMUP
 * samples so that the code cache and the buffers are warm, then times
 * SAMPLES calls of pystack_sample(), back to back (no -r) or on an absolute
 * schedule of RATE_HZ (clock_nanosleep with TIMER_ABSTIME, so a slow
 * sample does not shift the ones after it). -d stops early after SECONDS.
 *
 * The one idea: the figures are per sample and measured around the library
 * call only (wall time per call), or over the whole measured run (CPU time,
 * read syscalls and bytes from struct remote's counters), so that they say
 * what the sampler thread of pytop would spend. Output: one key=value line
 * per figure on stdout, for scripts; a human summary on stderr (-q: none).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "error.h"
#include "python/stack.h"
#include "python/target.h"

#define DEFAULT_SAMPLES 20000
#define DEFAULT_WARMUP  500

struct bench_options {
    pid_t pid;
    long samples;
    double rate;    /* Hz; 0 = flat out */
    double seconds; /* stop after this long; 0 = no limit */
    long warmup;
    int quiet;
};

/* What the measured run accumulates. */
struct bench_totals {
    long samples; /* successful pystack_sample() calls */
    long failed;  /* calls that returned -1 */
    char last_failure[512]; /* the message of the last failed sample */
    long late; /* rate mode: samples that started a period or more late */
    uint64_t threads, torn_threads, truncated_threads;
    uint64_t frames;
    int min_frames, max_frames; /* of the deepest thread, per sample */
    uint32_t *wall_ns;          /* per call, successful or not */
    long nwall, wall_cap;
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static uint64_t clock_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double tv_us(struct timeval tv)
{
    return (double)tv.tv_sec * 1e6 + (double)tv.tv_usec;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: bench_sample -p PID [-n SAMPLES] [-r RATE_HZ] [-d SECONDS] "
            "[-w WARMUP] [-q]\n"
            "  -n  measured samples (default %d)\n"
            "  -r  sample on an absolute schedule at RATE_HZ (default: flat out)\n"
            "  -d  stop after SECONDS even if fewer samples were taken\n"
            "  -w  warm-up samples before measuring (default %d)\n"
            "  -q  key=value lines only, no human summary\n",
            DEFAULT_SAMPLES, DEFAULT_WARMUP);
}

static int parse_options(int argc, char **argv, struct bench_options *o)
{
    memset(o, 0, sizeof *o);
    o->samples = DEFAULT_SAMPLES;
    o->warmup = DEFAULT_WARMUP;
    int c;
    char *end;
    while ((c = getopt(argc, argv, "p:n:r:d:w:qh")) != -1) {
        errno = 0;
        switch (c) {
        case 'p':
            o->pid = (pid_t)strtol(optarg, &end, 10);
            break;
        case 'n':
            o->samples = strtol(optarg, &end, 10);
            break;
        case 'r':
            o->rate = strtod(optarg, &end);
            break;
        case 'd':
            o->seconds = strtod(optarg, &end);
            break;
        case 'w':
            o->warmup = strtol(optarg, &end, 10);
            break;
        case 'q':
            o->quiet = 1;
            continue;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            return -1;
        }
        if (errno != 0 || *end != '\0' || end == optarg)
            return -1;
    }
    if (optind != argc || o->pid <= 0 || o->samples <= 0 || o->rate < 0 || o->seconds < 0 ||
        o->warmup < 0 || o->samples > INT32_MAX)
        return -1;
    return 0;
}

static void account(struct bench_totals *b, const struct py_sample *s)
{
    int deepest = 0;
    for (int i = 0; i < s->nthreads; i++) {
        const struct py_thread *th = &s->threads[i];
        b->threads++;
        b->torn_threads += th->torn != 0;
        b->truncated_threads += th->truncated != 0;
        if (th->nframes > deepest)
            deepest = th->nframes;
    }
    b->frames += (uint64_t)s->nframes;
    if (b->samples == 0 || deepest < b->min_frames)
        b->min_frames = deepest;
    if (deepest > b->max_frames)
        b->max_frames = deepest;
    b->samples++;
}

/* One timed call. Returns -1 only when the target is gone. */
static int sample_once(struct py_target *t, struct py_sample *s, struct bench_totals *b)
{
    struct pt_error err;
    uint64_t t0 = clock_ns(CLOCK_MONOTONIC);
    int rc = pystack_sample(t, s, &err);
    uint64_t dt = clock_ns(CLOCK_MONOTONIC) - t0;
    if (b != NULL) {
        if (b->nwall < b->wall_cap)
            b->wall_ns[b->nwall++] = dt > UINT32_MAX ? UINT32_MAX : (uint32_t)dt;
        if (rc == 0) {
            account(b, s);
        } else {
            b->failed++;
            snprintf(b->last_failure, sizeof b->last_failure, "%s", err.msg);
        }
    }
    if (rc != 0 && err.code == PT_E_GONE) {
        fprintf(stderr, "bench_sample: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static void warm_up(struct py_target *t, struct py_sample *s, long n, double *first_us)
{
    *first_us = 0;
    for (long i = 0; i < n && !stop_requested; i++) {
        uint64_t t0 = clock_ns(CLOCK_MONOTONIC);
        if (sample_once(t, s, NULL) != 0)
            return;
        if (i == 0)
            *first_us = (double)(clock_ns(CLOCK_MONOTONIC) - t0) / 1e3;
    }
}

/* The measured loop: flat out, or at o->rate on an absolute schedule. */
static void measure(struct py_target *t, struct py_sample *s, const struct bench_options *o,
                    struct bench_totals *b)
{
    uint64_t start = clock_ns(CLOCK_MONOTONIC);
    uint64_t limit = o->seconds > 0 ? (uint64_t)(o->seconds * 1e9) : UINT64_MAX;
    uint64_t period = o->rate > 0 ? (uint64_t)(1e9 / o->rate) : 0;
    uint64_t due = start;
    for (long i = 0; i < o->samples && b->nwall < b->wall_cap && !stop_requested; i++) {
        if (period != 0) {
            struct timespec ts = {(time_t)(due / 1000000000u), (long)(due % 1000000000u)};
            while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR &&
                   !stop_requested)
                ;
            uint64_t now = clock_ns(CLOCK_MONOTONIC);
            if (now >= due + period)
                b->late++;
            due += period;
            /* A sampler that fell behind skips the missed ticks rather than
             * bursting to catch up (as pytop's sampler does). */
            if (now > due)
                due += (now - due) / period * period;
        }
        if (sample_once(t, s, b) != 0)
            break;
        if (clock_ns(CLOCK_MONOTONIC) - start >= limit)
            break;
    }
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static double percentile_us(const uint32_t *sorted, long n, double p)
{
    if (n == 0)
        return 0;
    long i = (long)(p * (double)(n - 1) + 0.5);
    return (double)sorted[i] / 1e3;
}

int main(int argc, char **argv)
{
    struct bench_options o;
    if (parse_options(argc, argv, &o) != 0) {
        usage(stderr);
        return 2;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    struct py_target t;
    struct pt_error err;
    if (pytarget_attach(&t, o.pid, &err) != 0) {
        fprintf(stderr, "bench_sample: %s\n", err.msg);
        return 1;
    }
    struct py_sample s;
    py_sample_init(&s);
    struct bench_totals b;
    memset(&b, 0, sizeof b);
    /* Room for every call up front: growing the array mid-run would be
     * timed as part of a sample. A time limit bounds the count too. */
    b.wall_cap = o.samples;
    if (o.seconds > 0) {
        double bound = o.seconds * (o.rate > 0 ? o.rate : 2e6) + 1;
        if (bound < (double)b.wall_cap)
            b.wall_cap = (long)bound;
    }
    b.wall_ns = malloc((size_t)b.wall_cap * sizeof *b.wall_ns);
    if (b.wall_ns == NULL) {
        fprintf(stderr, "bench_sample: out of memory\n");
        return 1;
    }

    uint64_t attach_syscalls = t.mem.syscalls;
    double first_us;
    warm_up(&t, &s, o.warmup, &first_us);
    uint64_t warm_syscalls = t.mem.syscalls;

    uint64_t syscalls0 = t.mem.syscalls, bytes0 = t.mem.bytes;
    struct rusage ru0, ru1;
    getrusage(RUSAGE_SELF, &ru0);
    uint64_t cpu0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
    uint64_t wall0 = clock_ns(CLOCK_MONOTONIC);
    measure(&t, &s, &o, &b);
    uint64_t wall1 = clock_ns(CLOCK_MONOTONIC);
    uint64_t cpu1 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
    getrusage(RUSAGE_SELF, &ru1);

    long calls = b.nwall;
    double n = calls > 0 ? (double)calls : 1;
    double ok = b.samples > 0 ? (double)b.samples : 1;
    double thr = b.threads > 0 ? (double)b.threads : 1;
    double elapsed = (double)(wall1 - wall0) / 1e9;
    double sum_ns = 0;
    for (long i = 0; i < calls; i++)
        sum_ns += b.wall_ns[i];
    qsort(b.wall_ns, (size_t)calls, sizeof *b.wall_ns, cmp_u32);
    double wall_mean = sum_ns / n / 1e3;
    double cpu_us = (double)(cpu1 - cpu0) / 1e3 / n;
    double user_us = (tv_us(ru1.ru_utime) - tv_us(ru0.ru_utime)) / n;
    double sys_us = (tv_us(ru1.ru_stime) - tv_us(ru0.ru_stime)) / n;
    char version[32];
    py_version_format(&t.ver, version, sizeof version);

    printf("pid=%d\n", (int)o.pid);
    printf("python=%s\n", version);
    printf("mode=%s\n", o.rate > 0 ? "rate" : "flat");
    printf("rate_hz_requested=%.0f\n", o.rate);
    printf("warmup_samples=%ld\n", o.warmup);
    printf("attach_syscalls=%" PRIu64 "\n", attach_syscalls);
    printf("warmup_syscalls=%" PRIu64 "\n", warm_syscalls - attach_syscalls);
    printf("first_sample_us=%.2f\n", first_us);
    printf("code_objects=%u\n", t.codes.n);
    printf("samples=%ld\n", calls);
    printf("failed_samples=%ld\n", b.failed);
    printf("last_failure=%s\n", b.failed ? b.last_failure : "none");
    printf("elapsed_s=%.3f\n", elapsed);
    printf("achieved_rate_hz=%.1f\n", elapsed > 0 ? (double)calls / elapsed : 0);
    printf("max_rate_hz=%.1f\n", wall_mean > 0 ? 1e6 / wall_mean : 0);
    printf("late_samples=%ld\n", b.late);
    printf("wall_us_mean=%.3f\n", wall_mean);
    printf("wall_us_p50=%.3f\n", percentile_us(b.wall_ns, calls, 0.50));
    printf("wall_us_p99=%.3f\n", percentile_us(b.wall_ns, calls, 0.99));
    printf("wall_us_max=%.3f\n", calls ? (double)b.wall_ns[calls - 1] / 1e3 : 0);
    printf("cpu_us=%.3f\n", cpu_us);
    printf("cpu_user_us=%.3f\n", user_us);
    printf("cpu_sys_us=%.3f\n", sys_us);
    printf("cpu_share=%.4f\n", elapsed > 0 ? (double)(cpu1 - cpu0) / 1e9 / elapsed : 0);
    printf("ctx_switches_vol=%ld\n", ru1.ru_nvcsw - ru0.ru_nvcsw);
    printf("ctx_switches_invol=%ld\n", ru1.ru_nivcsw - ru0.ru_nivcsw);
    printf("syscalls_per_sample=%.3f\n", (double)(t.mem.syscalls - syscalls0) / n);
    printf("bytes_per_sample=%.1f\n", (double)(t.mem.bytes - bytes0) / n);
    printf("threads_per_sample=%.3f\n", (double)b.threads / ok);
    printf("frames_per_sample=%.3f\n", (double)b.frames / ok);
    printf("frames_min=%d\n", b.min_frames);
    printf("frames_max=%d\n", b.max_frames);
    printf("torn_thread_rate=%.6f\n", (double)b.torn_threads / thr);
    printf("truncated_thread_rate=%.6f\n", (double)b.truncated_threads / thr);
    fflush(stdout);

    if (!o.quiet) {
        fprintf(stderr,
                "PID %d, Python %s, %s: %ld samples in %.2f s (%.0f/s), %ld failed\n"
                "  wall  %.2f us mean, %.2f p50, %.2f p99 per sample -> at most %.0f samples/s\n"
                "  CPU   %.2f us per sample (user %.2f, sys %.2f)\n"
                "  reads %.2f syscalls, %.0f bytes per sample; %.1f frames in %.2f threads\n"
                "  torn threads %.3f%%, late samples %ld, first (cold) sample %.1f us\n",
                (int)o.pid, version, o.rate > 0 ? "on schedule" : "flat out", calls, elapsed,
                elapsed > 0 ? (double)calls / elapsed : 0, b.failed, wall_mean,
                percentile_us(b.wall_ns, calls, 0.50), percentile_us(b.wall_ns, calls, 0.99),
                wall_mean > 0 ? 1e6 / wall_mean : 0, cpu_us, user_us, sys_us,
                (double)(t.mem.syscalls - syscalls0) / n, (double)(t.mem.bytes - bytes0) / n,
                (double)b.frames / ok, (double)b.threads / ok, 100.0 * (double)b.torn_threads / thr,
                b.late, first_us);
    }
    free(b.wall_ns);
    py_sample_free(&s);
    pytarget_detach(&t);
    return calls > 0 && b.samples > 0 ? 0 : 1;
}
