/*
 * python/target: attaching to a Python process. See target.h.
 */
#include "config.h"
#include "python/target.h"

#include <stdlib.h>
#include <string.h>

int pytarget_attach(struct py_target *t, pid_t pid, struct pt_error *err)
{
    memset(t, 0, sizeof *t);
    t->pid = pid;
    t->tid_offset = -1;
    t->ninterps = -1;
    t->interps_ttl = 200 * 1000 * 1000;
    if (python_probe(pid, &t->ver, &t->bin, err) != 0)
        return -1;
    pid_t inner = nspid_inner(pid, 0);
    t->ns_pid = inner > 0 && inner != pid ? inner : 0;
    const struct py_layout *lay = layout_for(t->ver.minor);
    /* A version after the newest pytop knows is read with the newest table,
     * corrected by its own debug offsets, if those have the shape pytop
     * knows (layout_apply_debug_offsets says so by name otherwise). */
    if (lay == NULL && t->ver.minor > layout_newest_minor() && t->ver.hex != 0)
        lay = layout_for(layout_newest_minor());
    if (lay == NULL)
        return pt_error_set(err, PT_E_UNSUPPORTED,
                            "Python %d.%d is not supported (PID %d; supported: %s)", t->ver.major,
                            t->ver.minor, (int)pid, PY_SUPPORTED_TEXT);
    t->lay = *lay;
    t->lay.minor = t->ver.minor;
    if (remote_open(&t->mem, pid, err) != 0)
        return -1;
    /* 3.13+ publish _Py_DebugOffsets at the start of the runtime. */
    if (t->ver.minor >= 13 &&
        layout_apply_debug_offsets(&t->lay, &t->mem, t->bin.runtime_addr, t->ver.hex, err) != 0) {
        remote_close(&t->mem);
        return -1;
    }
    /* A first read proves we may read the process at all. */
    uint64_t head;
    if (remote_read_ptr(&t->mem, t->bin.runtime_addr + t->lay.rt_interp_head, &head) != 0) {
        remote_read_error(&t->mem, err, "_PyRuntime");
        remote_close(&t->mem);
        return -1;
    }
    code_cache_init(&t->codes, t->bin.code_type);
    /* Without the cache sampling is slower, not wrong. */
    remote_cache_enable(&t->mem, 1);
    return 0;
}

void pytarget_detach(struct py_target *t)
{
    code_cache_free(&t->codes);
    nspid_map_free(&t->tids);
    remote_close(&t->mem);
    free(t->arena);
    t->arena = NULL;
}
