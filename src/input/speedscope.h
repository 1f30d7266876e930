/*
 * input/speedscope: reading speedscope files (the JSON of
 * https://www.speedscope.app/file-format-schema.json): pytop's own and
 * py-spy's, and any other "sampled" profile.
 *
 * Stacks come back root first as they were; frames with a file are
 * Python frames, pytop's process, thread and task frames (names without
 * a file) are rebuilt as such, and a file of several profiles (one per
 * process in pytop's, one per thread in py-spy's) gets a root frame per
 * profile so that what each held stays apart. Weights in a unit of time
 * become sample counts through the smallest weight (one sample).
 */
#ifndef PYTOP_INPUT_SPEEDSCOPE_H
#define PYTOP_INPUT_SPEEDSCOPE_H

#include <stddef.h>

#include "calltree.h"
#include "error.h"
#include "output/meta.h"

/* Add the samples of the speedscope JSON in data to t and fill what m can
 * learn (target, duration, samples). exporter gets the file's "exporter"
 * ("" if none). 0, or -1 with PT_E_IO naming what is wrong. */
int speedscope_read(const char *data, size_t size, struct calltree *t, struct profile_meta *m,
                    char *exporter, size_t exporter_size, struct pt_error *err);

#endif
