/*
 * python/objects: reading Python objects of the target for people: the
 * names of threads (threading._active) and short reprs of local variables.
 *
 * Off the sampling path: used by `dump` and by the live view's snapshot.
 * Everything is bounded (depth, item count, text length): a torn object
 * reads as "<unreadable>", never as a crash.
 */
#ifndef PYTOP_PYTHON_OBJECTS_H
#define PYTOP_PYTHON_OBJECTS_H

#include <stddef.h>
#include <stdint.h>

struct py_target;
struct py_sample;
struct py_frame;

/* Longest repr produced, in bytes of UTF-8 (including "..."). */
#define PYREPR_MAX 80

/* For each thread of s (in order) its threading name into names[i]
 * (names[i][0] = '\0' when the threading module does not know it). */
void pyobj_thread_names(struct py_target *t, const struct py_sample *s, char (*names)[64]);

/* A short one-line repr of the object at obj into buf (see PYREPR_MAX). */
void pyobj_repr(struct py_target *t, uint64_t obj, char *buf, size_t size);

/* Call cb for each bound local variable of frame f, arguments first:
 * name (UTF-8) and the object's address. */
void pyobj_frame_locals(struct py_target *t, const struct py_frame *f,
                        void (*cb)(void *ctx, const char *name, uint64_t value), void *ctx);

#endif
