/*
 * python/layout: where CPython keeps what pytop reads, per minor version.
 *
 * The version differences of CPython are data here, not code: one struct of
 * byte offsets and small constants per minor version (3.8-3.15), generated
 * by tests/layout/generate (into layouts.inc) from each version's own
 * headers and, for what no header has (asyncio's private structs), from
 * measurements in a running interpreter of that version
 * (tests/layout/probe_asyncio.py); tests/layout/check checks both. From 3.13
 * the target's _Py_DebugOffsets (at the start of _PyRuntime) override every
 * field they cover, so a patch release that moves a field is still read
 * right; which debug offset feeds which field is the second column below.
 */
#ifndef PYTOP_PYTHON_LAYOUT_H
#define PYTOP_PYTHON_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct remote;

/* A field this version does not have. 0 is a real offset (3.12's
 * _PyCFrame.current_frame, 3.13's f_executable). */
#define PY_ABSENT UINT32_MAX

/*
 * Every field, once: X(name, debug offset). The debug offset names the
 * member of _Py_DebugOffsets that gives the field from 3.13 on ("" for
 * none): "group.member"; "group.a - group.b" for a difference of two;
 * "=group.member" for one that must equal the table (a check that the
 * target's struct has the shape pytop knows); "@M ..." for 3.M alone.
 * Names match tests/layout/probe.c.
 */
// clang-format off
#define PY_LAYOUT_FIELDS(X)                                                                        \
    /* _PyRuntime and PyInterpreterState */                                                        \
    X(rt_interp_head,       "runtime_state.interpreters_head")                                     \
    X(rt_tstate_current,    "")  /* the GIL holder, 3.8-3.11 */                                    \
    X(interp_gil_ptr,       "interpreter_state.ceval_gil")  /* 3.12+ */                            \
    X(gil_last_holder,      "interpreter_state.gil_runtime_state_holder - interpreter_state.gil_runtime_state") \
    X(gil_locked,           "interpreter_state.gil_runtime_state_locked - interpreter_state.gil_runtime_state") \
    X(interp_next,          "interpreter_state.next")                                              \
    X(interp_tstate_head,   "interpreter_state.threads_head")                                      \
    X(interp_modules,       "interpreter_state.imports_modules")                                   \
    /* PyThreadState (3.11-3.12: and _PyCFrame) */                                                 \
    X(ts_next,              "thread_state.next")                                                   \
    X(ts_interp,            "thread_state.interp")                                                 \
    X(ts_frame,             "thread_state.current_frame")  /* 3.11-3.12: cframe */                 \
    X(cf_current_frame,     "")  /* 3.11-3.12 */                                                   \
    X(ts_base_frame,        "thread_state.base_frame")  /* 3.15+: the walk's end */                \
    X(ts_holds_gil,         "thread_state.holds_gil")  /* 3.15+ */                                 \
    X(ts_thread_id,         "thread_state.thread_id")                                              \
    X(ts_native_thread_id,  "thread_state.native_thread_id")  /* 3.11+ */                          \
    X(ts_datastack_chunk,   "thread_state.datastack_chunk")  /* 3.11+ */                           \
    X(ts_datastack_top,     "")  /* 3.11+ */                                                       \
    /* Frames: PyFrameObject (3.8-3.10), _PyInterpreterFrame (3.11+) */                            \
    X(fr_back,              "interpreter_frame.previous")                                          \
    X(fr_code,              "interpreter_frame.executable")                                        \
    X(fr_instr,             "interpreter_frame.instr_ptr")                                         \
    X(fr_localsplus,        "interpreter_frame.localsplus")                                        \
    X(fr_owner,             "interpreter_frame.owner")  /* 3.11+ */                                \
    X(fr_is_entry,          "")  /* 3.11 */                                                        \
    X(fr_size,              "")                                                                    \
    X(fr_lasti_scale,       "")  /* bytes per f_lasti unit, 3.8-3.10 */                            \
    X(fr_state,             "")  /* f_executing (3.8-3.9), f_state (3.10) */                       \
    X(fr_state_enum,        "")  /* 3.10: f_state is enum _framestate */                           \
    X(fr_owner_generator,   "")  /* FRAME_OWNED_BY_GENERATOR, 3.11+ */                             \
    X(fr_owner_shim,        "")  /* the first owner of no Python code, 3.12+ */                    \
    X(fr_tag_bits,          "")  /* _PyStackRef tag bits of f_executable */                        \
    /* PyCodeObject */                                                                             \
    X(co_filename,          "code_object.filename")                                                \
    X(co_name,              "code_object.name")                                                    \
    X(co_qualname,          "code_object.qualname")  /* 3.11+ */                                   \
    X(co_linetable,         "code_object.linetable")                                               \
    X(co_linetable_format,  "")  /* 8: co_lnotab, 10: PEP 626, 11: locations */                    \
    X(co_code,              "code_object.co_code_adaptive")                                        \
    X(co_varnames,          "code_object.localsplusnames")                                         \
    X(co_localspluskinds,   "code_object.localspluskinds")  /* 3.11+ */                            \
    X(co_nlocals,           "")                                                                    \
    X(co_firsttraceable,    "")  /* 3.11+ */                                                       \
    X(co_firstlineno,       "code_object.firstlineno")                                             \
    X(co_argcount,          "code_object.argcount")                                                \
    X(co_flags,             "")                                                                    \
    /* Objects */                                                                                  \
    X(ob_type,              "=pyobject.ob_type")                                                   \
    X(var_size,             "=tuple_object.ob_size")                                               \
    X(tp_name,              "type_object.tp_name")                                                 \
    X(tp_basicsize,         "type_object.tp_basicsize")                                            \
    X(tp_flags,             "type_object.tp_flags")                                                \
    X(tp_dictoffset,        "type_object.tp_dictoffset")                                           \
    X(ht_cached_keys,       "heap_type_object.ht_cached_keys")                                     \
    X(managed_dict,         "")  /* bytes before the object, 3.11+ */                              \
    X(managed_values,       "")  /* 3.11 */                                                        \
    X(managed_tagged,       "")  /* 3.12: values tagged in the dict slot */                        \
    X(values_array,         "")  /* in what ma_values points to */                                 \
    X(values_valid,         "")  /* 3.13+ */                                                       \
    X(tuple_item,           "=tuple_object.ob_item")                                               \
    X(list_item,            "=list_object.ob_item")                                                \
    X(dict_used,            "")                                                                    \
    X(dict_keys,            "dict_object.ma_keys")                                                 \
    X(dict_values,          "dict_object.ma_values")                                               \
    X(dk_size,              "")                                                                    \
    X(dk_log2_index_bytes,  "")  /* 3.11+ */                                                       \
    X(dk_kind,              "")  /* 3.11+ */                                                       \
    X(dk_nentries,          "")                                                                    \
    X(dk_indices,           "")                                                                    \
    X(set_used,             "set_object.used")                                                     \
    X(set_mask,             "set_object.mask")                                                     \
    X(set_table,            "set_object.table")                                                    \
    X(float_fval,           "=float_object.ob_fval")                                               \
    X(long_tag,             "long_object.lv_tag")                                                  \
    X(long_tag_shift,       "")  /* 3.12+: lv_tag's non-size bits */                               \
    X(long_digit,           "long_object.ob_digit")                                                \
    X(bytes_sval,           "=bytes_object.ob_sval")                                               \
    X(unicode_state,        "=unicode_object.state")                                               \
    X(unicode_length,       "unicode_object.length")                                               \
    X(unicode_ascii_size,   "unicode_object.asciiobject_size")                                     \
    X(unicode_compact_size, "unicode_object.compactunicodeobject_size")                            \
    X(cell_ref,             "")                                                                    \
    X(mod_dict,             "")                                                                    \
    X(meth_self,            "")  /* PyMethodObject.im_self */                                      \
    X(weakref_object,       "")  /* PyWeakReference.wr_object */                                   \
    /* Generators and coroutines, and the value stack of a suspended frame */                      \
    X(gen_frame,            "")  /* gi_frame, 3.8-3.10 */                                          \
    X(gen_iframe,           "gen_object.gi_iframe")  /* 3.11+ */                                   \
    X(gen_frame_state,      "gen_object.gi_frame_state")  /* 3.11+, an int8 */                     \
    X(gen_suspended_states, "")  /* bit (state + 8): paused at a yield or await, 3.11+ */          \
    X(fr_stackpointer,      "interpreter_frame.stackpointer")  /* past the top: 3.8-3.9, 3.14+ */  \
    X(fr_stackdepth,        "")  /* an int: 3.10, 3.11-3.13 (from localsplus) */                   \
    X(fr_valuestack,        "")  /* 3.10: where the depth counts from */                           \
    X(gen_yf_slot,          "")  /* the awaited object, slots below the top */                     \
    /* asyncio: Modules/_asynciomodule.c's FutureObj, TaskObj, futureiterobject */                 \
    X(fut_loop,             "")                                                                    \
    X(fut_callback0,        "")                                                                    \
    X(fut_callbacks,        "")  /* list of (callback, context) after the first */                 \
    X(fut_state,            "")  /* int: 0 pending, 1 cancelled, 2 finished */                     \
    X(fut_awaited_by,       "")  /* 3.14+: the awaiting task (or a set) */                         \
    X(task_fut_waiter,      "")                                                                    \
    X(task_coro,            "")                                                                    \
    X(task_name,            "")                                                                    \
    X(task_node,            "")  /* 3.14+: in its thread's list of tasks */                        \
    X(futiter_future,       "")                                                                    \
    X(ts_dict,              "")  /* PyThreadState.dict: 3.8-3.12 keep the running loop there */    \
    X(holder_loop,          "")  /* 3.8-3.11: _RunningLoopHolder.rl_loop (3.12+: the loop itself) */ \
    X(ts_asyncio_loop,      "@13 thread_state.size")  /* 3.13+; 3.13: after the PyThreadState */ \
    X(ts_asyncio_task,      "")  /* 3.14+: asyncio_running_task */                                 \
    X(ts_asyncio_tasks,     "")  /* 3.14+: asyncio_tasks_head */                                   \
    X(interp_asyncio_tasks, "")  /* 3.14+: PyInterpreterState.asyncio_tasks_head */
// clang-format on

struct py_layout {
    int minor;
#define PY_LAYOUT_DECLARE(name, debug) uint32_t name;
    PY_LAYOUT_FIELDS(PY_LAYOUT_DECLARE)
#undef PY_LAYOUT_DECLARE
};

/* Whether a field exists in this version. */
static inline int layout_has(uint32_t field)
{
    return field != PY_ABSENT;
}

/* The shipped table for 3.minor, or NULL if pytop has none. */
const struct py_layout *layout_for(int minor);

/* The newest minor version pytop has a table for. */
int layout_newest_minor(void);

/* Print a layout as "field value" lines ("absent" for PY_ABSENT). */
void layout_print(const struct py_layout *lay);

/* On 3.13+: read the target's _Py_DebugOffsets at debug_addr and update
 * *lay with them, for a target of version hex `version` (PY_VERSION_HEX).
 * Fails with PT_E_NOTPYTHON while the runtime is not initialized,
 * PT_E_UNSUPPORTED (naming the version) if the build is free-threaded or
 * the offsets do not have the shape pytop knows. */
int layout_apply_debug_offsets(struct py_layout *lay, struct remote *mem, uint64_t debug_addr,
                               uint32_t version, struct pt_error *err);

/* On 3.14+: update *lay from the contents of the target's AsyncioDebug
 * section (size bytes at section). NULL, or what is wrong with it (the
 * name of the first offset that does not fit or does not match the
 * table); *lay is then unchanged. */
const char *layout_apply_asyncio_offsets(struct py_layout *lay, const void *section, size_t size);

#endif
