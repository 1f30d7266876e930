/*
 * output/atomic_file: writing a file so that readers see either the old file or
 * the complete new one, never a half-written profile: write to a temporary
 * file in the same directory, flush and fsync it, then rename it over the
 * destination.
 */
#ifndef PYTOP_OUTPUT_ATOMIC_FILE_H
#define PYTOP_OUTPUT_ATOMIC_FILE_H

#include <stdio.h>

#include "error.h"

struct atomic_file {
    FILE *fp;        /* write here */
    char path[4096]; /* the destination */
    char tmp[4200];  /* the temporary file */
};

/* Create the temporary file for path. PT_E_IO with a message naming path
 * on failure. */
int atomic_file_open(struct atomic_file *af, const char *path, struct pt_error *err);

/* Flush, fsync and rename into place. On failure the temporary file is
 * removed and the destination is untouched. */
int atomic_file_commit(struct atomic_file *af, struct pt_error *err);

/* Give up: remove the temporary file. */
void atomic_file_abort(struct atomic_file *af);

/* What writes a file's content to fp: 0, or -1 with err set. */
typedef int (*atomic_file_writer)(FILE *fp, const void *arg, struct pt_error *err);

/* The whole sequence, the one way pytop writes a file: open, write(fp,
 * arg, err), then commit, or abort when write fails (nothing is left
 * behind). A path of "-" writes to stdout instead, flushed (a reader
 * that stopped reading, EPIPE, is no error). */
int atomic_file_write(const char *path, atomic_file_writer write, const void *arg,
                      struct pt_error *err);

/* A path that does not exist yet: path itself, or path with "-1", "-2"...
 * before its extension (profile.svg -> profile-1.svg). */
void atomic_file_unused_path(const char *path, char *out, size_t size);

#endif
