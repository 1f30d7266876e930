/*
 * python/layout: where CPython keeps what pytop reads, per minor version.
 *
 * The version differences of CPython are data here, not code: one struct of
 * byte offsets per minor version (3.8-3.13), checked against each version's
 * own headers by tests/check-layouts. On 3.13+ the target's
 * _Py_DebugOffsets (at the start of _PyRuntime) override the table, so a
 * patch release that moves a field is still read right.
 */
#ifndef PYTOP_PYTHON_LAYOUT_H
#define PYTOP_PYTHON_LAYOUT_H

#include <stdint.h>

#include "error.h"

struct remote;

/* Every field, once: X(name). A 0 means "absent in this version" for the
 * fields marked so in layout.c. Names match tests/layout/probe.c. */
#define PY_LAYOUT_FIELDS(X)                                                                        \
    X(rt_interp_head)                                                                              \
    X(rt_tstate_current) X(rt_gil) X(is_gil_ptr) X(gil_last_holder) X(gil_locked) X(is_next)       \
        X(is_tstate_head) X(is_modules) X(ts_next) X(ts_interp) X(ts_frame) X(cf_current_frame)    \
            X(ts_thread_id) X(ts_native_thread_id) X(ts_datastack_chunk) X(fr_back) X(fr_code)     \
                X(fr_instr) X(fr_localsplus) X(fr_owner) X(fr_size) X(co_filename) X(co_name)      \
                    X(co_qualname) X(co_linetable) X(co_code) X(co_varnames) X(co_localspluskinds) \
                        X(co_nlocals) X(co_firsttraceable) X(co_firstlineno) X(co_argcount)        \
                            X(co_flags) X(tp_name) X(tp_basicsize) X(tp_flags) X(tp_dictoffset)    \
                                X(ht_cached_keys) X(tuple_item) X(list_item) X(dict_used)          \
                                    X(dict_keys) X(dict_values) X(dk_size) X(dk_log2_index_bytes)  \
                                        X(dk_kind) X(dk_nentries) X(dk_indices) X(float_fval)      \
                                            X(long_digit) X(bytes_sval) X(unicode_state)           \
                                                X(unicode_length) X(unicode_ascii_size)            \
                                                    X(unicode_compact_size) X(cell_ref) X(fr_state)

struct py_layout {
    int minor;
#define PY_LAYOUT_DECLARE(name) uint32_t name;
    PY_LAYOUT_FIELDS(PY_LAYOUT_DECLARE)
#undef PY_LAYOUT_DECLARE
};

/* The shipped table for 3.minor, or NULL if pytop has none. */
const struct py_layout *layout_for(int minor);

/* Print a layout as "field value" lines, in the probe's format. */
void layout_print(const struct py_layout *lay);

/* On 3.13+: read the target's _Py_DebugOffsets at runtime_addr and update
 * *lay with them. Fails (PT_E_UNSUPPORTED) if the cookie is missing or the
 * offsets are implausible. */
int layout_apply_debug_offsets(struct py_layout *lay, struct remote *mem, uint64_t runtime_addr,
                               struct pt_error *err);

#endif
