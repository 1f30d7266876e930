/*
 * Tests of hindex (the hash index over an owner's array) and hash: every
 * element is found by its key through growth, collisions and copies, and
 * elements the owner leaves out are not.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hash.h"
#include "hindex.h"

/* The owner: an array of keys; 0 marks an element left out. */
struct owner {
    uint64_t keys[5000];
    uint32_t n;
    int collide; /* every key hashes alike */
};

static uint64_t key_hash(const struct owner *o, uint64_t key)
{
    return o->collide ? 7 : hash_mix(key);
}

static int hash_at(const void *ctx, uint32_t i, uint64_t *hash)
{
    const struct owner *o = ctx;
    *hash = key_hash(o, o->keys[i]);
    return o->keys[i] != 0;
}

/* The position of key, or -1; *empty the slot a new key would take. */
static int64_t find(const struct hindex *x, const struct owner *o, uint64_t key, uint32_t *empty)
{
    if (hindex_slots(x) == 0)
        return -1;
    uint32_t s = hindex_start(x, key_hash(o, key));
    for (; hindex_at(x, s); s = hindex_next(x, s))
        if (o->keys[hindex_at(x, s) - 1] == key)
            return hindex_at(x, s) - 1;
    if (empty)
        *empty = s;
    return -1;
}

static void add(struct hindex *x, struct owner *o, uint64_t key)
{
    assert_int_equal(hindex_reserve(x, (size_t)o->n + 1, 0, o->n, hash_at, o), 0);
    uint32_t s;
    assert_int_equal(find(x, o, key, &s), -1);
    o->keys[o->n] = key;
    hindex_put(x, s, o->n++);
}

static void grow_and_find(int collide, uint32_t n)
{
    static struct owner o;
    memset(&o, 0, sizeof o);
    o.collide = collide;
    struct hindex x = {0};
    assert_int_equal(find(&x, &o, 1, NULL), -1);
    for (uint32_t i = 0; i < n; i++)
        add(&x, &o, 1000 + (uint64_t)i * 7919);
    /* At most half full, whatever it grew through. */
    assert_true(hindex_slots(&x) >= 2 * (size_t)n);
    for (uint32_t i = 0; i < n; i++)
        assert_int_equal(find(&x, &o, 1000 + (uint64_t)i * 7919, NULL), i);
    assert_int_equal(find(&x, &o, 3, NULL), -1);

    struct hindex copy = {0};
    assert_int_equal(hindex_copy(&copy, &x), 0);
    assert_int_equal(find(&copy, &o, 1000 + 7919, NULL), 1);
    hindex_clear(&copy);
    assert_int_equal(find(&copy, &o, 1000 + 7919, NULL), -1);
    assert_int_equal(hindex_slots(&copy), hindex_slots(&x));
    hindex_free(&copy);
    hindex_free(&x);
    assert_int_equal(hindex_slots(&x), 0);
}

static void test_many_keys(void **state)
{
    (void)state;
    grow_and_find(0, 5000);
}

static void test_all_keys_collide(void **state)
{
    (void)state;
    grow_and_find(1, 700);
}

/* A growth re-enters only what the owner's hash gives a hash. */
static void test_left_out_elements_are_not_found(void **state)
{
    (void)state;
    static struct owner o;
    memset(&o, 0, sizeof o);
    struct hindex x = {0};
    for (uint32_t i = 0; i < 100; i++)
        add(&x, &o, 50 + i);
    o.keys[10] = 0; /* left out from the next growth on */
    uint32_t left = 60;
    assert_int_equal(hindex_reserve(&x, 5000, 0, o.n, hash_at, &o), 0);
    assert_int_equal(find(&x, &o, left, NULL), -1);
    assert_int_equal(find(&x, &o, 61, NULL), 11);
    hindex_free(&x);
}

static void test_hash_bytes(void **state)
{
    (void)state;
    /* Lengths and tails count: "a" and "a\0" differ, as do 8- and
     * 9-byte strings sharing their first 8. */
    assert_true(hash_bytes("a", 1, HASH_SEED) != hash_bytes("a\0", 2, HASH_SEED));
    assert_true(hash_str("abcdefgh", HASH_SEED) != hash_str("abcdefghi", HASH_SEED));
    assert_true(hash_str("x", HASH_SEED) == hash_bytes("x", 1, HASH_SEED));
    assert_true(hash_str("x", HASH_SEED) != hash_str("x", HASH_SEED ^ 1));
    assert_true(hash_bytes(NULL, 0, HASH_SEED) == hash_str("", HASH_SEED));
    assert_true(hash_mix(1) != hash_mix(2));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_many_keys),
        cmocka_unit_test(test_all_keys_collide),
        cmocka_unit_test(test_left_out_elements_are_not_found),
        cmocka_unit_test(test_hash_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
