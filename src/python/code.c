/*
 * python/code: the code object cache. See code.h.
 */
#include "config.h"
#include "python/code.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "hindex.h"
#include "python/layout.h"
#include "python/linetable.h"
#include "python/pystr.h"
#include "remote/mem.h"

/* Line tables longer than this are not copied (no real function has one). */
#define LINETABLE_MAX (1u << 20)

void code_cache_init(struct code_cache *cc, uint64_t code_type)
{
    memset(cc, 0, sizeof *cc);
    cc->code_type = code_type;
}

void code_cache_free(struct code_cache *cc)
{
    for (uint32_t i = 0; i < cc->n; i++) {
        free(cc->v[i].name);
        free(cc->v[i].filename);
        free(cc->v[i].linetable);
    }
    free(cc->v);
    hindex_free(&cc->index);
    memset(cc, 0, sizeof *cc);
}

static int addr_hash_at(const void *ctx, uint32_t i, uint64_t *hash)
{
    const struct py_code *e = &((const struct code_cache *)ctx)->v[i];
    *hash = hash_mix(e->addr);
    return e->addr != 0; /* 0: replaced, kept for its id only */
}

/* The bytes of a code object pytop reads: up to its last used field. */
static uint32_t code_head_size(const struct py_layout *lay)
{
    const uint32_t used[] = {lay->co_firstlineno, lay->co_argcount,        lay->co_firsttraceable,
                             lay->co_varnames,    lay->co_localspluskinds, lay->co_qualname,
                             lay->co_name,        lay->co_filename,        lay->co_linetable,
                             lay->co_nlocals};
    uint32_t need = lay->ob_type + 8;
    for (size_t i = 0; i < sizeof used / sizeof used[0]; i++)
        if (layout_has(used[i]) && used[i] + 8 > need)
            need = used[i] + 8;
    return need;
}

static void code_ident(const struct py_layout *lay, const uint8_t *head, uint64_t ident[4])
{
    ident[0] = load_u64(head, layout_has(lay->co_qualname) ? lay->co_qualname : lay->co_name);
    ident[1] = load_u64(head, lay->co_filename);
    ident[2] = load_u64(head, lay->co_linetable);
    ident[3] = (uint64_t)(uint32_t)load_i32(head, lay->co_firstlineno) |
               (load_u64(head, lay->ob_type) << 32);
}

/* Is the code object at e->addr still the one e describes? */
static int code_still_same(struct remote *mem, const struct py_layout *lay, const struct py_code *e)
{
    uint8_t head[256];
    uint32_t need = code_head_size(lay);
    uint64_t ident[4];
    if (need > sizeof head || remote_read(mem, e->addr, head, need) != 0)
        return 0;
    code_ident(lay, head, ident);
    return memcmp(ident, e->ident, sizeof ident) == 0;
}

/* Read the code object at addr into e. 0 or -1. */
static int code_read(struct code_cache *cc, struct remote *mem, const struct py_layout *lay,
                     uint64_t addr, struct py_code *e)
{
    uint8_t head[256];
    uint32_t need = code_head_size(lay);
    if (need > sizeof head || remote_read(mem, addr, head, need) != 0)
        return -1;
    if (cc->code_type != 0 && load_u64(head, lay->ob_type) != cc->code_type)
        return -1;
    memset(e, 0, sizeof *e);
    e->addr = addr;
    e->epoch = cc->epoch;
    code_ident(lay, head, e->ident);
    e->firstlineno = load_i32(head, lay->co_firstlineno);
    e->argcount = load_i32(head, lay->co_argcount);
    e->nlocals = load_i32(head, lay->co_nlocals);
    e->firsttraceable =
        layout_has(lay->co_firsttraceable) ? load_i32(head, lay->co_firsttraceable) : 0;
    e->varnames = load_u64(head, lay->co_varnames);
    e->kinds = layout_has(lay->co_localspluskinds) ? load_u64(head, lay->co_localspluskinds) : 0;
    for (int i = 0; i < 4; i++)
        e->memo_offset[i] = -1;
    if (e->firstlineno < 0 || e->argcount < 0 || e->firsttraceable < 0 || e->nlocals < 0)
        return -1;

    char text[PYSTR_MAX_CHARS];
    uint64_t name_addr =
        load_u64(head, layout_has(lay->co_qualname) ? lay->co_qualname : lay->co_name);
    if (pystr_read(mem, lay, name_addr, text, sizeof text) != 0)
        return -1;
    e->name = strdup(text);
    if (pystr_read(mem, lay, load_u64(head, lay->co_filename), text, sizeof text) != 0)
        text[0] = '\0';
    e->filename = strdup(text);
    if (e->name == NULL || e->filename == NULL)
        goto fail;

    size_t len;
    uint64_t table = load_u64(head, lay->co_linetable);
    uint8_t probe;
    if (pybytes_read(mem, lay, table, &probe, 0, &len) == 0 && len <= LINETABLE_MAX) {
        /* An unreadable table costs only the line numbers (first line is
         * shown), like a table too long to copy. */
        e->linetable = malloc(len ? len : 1);
        if (e->linetable == NULL)
            goto fail;
        if (pybytes_read(mem, lay, table, e->linetable, len, &e->linetable_len) != 0)
            e->linetable_len = 0;
        if (e->linetable_len > len)
            e->linetable_len = len;
    }
    return 0;
fail:
    free(e->name);
    free(e->filename);
    free(e->linetable);
    return -1;
}

int code_cache_get(struct code_cache *cc, struct remote *mem, const struct py_layout *lay,
                   uint64_t addr, uint32_t *id)
{
    if (addr == 0 || (addr & 7) != 0)
        return -1;
    if (addr == cc->last_addr && cc->n > 0) {
        *id = cc->last_id;
        return 0;
    }
    uint32_t *replace = NULL; /* the slot of a stale entry for addr */
    struct hindex *x = &cc->index;
    uint64_t hash = hash_mix(addr);
    if (hindex_slots(x) != 0) {
        for (uint32_t h = hindex_start(x, hash); hindex_at(x, h); h = hindex_next(x, h)) {
            struct py_code *e = &cc->v[hindex_at(x, h) - 1];
            if (e->addr != addr)
                continue;
            if (e->epoch != cc->epoch) {
                if (!code_still_same(mem, lay, e)) {
                    replace = &x->slots[h];
                    break;
                }
                e->epoch = cc->epoch;
            }
            *id = hindex_at(x, h) - 1;
            cc->last_addr = addr;
            cc->last_id = *id;
            return 0;
        }
    }
    struct py_code e;
    if (code_read(cc, mem, lay, addr, &e) != 0)
        return -1;
    if (vec_reserve((void **)&cc->v, &cc->cap, sizeof *cc->v, (size_t)cc->n + 1) != 0)
        goto fail;
    cc->v[cc->n] = e;
    if (replace != NULL) {
        /* The old entry keeps its id (samples counted under it stay
         * right) but leaves the table; the address now leads to the new. */
        cc->v[*replace - 1].addr = 0;
        *replace = cc->n + 1;
    } else {
        if (hindex_reserve(x, (size_t)cc->n + 1, 0, cc->n, addr_hash_at, cc) != 0)
            goto fail;
        hindex_add(x, hash, cc->n);
    }
    *id = cc->n++;
    cc->changes++;
    cc->last_addr = addr;
    cc->last_id = *id;
    return 0;
fail:
    free(e.name);
    free(e.filename);
    free(e.linetable);
    return -1;
}

int code_line(struct code_cache *cc, uint32_t id, int format, int offset)
{
    struct py_code *e = &cc->v[id];
    if (offset < 0)
        return e->firstlineno;
    for (int i = 0; i < 4; i++)
        if (e->memo_offset[i] == offset)
            return e->memo_line[i];
    int line = linetable_line(format, e->linetable, e->linetable_len, e->firstlineno, offset);
    /* No line (-1), or line 0 of a module's first instruction (RESUME). */
    if (line <= 0)
        line = e->firstlineno;
    unsigned slot = e->memo_next++ & 3;
    e->memo_offset[slot] = offset;
    e->memo_line[slot] = line;
    return line;
}
