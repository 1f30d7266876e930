/*
 * hash: the one hash of pytop's tables. See hash.h.
 */
#include "config.h"
#include "hash.h"

#include <string.h>

/* The golden ratio's multiplier: odd, with its bits well mixed. */
#define HASH_MUL 0x9e3779b97f4a7c15ULL

uint64_t hash_bytes(const void *p, size_t n, uint64_t h)
{
    const unsigned char *s = p;
    uint64_t w;
    for (; n >= 8; s += 8, n -= 8) {
        memcpy(&w, s, 8);
        h = (h ^ w) * HASH_MUL;
        h ^= h >> 29;
    }
    w = 0;
    if (n > 0)
        memcpy(&w, s, n);
    /* The length in the top bits: "a" and "a\0" differ. */
    h = (h ^ w ^ ((uint64_t)n << 59)) * HASH_MUL;
    return h ^ (h >> 32);
}

uint64_t hash_str(const char *s, uint64_t h)
{
    return hash_bytes(s, strlen(s), h);
}
