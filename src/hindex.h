/*
 * hindex: the one hash index of pytop's tables: an open-addressing table
 * over an array its owner keeps, finding an element's position by its
 * hash. Slots hold position + 1 (0 is empty), probing is linear, and the
 * table doubles before it is half full.
 *
 * The owner compares candidates itself (frames by content, edges by
 * parent and frame, code objects by address, strings by bytes), so a
 * lookup is a loop in the owner's code with no call per probe:
 *
 *     for (uint32_t s = hindex_start(x, h); hindex_at(x, s); s = hindex_next(x, s))
 *         if (matches(&v[hindex_at(x, s) - 1])) ...
 *
 * and an insertion puts the new position in the empty slot the loop
 * ended on. Lookups in an index without slots find nothing.
 */
#ifndef PYTOP_HINDEX_H
#define PYTOP_HINDEX_H

#include <stddef.h>
#include <stdint.h>

#define HINDEX_MIN_SLOTS 1024u

struct hindex {
    uint32_t *slots; /* position + 1; NULL until the first reserve */
    uint32_t mask;   /* slots - 1 (a power of two) */
};

/* The hash of the element at position i of the owner's array into *hash:
 * 1, or 0 for an element that is not to be found (kept only for its
 * position). */
typedef int (*hindex_hash_fn)(const void *ctx, uint32_t i, uint64_t *hash);

/* Room for `entries` entries with the table at most half full. When it
 * has to grow, it doubles (from HINDEX_MIN_SLOTS) as often as needed and
 * re-enters the elements at positions [from, to) that hash_of gives a
 * hash (hash_of may be NULL when from == to). 0, or -1 when out of
 * memory (x unchanged). */
int hindex_reserve(struct hindex *x, size_t entries, uint32_t from, uint32_t to,
                   hindex_hash_fn hash_of, const void *ctx);

/* The slots of x (0 without any). */
static inline size_t hindex_slots(const struct hindex *x)
{
    return x->slots ? (size_t)x->mask + 1 : 0;
}

/* Where the search for hash starts, and the slot after s. */
static inline uint32_t hindex_start(const struct hindex *x, uint64_t hash)
{
    return (uint32_t)hash & x->mask;
}

static inline uint32_t hindex_next(const struct hindex *x, uint32_t s)
{
    return (s + 1) & x->mask;
}

/* The position + 1 held by slot s; 0 when it is empty. */
static inline uint32_t hindex_at(const struct hindex *x, uint32_t s)
{
    return x->slots[s];
}

/* Put position i in the empty slot s (found by a search that failed). */
static inline void hindex_put(struct hindex *x, uint32_t s, uint32_t i)
{
    x->slots[s] = i + 1;
}

/* Enter position i under hash, in the first empty slot from its start. */
static inline void hindex_add(struct hindex *x, uint64_t hash, uint32_t i)
{
    uint32_t s = hindex_start(x, hash);
    while (x->slots[s])
        s = hindex_next(x, s);
    x->slots[s] = i + 1;
}

/* Forget every entry, keeping the slots. */
void hindex_clear(struct hindex *x);

/* Make dst a copy of src. 0, or -1 when out of memory (dst unchanged). */
int hindex_copy(struct hindex *dst, const struct hindex *src);

void hindex_free(struct hindex *x);

#endif
