/*
 * hindex: the one hash index of pytop's tables. See hindex.h.
 */
#include "config.h"
#include "hindex.h"

#include <stdlib.h>
#include <string.h>

int hindex_reserve(struct hindex *x, size_t entries, uint32_t from, uint32_t to,
                   hindex_hash_fn hash_of, const void *ctx)
{
    size_t have = hindex_slots(x);
    if (entries * 2 <= have)
        return 0;
    size_t n = have ? have * 2 : HINDEX_MIN_SLOTS;
    while (n < entries * 2)
        n *= 2;
    if (n > ((size_t)1 << 32))
        return -1; /* positions are 32-bit */
    uint32_t *slots = calloc(n, sizeof *slots);
    if (slots == NULL)
        return -1;
    free(x->slots);
    x->slots = slots;
    x->mask = (uint32_t)(n - 1);
    uint64_t hash;
    for (uint32_t i = from; i < to; i++)
        if (hash_of(ctx, i, &hash))
            hindex_add(x, hash, i);
    return 0;
}

void hindex_clear(struct hindex *x)
{
    if (x->slots)
        memset(x->slots, 0, hindex_slots(x) * sizeof *x->slots);
}

int hindex_copy(struct hindex *dst, const struct hindex *src)
{
    size_t n = hindex_slots(src);
    uint32_t *slots = NULL;
    if (n > 0) {
        slots = hindex_slots(dst) == n ? dst->slots : malloc(n * sizeof *slots);
        if (slots == NULL)
            return -1;
        memcpy(slots, src->slots, n * sizeof *slots);
    }
    if (slots != dst->slots)
        free(dst->slots);
    dst->slots = slots;
    dst->mask = src->mask;
    return 0;
}

void hindex_free(struct hindex *x)
{
    free(x->slots);
    x->slots = NULL;
    x->mask = 0;
}
