/*
 * hash: the one hash of pytop's tables (interned frames and strings,
 * caches by address, the function table, the views' fold state): a
 * word-at-a-time hash of bytes and murmur3's 64-bit finaliser to spread
 * integers and combinations. Not for anything an adversary chooses keys
 * of: the keys are the target's names and addresses, and a bad spread
 * costs time, never correctness.
 */
#ifndef PYTOP_HASH_H
#define PYTOP_HASH_H

#include <stddef.h>
#include <stdint.h>

/* The seed of a chain of hash_bytes / hash_str calls (FNV's offset basis:
 * any odd constant would do). */
#define HASH_SEED 0xcbf29ce484222325ULL

/* murmur3's fmix64: every bit of x moves every bit of the result. */
static inline uint64_t hash_mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

/* n bytes at p hashed on from h (HASH_SEED to start), eight at a time. */
uint64_t hash_bytes(const void *p, size_t n, uint64_t h);

/* A NUL-terminated string, as hash_bytes of its bytes. */
uint64_t hash_str(const char *s, uint64_t h);

#endif
