/*
 * tests/unit/test_pystr: python/pystr on str and bytes objects laid out as
 * CPython 3.8-3.15 lay them out.
 *
 * Objects are built byte by byte from the layout tables (layout_for), so
 * every version's header sizes are exercised: compact ASCII, compact
 * latin-1 / UCS-2 / UCS-4, legacy (non-compact) strings whose characters
 * live elsewhere. pystr_read and pybytes_read read them from a fake
 * address space served by a custom memory source that refuses any byte
 * outside it, as process_vm_readv would.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "python/layout.h"
#include "python/pystr.h"
#include "remote/mem.h"

#define MIN_MINOR 8
#define MAX_MINOR 15

/* CPython's PyASCIIObject.state bits (the same in 3.8-3.15). */
#define KIND_SHIFT  2
#define COMPACT_BIT (1u << 5)
#define ASCII_BIT   (1u << 6)
#define READY_BIT   (1u << 7) /* 3.8-3.11 only; pytop must not care */

static const struct py_layout *lay_of(int minor)
{
    const struct py_layout *lay = layout_for(minor);
    assert_non_null(lay);
    return lay;
}

/* --- building objects --- */

static void put_u32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, sizeof v);
}

static void put_u64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, sizeof v);
}

/* A str header of `length` characters of `kind` at obj (ob_refcnt 1, a
 * made-up type). Returns where its characters go: after PyASCIIObject for
 * compact ASCII, after PyCompactUnicodeObject for other compact strings;
 * for legacy ones, the offset of the data pointer. */
static size_t put_str_header(const struct py_layout *lay, uint8_t *obj, int64_t length,
                             unsigned kind, int ascii, int compact)
{
    memset(obj, 0, lay->unicode_compact_size);
    put_u64(obj, 1);
    put_u64(obj + 8, 0x7f0000001000);
    memcpy(obj + lay->unicode_length, &length, sizeof length);
    uint32_t state = (kind << KIND_SHIFT) | (compact ? COMPACT_BIT : 0) | (ascii ? ASCII_BIT : 0);
    if (lay->minor <= 11)
        state |= READY_BIT;
    put_u32(obj + lay->unicode_state, state);
    return compact && ascii ? lay->unicode_ascii_size : lay->unicode_compact_size;
}

/* Code points as `kind`-byte units at dst. */
static void put_chars(uint8_t *dst, const uint32_t *cps, size_t n, unsigned kind)
{
    for (size_t i = 0; i < n; i++) {
        if (kind == 1) {
            dst[i] = (uint8_t)cps[i];
        } else if (kind == 2) {
            uint16_t v = (uint16_t)cps[i];
            memcpy(dst + 2 * i, &v, 2);
        } else {
            memcpy(dst + 4 * i, &cps[i], 4);
        }
    }
}

/* Locate a str built in a local buffer at a made-up address, convert it,
 * and compare with the UTF-8 expected. */
static void assert_str_converts(int minor, const uint32_t *cps, size_t n, unsigned kind, int ascii,
                                const char *want)
{
    const struct py_layout *lay = lay_of(minor);
    const uint64_t addr = 0x7f1234560000;
    uint8_t obj[512];
    size_t data_off = put_str_header(lay, obj, (int64_t)n, kind, ascii, 1);
    put_chars(obj + data_off, cps, n, kind);

    uint64_t data_addr = 1, data_ptr_addr = 1;
    int64_t length = -1;
    int k = 0;
    assert_int_equal(pystr_locate(lay, addr, obj, &data_addr, &data_ptr_addr, &length, &k), 0);
    assert_int_equal(data_addr, addr + data_off);
    assert_int_equal(data_ptr_addr, 0);
    assert_int_equal(length, (int64_t)n);
    assert_int_equal(k, (int)kind);

    char out[256];
    size_t wrote = pystr_to_utf8(obj + (data_addr - addr), length, k, out, sizeof out);
    assert_string_equal(out, want);
    assert_int_equal(wrote, strlen(want));
}

/* --- pystr_locate + pystr_to_utf8 --- */

static void test_ascii_str_converts_in_every_version(void **state)
{
    (void)state;
    static const uint32_t hello[] = {'h', 'e', 'l', 'l', 'o'};
    for (int minor = MIN_MINOR; minor <= MAX_MINOR; minor++)
        assert_str_converts(minor, hello, 5, 1, 1, "hello");
    /* The data of compact ASCII follows the smaller header. */
    assert_int_equal(lay_of(8)->unicode_ascii_size, 48);
    assert_int_equal(lay_of(12)->unicode_ascii_size, 40);
}

static void test_latin1_str_converts_to_two_byte_utf8(void **state)
{
    (void)state;
    static const uint32_t cps[] = {'h', 0xe9, 'l', 'l', 'o'};
    for (int minor = MIN_MINOR; minor <= MAX_MINOR; minor++)
        assert_str_converts(minor, cps, 5, 1, 0, "h\xc3\xa9llo");
    static const uint32_t top[] = {0xff, 0x80};
    assert_str_converts(11, top, 2, 1, 0, "\xc3\xbf\xc2\x80");
}

static void test_ucs2_str_converts_to_three_byte_utf8(void **state)
{
    (void)state;
    static const uint32_t nihon[] = {0x65e5, 0x672c};
    for (int minor = MIN_MINOR; minor <= MAX_MINOR; minor++)
        assert_str_converts(minor, nihon, 2, 2, 0, "\xe6\x97\xa5\xe6\x9c\xac");
    static const uint32_t edges[] = {0x100, 0x7ff, 0x800, 0xffff};
    assert_str_converts(12, edges, 4, 2, 0, "\xc4\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf");
}

static void test_ucs4_str_converts_to_four_byte_utf8(void **state)
{
    (void)state;
    static const uint32_t emoji[] = {0x1f600, ' ', 0x1f40d};
    for (int minor = MIN_MINOR; minor <= MAX_MINOR; minor++)
        assert_str_converts(minor, emoji, 3, 4, 0, "\xf0\x9f\x98\x80 \xf0\x9f\x90\x8d");
    static const uint32_t edges[] = {0x10000, 0x10ffff};
    assert_str_converts(13, edges, 2, 4, 0, "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf");
}

static void test_empty_str_converts_to_empty_text(void **state)
{
    (void)state;
    for (int minor = MIN_MINOR; minor <= MAX_MINOR; minor++)
        assert_str_converts(minor, NULL, 0, 1, 1, "");
}

static void test_locate_rejects_impossible_headers(void **state)
{
    (void)state;
    for (int minor = MIN_MINOR; minor <= MAX_MINOR; minor++) {
        const struct py_layout *lay = lay_of(minor);
        uint8_t obj[128];
        uint64_t data_addr, data_ptr_addr;
        int64_t length;
        int kind;
        static const unsigned bad_kinds[] = {0, 3, 5, 6, 7};
        for (size_t i = 0; i < sizeof bad_kinds / sizeof bad_kinds[0]; i++) {
            put_str_header(lay, obj, 3, bad_kinds[i], 0, 1);
            assert_int_equal(
                pystr_locate(lay, 0x1000, obj, &data_addr, &data_ptr_addr, &length, &kind), -1);
        }
        /* "ASCII" with 2 or 4 bytes per character is not a str. */
        put_str_header(lay, obj, 3, 2, 1, 1);
        assert_int_equal(pystr_locate(lay, 0x1000, obj, &data_addr, &data_ptr_addr, &length, &kind),
                         -1);
        put_str_header(lay, obj, 3, 4, 1, 1);
        assert_int_equal(pystr_locate(lay, 0x1000, obj, &data_addr, &data_ptr_addr, &length, &kind),
                         -1);
        /* A negative length. */
        put_str_header(lay, obj, -1, 1, 1, 1);
        assert_int_equal(pystr_locate(lay, 0x1000, obj, &data_addr, &data_ptr_addr, &length, &kind),
                         -1);
        put_str_header(lay, obj, INT64_MIN, 2, 0, 1);
        assert_int_equal(pystr_locate(lay, 0x1000, obj, &data_addr, &data_ptr_addr, &length, &kind),
                         -1);
    }
}

static void test_locate_points_legacy_str_at_its_data_pointer(void **state)
{
    (void)state;
    for (int minor = MIN_MINOR; minor <= MAX_MINOR; minor++) {
        const struct py_layout *lay = lay_of(minor);
        uint8_t obj[128];
        uint64_t data_addr = 1, data_ptr_addr = 0;
        int64_t length;
        int kind;
        put_str_header(lay, obj, 7, 2, 0, 0);
        assert_int_equal(pystr_locate(lay, 0x5000, obj, &data_addr, &data_ptr_addr, &length, &kind),
                         0);
        assert_int_equal(data_addr, 0);
        assert_int_equal(data_ptr_addr, 0x5000 + lay->unicode_compact_size);
        assert_int_equal(length, 7);
        assert_int_equal(kind, 2);
    }
}

static void test_surrogates_and_out_of_range_code_points_become_replacement_char(void **state)
{
    (void)state;
    static const uint16_t ucs2[] = {'a', 0xd800, 0xdbff, 0xdc00, 0xdfff, 'b', 0xd7ff, 0xe000};
    char out[64];
    pystr_to_utf8(ucs2, 8, 2, out, sizeof out);
    assert_string_equal(out, "a\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
                             "b\xed\x9f\xbf\xee\x80\x80");

    static const uint32_t ucs4[] = {0xd83d, 0x110000, 0xffffffff, 'z'};
    pystr_to_utf8(ucs4, 4, 4, out, sizeof out);
    assert_string_equal(out, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdz");
}

static void test_small_buffer_cuts_at_a_character_boundary(void **state)
{
    (void)state;
    static const uint16_t a_nihon[] = {'a', 0x65e5, 0x672c}; /* "a日本": 1 + 3 + 3 bytes */
    char out[16];
    size_t sizes_and_lengths[][2] = {{1, 0}, {2, 1}, {4, 1}, {5, 4}, {7, 4}, {8, 7}, {16, 7}};
    for (size_t i = 0; i < sizeof sizes_and_lengths / sizeof sizes_and_lengths[0]; i++) {
        size_t size = sizes_and_lengths[i][0], want = sizes_and_lengths[i][1];
        memset(out, 'X', sizeof out);
        assert_int_equal(pystr_to_utf8(a_nihon, 3, 2, out, size), want);
        assert_int_equal(strlen(out), want);
        assert_memory_equal(out, "a\xe6\x97\xa5\xe6\x9c\xac", want);
        /* Nothing written past the buffer. */
        for (size_t j = size; j < sizeof out; j++)
            assert_int_equal(out[j], 'X');
    }
    /* A zero-size buffer is not touched. */
    out[0] = 'X';
    assert_int_equal(pystr_to_utf8(a_nihon, 3, 2, out, 0), 0);
    assert_int_equal(out[0], 'X');

    /* Four-byte characters: one fits in 5 bytes, not in 4. */
    static const uint32_t emoji[] = {0x1f600, 0x1f600};
    assert_int_equal(pystr_to_utf8(emoji, 2, 4, out, 4), 0);
    assert_string_equal(out, "");
    assert_int_equal(pystr_to_utf8(emoji, 2, 4, out, 5), 4);
    assert_string_equal(out, "\xf0\x9f\x98\x80");
}

/* --- pystr_read / pybytes_read through a memory source --- */

/* A fake address space: size bytes mapped at base, nothing else. */
struct fake_space {
    uint64_t base;
    uint8_t *bytes;
    size_t size;
    unsigned reads, refused;
};

static int fake_readv(struct remote *r, const struct remote_iov *iov, int n)
{
    struct fake_space *fs = r->priv;
    for (int i = 0; i < n; i++) {
        fs->reads++;
        if (iov[i].addr < fs->base || iov[i].addr - fs->base > fs->size ||
            iov[i].len > fs->size - (iov[i].addr - fs->base)) {
            fs->refused++;
            errno = EFAULT;
            return -1;
        }
        memcpy(iov[i].buf, fs->bytes + (iov[i].addr - fs->base), iov[i].len);
    }
    return 0;
}

static const struct remote_ops fake_ops = {.readv = fake_readv};

/* A space of `size` bytes in a heap block of exactly that size. */
static void fake_space_init(struct fake_space *fs, struct remote *mem, size_t size)
{
    fs->base = 0x7f5500000000;
    fs->bytes = calloc(1, size);
    assert_non_null(fs->bytes);
    fs->size = size;
    fs->reads = fs->refused = 0;
    remote_init_custom(mem, &fake_ops, fs);
}

static void fake_space_free(struct fake_space *fs)
{
    free(fs->bytes);
    fs->bytes = NULL;
}

/* Build a compact str of n code points at offset off of the space;
 * returns its address. */
static uint64_t put_str(struct fake_space *fs, const struct py_layout *lay, size_t off,
                        const uint32_t *cps, size_t n, unsigned kind, int ascii)
{
    size_t data_off = put_str_header(lay, fs->bytes + off, (int64_t)n, kind, ascii, 1);
    assert_true(off + data_off + n * kind <= fs->size);
    put_chars(fs->bytes + off + data_off, cps, n, kind);
    return fs->base + off;
}

static void test_read_gets_short_and_long_strs_of_every_kind(void **state)
{
    (void)state;
    for (int minor = MIN_MINOR; minor <= MAX_MINOR; minor++) {
        const struct py_layout *lay = lay_of(minor);
        struct fake_space fs;
        struct remote mem;
        fake_space_init(&fs, &mem, 1 << 16);

        static const uint32_t name[] = {'r', 'u', 'n', '_', 'o', 'n', 'c', 'e'};
        uint64_t a = put_str(&fs, lay, 0x100, name, 8, 1, 1);
        char out[512];
        assert_int_equal(pystr_read(&mem, lay, a, out, sizeof out), 0);
        assert_string_equal(out, "run_once");

        static const uint32_t path[] = {'/', 't', 0xe9, 'l', 0xe9};
        a = put_str(&fs, lay, 0x400, path, 5, 1, 0);
        assert_int_equal(pystr_read(&mem, lay, a, out, sizeof out), 0);
        assert_string_equal(out, "/t\xc3\xa9l\xc3\xa9");

        /* 200 UCS-2 characters: 400 bytes, beyond the first read. */
        uint32_t long_ucs2[200];
        char want[601];
        for (int i = 0; i < 200; i++) {
            long_ucs2[i] = 0x65e5;
            memcpy(want + 3 * i, "\xe6\x97\xa5", 3);
        }
        want[600] = '\0';
        a = put_str(&fs, lay, 0x1000, long_ucs2, 200, 2, 0);
        char big[1024];
        assert_int_equal(pystr_read(&mem, lay, a, big, sizeof big), 0);
        assert_string_equal(big, want);

        static const uint32_t snake[] = {0x1f40d};
        a = put_str(&fs, lay, 0x2000, snake, 1, 4, 0);
        assert_int_equal(pystr_read(&mem, lay, a, out, sizeof out), 0);
        assert_string_equal(out, "\xf0\x9f\x90\x8d");
        assert_int_equal(fs.refused, 0);
        fake_space_free(&fs);
    }
}

static void test_read_follows_the_data_pointer_of_a_legacy_str(void **state)
{
    (void)state;
    for (int minor = MIN_MINOR; minor <= MAX_MINOR; minor++) {
        const struct py_layout *lay = lay_of(minor);
        struct fake_space fs;
        struct remote mem;
        fake_space_init(&fs, &mem, 1 << 14);
        size_t ptr_off = put_str_header(lay, fs.bytes + 0x100, 3, 2, 0, 0);
        put_u64(fs.bytes + 0x100 + ptr_off, fs.base + 0x3000);
        static const uint32_t cps[] = {'a', 0x3b1, 0x65e5};
        put_chars(fs.bytes + 0x3000, cps, 3, 2);
        char out[64];
        assert_int_equal(pystr_read(&mem, lay, fs.base + 0x100, out, sizeof out), 0);
        assert_string_equal(out, "a\xce\xb1\xe6\x97\xa5");

        /* A null or unmapped data pointer is a failed read. */
        put_u64(fs.bytes + 0x100 + ptr_off, 0);
        assert_int_equal(pystr_read(&mem, lay, fs.base + 0x100, out, sizeof out), -1);
        put_u64(fs.bytes + 0x100 + ptr_off, 0xdead0000);
        assert_int_equal(pystr_read(&mem, lay, fs.base + 0x100, out, sizeof out), -1);
        fake_space_free(&fs);
    }
}

static void test_read_cuts_huge_strs_at_the_maximum(void **state)
{
    (void)state;
    const struct py_layout *lay = lay_of(12);
    struct fake_space fs;
    struct remote mem;
    fake_space_init(&fs, &mem, 1 << 16);
    /* Claims 10 million characters; the space holds 8000 of them. */
    size_t data_off = put_str_header(lay, fs.bytes, 10000000, 1, 1, 1);
    memset(fs.bytes + data_off, 'x', 8000);
    char *out = malloc(2 * PYSTR_MAX_CHARS);
    assert_non_null(out);
    assert_int_equal(pystr_read(&mem, lay, fs.base, out, 2 * PYSTR_MAX_CHARS), 0);
    assert_int_equal(strlen(out), PYSTR_MAX_CHARS);
    assert_int_equal(out[PYSTR_MAX_CHARS - 1], 'x');
    /* And into a small buffer: cut, terminated. */
    char small[10];
    assert_int_equal(pystr_read(&mem, lay, fs.base, small, sizeof small), 0);
    assert_string_equal(small, "xxxxxxxxx");
    free(out);
    fake_space_free(&fs);
}

/* Fill a stretch of stack with a pattern, so that what a callee later
 * finds in uninitialized locals is that pattern, not a leftover string. */
static __attribute__((noinline)) void paint_stack(void)
{
    volatile uint8_t junk[32768];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = '#';
}

static void test_read_of_str_at_end_of_mapping_gets_its_own_characters(void **state)
{
    (void)state;
    for (int minor = MIN_MINOR; minor <= MAX_MINOR; minor++) {
        const struct py_layout *lay = lay_of(minor);
        /* An ASCII str of 60 characters, the last object before an
         * unmapped page: the longer first read of pystr_read fails there,
         * and its characters reach past PyCompactUnicodeObject. */
        static const char text[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ01234567";
        size_t n = sizeof text - 1;
        size_t size = lay->unicode_ascii_size + n + 1;
        struct fake_space fs;
        struct remote mem;
        fake_space_init(&fs, &mem, size);
        uint32_t cps[64];
        for (size_t i = 0; i < n; i++)
            cps[i] = (uint8_t)text[i];
        uint64_t a = put_str(&fs, lay, 0, cps, n, 1, 1);
        char out[128];
        paint_stack();
        assert_int_equal(pystr_read(&mem, lay, a, out, sizeof out), 0);
        assert_string_equal(out, text);
        fake_space_free(&fs);
    }
}

static void test_read_fails_on_unreadable_or_non_str_objects(void **state)
{
    (void)state;
    const struct py_layout *lay = lay_of(11);
    struct fake_space fs;
    struct remote mem;
    fake_space_init(&fs, &mem, 4096);
    char out[32] = "unchanged";
    assert_int_equal(pystr_read(&mem, lay, 0, out, sizeof out), -1);
    assert_string_equal(out, "");
    strcpy(out, "unchanged");
    assert_int_equal(pystr_read(&mem, lay, 0x1000, out, sizeof out), -1);
    assert_string_equal(out, "");
    /* Header readable, kind 3: not a str. */
    put_str_header(lay, fs.bytes + 0x100, 4, 3, 0, 1);
    assert_int_equal(pystr_read(&mem, lay, fs.base + 0x100, out, sizeof out), -1);
    /* Characters past the end of the space. */
    put_str_header(lay, fs.bytes + 0x200, 5000, 1, 1, 1);
    assert_int_equal(pystr_read(&mem, lay, fs.base + 0x200, out, sizeof out), -1);
    /* Header itself cut by the end of the space. */
    assert_int_equal(pystr_read(&mem, lay, fs.base + 4096 - 40, out, sizeof out), -1);
    fake_space_free(&fs);
}

/* A bytes object: ob_size at 16, characters at bytes_sval. */
static uint64_t put_bytes(struct fake_space *fs, const struct py_layout *lay, size_t off,
                          const void *data, int64_t size)
{
    put_u64(fs->bytes + off, 1);
    memcpy(fs->bytes + off + 16, &size, sizeof size);
    if (size > 0)
        memcpy(fs->bytes + off + lay->bytes_sval, data, (size_t)size);
    return fs->base + off;
}

static void test_bytes_read_gets_data_and_full_length(void **state)
{
    (void)state;
    for (int minor = MIN_MINOR; minor <= MAX_MINOR; minor++) {
        const struct py_layout *lay = lay_of(minor);
        struct fake_space fs;
        struct remote mem;
        fake_space_init(&fs, &mem, 4096);
        static const uint8_t table[] = {0x80, 0x00, 0xff, 0x01, 'x', 0x7f};
        uint64_t a = put_bytes(&fs, lay, 0x40, table, sizeof table);

        uint8_t buf[16];
        size_t len = 0;
        memset(buf, 0xee, sizeof buf);
        assert_int_equal(pybytes_read(&mem, lay, a, buf, sizeof buf, &len), 0);
        assert_int_equal(len, sizeof table);
        assert_memory_equal(buf, table, sizeof table);
        assert_int_equal(buf[sizeof table], 0xee);

        /* Less room than data: the first bytes, and the full length. */
        memset(buf, 0xee, sizeof buf);
        assert_int_equal(pybytes_read(&mem, lay, a, buf, 3, &len), 0);
        assert_int_equal(len, sizeof table);
        assert_memory_equal(buf, table, 3);
        assert_int_equal(buf[3], 0xee);

        /* Only the length. */
        assert_int_equal(pybytes_read(&mem, lay, a, buf, 0, &len), 0);
        assert_int_equal(len, sizeof table);

        /* Empty. */
        a = put_bytes(&fs, lay, 0x100, NULL, 0);
        assert_int_equal(pybytes_read(&mem, lay, a, buf, sizeof buf, &len), 0);
        assert_int_equal(len, 0);
        fake_space_free(&fs);
    }
}

static void test_bytes_read_fails_on_bad_size_or_address(void **state)
{
    (void)state;
    const struct py_layout *lay = lay_of(10);
    struct fake_space fs;
    struct remote mem;
    fake_space_init(&fs, &mem, 4096);
    uint8_t buf[16];
    size_t len;
    uint64_t a = put_bytes(&fs, lay, 0x40, NULL, -5);
    assert_int_equal(pybytes_read(&mem, lay, a, buf, sizeof buf, &len), -1);
    a = put_bytes(&fs, lay, 0x80, NULL, INT64_MIN);
    assert_int_equal(pybytes_read(&mem, lay, a, buf, sizeof buf, &len), -1);
    assert_int_equal(pybytes_read(&mem, lay, 0, buf, sizeof buf, &len), -1);
    assert_int_equal(pybytes_read(&mem, lay, 0x1000, buf, sizeof buf, &len), -1);
    /* Claims more than the space holds: the part asked for is unreadable. */
    put_u64(fs.bytes + 4096 - 40 + 16, 1000);
    assert_int_equal(pybytes_read(&mem, lay, fs.base + 4096 - 40, buf, sizeof buf, &len), -1);
    assert_true(fs.refused > 0);
    fake_space_free(&fs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ascii_str_converts_in_every_version),
        cmocka_unit_test(test_latin1_str_converts_to_two_byte_utf8),
        cmocka_unit_test(test_ucs2_str_converts_to_three_byte_utf8),
        cmocka_unit_test(test_ucs4_str_converts_to_four_byte_utf8),
        cmocka_unit_test(test_empty_str_converts_to_empty_text),
        cmocka_unit_test(test_locate_rejects_impossible_headers),
        cmocka_unit_test(test_locate_points_legacy_str_at_its_data_pointer),
        cmocka_unit_test(test_surrogates_and_out_of_range_code_points_become_replacement_char),
        cmocka_unit_test(test_small_buffer_cuts_at_a_character_boundary),
        cmocka_unit_test(test_read_gets_short_and_long_strs_of_every_kind),
        cmocka_unit_test(test_read_follows_the_data_pointer_of_a_legacy_str),
        cmocka_unit_test(test_read_cuts_huge_strs_at_the_maximum),
        cmocka_unit_test(test_read_of_str_at_end_of_mapping_gets_its_own_characters),
        cmocka_unit_test(test_read_fails_on_unreadable_or_non_str_objects),
        cmocka_unit_test(test_bytes_read_gets_data_and_full_length),
        cmocka_unit_test(test_bytes_read_fails_on_bad_size_or_address),
    };
    return cmocka_run_group_tests_name("python/pystr", tests, NULL, NULL);
}
