/*
 * tests/unit/test_elf: remote/elf on real files, and on broken copies of them.
 *
 * The real cases look up what pytop looks up in a Python process
 * (_PyRuntime, Py_Version, PyCode_Type in libpython3.12; the PY_VERSION
 * string of libpython3.8 and of Debian's statically linked python3.11) and
 * check the answers against the files' own contents. Interpreters that are
 * not installed are skipped with a message.
 *
 * The robustness cases feed elf_open_mem every truncation of a real ELF and
 * thousands of copies with corrupted section headers (fixed-seed PRNG, so a
 * failure replays). Each image sits in a heap block of its exact size, so
 * under AddressSanitizer a read one byte past it fails the test. A lookup
 * in a broken image may fail, but when it succeeds it must give the true
 * answer.
 */
#include "config.h"

#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "slurp.h"

#include "remote/elf.h"
#include "remote/maps.h"

/* A symbol of this program for the lookups to find (global, so that it is
 * in .symtab under its own name). */
int elf_test_marker_function(int x);
int elf_test_marker_function(int x)
{
    return x + 1;
}

/* A fixed-seed xorshift64: the same corruptions on every run. */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* The install prefix of pyenv's Python `version`, or NULL (static buffer). */
static const char *pyenv_prefix(const char *version)
{
    static char prefix[PATH_MAX];
    char cmd[128];
    snprintf(cmd, sizeof cmd, "pyenv prefix %s 2>/dev/null", version);
    FILE *p = popen(cmd, "r");
    if (p != NULL) {
        int ok = fgets(prefix, sizeof prefix, p) != NULL;
        pclose(p);
        prefix[strcspn(prefix, "\n")] = '\0';
        if (ok && prefix[0] == '/' && access(prefix, F_OK) == 0)
            return prefix;
    }
    const char *root = getenv("PYENV_ROOT");
    const char *home = getenv("HOME");
    if (root != NULL)
        snprintf(prefix, sizeof prefix, "%s/versions/%s", root, version);
    else if (home != NULL)
        snprintf(prefix, sizeof prefix, "%s/.pyenv/versions/%s", home, version);
    else
        return NULL;
    return access(prefix, F_OK) == 0 ? prefix : NULL;
}

/* The path of libpython3.MINOR of pyenv's `version` into buf, or -1 (and a
 * "skip:" line) if it is not installed. */
static int find_libpython(const char *version, int minor, char *buf, size_t size)
{
    const char *prefix = pyenv_prefix(version);
    if (prefix != NULL) {
        int n = snprintf(buf, size, "%s/lib/libpython3.%d.so.1.0", prefix, minor);
        if (n > 0 && (size_t)n < size && access(buf, R_OK) == 0)
            return 0;
    }
    printf("skip: pyenv's Python %s (libpython3.%d.so.1.0) is not installed\n", version, minor);
    return -1;
}

/* The bytes at virtual address vaddr of an ELF file, through its PT_LOAD
 * segments; NULL if no segment holds len file bytes there. */
static const uint8_t *file_bytes_at(const struct elf_file *ef, uint64_t vaddr, size_t len)
{
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)ef->data;
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        const Elf64_Phdr *ph = (const Elf64_Phdr *)(ef->data + eh->e_phoff) + i;
        if (ph->p_type == PT_LOAD && vaddr >= ph->p_vaddr &&
            vaddr + len <= ph->p_vaddr + ph->p_filesz)
            return ef->data + ph->p_offset + (vaddr - ph->p_vaddr);
    }
    return NULL;
}

/* --- real files --- */

static void test_self_exe_lookup_finds_own_function_at_its_address(void **state)
{
    (void)state;
    struct elf_file ef;
    struct pt_error err;
    assert_int_equal(elf_open("/proc/self/exe", &ef, &err), 0);

    uint64_t value = 0, size = 0;
    assert_int_equal(elf_lookup(&ef, "elf_test_marker_function", &value, &size), 0);
    assert_true(size > 0);

    /* Symbol value + load bias must be where the function really is. */
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    assert_true(n > 0);
    exe[n] = '\0';
    struct maps m;
    assert_int_equal(maps_read(getpid(), &m, &err), 0);
    uint64_t base = maps_file_base(&m, exe);
    maps_free(&m);
    assert_true(base != 0);
    assert_int_equal(base + value - ef.load_delta, (uint64_t)(uintptr_t)&elf_test_marker_function);

    /* A function of libpytop, linked in statically; size is optional. */
    assert_int_equal(elf_lookup(&ef, "elf_lookup", &value, NULL), 0);
    assert_int_equal(base + value - ef.load_delta, (uint64_t)(uintptr_t)&elf_lookup);
    elf_close(&ef);
    assert_null(ef.data);
}

static void test_lookup_of_made_up_name_fails(void **state)
{
    (void)state;
    struct elf_file ef;
    assert_int_equal(elf_open("/proc/self/exe", &ef, NULL), 0);
    uint64_t value = 12345;
    assert_int_equal(elf_lookup(&ef, "pytop_no_such_symbol_xyzzy", &value, NULL), -1);
    assert_int_equal(value, 12345);
    /* A prefix or an extension of a real name is not that name. */
    assert_int_equal(elf_lookup(&ef, "elf_test_marker_functio", &value, NULL), -1);
    assert_int_equal(elf_lookup(&ef, "elf_test_marker_function_", &value, NULL), -1);
    elf_close(&ef);
}

static void test_open_of_missing_or_non_elf_file_names_it(void **state)
{
    (void)state;
    struct elf_file ef;
    struct pt_error err;
    pt_error_clear(&err);
    assert_int_equal(elf_open("/nonexistent/libpython3.12.so", &ef, &err), -1);
    assert_int_equal(err.code, PT_E_IO);
    assert_non_null(strstr(err.msg, "/nonexistent/libpython3.12.so"));
    assert_null(ef.data);

    char path[] = "/tmp/test_elf.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    static const char text[] = "#!/bin/sh\n# a shell script, long enough for an ELF header\n"
                               "echo this is not an ELF file at all\n";
    assert_int_equal(write(fd, text, sizeof text), (ssize_t)sizeof text);
    close(fd);
    pt_error_clear(&err);
    assert_int_equal(elf_open(path, &ef, &err), -1);
    assert_int_equal(err.code, PT_E_IO);
    assert_non_null(strstr(err.msg, path));
    assert_null(ef.data);

    /* Shorter than an ELF header. */
    fd = open(path, O_WRONLY | O_TRUNC);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "\177ELF", 4), 4);
    close(fd);
    assert_int_equal(elf_open(path, &ef, &err), -1);
    assert_non_null(strstr(err.msg, path));
    unlink(path);
}

/* Up to 3.10 a frame object is checked against PyFrame_Type before it is
 * trusted (python/stack.c): libpython exports it as it does PyCode_Type. */
static void test_libpython38_to_310_export_frame_type(void **state)
{
    (void)state;
    const char *versions[] = {"3.8.18", "3.9.18", "3.10.13"};
    int found = 0;
    for (int i = 0; i < 3; i++) {
        char path[PATH_MAX];
        if (find_libpython(versions[i], 8 + i, path, sizeof path) != 0)
            continue;
        struct elf_file ef;
        struct pt_error err;
        assert_int_equal(elf_open(path, &ef, &err), 0);
        uint64_t frame_type, frame_type_size, code_type, code_type_size;
        assert_int_equal(elf_lookup(&ef, "PyFrame_Type", &frame_type, &frame_type_size), 0);
        assert_int_equal(elf_lookup(&ef, "PyCode_Type", &code_type, &code_type_size), 0);
        assert_true(frame_type != 0 && frame_type != code_type);
        assert_int_equal(frame_type_size, code_type_size); /* both PyTypeObject */
        elf_close(&ef);
        found++;
    }
    if (found == 0)
        skip();
}

static void test_libpython312_exports_runtime_version_and_code_type(void **state)
{
    (void)state;
    char path[PATH_MAX];
    if (find_libpython("3.12.1", 12, path, sizeof path) != 0) {
        skip();
        return;
    }
    struct elf_file ef;
    struct pt_error err;
    assert_int_equal(elf_open(path, &ef, &err), 0);

    uint64_t runtime, runtime_size, version, version_size, code_type, code_type_size;
    assert_int_equal(elf_lookup(&ef, "_PyRuntime", &runtime, &runtime_size), 0);
    assert_int_equal(elf_lookup(&ef, "Py_Version", &version, &version_size), 0);
    assert_int_equal(elf_lookup(&ef, "PyCode_Type", &code_type, &code_type_size), 0);
    assert_true(runtime != 0 && version != 0 && code_type != 0);
    assert_true(runtime_size > 1000);      /* _PyRuntimeState is large */
    assert_int_equal(version_size, 8);     /* const unsigned long Py_Version */
    assert_int_equal(code_type_size, 416); /* sizeof(PyTypeObject), x86-64 */

    /* Py_Version holds PY_VERSION_HEX: 3.12.1 final. */
    const uint8_t *hex = file_bytes_at(&ef, version, 8);
    assert_non_null(hex);
    uint64_t v;
    memcpy(&v, hex, 8);
    assert_int_equal(v, 0x030c01f0);

    int major, minor, micro;
    assert_int_equal(elf_find_python_version(&ef, 12, &major, &minor, &micro), 0);
    assert_int_equal(major, 3);
    assert_int_equal(minor, 12);
    assert_int_equal(micro, 1);

    uint64_t value;
    assert_int_equal(elf_lookup(&ef, "_PyRuntime_made_up_name", &value, NULL), -1);
    elf_close(&ef);
}

static void test_libpython38_version_string_is_found(void **state)
{
    (void)state;
    char path[PATH_MAX];
    if (find_libpython("3.8.18", 8, path, sizeof path) != 0) {
        skip();
        return;
    }
    struct elf_file ef;
    assert_int_equal(elf_open(path, &ef, NULL), 0);
    int major = 0, minor = 0, micro = 0;
    assert_int_equal(elf_find_python_version(&ef, 8, &major, &minor, &micro), 0);
    assert_int_equal(major, 3);
    assert_int_equal(minor, 8);
    assert_int_equal(micro, 18);
    /* No 3.9 in a 3.8 library. */
    assert_int_equal(elf_find_python_version(&ef, 9, &major, &minor, &micro), -1);
    /* 3.8 has no Py_Version, but has _PyRuntime. */
    uint64_t value;
    assert_int_equal(elf_lookup(&ef, "Py_Version", &value, NULL), -1);
    assert_int_equal(elf_lookup(&ef, "_PyRuntime", &value, NULL), 0);
    elf_close(&ef);
}

/* What `python -c` prints, as an int; -1 if it cannot run. */
static int python_says(const char *python, const char *expr)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s -S -c 'import sys; print(%s)' 2>/dev/null", python, expr);
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        return -1;
    int v = -1;
    if (fscanf(p, "%d", &v) != 1)
        v = -1;
    pclose(p);
    return v;
}

static void test_debian_python311_version_is_found_in_static_binary(void **state)
{
    (void)state;
    const char *path = "/usr/bin/python3.11";
    if (access(path, R_OK) != 0) {
        printf("skip: %s is not installed\n", path);
        skip();
        return;
    }
    struct elf_file ef;
    assert_int_equal(elf_open(path, &ef, NULL), 0);
    int major = 0, minor = 0, micro = -1;
    assert_int_equal(elf_find_python_version(&ef, 11, &major, &minor, &micro), 0);
    assert_int_equal(major, 3);
    assert_int_equal(minor, 11);
    assert_true(micro >= 0);
    int real_micro = python_says(path, "sys.version_info.micro");
    if (real_micro >= 0)
        assert_int_equal(micro, real_micro);

    /* Stripped, but _PyRuntime and Py_Version are in .dynsym; Py_Version
     * agrees with the string. */
    uint64_t runtime, version;
    assert_int_equal(elf_lookup(&ef, "_PyRuntime", &runtime, NULL), 0);
    assert_int_equal(elf_lookup(&ef, "Py_Version", &version, NULL), 0);
    const uint8_t *hex = file_bytes_at(&ef, version, 8);
    assert_non_null(hex);
    uint64_t v;
    memcpy(&v, hex, 8);
    assert_int_equal(v >> 8, (3u << 16) | (11u << 8) | (unsigned)micro);
    elf_close(&ef);
}

/* --- broken images --- */

/* What the lookups of the robustness cases must find in the intact image:
 * two names of this program and a name that is nowhere. */
static const char *const probe_names[] = {"elf_test_marker_function", "main",
                                          "pytop_no_such_symbol_xyzzy"};
#define NPROBES (sizeof probe_names / sizeof probe_names[0])

struct truth {
    int found[NPROBES];
    uint64_t value[NPROBES];
};

static void lookups_of(const struct elf_file *ef, struct truth *t)
{
    for (size_t i = 0; i < NPROBES; i++)
        t->found[i] = elf_lookup(ef, probe_names[i], &t->value[i], NULL) == 0;
}

/* Look every probe name up in a broken image: no crash, and with intact
 * given an answer must be either "not found" or the intact image's answer
 * (true of truncations, which change no byte they keep; a corrupted table
 * may legitimately name garbage). With versions set, the PY_VERSION search
 * (a scan of all read-only data) runs too, and must just return. */
static void check_broken_image(const uint8_t *image, size_t size, const struct truth *intact,
                               int versions)
{
    struct elf_file ef;
    if (elf_open_mem(image, size, &ef) != 0)
        return;
    for (size_t i = 0; i < NPROBES; i++) {
        uint64_t value = 0, sz = 0;
        if (elf_lookup(&ef, probe_names[i], &value, &sz) == 0 && intact != NULL) {
            assert_true(intact->found[i]);
            assert_int_equal(value, intact->value[i]);
        }
    }
    if (versions) {
        int major, minor, micro;
        elf_find_python_version(&ef, -1, &major, &minor, &micro);
        elf_find_python_version(&ef, 11, &major, &minor, &micro);
    }
}

static uint8_t *own_exe(size_t *size, struct truth *intact, const Elf64_Ehdr **eh)
{
    uint8_t *data = slurp("/proc/self/exe", size);
    struct elf_file ef;
    assert_int_equal(elf_open_mem(data, *size, &ef), 0);
    lookups_of(&ef, intact);
    assert_true(intact->found[0]);
    assert_true(intact->found[1]);
    assert_false(intact->found[2]);
    *eh = (const Elf64_Ehdr *)data;
    return data;
}

static void test_truncated_images_never_read_past_their_end(void **state)
{
    (void)state;
    size_t size;
    struct truth intact;
    const Elf64_Ehdr *eh;
    uint8_t *full = own_exe(&size, &intact, &eh);
    size_t shdrs = eh->e_shoff;
    assert_true(shdrs > 0 && shdrs < size);

    /* Byte by byte through the headers and through the section header
     * table (the end of the file); in steps elsewhere, so that every
     * table is cut somewhere inside. */
    size_t step = size / 1000 + 1;
    size_t tried = 0;
    for (size_t len = 0; len < size;) {
        uint8_t *copy = malloc(len ? len : 1);
        assert_non_null(copy);
        memcpy(copy, full, len);
        struct elf_file ef;
        int rc = elf_open_mem(copy, len, &ef);
        if (len < sizeof(Elf64_Ehdr))
            assert_int_equal(rc, -1);
        else
            assert_int_equal(rc, 0);
        check_broken_image(copy, len, &intact, len < 512 || len % 64 == 0);
        free(copy);
        tried++;
        len += len < 512 || len + 64 >= shdrs ? 1 : step;
    }
    assert_true(tried > 1000);
    free(full);
}

/* Overwrite field bytes with a value chosen to hurt: 0, small, the
 * image's size or just past it, all ones, or random bits. */
static uint64_t nasty_value(uint64_t *rng, size_t size)
{
    switch (rng_next(rng) % 8) {
    case 0:
        return 0;
    case 1:
        return rng_next(rng) % 64;
    case 2:
        return size;
    case 3:
        return size - rng_next(rng) % 16;
    case 4:
        return UINT64_MAX - rng_next(rng) % 16;
    case 5:
        return (uint64_t)1 << (rng_next(rng) % 64);
    case 6:
        return rng_next(rng) % size;
    default:
        return rng_next(rng);
    }
}

static void put_field(uint8_t *p, size_t width, uint64_t v)
{
    memcpy(p, &v, width); /* little-endian: the low bytes */
}

/* One corruption of the section headers (or of the header fields that
 * locate them) of img, whose intact table is shnum headers at shoff. With
 * aligned set, the offsets of tables (e_shoff, sh_offset) stay multiples
 * of 8, as the ELF specification has them. */
static void corrupt_section_headers(uint8_t *img, size_t size, size_t shoff, unsigned shnum,
                                    int aligned, uint64_t *rng)
{
    int nfields = 1 + (int)(rng_next(rng) % 4);
    for (int k = 0; k < nfields; k++) {
        if (rng_next(rng) % 16 == 0) {
            /* The header fields that say where the section headers are. */
            static const struct {
                size_t off, width;
            } ef_fields[] = {
                {offsetof(Elf64_Ehdr, e_shoff), 8},
                {offsetof(Elf64_Ehdr, e_shnum), 2},
                {offsetof(Elf64_Ehdr, e_shstrndx), 2},
                {offsetof(Elf64_Ehdr, e_shentsize), 2},
            };
            size_t f = rng_next(rng) % (sizeof ef_fields / sizeof ef_fields[0]);
            uint64_t v = nasty_value(rng, size);
            if (aligned && ef_fields[f].off == offsetof(Elf64_Ehdr, e_shoff))
                v &= ~(uint64_t)7;
            put_field(img + ef_fields[f].off, ef_fields[f].width, v);
            continue;
        }
        static const struct {
            size_t off, width;
        } sh_fields[] = {
            {offsetof(Elf64_Shdr, sh_name), 4},   {offsetof(Elf64_Shdr, sh_type), 4},
            {offsetof(Elf64_Shdr, sh_offset), 8}, {offsetof(Elf64_Shdr, sh_size), 8},
            {offsetof(Elf64_Shdr, sh_link), 4},   {offsetof(Elf64_Shdr, sh_entsize), 8},
        };
        size_t idx = rng_next(rng) % shnum;
        uint8_t *sh = img + shoff + idx * sizeof(Elf64_Shdr);
        if (rng_next(rng) % 4 == 0) {
            /* Random bytes anywhere in the header. */
            size_t at = rng_next(rng) % sizeof(Elf64_Shdr);
            sh[at] = (uint8_t)rng_next(rng);
            if (aligned && at == offsetof(Elf64_Shdr, sh_offset))
                sh[at] &= 0xf8;
            continue;
        }
        size_t f = rng_next(rng) % (sizeof sh_fields / sizeof sh_fields[0]);
        uint64_t v = nasty_value(rng, size);
        if (sh_fields[f].off == offsetof(Elf64_Shdr, sh_type) && rng_next(rng) % 2)
            v = rng_next(rng) % 2 ? SHT_SYMTAB : SHT_DYNSYM;
        if (sh_fields[f].off == offsetof(Elf64_Shdr, sh_link) && rng_next(rng) % 2)
            v = rng_next(rng) % (shnum + 2u);
        if (aligned && sh_fields[f].off == offsetof(Elf64_Shdr, sh_offset))
            v &= ~(uint64_t)7;
        put_field(sh + sh_fields[f].off, sh_fields[f].width, v);
    }
}

/* Corrupt the section headers of the program's own image `iterations`
 * times (each from the intact image), looking names up in every copy. */
static void fuzz_section_headers(int aligned, int iterations, uint64_t seed)
{
    size_t size;
    struct truth intact;
    const Elf64_Ehdr *eh;
    uint8_t *pristine = own_exe(&size, &intact, &eh);
    size_t shoff = eh->e_shoff, shend = shoff + (size_t)eh->e_shnum * sizeof(Elf64_Shdr);
    assert_true(shend <= size);

    uint8_t *img = malloc(size);
    assert_non_null(img);
    memcpy(img, pristine, size);
    uint64_t rng = seed;
    for (int iter = 0; iter < iterations; iter++) {
        corrupt_section_headers(img, size, shoff, eh->e_shnum, aligned, &rng);
        check_broken_image(img, size, NULL, iter % 8 == 0);
        /* Restore what may have changed: the ELF header and the table. */
        memcpy(img, pristine, sizeof(Elf64_Ehdr));
        memcpy(img + shoff, pristine + shoff, shend - shoff);
    }
    free(img);
    free(pristine);
}

static void test_corrupted_section_headers_fail_lookups_cleanly(void **state)
{
    (void)state;
    fuzz_section_headers(1, 8000, 0x9e3779b97f4a7c15ull);
}

/* Offsets that are not multiples of 8 put the tables at misaligned
 * addresses: they must be refused (or read bytewise), not dereferenced as
 * Elf64_Shdr / Elf64_Sym, which UndefinedBehaviorSanitizer reports. Run
 * last: under the sanitizers a failure ends the program. */
static void test_misaligned_section_offsets_fail_lookups_cleanly(void **state)
{
    (void)state;
    fuzz_section_headers(0, 8000, 0x243f6a8885a308d3ull);
}

static void test_random_bytes_in_an_image_fail_lookups_cleanly(void **state)
{
    (void)state;
    size_t size;
    struct truth intact;
    const Elf64_Ehdr *eh;
    uint8_t *pristine = own_exe(&size, &intact, &eh);
    uint8_t *img = malloc(size);
    assert_non_null(img);
    uint64_t rng = 42;
    for (int iter = 0; iter < 300; iter++) {
        memcpy(img, pristine, size);
        for (int k = 0; k < 64; k++)
            img[rng_next(&rng) % size] = (uint8_t)rng_next(&rng);
        /* Keep the magic so that the rest gets looked at. */
        memcpy(img, ELFMAG, SELFMAG);
        img[EI_CLASS] = ELFCLASS64;
        check_broken_image(img, size, NULL, 1);
    }
    free(img);
    free(pristine);
}

static void test_open_mem_rejects_non_elf64_images(void **state)
{
    (void)state;
    uint8_t img[sizeof(Elf64_Ehdr)];
    struct elf_file ef;
    memset(img, 0, sizeof img);
    assert_int_equal(elf_open_mem(img, sizeof img, &ef), -1);
    memcpy(img, ELFMAG, SELFMAG);
    img[EI_CLASS] = ELFCLASS32;
    assert_int_equal(elf_open_mem(img, sizeof img, &ef), -1);
    img[EI_CLASS] = ELFCLASS64;
    assert_int_equal(elf_open_mem(img, sizeof img - 1, &ef), -1);
    /* A bare header with no sections opens, and finds nothing. */
    assert_int_equal(elf_open_mem(img, sizeof img, &ef), 0);
    uint64_t value;
    assert_int_equal(elf_lookup(&ef, "main", &value, NULL), -1);
    int major, minor, micro;
    assert_int_equal(elf_find_python_version(&ef, -1, &major, &minor, &micro), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_self_exe_lookup_finds_own_function_at_its_address),
        cmocka_unit_test(test_lookup_of_made_up_name_fails),
        cmocka_unit_test(test_open_of_missing_or_non_elf_file_names_it),
        cmocka_unit_test(test_libpython312_exports_runtime_version_and_code_type),
        cmocka_unit_test(test_libpython38_to_310_export_frame_type),
        cmocka_unit_test(test_libpython38_version_string_is_found),
        cmocka_unit_test(test_debian_python311_version_is_found_in_static_binary),
        cmocka_unit_test(test_open_mem_rejects_non_elf64_images),
        cmocka_unit_test(test_truncated_images_never_read_past_their_end),
        cmocka_unit_test(test_corrupted_section_headers_fail_lookups_cleanly),
        cmocka_unit_test(test_misaligned_section_offsets_fail_lookups_cleanly),
        cmocka_unit_test(test_random_bytes_in_an_image_fail_lookups_cleanly),
    };
    return cmocka_run_group_tests_name("remote/elf", tests, NULL, NULL);
}
