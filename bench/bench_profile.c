/*
 * bench_profile: the cost of keeping and writing a big profile.
 *
 * Feeds the real profile (src/profile.c) 1,000,000 samples over 10,000
 * distinct stacks (depths 5-60 drawn from a fixed-seed generator, frames
 * from a pool of 5,000 functions, so stacks share prefixes the way real
 * programs do), then reports the process's peak RSS, the cost of one
 * profile_add, the time of a snapshot, and the time to write the
 * flamegraph, collapsed and speedscope files of it.
 *
 *   bench_profile [-n SAMPLES] [-s STACKS] [-o DIR]
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "calltree.h"
#include "output/atomic_file.h"
#include "output/collapsed.h"
#include "output/flamegraph.h"
#include "output/meta.h"
#include "output/speedscope.h"
#include "profile.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 11);
}

static long peak_rss_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

typedef int (*writer_fn)(FILE *, const struct calltree *, const struct profile_meta *,
                         struct pt_error *);

static int write_collapsed(FILE *f, const struct calltree *t, const struct profile_meta *m,
                           struct pt_error *err)
{
    (void)m;
    return collapsed_write(f, t, err);
}

static void time_writer(const char *dir, const char *name, writer_fn fn, const struct calltree *t,
                        const struct profile_meta *m)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct atomic_file af;
    struct pt_error err;
    double t0 = now();
    if (atomic_file_open(&af, path, &err) != 0 || fn(af.fp, t, m, &err) != 0 ||
        atomic_file_commit(&af, &err) != 0) {
        fprintf(stderr, "bench_profile: %s\n", err.msg);
        exit(1);
    }
    double secs = now() - t0;
    FILE *f = fopen(path, "r");
    long size = 0;
    if (f) {
        fseek(f, 0, SEEK_END);
        size = ftell(f);
        fclose(f);
    }
    printf("write_%s_ms=%.1f\n%s_bytes=%ld\n", name, secs * 1e3, name, size);
}

int main(int argc, char **argv)
{
    long samples = 1000000, nstacks = 10000;
    const char *dir = "/tmp";
    int c;
    while ((c = getopt(argc, argv, "n:s:o:")) != -1) {
        if (c == 'n')
            samples = atol(optarg);
        else if (c == 's')
            nstacks = atol(optarg);
        else if (c == 'o')
            dir = optarg;
        else {
            fprintf(stderr, "usage: bench_profile [-n SAMPLES] [-s STACKS] [-o DIR]\n");
            return 2;
        }
    }
    long rss_start = peak_rss_kib();
    struct profile prof;
    struct pt_error err;
    if (profile_init(&prof, &err) != 0)
        return 1;

    /* A pool of functions, and stacks built as walks down a tree of them. */
    enum { FUNCS = 5000, MAXDEPTH = 60 };
    static uint32_t frames[FUNCS];
    for (int i = 0; i < FUNCS; i++) {
        char name[64], file[64];
        snprintf(name, sizeof name, "function_%d", i);
        snprintf(file, sizeof file, "package_%d/module_%d.py", i % 40, i % 400);
        profile_frame(&prof, CT_PYTHON, name, file, "", 10 + i % 300, CT_ORIGIN_APP, 10,
                      &frames[i]);
    }
    uint32_t(*stacks)[MAXDEPTH] = calloc((size_t)nstacks, sizeof *stacks);
    int *depth = calloc((size_t)nstacks, sizeof *depth);
    for (long s = 0; s < nstacks; s++) {
        depth[s] = 5 + (int)(rng() % (MAXDEPTH - 5));
        /* Shared prefixes: the first frames come from a small set. */
        for (int d = 0; d < depth[s]; d++) {
            uint32_t spread = d < 3 ? 4u : d < 8 ? 60u : (uint32_t)FUNCS;
            stacks[s][d] = frames[rng() % spread];
        }
    }
    double t0 = now();
    for (long i = 0; i < samples; i++) {
        /* Skewed: a few stacks are hot, as in real profiles. */
        long s = (long)(rng() % (uint32_t)nstacks);
        if (rng() % 4 == 0)
            s %= 100;
        profile_add(&prof, stacks[s], depth[s], i / 10000);
    }
    double add_secs = now() - t0;

    t0 = now();
    struct calltree tree;
    struct profile_stats st;
    profile_snapshot(&prof, &tree, NULL, 0, 0, &st, &err);
    double snap_secs = now() - t0;

    printf("samples=%ld\nstacks=%ld\nnodes=%u\nframes=%u\n", samples, nstacks, tree.nnodes,
           tree.nframes);
    printf("add_ns_per_sample=%.1f\n", add_secs * 1e9 / (double)samples);
    printf("snapshot_ms=%.1f\n", snap_secs * 1e3);
    printf("peak_rss_kib=%ld\nrss_growth_kib=%ld\n", peak_rss_kib(), peak_rss_kib() - rss_start);

    struct profile_meta meta;
    memset(&meta, 0, sizeof meta);
    snprintf(meta.target, sizeof meta.target, "bench_profile synthetic");
    snprintf(meta.python, sizeof meta.python, "Python 3.12.1");
    meta.samples = st.samples;
    meta.rate = meta.achieved = 100;
    meta.duration = (double)samples / 100.0;
    time_writer(dir, "profile.svg", flamegraph_write, &tree, &meta);
    time_writer(dir, "profile.txt", write_collapsed, &tree, &meta);
    time_writer(dir, "profile.json", speedscope_write, &tree, &meta);
    printf("peak_rss_after_writing_kib=%ld\n", peak_rss_kib());
    calltree_free(&tree);
    profile_free(&prof);
    free(stacks);
    free(depth);
    return 0;
}
