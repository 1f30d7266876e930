/*
 * output/meta: what a profile file says about how it was taken, for its
 * title and header (every writer gets the same).
 */
#ifndef PYTOP_OUTPUT_META_H
#define PYTOP_OUTPUT_META_H

#include <stdint.h>
#include <time.h>

struct profile_meta {
    char target[512]; /* "PID 4242 (python3 app.py)", "3 processes (uvicorn master 4242 ...)" */
    char python[64];  /* "Python 3.12.1"; several versions joined by ", " */
    time_t started;   /* wall clock at the first sample */
    double duration;  /* seconds sampled */
    uint64_t samples; /* stacks recorded (what the tree counts) */
    uint64_t lost;    /* samples that could not be taken */
    double rate;      /* requested samples per second per process */
    double achieved;  /* achieved ticks per second */
    int by_function;  /* frames aggregated by function (line = 0) */
    int idle;         /* idle threads kept */
    int gil_only;     /* only the GIL holder kept */
};

#endif
