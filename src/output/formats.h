/*
 * output/formats: the profile formats pytop writes, told by name or by a
 * file's name, and the one writer that dispatches to them (for
 * atomic_file_write: `record`, the live view's `s`).
 */
#ifndef PYTOP_OUTPUT_FORMATS_H
#define PYTOP_OUTPUT_FORMATS_H

#include <stdio.h>

#include "calltree.h"
#include "error.h"
#include "output/meta.h"

enum profile_format { FORMAT_FLAMEGRAPH, FORMAT_COLLAPSED, FORMAT_SPEEDSCOPE, FORMAT_PPROF };

/* The format named (flamegraph or svg, collapsed or folded, speedscope,
 * pprof): 0, or -1 for a name pytop does not write. */
int format_by_name(const char *name, enum profile_format *f);

/* The format a file's name asks for: .txt, .folded and .collapsed are
 * collapsed stacks, .json speedscope, .pb.gz pprof, anything else an SVG
 * flamegraph. */
enum profile_format format_of_path(const char *path);

/* A profile to write: what format_write puts in a file. */
struct profile_file {
    enum profile_format format;
    const struct calltree *tree;
    const struct profile_meta *meta;
};

/* Write the struct profile_file at arg to fp in its format (an
 * atomic_file_writer). */
int format_write(FILE *fp, const void *arg, struct pt_error *err);

#endif
