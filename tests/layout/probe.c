/*
 * Layout probe: compiled against one CPython's internal headers
 * (-DPy_BUILD_CORE), it prints the offsets that pytop's shipped layout
 * table (src/python/layout.c) must hold for that version, one
 * "field value" pair per line. tests/check-layouts compares the two.
 * pytop itself never needs these headers.
 */
#define Py_BUILD_CORE 1
#include <Python.h>
#include <stddef.h>
#include <stdio.h>
#if PY_MINOR_VERSION >= 8
#include <internal/pycore_pystate.h>
#endif
#if PY_MINOR_VERSION >= 9
#include <internal/pycore_interp.h>
#include <internal/pycore_runtime.h>
#endif
#if PY_MINOR_VERSION >= 11
#include <internal/pycore_frame.h>
#include <internal/pycore_code.h>
#include <internal/pycore_dict.h>
#else
#include <frameobject.h>
#endif
#if PY_MINOR_VERSION == 10 || PY_MINOR_VERSION == 9 || PY_MINOR_VERSION == 8
#include <dictobject.h>
#endif

#define P(name, value) printf("%s %ld\n", name, (long)(value))

int main(void)
{
    P("minor", PY_MINOR_VERSION);
    P("rt_interp_head", offsetof(_PyRuntimeState, interpreters.head));
#if PY_MINOR_VERSION <= 11
    P("rt_tstate_current", offsetof(_PyRuntimeState, gilstate.tstate_current));
    P("rt_gil", offsetof(_PyRuntimeState, ceval.gil));
    P("is_gil_ptr", 0);
#else
    P("rt_tstate_current", 0);
    P("rt_gil", 0);
    P("is_gil_ptr", offsetof(PyInterpreterState, ceval.gil));
#endif
    P("gil_last_holder", offsetof(struct _gil_runtime_state, last_holder));
    P("gil_locked", offsetof(struct _gil_runtime_state, locked));
    P("is_next", offsetof(PyInterpreterState, next));
#if PY_MINOR_VERSION >= 11
    P("is_tstate_head", offsetof(PyInterpreterState, threads.head));
#if PY_MINOR_VERSION >= 12
    P("is_modules", offsetof(PyInterpreterState, imports.modules));
#else
    P("is_modules", offsetof(PyInterpreterState, modules));
#endif
#else
    P("is_tstate_head", offsetof(PyInterpreterState, tstate_head));
    P("is_modules", offsetof(PyInterpreterState, modules));
#endif
    P("ts_next", offsetof(PyThreadState, next));
    P("ts_interp", offsetof(PyThreadState, interp));
#if PY_MINOR_VERSION >= 13
    P("ts_frame", offsetof(PyThreadState, current_frame));
    P("cf_current_frame", 0);
#elif PY_MINOR_VERSION >= 11
    P("ts_frame", offsetof(PyThreadState, cframe));
    P("cf_current_frame", offsetof(_PyCFrame, current_frame));
#else
    P("ts_frame", offsetof(PyThreadState, frame));
    P("cf_current_frame", 0);
#endif
    P("ts_thread_id", offsetof(PyThreadState, thread_id));
#if PY_MINOR_VERSION >= 11
    P("ts_native_thread_id", offsetof(PyThreadState, native_thread_id));
#else
    P("ts_native_thread_id", 0);
#endif
#if PY_MINOR_VERSION >= 11
    P("ts_datastack_chunk", offsetof(PyThreadState, datastack_chunk));
    P("fr_back", offsetof(_PyInterpreterFrame, previous));
#if PY_MINOR_VERSION >= 13
    P("fr_code", offsetof(_PyInterpreterFrame, f_executable));
    P("fr_instr", offsetof(_PyInterpreterFrame, instr_ptr));
#else
    P("fr_code", offsetof(_PyInterpreterFrame, f_code));
    P("fr_instr", offsetof(_PyInterpreterFrame, prev_instr));
#endif
    P("fr_localsplus", offsetof(_PyInterpreterFrame, localsplus));
    P("fr_owner", offsetof(_PyInterpreterFrame, owner));
    P("fr_state", 0);
    P("fr_size", offsetof(_PyInterpreterFrame, localsplus));
#else
    P("ts_datastack_chunk", 0);
    P("fr_back", offsetof(PyFrameObject, f_back));
    P("fr_code", offsetof(PyFrameObject, f_code));
    P("fr_instr", offsetof(PyFrameObject, f_lasti));
    P("fr_localsplus", offsetof(PyFrameObject, f_localsplus));
    P("fr_owner", 0);
#if PY_MINOR_VERSION >= 10
    P("fr_state", offsetof(PyFrameObject, f_state));
#else
    P("fr_state", offsetof(PyFrameObject, f_executing));
#endif
    P("fr_size", sizeof(PyFrameObject));
#endif
    P("co_filename", offsetof(PyCodeObject, co_filename));
    P("co_name", offsetof(PyCodeObject, co_name));
#if PY_MINOR_VERSION >= 11
    P("co_qualname", offsetof(PyCodeObject, co_qualname));
    P("co_linetable", offsetof(PyCodeObject, co_linetable));
    P("co_code", offsetof(PyCodeObject, co_code_adaptive));
    P("co_varnames", offsetof(PyCodeObject, co_localsplusnames));
    P("co_localspluskinds", offsetof(PyCodeObject, co_localspluskinds));
    P("co_nlocals", offsetof(PyCodeObject, co_nlocalsplus));
    P("co_firsttraceable", offsetof(PyCodeObject, _co_firsttraceable));
#elif PY_MINOR_VERSION == 10
    P("co_qualname", 0);
    P("co_linetable", offsetof(PyCodeObject, co_linetable));
    P("co_code", offsetof(PyCodeObject, co_code));
    P("co_varnames", offsetof(PyCodeObject, co_varnames));
    P("co_localspluskinds", 0);
    P("co_nlocals", offsetof(PyCodeObject, co_nlocals));
    P("co_firsttraceable", 0);
#else
    P("co_qualname", 0);
    P("co_linetable", offsetof(PyCodeObject, co_lnotab));
    P("co_code", offsetof(PyCodeObject, co_code));
    P("co_varnames", offsetof(PyCodeObject, co_varnames));
    P("co_localspluskinds", 0);
    P("co_nlocals", offsetof(PyCodeObject, co_nlocals));
    P("co_firsttraceable", 0);
#endif
    P("co_firstlineno", offsetof(PyCodeObject, co_firstlineno));
    P("co_argcount", offsetof(PyCodeObject, co_argcount));
    P("co_flags", offsetof(PyCodeObject, co_flags));
    P("tp_name", offsetof(PyTypeObject, tp_name));
    P("tp_basicsize", offsetof(PyTypeObject, tp_basicsize));
    P("tp_flags", offsetof(PyTypeObject, tp_flags));
    P("tp_dictoffset", offsetof(PyTypeObject, tp_dictoffset));
    P("ht_cached_keys", offsetof(PyHeapTypeObject, ht_cached_keys));
    P("tuple_item", offsetof(PyTupleObject, ob_item));
    P("list_item", offsetof(PyListObject, ob_item));
    P("dict_used", offsetof(PyDictObject, ma_used));
    P("dict_keys", offsetof(PyDictObject, ma_keys));
    P("dict_values", offsetof(PyDictObject, ma_values));
#if PY_MINOR_VERSION >= 11
    P("dk_size", offsetof(PyDictKeysObject, dk_log2_size));
    P("dk_log2_index_bytes", offsetof(PyDictKeysObject, dk_log2_index_bytes));
    P("dk_kind", offsetof(PyDictKeysObject, dk_kind));
    P("dk_nentries", offsetof(PyDictKeysObject, dk_nentries));
    P("dk_indices", offsetof(PyDictKeysObject, dk_indices));
#else
    /* Objects/dict-common.h is not installed before 3.11; its
     * struct _dictkeysobject is refcnt, size, lookup, usable, nentries,
     * indices[] (all pointer-sized). */
    P("dk_size", 8);
    P("dk_log2_index_bytes", 0);
    P("dk_kind", 0);
    P("dk_nentries", 32);
    P("dk_indices", 40);
#endif
    P("float_fval", offsetof(PyFloatObject, ob_fval));
#if PY_MINOR_VERSION >= 12
    P("long_digit", offsetof(PyLongObject, long_value.ob_digit));
#else
    P("long_digit", offsetof(PyLongObject, ob_digit));
#endif
    P("bytes_sval", offsetof(PyBytesObject, ob_sval));
    P("unicode_state", offsetof(PyASCIIObject, state));
    P("unicode_length", offsetof(PyASCIIObject, length));
    P("unicode_ascii_size", sizeof(PyASCIIObject));
    P("unicode_compact_size", sizeof(PyCompactUnicodeObject));
    P("cell_ref", offsetof(PyCellObject, ob_ref));
    P("gen_frame", 0);
    return 0;
}
