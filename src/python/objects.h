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

/* The index among code's locals (co_varnames / co_localsplusnames) of
 * the local variable called name, with *is_cell set when it is a cell
 * variable (3.11+: captured by an inner function); -1 when it has none
 * (or its names cannot be read). */
int pyobj_local_index(struct py_target *t, uint32_t code, const char *name, int *is_cell);

/* The object local i of frame f holds (the cell's content when is_cell,
 * as pyobj_local_index said). 0, or -1 when unbound or unreadable. */
int pyobj_frame_local(struct py_target *t, const struct py_frame *f, int i, int is_cell,
                      uint64_t *value);

/* One local of one frame, for pyobj_frame_local_many. */
struct pyobj_local_ref {
    const struct py_frame *f;
    int index, is_cell;
};

/* Several locals at once, in one read for all of them where it can be
 * (a call chain hands the same argument down through many frames):
 * values[i] the object refs[i] holds, 0 where unbound or unreadable. */
void pyobj_frame_local_many(struct py_target *t, const struct pyobj_local_ref *refs, int n,
                            uint64_t *values);

/* The str object obj as UTF-8 into buf. 0, or -1 when it is no str. */
int pyobj_str(struct py_target *t, uint64_t obj, char *buf, size_t size);

/* --- Access for the other readers of python/ (asyncio). Each returns 0,
 * or -1 if the object could not be read or is not what was asked. --- */

/* The tp_name of obj's type (cut to size). */
int pyobj_type_name(struct py_target *t, uint64_t obj, char *buf, size_t size);

/* An instance attribute from the object's own attributes (its __dict__
 * or managed values; not class attributes, not slots). */
int pyobj_getattr(struct py_target *t, uint64_t obj, const char *name, uint64_t *value);

/* dict[key], for a str key. 0, or -1 if absent or unreadable. */
int pyobj_dict_get(struct py_target *t, uint64_t dict, const char *key, uint64_t *value);

/* Several str keys of a dict (of type dict itself) at once: values[i]
 * the value of names[i], 0 where absent. Names after the first `need`
 * may be missed where only reading every key would find them (their
 * first lookups find them, and later ones by the key's address). How
 * many were found, or -1 when obj is no dict or cannot be read. Costs
 * about what one lookup does. */
int pyobj_dict_get_many(struct py_target *t, uint64_t obj, const char *const *names, int n,
                        int need, uint64_t *values);

/* sys.modules[module] (of the first interpreter), or -1 when it is not
 * imported. Its attributes are then pyobj_getattr's. */
int pyobj_module(struct py_target *t, const char *module, uint64_t *mod);

/* Attribute `name` of the module sys.modules[module] (of the first
 * interpreter). -1 also when the module is not imported. */
int pyobj_module_attr(struct py_target *t, const char *module, const char *name, uint64_t *value);

/* A non-negative int that fits 64 bits. */
int pyobj_uint(struct py_target *t, uint64_t obj, uint64_t *value);

/* Call cb for each (key, value) of a dict, each key of a set (value 0),
 * or each item of a list or tuple (value 0), at most max of them; cb
 * returns non-zero to stop. Returns the number of calls, or -1. */
int pyobj_each(struct py_target *t, uint64_t container, int max,
               int (*cb)(void *ctx, uint64_t key, uint64_t value), void *ctx);

#endif
