/*
 * Layout probe: compiled against one CPython's internal headers
 * (-DPy_BUILD_CORE), it prints what pytop's layout table
 * (src/python/layouts.inc) must hold for that version, one "field value"
 * line each, "absent" for a field the version does not have.
 * tests/layout/generate turns the output into the table, and
 * tests/layout/check compares the two. pytop itself never needs these
 * headers.
 */
#define Py_BUILD_CORE 1
#include <Python.h>
#include <stddef.h>
#include <stdio.h>
#include <internal/pycore_pystate.h>
#if PY_MINOR_VERSION >= 9
#include <internal/pycore_interp.h>
#include <internal/pycore_runtime.h>
#endif
#if PY_MINOR_VERSION >= 10
#include <internal/pycore_moduleobject.h>
#endif
#if PY_MINOR_VERSION >= 11
#include <internal/pycore_frame.h>
#include <internal/pycore_code.h>
#include <internal/pycore_dict.h>
#include <internal/pycore_object.h>
#else
#include <frameobject.h>
#endif
#if PY_MINOR_VERSION >= 12
#include <internal/pycore_long.h>
#endif
#if PY_MINOR_VERSION >= 13
#include <internal/pycore_tstate.h>
#endif
#if PY_MINOR_VERSION >= 14
#include <internal/pycore_interpframe.h>
#include <internal/pycore_stackref.h>
#endif

#define P(name, value) printf("%s %ld\n", name, (long)(value))
#define A(name)        printf("%s absent\n", name)

int main(void)
{
    printf("version %s\n", PY_VERSION);
    P("minor", PY_MINOR_VERSION);

    /* _PyRuntime and PyInterpreterState */
    P("rt_interp_head", offsetof(_PyRuntimeState, interpreters.head));
#if PY_MINOR_VERSION <= 11
    P("rt_tstate_current", offsetof(_PyRuntimeState, gilstate.tstate_current));
    A("interp_gil_ptr");
#else
    A("rt_tstate_current");
    P("interp_gil_ptr", offsetof(PyInterpreterState, ceval.gil));
#endif
    P("gil_last_holder", offsetof(struct _gil_runtime_state, last_holder));
    P("gil_locked", offsetof(struct _gil_runtime_state, locked));
    P("interp_next", offsetof(PyInterpreterState, next));
#if PY_MINOR_VERSION >= 11
    P("interp_tstate_head", offsetof(PyInterpreterState, threads.head));
#else
    P("interp_tstate_head", offsetof(PyInterpreterState, tstate_head));
#endif
#if PY_MINOR_VERSION >= 12
    P("interp_modules", offsetof(PyInterpreterState, imports.modules));
#else
    P("interp_modules", offsetof(PyInterpreterState, modules));
#endif

    /* PyThreadState */
    P("ts_next", offsetof(PyThreadState, next));
    P("ts_interp", offsetof(PyThreadState, interp));
#if PY_MINOR_VERSION >= 13
    P("ts_frame", offsetof(PyThreadState, current_frame));
    A("cf_current_frame");
#elif PY_MINOR_VERSION >= 11
    P("ts_frame", offsetof(PyThreadState, cframe));
    P("cf_current_frame", offsetof(_PyCFrame, current_frame));
#else
    P("ts_frame", offsetof(PyThreadState, frame));
    A("cf_current_frame");
#endif
#if PY_MINOR_VERSION >= 15
    P("ts_base_frame", offsetof(PyThreadState, base_frame));
    /* 3.13 and 3.14 have holds_gil too, but publish it in no debug
     * offsets: pytop reads their GIL state instead. */
    P("ts_holds_gil", offsetof(PyThreadState, holds_gil));
#else
    A("ts_base_frame");
    A("ts_holds_gil");
#endif
    P("ts_thread_id", offsetof(PyThreadState, thread_id));
    P("ts_dict", offsetof(PyThreadState, dict));
#if PY_MINOR_VERSION >= 11
    P("ts_native_thread_id", offsetof(PyThreadState, native_thread_id));
    P("ts_datastack_chunk", offsetof(PyThreadState, datastack_chunk));
    P("ts_datastack_top", offsetof(PyThreadState, datastack_top));
#else
    A("ts_native_thread_id");
    A("ts_datastack_chunk");
    A("ts_datastack_top");
#endif

    /* Frames */
#if PY_MINOR_VERSION >= 11
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
#if PY_MINOR_VERSION == 11
    P("fr_is_entry", offsetof(_PyInterpreterFrame, is_entry));
#else
    A("fr_is_entry");
#endif
    P("fr_size", offsetof(_PyInterpreterFrame, localsplus));
    A("fr_lasti_scale");
    A("fr_state");
    A("fr_state_enum");
    P("fr_owner_generator", FRAME_OWNED_BY_GENERATOR);
#if PY_MINOR_VERSION >= 14
    /* 3.14 runs each call of the eval loop from an entry frame owned by
     * the interpreter (FRAME_OWNED_BY_CSTACK, 4, is after it). */
    P("fr_owner_shim", FRAME_OWNED_BY_INTERPRETER);
    P("fr_tag_bits", Py_TAG_BITS);
#elif PY_MINOR_VERSION >= 12
    P("fr_owner_shim", FRAME_OWNED_BY_CSTACK);
    P("fr_tag_bits", 0);
#else
    A("fr_owner_shim");
    P("fr_tag_bits", 0);
#endif
#else
    P("fr_back", offsetof(PyFrameObject, f_back));
    P("fr_code", offsetof(PyFrameObject, f_code));
    P("fr_instr", offsetof(PyFrameObject, f_lasti));
    P("fr_localsplus", offsetof(PyFrameObject, f_localsplus));
    A("fr_owner");
    A("fr_is_entry");
    P("fr_size", sizeof(PyFrameObject));
    /* 3.10 counts f_lasti in code units (bpo-27129), 3.8-3.9 in bytes. */
    P("fr_lasti_scale", PY_MINOR_VERSION == 10 ? sizeof(_Py_CODEUNIT) : 1);
#if PY_MINOR_VERSION >= 10
    /* bpo-43760 replaced f_executing by f_state (Include/cpython/frameobject.h). */
    P("fr_state", offsetof(PyFrameObject, f_state));
    P("fr_state_enum", 1);
#else
    P("fr_state", offsetof(PyFrameObject, f_executing));
    A("fr_state_enum");
#endif
    A("fr_owner_generator");
    A("fr_owner_shim");
    P("fr_tag_bits", 0);
#endif

    /* PyCodeObject */
    P("co_filename", offsetof(PyCodeObject, co_filename));
    P("co_name", offsetof(PyCodeObject, co_name));
#if PY_MINOR_VERSION >= 11
    P("co_qualname", offsetof(PyCodeObject, co_qualname));
    P("co_linetable", offsetof(PyCodeObject, co_linetable));
    P("co_linetable_format", 11); /* PEP 657 locations */
    P("co_code", offsetof(PyCodeObject, co_code_adaptive));
    P("co_varnames", offsetof(PyCodeObject, co_localsplusnames));
    P("co_localspluskinds", offsetof(PyCodeObject, co_localspluskinds));
    P("co_nlocals", offsetof(PyCodeObject, co_nlocalsplus));
    P("co_firsttraceable", offsetof(PyCodeObject, _co_firsttraceable));
#else
    A("co_qualname");
#if PY_MINOR_VERSION == 10
    P("co_linetable", offsetof(PyCodeObject, co_linetable));
    P("co_linetable_format", 10); /* PEP 626 */
#else
    P("co_linetable", offsetof(PyCodeObject, co_lnotab));
    P("co_linetable_format", 8);
#endif
    P("co_code", offsetof(PyCodeObject, co_code));
    P("co_varnames", offsetof(PyCodeObject, co_varnames));
    A("co_localspluskinds");
    P("co_nlocals", offsetof(PyCodeObject, co_nlocals));
    A("co_firsttraceable");
#endif
    P("co_firstlineno", offsetof(PyCodeObject, co_firstlineno));
    P("co_argcount", offsetof(PyCodeObject, co_argcount));
    P("co_flags", offsetof(PyCodeObject, co_flags));

    /* Objects */
    P("ob_type", offsetof(PyObject, ob_type));
    P("var_size", offsetof(PyVarObject, ob_size));
    P("tp_name", offsetof(PyTypeObject, tp_name));
    P("tp_basicsize", offsetof(PyTypeObject, tp_basicsize));
    P("tp_flags", offsetof(PyTypeObject, tp_flags));
    P("tp_dictoffset", offsetof(PyTypeObject, tp_dictoffset));
    P("ht_cached_keys", offsetof(PyHeapTypeObject, ht_cached_keys));
#if PY_MINOR_VERSION >= 11
    /* Objects/object.c: the dict (3.12: dict or values) pointer sits
     * three words before the object, 3.11's values pointer four. */
#if PY_MINOR_VERSION == 12
    P("managed_dict", 3 * sizeof(PyObject *)); /* _PyObject_DictOrValuesPointer */
#else
    P("managed_dict", -MANAGED_DICT_OFFSET);
#endif
#if PY_MINOR_VERSION == 11
    P("managed_values", 4 * sizeof(PyObject *));
#else
    A("managed_values");
#endif
#if PY_MINOR_VERSION == 12
    P("managed_tagged", 1); /* PyDictOrValues: values tagged by bit 0 */
#else
    A("managed_tagged");
#endif
    P("values_array", offsetof(PyDictValues, values));
#if PY_MINOR_VERSION >= 13
    P("values_valid", offsetof(PyDictValues, valid));
#else
    A("values_valid");
#endif
#else
    A("managed_dict");
    A("managed_values");
    A("managed_tagged");
    P("values_array", 0); /* a split dict's ma_values is the array itself */
    A("values_valid");
#endif
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
    A("dk_log2_index_bytes");
    A("dk_kind");
    P("dk_nentries", 32);
    P("dk_indices", 40);
#endif
    P("set_used", offsetof(PySetObject, used));
    P("set_mask", offsetof(PySetObject, mask));
    P("set_table", offsetof(PySetObject, table));
    P("float_fval", offsetof(PyFloatObject, ob_fval));
#if PY_MINOR_VERSION >= 12
    P("long_tag", offsetof(PyLongObject, long_value.lv_tag));
    P("long_tag_shift", NON_SIZE_BITS);
    P("long_digit", offsetof(PyLongObject, long_value.ob_digit));
#else
    P("long_tag", offsetof(PyVarObject, ob_size)); /* the sign is the size's */
    A("long_tag_shift");
    P("long_digit", offsetof(PyLongObject, ob_digit));
#endif
    P("bytes_sval", offsetof(PyBytesObject, ob_sval));
    P("unicode_state", offsetof(PyASCIIObject, state));
    P("unicode_length", offsetof(PyASCIIObject, length));
    P("unicode_ascii_size", sizeof(PyASCIIObject));
    P("unicode_compact_size", sizeof(PyCompactUnicodeObject));
    P("cell_ref", offsetof(PyCellObject, ob_ref));
#if PY_MINOR_VERSION >= 10
    P("mod_dict", offsetof(PyModuleObject, md_dict));
#else
    /* Objects/moduleobject.c keeps PyModuleObject to itself before 3.10:
     * PyObject_HEAD, then md_dict. */
    P("mod_dict", 16);
#endif
    P("meth_self", offsetof(PyMethodObject, im_self));
    P("weakref_object", offsetof(PyWeakReference, wr_object));

    /* Generators and coroutines: 3.8-3.10 point to a PyFrameObject
     * (Include/genobject.h); 3.11 embeds the _PyInterpreterFrame and its
     * state in the generator (Include/cpython/genobject.h; 3.14+:
     * internal/pycore_interpframe_structs.h). */
#if PY_MINOR_VERSION >= 11
    A("gen_frame");
    P("gen_iframe", offsetof(PyGenObject, gi_iframe));
    P("gen_frame_state", offsetof(PyGenObject, gi_frame_state));
    /* The suspended values of enum _framestate (internal/pycore_frame.h),
     * each as bit (state + 8): 3.11-3.12 have FRAME_SUSPENDED alone (-1);
     * 3.13 adds FRAME_SUSPENDED_YIELD_FROM (-2, -1) and names the set
     * FRAME_STATE_SUSPENDED(); 3.15 renumbers the states from 0 and adds
     * FRAME_SUSPENDED_YIELD_FROM_LOCKED (1, 2, 3). */
#if PY_MINOR_VERSION >= 13
    {
        _Static_assert(FRAME_CREATED + 8 >= 0 && FRAME_CLEARED + 8 < 32, "states fit the mask");
        long mask = 0;
        for (int s = FRAME_CREATED; s <= FRAME_CLEARED; s++)
            if (FRAME_STATE_SUSPENDED(s))
                mask |= 1L << (s + 8);
        P("gen_suspended_states", mask);
    }
#else
    P("gen_suspended_states", 1L << (FRAME_SUSPENDED + 8));
#endif
#else
    P("gen_frame", offsetof(PyGenObject, gi_frame));
    A("gen_iframe");
    A("gen_frame_state");
    A("gen_suspended_states");
#endif

    /* The top of a suspended frame's value stack (Objects/genobject.c's
     * _PyGen_yf reads the awaited object there). 3.8-3.9: f_stacktop,
     * NULL while the frame runs (Include/frameobject.h); 3.10: f_valuestack
     * and the int f_stackdepth (Include/cpython/frameobject.h); 3.11-3.13:
     * the int stacktop, counted from localsplus (internal/pycore_frame.h);
     * 3.14: the pointer stackpointer (internal/pycore_interpframe_structs.h). */
#if PY_MINOR_VERSION >= 14
    P("fr_stackpointer", offsetof(_PyInterpreterFrame, stackpointer));
    A("fr_stackdepth");
    A("fr_valuestack");
#elif PY_MINOR_VERSION >= 11
    A("fr_stackpointer");
    P("fr_stackdepth", offsetof(_PyInterpreterFrame, stacktop));
    A("fr_valuestack");
#elif PY_MINOR_VERSION == 10
    A("fr_stackpointer");
    P("fr_stackdepth", offsetof(PyFrameObject, f_stackdepth));
    P("fr_valuestack", offsetof(PyFrameObject, f_valuestack));
#else
    P("fr_stackpointer", offsetof(PyFrameObject, f_stacktop));
    A("fr_stackdepth");
    A("fr_valuestack");
#endif
    /* gen_yf_slot and the asyncio objects are measured in a running
     * interpreter by tests/layout/probe_asyncio.py. */

    /* 3.14 keeps the running loop and task, and the list of the tasks of
     * a thread, in the thread state (internal/pycore_tstate.h), and the
     * tasks of the threads that ended in the interpreter
     * (internal/pycore_interp_structs.h). 3.13 has the running loop
     * there already; 3.8-3.12 keep it in the thread state's dict. */
#if PY_MINOR_VERSION >= 13
    P("ts_asyncio_loop", offsetof(_PyThreadStateImpl, asyncio_running_loop));
#else
    A("ts_asyncio_loop");
#endif
#if PY_MINOR_VERSION >= 14
    P("ts_asyncio_task", offsetof(_PyThreadStateImpl, asyncio_running_task));
    P("ts_asyncio_tasks", offsetof(_PyThreadStateImpl, asyncio_tasks_head));
    P("interp_asyncio_tasks", offsetof(PyInterpreterState, asyncio_tasks_head));
#else
    A("ts_asyncio_task");
    A("ts_asyncio_tasks");
    A("interp_asyncio_tasks");
#endif
    return 0;
}
