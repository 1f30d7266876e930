/*
 * output/pprof: a calltree as a pprof profile (profile.proto, gzipped),
 * the format go tool pprof, Pyroscope, Parca and Grafana read, and such a
 * file back into a calltree.
 *
 * The one idea: pprof has no frames that are not code. A stack's leading
 * process, thread and task frames ("process 42 (python3 app.py)", then
 * "thread 43 (worker)", then "task main") become string labels of its
 * sample ("process" = "42 (python3 app.py)", "thread" = "43 (worker)",
 * "task" = "main"), which is how those tools split a profile; reading
 * puts them back in front of the stack, in that order. Every other frame
 * is a Location with one Line: a Python frame's Function has its name,
 * file and first line; a native frame's library is the Location's
 * Mapping; a task frame deeper in a stack is a Function named by its
 * text ("task worker"), so nothing is lost.
 *
 * Each stack with samples of its own is one Sample (locations innermost
 * first, as pprof orders them) whose values are its count and that count
 * in nanoseconds of the sampling period: cpu when only running threads
 * were kept, wall when idle ones were too. What pprof has no field for
 * (target, Python version, lost samples, settings) goes in its comments,
 * which go tool pprof shows and reading parses back.
 */
#ifndef PYTOP_OUTPUT_PPROF_H
#define PYTOP_OUTPUT_PPROF_H

#include <stddef.h>
#include <stdio.h>

#include "calltree.h"
#include "error.h"
#include "output/meta.h"

/* Write t as a gzip-compressed pprof profile to out; m (may be NULL) gives
 * the rate, start, duration and the comments. Without a rate the samples
 * are plain counts. 0, or -1 with PT_E_IO when writing (or flushing) out
 * fails, PT_E_NOMEM when out of memory. */
int pprof_write(FILE *out, const struct calltree *t, const struct profile_meta *m,
                struct pt_error *err);

/* Add the samples of the pprof profile in data[0..size) (gzipped or not)
 * to t (an initialized tree; what it already holds is kept), root first,
 * counting the values of the first sample type. m (may be NULL) gets what
 * the file says of the recording: rate (from the period), start,
 * duration, samples, and from pytop's comments target, Python version,
 * lost samples and settings; the rest is zeroed. A file that is not a
 * pprof profile, is cut short, refers to an id or string that is not
 * there, or holds no samples fails with PT_E_IO and one message saying
 * what is wrong (PT_E_NOMEM when out of memory); t may then hold part of
 * the samples (free it as usual). */
int pprof_read(const void *data, size_t size, struct calltree *t, struct profile_meta *m,
               struct pt_error *err);

/* 1 if data[0..size) looks like a pprof profile: gzip's magic bytes, or
 * a protobuf that decodes as a Profile whose string table starts with "".
 * Cheap for anything that is not one; never fails. */
int pprof_detect(const void *data, size_t size);

#endif
