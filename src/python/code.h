/*
 * python/code: a cache of the target's code objects, keyed by address.
 *
 * A code object is read once: its function name (co_qualname from 3.11,
 * co_name before), file name, first line and line table are copied out;
 * afterwards a sample only turns (code, instruction offset) into a line,
 * through a small memo per code object that hits for the hot loops a
 * profiler mostly sees (a few entries: a recursive function sits at its
 * call on most frames and somewhere else at the top). Code objects are immutable and long-lived, so
 * the cache is not invalidated, but a code object can be freed and another allocated at its address
 * (code exec'd at run time): each entry is checked again against the target once per epoch (the
 * caller advances the epoch every 50 ms to 1 s, longer while nothing changes), and a changed one
 * gets a new id. Ids are never reused, so what was counted under an old id stays right.
 */
#ifndef PYTOP_PYTHON_CODE_H
#define PYTOP_PYTHON_CODE_H

#include <stddef.h>
#include <stdint.h>

#include "hindex.h"

struct remote;
struct py_layout;

struct py_code {
    uint64_t addr;
    char *name;     /* qualified name (3.11+) or name; owned */
    char *filename; /* co_filename as the target has it; owned */
    int firstlineno;
    int firsttraceable; /* 3.11+: first instruction a frame is complete at (code units) */
    int argcount;
    int nlocals; /* co_nlocals (3.8-3.10) or co_nlocalsplus (3.11+) */
    uint8_t *linetable;
    size_t linetable_len;
    uint64_t varnames;  /* tuple of local names (co_varnames / co_localsplusnames) */
    uint64_t kinds;     /* 3.11+: co_localspluskinds (bytes) */
    uint64_t ident[4];  /* name, filename, line table pointers and first line: what
                         * must not change while the object lives */
    uint32_t epoch;     /* the epoch it was last checked in */
    int memo_offset[4]; /* recently looked-up offsets and their lines */
    int memo_line[4];
    unsigned memo_next;
};

struct code_cache {
    struct py_code *v; /* entries; an id is an index into v */
    uint32_t n;
    size_t cap;
    struct hindex index; /* entries by address (replaced ones left out) */
    uint64_t code_type;  /* address of PyCode_Type in the target; 0 = do not check */
    uint64_t last_addr;  /* the last code object looked up, and its id */
    uint32_t last_id;
    uint32_t epoch;   /* advanced by code_cache_new_epoch */
    uint32_t changes; /* entries added or replaced, ever */
};

/* Start a new epoch: every entry is checked again on its next use. */
static inline void code_cache_new_epoch(struct code_cache *cc)
{
    cc->epoch++;
    cc->last_addr = 0;
}

void code_cache_init(struct code_cache *cc, uint64_t code_type);
void code_cache_free(struct code_cache *cc);

/* The id of the code object at addr, reading it on first sight. 0, or -1
 * if addr does not hold a readable code object (a torn frame). */
int code_cache_get(struct code_cache *cc, struct remote *mem, const struct py_layout *lay,
                   uint64_t addr, uint32_t *id);

/* The entry for an id returned by code_cache_get. */
static inline const struct py_code *code_cache_at(const struct code_cache *cc, uint32_t id)
{
    return &cc->v[id];
}

/* The line at byte offset `offset` of code id (firstlineno if the offset is
 * before the code, or has no line). */
int code_line(struct code_cache *cc, uint32_t id, int format, int offset);

#endif
