/*
 * python/layout: the offset tables. See layout.h.
 *
 * The numbers were produced by tests/layout/probe.c compiled against the
 * internal headers of CPython 3.8.18, 3.9.18, 3.10.13, 3.11.7, 3.12.1 and
 * 3.13.0 (x86-64, default build), and agree with Debian's 3.11.2. Layouts
 * do not change within a minor release. Fields that a version lacks are 0:
 * rt_tstate_current/rt_gil from 3.12, is_gil_ptr before 3.12,
 * cf_current_frame outside 3.11-3.12, native thread id and data stack
 * before 3.11, qualname before 3.11, frame owner before 3.11, frame state
 * (f_executing, 3.10's f_state) from 3.11.
 *
 * The dict keys fields of 3.8-3.10 come from Objects/dict-common.h, which
 * those versions do not install.
 */
#include "config.h"
#include "python/layout.h"

#include <stdio.h>
#include <string.h>

#include "remote/mem.h"

/* Fields equal in every supported version. */
#define COMMON_FIELDS                                                                              \
    .gil_last_holder = 8, .gil_locked = 16, .ts_next = 8, .ts_interp = 16, .tp_name = 24,          \
    .tp_basicsize = 32, .tp_flags = 168, .tp_dictoffset = 288, .tuple_item = 24, .list_item = 24,  \
    .dict_used = 16, .dict_keys = 32, .dict_values = 40, .dk_size = 8, .float_fval = 16,           \
    .long_digit = 24, .bytes_sval = 32, .unicode_state = 32, .unicode_length = 16, .cell_ref = 16

/* 3.8-3.10: PyFrameObject chains, co_lnotab / 3.10 line table. */
#define FRAME_OBJECT_FIELDS                                                                        \
    .ts_frame = 24, .ts_thread_id = 176, .fr_back = 24, .fr_code = 32, .co_filename = 104,         \
    .co_name = 112, .co_linetable = 120, .co_code = 48, .co_varnames = 72, .co_nlocals = 28,       \
    .co_firstlineno = 40, .co_argcount = 16, .co_flags = 36, .dk_nentries = 32, .dk_indices = 40,  \
    .unicode_ascii_size = 48, .unicode_compact_size = 72

static const struct py_layout layouts[] = {
    {.minor = 8,
     COMMON_FIELDS,
     FRAME_OBJECT_FIELDS,
     .rt_interp_head = 32,
     .rt_tstate_current = 1368,
     .rt_gil = 1152,
     .is_next = 0,
     .is_tstate_head = 8,
     .is_modules = 56,
     .fr_instr = 104,
     .fr_state = 116,
     .fr_localsplus = 360,
     .fr_size = 368,
     .ht_cached_keys = 872},
    {.minor = 9,
     COMMON_FIELDS,
     FRAME_OBJECT_FIELDS,
     .rt_interp_head = 32,
     .rt_tstate_current = 568,
     .rt_gil = 352,
     .is_next = 0,
     .is_tstate_head = 8,
     .is_modules = 856,
     .fr_instr = 104,
     .fr_state = 116,
     .fr_localsplus = 360,
     .fr_size = 368,
     .ht_cached_keys = 864},
    {.minor = 10,
     COMMON_FIELDS,
     FRAME_OBJECT_FIELDS,
     .rt_interp_head = 32,
     .rt_tstate_current = 568,
     .rt_gil = 352,
     .is_next = 0,
     .is_tstate_head = 8,
     .is_modules = 856,
     .fr_instr = 96,
     .fr_state = 108,
     .fr_localsplus = 352,
     .fr_size = 360,
     .ht_cached_keys = 872},
    {.minor = 11,
     COMMON_FIELDS,
     .rt_interp_head = 40,
     .rt_tstate_current = 576,
     .rt_gil = 360,
     .is_next = 0,
     .is_tstate_head = 16,
     .is_modules = 888,
     .ts_frame = 56,
     .cf_current_frame = 8,
     .ts_thread_id = 152,
     .ts_native_thread_id = 160,
     .ts_datastack_chunk = 296,
     .fr_back = 48,
     .fr_code = 32,
     .fr_instr = 56,
     .fr_localsplus = 72,
     .fr_owner = 69,
     .fr_size = 72,
     .co_filename = 112,
     .co_name = 120,
     .co_qualname = 128,
     .co_linetable = 136,
     .co_code = 184,
     .co_varnames = 96,
     .co_localspluskinds = 104,
     .co_nlocals = 76,
     .co_firsttraceable = 168,
     .co_firstlineno = 72,
     .co_argcount = 56,
     .co_flags = 48,
     .ht_cached_keys = 872,
     .dk_log2_index_bytes = 9,
     .dk_kind = 10,
     .dk_nentries = 24,
     .dk_indices = 32,
     .unicode_ascii_size = 48,
     .unicode_compact_size = 72},
    {.minor = 12,
     COMMON_FIELDS,
     .rt_interp_head = 40,
     .is_gil_ptr = 384,
     .is_next = 0,
     .is_tstate_head = 72,
     .is_modules = 944,
     .ts_frame = 56,
     .cf_current_frame = 0,
     .ts_thread_id = 136,
     .ts_native_thread_id = 144,
     .ts_datastack_chunk = 232,
     .fr_back = 8,
     .fr_code = 0,
     .fr_instr = 56,
     .fr_localsplus = 72,
     .fr_owner = 70,
     .fr_size = 72,
     .co_filename = 112,
     .co_name = 120,
     .co_qualname = 128,
     .co_linetable = 136,
     .co_code = 192,
     .co_varnames = 96,
     .co_localspluskinds = 104,
     .co_nlocals = 72,
     .co_firsttraceable = 176,
     .co_firstlineno = 68,
     .co_argcount = 52,
     .co_flags = 48,
     .ht_cached_keys = 880,
     .dk_log2_index_bytes = 9,
     .dk_kind = 10,
     .dk_nentries = 24,
     .dk_indices = 32,
     .unicode_ascii_size = 40,
     .unicode_compact_size = 56},
    {.minor = 13,
     COMMON_FIELDS,
     .rt_interp_head = 632,
     .is_gil_ptr = 16,
     .is_next = 7264,
     .is_tstate_head = 7344,
     .is_modules = 7656,
     .ts_frame = 72,
     .ts_thread_id = 152,
     .ts_native_thread_id = 160,
     .ts_datastack_chunk = 232,
     .fr_back = 8,
     .fr_code = 0,
     .fr_instr = 56,
     .fr_localsplus = 72,
     .fr_owner = 70,
     .fr_size = 72,
     .co_filename = 112,
     .co_name = 120,
     .co_qualname = 128,
     .co_linetable = 136,
     .co_code = 200,
     .co_varnames = 96,
     .co_localspluskinds = 104,
     .co_nlocals = 72,
     .co_firsttraceable = 184,
     .co_firstlineno = 68,
     .co_argcount = 52,
     .co_flags = 48,
     .ht_cached_keys = 880,
     .dk_log2_index_bytes = 9,
     .dk_kind = 10,
     .dk_nentries = 24,
     .dk_indices = 32,
     .unicode_ascii_size = 40,
     .unicode_compact_size = 56},
};

const struct py_layout *layout_for(int minor)
{
    for (size_t i = 0; i < sizeof layouts / sizeof layouts[0]; i++)
        if (layouts[i].minor == minor)
            return &layouts[i];
    return NULL;
}

void layout_print(const struct py_layout *lay)
{
    printf("minor %d\n", lay->minor);
#define PY_LAYOUT_PRINT(name) printf("%s %u\n", #name, (unsigned)lay->name);
    PY_LAYOUT_FIELDS(PY_LAYOUT_PRINT)
#undef PY_LAYOUT_PRINT
}

/* The part of 3.13's _Py_DebugOffsets that pytop uses, in its order. The
 * struct is versioned by CPython: its first fields (cookie, version) tell
 * which layout follows; pytop knows the 3.13 one. */
struct debug_offsets_313 {
    char cookie[8];
    uint64_t version;
    uint64_t free_threaded;
    uint64_t rt_size, rt_finalizing, rt_interpreters_head;
    uint64_t is_size, is_id, is_next, is_threads_head, is_gc, is_imports_modules, is_sysdict,
        is_builtins, is_ceval_gil, is_gil_runtime_state, is_gil_enabled, is_gil_locked,
        is_gil_holder;
    uint64_t ts_size, ts_prev, ts_next, ts_interp, ts_current_frame, ts_thread_id,
        ts_native_thread_id, ts_datastack_chunk, ts_status;
    uint64_t fr_size, fr_previous, fr_executable, fr_instr_ptr, fr_localsplus, fr_owner;
    uint64_t co_size, co_filename, co_name, co_qualname, co_linetable, co_firstlineno, co_argcount,
        co_localsplusnames, co_localspluskinds, co_code_adaptive;
    uint64_t ob_size, ob_type;
    uint64_t tp_size, tp_name, tp_repr, tp_flags;
    uint64_t tuple_size, tuple_item, tuple_ob_size;
    uint64_t list_size, list_item, list_ob_size;
    uint64_t dict_size, dict_keys, dict_values;
    uint64_t float_size, float_fval;
    uint64_t long_size, long_tag, long_digit;
    uint64_t bytes_size, bytes_ob_size, bytes_sval;
    uint64_t unicode_size, unicode_state, unicode_length, unicode_ascii_size;
};

/* Offsets beyond this are not believable for any of these structs. */
#define DEBUG_OFFSET_MAX 65536

static int set_field(uint32_t *field, uint64_t value, int *bad)
{
    if (value >= DEBUG_OFFSET_MAX)
        *bad = 1;
    else
        *field = (uint32_t)value;
    return 0;
}

int layout_apply_debug_offsets(struct py_layout *lay, struct remote *mem, uint64_t runtime_addr,
                               struct pt_error *err)
{
    struct debug_offsets_313 d;
    if (remote_read(mem, runtime_addr, &d, sizeof d) != 0)
        return remote_read_error(mem, err, "_Py_DebugOffsets");
    if (memcmp(d.cookie, "xdebugpy", 8) != 0)
        /* Not (yet) initialized: a process that is still starting. */
        return pt_error_set(err, PT_E_NOTPYTHON,
                            "PID %d: its Python 3.%d runtime is not initialized (no debug "
                            "offsets in _PyRuntime yet)",
                            (int)mem->pid, lay->minor);
    if (d.free_threaded)
        return pt_error_set(err, PT_E_UNSUPPORTED,
                            "PID %d runs a free-threaded Python 3.%d build, which pytop does "
                            "not support (supported: default builds of 3.8-3.13)",
                            (int)mem->pid, lay->minor);
    int bad = 0;
    set_field(&lay->rt_interp_head, d.rt_interpreters_head, &bad);
    set_field(&lay->is_next, d.is_next, &bad);
    set_field(&lay->is_tstate_head, d.is_threads_head, &bad);
    set_field(&lay->is_modules, d.is_imports_modules, &bad);
    set_field(&lay->is_gil_ptr, d.is_ceval_gil, &bad);
    if (d.is_gil_locked >= d.is_gil_runtime_state && d.is_gil_holder >= d.is_gil_runtime_state) {
        set_field(&lay->gil_locked, d.is_gil_locked - d.is_gil_runtime_state, &bad);
        set_field(&lay->gil_last_holder, d.is_gil_holder - d.is_gil_runtime_state, &bad);
    }
    set_field(&lay->ts_next, d.ts_next, &bad);
    set_field(&lay->ts_interp, d.ts_interp, &bad);
    set_field(&lay->ts_frame, d.ts_current_frame, &bad);
    set_field(&lay->ts_thread_id, d.ts_thread_id, &bad);
    set_field(&lay->ts_native_thread_id, d.ts_native_thread_id, &bad);
    set_field(&lay->ts_datastack_chunk, d.ts_datastack_chunk, &bad);
    set_field(&lay->fr_back, d.fr_previous, &bad);
    set_field(&lay->fr_code, d.fr_executable, &bad);
    set_field(&lay->fr_instr, d.fr_instr_ptr, &bad);
    set_field(&lay->fr_localsplus, d.fr_localsplus, &bad);
    set_field(&lay->fr_owner, d.fr_owner, &bad);
    set_field(&lay->co_filename, d.co_filename, &bad);
    set_field(&lay->co_name, d.co_name, &bad);
    set_field(&lay->co_qualname, d.co_qualname, &bad);
    set_field(&lay->co_linetable, d.co_linetable, &bad);
    set_field(&lay->co_firstlineno, d.co_firstlineno, &bad);
    set_field(&lay->co_argcount, d.co_argcount, &bad);
    set_field(&lay->co_varnames, d.co_localsplusnames, &bad);
    set_field(&lay->co_localspluskinds, d.co_localspluskinds, &bad);
    set_field(&lay->co_code, d.co_code_adaptive, &bad);
    set_field(&lay->tp_name, d.tp_name, &bad);
    set_field(&lay->tp_flags, d.tp_flags, &bad);
    set_field(&lay->tuple_item, d.tuple_item, &bad);
    set_field(&lay->list_item, d.list_item, &bad);
    set_field(&lay->dict_keys, d.dict_keys, &bad);
    set_field(&lay->dict_values, d.dict_values, &bad);
    set_field(&lay->float_fval, d.float_fval, &bad);
    set_field(&lay->long_digit, d.long_digit, &bad);
    set_field(&lay->bytes_sval, d.bytes_sval, &bad);
    set_field(&lay->unicode_state, d.unicode_state, &bad);
    set_field(&lay->unicode_length, d.unicode_length, &bad);
    set_field(&lay->unicode_ascii_size, d.unicode_ascii_size, &bad);
    if (bad)
        return pt_error_set(err, PT_E_UNSUPPORTED,
                            "PID %d: the debug offsets of its Python 3.%d are implausible; "
                            "this build is not supported",
                            (int)mem->pid, lay->minor);
    return 0;
}
