/*
 * output/speedscope: a calltree as a speedscope profile (JSON, the
 * "sampled" kind of https://www.speedscope.app/file-format-schema.json),
 * which speedscope.app and several other viewers open.
 *
 * Every frame of the tree becomes one entry of shared.frames; each stack
 * with samples of its own becomes one sample (frame indices, root first)
 * whose weight is its count, so the file grows with the distinct stacks,
 * not with the samples. Weights are seconds (count / rate) when the rate
 * is known, plain sample counts ("none") otherwise.
 *
 * When the tree holds several processes (two or more process frames under
 * the root, as with -s), each process gets its own profile, named after
 * it and without the process frame in its stacks; speedscope shows one
 * at a time. Samples outside every process go to a last profile.
 */
#ifndef PYTOP_OUTPUT_SPEEDSCOPE_H
#define PYTOP_OUTPUT_SPEEDSCOPE_H

#include <stdio.h>

#include "calltree.h"
#include "error.h"
#include "output/meta.h"

/* Write t as a speedscope file to out; m (may be NULL) names the file and
 * its single profile (m->target) and gives the rate. Strings are escaped
 * for JSON; bytes that are not UTF-8 become U+FFFD. 0, or -1 with PT_E_IO
 * when writing (or flushing) out fails, PT_E_NOMEM when out of memory. */
int speedscope_write(FILE *out, const struct calltree *t, const struct profile_meta *m,
                     struct pt_error *err);

#endif
