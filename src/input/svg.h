/*
 * input/svg: the profile inside a flamegraph SVG pytop wrote (the
 * <metadata id="pytop-profile"> element, see output/flamegraph.h): its
 * folded stacks and what its attributes say of the run. Other SVGs (a
 * flamegraph.pl drawing, say) hold no profile, only boxes, and are
 * refused.
 */
#ifndef PYTOP_INPUT_SVG_H
#define PYTOP_INPUT_SVG_H

#include <stddef.h>

#include "calltree.h"
#include "error.h"
#include "output/meta.h"

/* 1 if data (an SVG) carries pytop's profile, 0 if not. */
int svg_has_profile(const char *data, size_t size);

/* Add the profile in the SVG at data to t, and fill m from its
 * attributes. 0, or -1 with PT_E_IO saying what is wrong. */
int svg_read(const char *data, size_t size, struct calltree *t, struct profile_meta *m,
             struct pt_error *err);

#endif
