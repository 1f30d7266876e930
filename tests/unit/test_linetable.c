/*
 * tests/unit/test_linetable: python/linetable against the interpreters themselves.
 *
 * linetable_cases.h holds, for CPython 3.8-3.15, the line tables of a set of
 * sample functions and the line PyCode_Addr2Line() gives at every offset
 * (see tests/tools/gen-linetable-cases.py); every one must match. The rest feeds
 * the decoder truncated, mutated and random tables. Tables are always copied
 * into a heap block of their exact size, so that under AddressSanitizer a
 * read one byte past the end fails the test.
 */
#include "config.h"

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../data/linetable_cases.h"
#include "python/linetable.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

struct linetable_version {
    int minor;
    const char *python;
    const struct linetable_case *cases;
    size_t ncases;
};

#define LT_VERSION(m) m, LT_3_##m##_PYTHON, lt_3_##m##_cases, ARRAY_LEN(lt_3_##m##_cases)

static const struct linetable_version versions[] = {
    {LT_VERSION(8)},  {LT_VERSION(9)},  {LT_VERSION(10)}, {LT_VERSION(11)},
    {LT_VERSION(12)}, {LT_VERSION(13)}, {LT_VERSION(14)}, {LT_VERSION(15)},
};

/* A malloc'd copy of exactly len bytes (NULL for len 0). */
static uint8_t *copy_table(const uint8_t *table, size_t len)
{
    if (len == 0)
        return NULL;
    uint8_t *copy = malloc(len);
    assert_non_null(copy);
    memcpy(copy, table, len);
    return copy;
}

/* A fixed-seed xorshift64: the same "random" tables on every run. */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static int lookup(int minor, const uint8_t *table, size_t len, int firstlineno, int offset)
{
    uint8_t *copy = copy_table(table, len);
    int line = linetable_line(minor, copy, len, firstlineno, offset);
    free(copy);
    return line;
}

static void test_every_offset_matches_the_interpreter(void **state)
{
    const struct linetable_version *v = *state;

    for (size_t c = 0; c < v->ncases; c++) {
        const struct linetable_case *tc = &v->cases[c];
        uint8_t *table = copy_table(tc->table, tc->len);
        for (size_t u = 0; u < tc->nunits; u++) {
            int got = linetable_line(v->minor, table, tc->len, tc->firstlineno, (int)(2 * u));
            if (got != tc->lines[u])
                fail_msg("Python %s, %s, offset %zu: got line %d, want %d", v->python, tc->name,
                         2 * u, got, tc->lines[u]);
        }
        free(table);
    }
}

/* Past the last instruction: no line from 3.10 on; co_lnotab cannot tell
 * where the code ends, so 3.8 and 3.9 keep the last line. */
static void test_offset_past_the_end(void **state)
{
    const struct linetable_version *v = *state;

    for (size_t c = 0; c < v->ncases; c++) {
        const struct linetable_case *tc = &v->cases[c];
        uint8_t *table = copy_table(tc->table, tc->len);
        int want = v->minor <= 9 ? tc->lines[tc->nunits - 1] : -1;
        int end = (int)(2 * tc->nunits);
        const int offsets[] = {end, end + 1, end + 2, end + 1000, INT_MAX - 1, INT_MAX};
        for (size_t i = 0; i < ARRAY_LEN(offsets); i++) {
            int got = linetable_line(v->minor, table, tc->len, tc->firstlineno, offsets[i]);
            if (got != want)
                fail_msg("Python %s, %s, offset %d: got line %d, want %d", v->python, tc->name,
                         offsets[i], got, want);
        }
        free(table);
    }
}

/* A frame that has not run its first instruction yet (3.11+: prev_instr one
 * unit before the code) is on firstlineno, as PyCode_Addr2Line says. */
static void test_negative_offset_is_firstlineno(void **state)
{
    const struct linetable_version *v = *state;

    for (size_t c = 0; c < v->ncases; c++) {
        const struct linetable_case *tc = &v->cases[c];
        uint8_t *table = copy_table(tc->table, tc->len);
        assert_int_equal(linetable_line(v->minor, table, tc->len, tc->firstlineno, -2),
                         tc->firstlineno);
        assert_int_equal(linetable_line(v->minor, table, tc->len, tc->firstlineno, -1),
                         tc->firstlineno);
        assert_int_equal(linetable_line(v->minor, table, tc->len, tc->firstlineno, INT_MIN),
                         tc->firstlineno);
        free(table);
    }
}

/* Cut the table short: from 3.10 on, an offset is either still covered (and
 * has its right line) or is not (-1). co_lnotab has no end marker, so a
 * truncated one only has to give some line without reading past the end. */
static void test_truncated_tables_stay_in_bounds(void **state)
{
    const struct linetable_version *v = *state;

    for (size_t c = 0; c < v->ncases; c++) {
        const struct linetable_case *tc = &v->cases[c];
        size_t len_step = tc->len > 512 ? tc->len / 256 : 1;
        size_t unit_step = tc->nunits > 64 ? tc->nunits / 32 : 1;
        for (size_t len = 0; len < tc->len; len += len_step) {
            uint8_t *table = copy_table(tc->table, len);
            for (size_t u = 0; u < tc->nunits; u += unit_step) {
                int got = linetable_line(v->minor, table, len, tc->firstlineno, (int)(2 * u));
                if (v->minor <= 9 ? got < -1 : got != -1 && got != tc->lines[u])
                    fail_msg("Python %s, %s cut to %zu bytes, offset %zu: got line %d, want %d "
                             "or -1",
                             v->python, tc->name, len, 2 * u, got, tc->lines[u]);
            }
            free(table);
        }
    }
}

/* Real tables with a few bytes overwritten: any answer will do, as long as
 * it comes back, stays in bounds and is a line or -1. */
static void test_mutated_tables_stay_in_bounds(void **state)
{
    const struct linetable_version *v = *state;
    uint64_t seed = 0x9e3779b97f4a7c15u + (uint64_t)v->minor;

    for (size_t c = 0; c < v->ncases; c++) {
        const struct linetable_case *tc = &v->cases[c];
        if (tc->len == 0)
            continue;
        uint8_t *table = copy_table(tc->table, tc->len);
        for (int round = 0; round < 16; round++) {
            for (int k = 0; k < 4; k++)
                table[rng_next(&seed) % tc->len] = (uint8_t)rng_next(&seed);
            int offset = (int)(rng_next(&seed) % (2 * tc->nunits + 16));
            int got = linetable_line(v->minor, table, tc->len, tc->firstlineno, offset);
            assert_true(got >= -1);
        }
        free(table);
    }
}

static void test_random_bytes_stay_in_bounds(void **state)
{
    (void)state;
    uint64_t seed = 0x2545f4914f6cdd1du;
    uint8_t bytes[128];

    for (int round = 0; round < 200000; round++) {
        size_t len = rng_next(&seed) % sizeof bytes;
        for (size_t i = 0; i < len; i++)
            bytes[i] = (uint8_t)rng_next(&seed);
        int minor = 7 + (int)(rng_next(&seed) % 8);
        int firstlineno = (int)(rng_next(&seed) % 2000) - 10;
        int offset;
        switch (rng_next(&seed) % 8) {
        case 0:
            offset = (int)(uint32_t)rng_next(&seed);
            break;
        case 1:
            offset = -(int)(rng_next(&seed) % 4);
            break;
        default:
            offset = (int)(rng_next(&seed) % (16 * len + 8));
        }
        assert_true(lookup(minor, bytes, len, firstlineno, offset) >= -1);
    }
}

static void test_empty_table(void **state)
{
    (void)state;
    static const uint8_t byte[1] = {0};

    /* No pairs in co_lnotab: every instruction is on firstlineno. */
    assert_int_equal(linetable_line(8, NULL, 0, 42, 0), 42);
    assert_int_equal(linetable_line(9, byte, 0, 42, 10), 42);
    /* From 3.10 every instruction has an entry: none means no line. */
    for (int minor = 10; minor <= 15; minor++) {
        assert_int_equal(linetable_line(minor, NULL, 0, 42, 0), -1);
        assert_int_equal(linetable_line(minor, byte, 0, 42, 0), -1);
    }
    /* A NULL table is empty whatever its length says. */
    assert_int_equal(linetable_line(11, NULL, 100, 42, 0), -1);
}

static void test_unsupported_version(void **state)
{
    (void)state;
    static const uint8_t table[] = {0x80 | 11 << 3, 0, 4};

    assert_int_equal(linetable_line(7, table, sizeof table, 1, 0), -1);
    assert_int_equal(linetable_line(LINETABLE_NEWEST_FORMAT_MINOR + 1, table, sizeof table, 1, 0),
                     -1);
    assert_int_equal(linetable_line(-1, table, sizeof table, 1, 0), -1);
    assert_int_equal(linetable_line(11, table, sizeof table, 1, 0), 2);
}

/* co_lnotab as 3.8 writes it: a jump of 127+ lines is split into pairs with
 * no address increment, and increments are signed. */
static void test_lnotab_by_hand(void **state)
{
    (void)state;
    static const uint8_t t[] = {4, 1, 6, 2, 0, 127, 2, 10, 4, (uint8_t)-30};

    assert_int_equal(lookup(8, t, sizeof t, 5, 0), 5);
    assert_int_equal(lookup(8, t, sizeof t, 5, 2), 5);
    assert_int_equal(lookup(8, t, sizeof t, 5, 4), 6);
    assert_int_equal(lookup(8, t, sizeof t, 5, 8), 6);
    assert_int_equal(lookup(8, t, sizeof t, 5, 10), 135);
    assert_int_equal(lookup(8, t, sizeof t, 5, 12), 145);
    assert_int_equal(lookup(9, t, sizeof t, 5, 16), 115);
    /* An odd trailing byte is half a pair: ignored. */
    assert_int_equal(lookup(9, t, sizeof t - 1, 5, 16), 145);
}

/* The 3.10 table: (bytes, line delta) pairs, -128 = no line. */
static void test_pep626_by_hand(void **state)
{
    (void)state;
    static const uint8_t t[] = {6, 1, 4, 0x80, 2, 2, 0, 100, 2, (uint8_t)-50};

    assert_int_equal(lookup(10, t, sizeof t, 5, 0), 6);
    assert_int_equal(lookup(10, t, sizeof t, 5, 4), 6);
    assert_int_equal(lookup(10, t, sizeof t, 5, 6), -1);
    assert_int_equal(lookup(10, t, sizeof t, 5, 8), -1);
    assert_int_equal(lookup(10, t, sizeof t, 5, 10), 8);
    /* A zero-length range moves the line without covering an offset. */
    assert_int_equal(lookup(10, t, sizeof t, 5, 12), 58);
    assert_int_equal(lookup(10, t, sizeof t, 5, 14), -1);
}

/* The 3.11+ location table, one entry of each family. */
static void test_location_table_by_hand(void **state)
{
    (void)state;
    static const uint8_t t[] = {
        0x80 | 11 << 3 | 1, 4,        10,       /* one-line form, +1 line, 2 units */
        0x80 | 15 << 3 | 0,                     /* no location, 1 unit */
        0x80 | 14 << 3 | 0, 7,        0,  1, 5, /* long form: line -3, 1 unit */
        0x80 | 0 << 3 | 2,  0x23,               /* short form: same line, 3 units */
        0x80 | 13 << 3 | 0, 0x40 | 2, 3,        /* no columns: line +(2 | 3 << 6) / 2 = +97 */
    };

    assert_int_equal(lookup(11, t, sizeof t, 10, 0), 11);
    assert_int_equal(lookup(11, t, sizeof t, 10, 2), 11);
    assert_int_equal(lookup(12, t, sizeof t, 10, 4), -1);
    assert_int_equal(lookup(12, t, sizeof t, 10, 6), 8);
    assert_int_equal(lookup(13, t, sizeof t, 10, 8), 8);
    assert_int_equal(lookup(13, t, sizeof t, 10, 12), 8);
    assert_int_equal(lookup(13, t, sizeof t, 10, 14), 105);
    assert_int_equal(lookup(13, t, sizeof t, 10, 16), -1);
    /* The varint cut after its continuation byte: malformed. */
    assert_int_equal(lookup(13, t, sizeof t - 1, 10, 14), -1);
}

/* Line numbers that do not fit an int are malformed, not wrapped around. */
static void test_line_overflow(void **state)
{
    (void)state;
    static const uint8_t lnotab[] = {0, 127, 2, 0};
    static const uint8_t pep626[] = {2, 127};
    /* Long form, line delta 2^29 - 1 (five 6-bit chunks), repeated. */
    static const uint8_t big[] = {
        0x80 | 14 << 3, 0x7e, 0x7f, 0x7f, 0x7f, 0x3f, 0, 0, 0,
        0x80 | 14 << 3, 0x7e, 0x7f, 0x7f, 0x7f, 0x3f, 0, 0, 0,
        0x80 | 14 << 3, 0x7e, 0x7f, 0x7f, 0x7f, 0x3f, 0, 0, 0,
        0x80 | 14 << 3, 0x7e, 0x7f, 0x7f, 0x7f, 0x3f, 0, 0, 0,
    };
    /* A varint with more chunks than any line delta needs. */
    static const uint8_t too_long[] = {0x80 | 13 << 3, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 1};

    assert_int_equal(lookup(8, lnotab, sizeof lnotab, INT_MAX - 100, 0), -1);
    assert_int_equal(lookup(10, pep626, sizeof pep626, INT_MAX - 100, 0), -1);
    assert_int_equal(lookup(11, big, sizeof big, 1, 0), (1 << 29));
    assert_int_equal(lookup(11, big, sizeof big, 1, 2), (1 << 29) * 2 - 1);
    assert_int_equal(lookup(11, big, sizeof big, 1, 6), INT_MAX - 2);
    assert_int_equal(lookup(11, big, sizeof big, 4, 6), -1);
    assert_int_equal(lookup(12, too_long, sizeof too_long, 1, 0), -1);
    assert_int_equal(lookup(13, big, sizeof big, -5, -2), -1);
}

/* Run once per version, as <name>_3_<minor> with the version as state. */
static const struct CMUnitTest per_version[] = {
    cmocka_unit_test(test_every_offset_matches_the_interpreter),
    cmocka_unit_test(test_offset_past_the_end),
    cmocka_unit_test(test_negative_offset_is_firstlineno),
    cmocka_unit_test(test_truncated_tables_stay_in_bounds),
    cmocka_unit_test(test_mutated_tables_stay_in_bounds),
};

static const struct CMUnitTest once[] = {
    cmocka_unit_test(test_random_bytes_stay_in_bounds),
    cmocka_unit_test(test_empty_table),
    cmocka_unit_test(test_unsupported_version),
    cmocka_unit_test(test_lnotab_by_hand),
    cmocka_unit_test(test_pep626_by_hand),
    cmocka_unit_test(test_location_table_by_hand),
    cmocka_unit_test(test_line_overflow),
};

enum { NVERSIONED = ARRAY_LEN(per_version) * ARRAY_LEN(versions) };

int main(void)
{
    struct CMUnitTest tests[NVERSIONED + ARRAY_LEN(once)];
    char names[NVERSIONED][80];
    size_t n = 0;

    for (size_t t = 0; t < ARRAY_LEN(per_version); t++) {
        for (size_t v = 0; v < ARRAY_LEN(versions); v++, n++) {
            snprintf(names[n], sizeof names[n], "%s_3_%d", per_version[t].name, versions[v].minor);
            tests[n] = per_version[t];
            tests[n].name = names[n];
            tests[n].initial_state = (void *)&versions[v];
        }
    }
    for (size_t t = 0; t < ARRAY_LEN(once); t++, n++)
        tests[n] = once[t];
    return cmocka_run_group_tests(tests, NULL, NULL);
}
