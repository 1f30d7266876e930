/*
 * output/atomic: writing a file so that readers see either the old file or
 * the complete new one, never a half-written profile: write to a temporary
 * file in the same directory, flush and fsync it, then rename it over the
 * destination.
 */
#ifndef PYTOP_OUTPUT_ATOMIC_H
#define PYTOP_OUTPUT_ATOMIC_H

#include <stdio.h>

#include "error.h"

struct atomic_file {
    FILE *fp;        /* write here */
    char path[4096]; /* the destination */
    char tmp[4200];  /* the temporary file */
};

/* Create the temporary file for path. PT_E_IO with a message naming path
 * on failure. */
int atomic_open(struct atomic_file *af, const char *path, struct pt_error *err);

/* Flush, fsync and rename into place. On failure the temporary file is
 * removed and the destination is untouched. */
int atomic_commit(struct atomic_file *af, struct pt_error *err);

/* Give up: remove the temporary file. */
void atomic_abort(struct atomic_file *af);

/* A path that does not exist yet: path itself, or path with "-1", "-2"...
 * before its extension (profile.svg -> profile-1.svg). */
void atomic_unused_path(const char *path, char *out, size_t size);

#endif
