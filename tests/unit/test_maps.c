/*
 * tests/unit/test_maps: remote/maps on /proc/PID/maps text as the kernel writes
 * it, and on the live maps of this very process.
 *
 * The parser must keep every line the kernel can print (file mappings,
 * anonymous ones whose line ends right after the inode, [heap], [stack],
 * [vdso], [vsyscall] at the top of the address space, paths with spaces,
 * files deleted on disk) and skip lines it cannot read without letting them
 * spill into their neighbours.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "remote/maps.h"

/* A slice of a real maps file: a PIE executable, its heap, a library with
 * an anonymous bss after it, a file with spaces in its name, a deleted
 * library, the stack, vvar/vdso and the legacy vsyscall page. Anonymous
 * lines end in a space, as the kernel prints them. */
static const char real_maps[] =
    "55d0c3a00000-55d0c3a02000 r--p 00000000 fe:00 247134                     /usr/bin/cat\n"
    "55d0c3a02000-55d0c3a07000 r-xp 00002000 fe:00 247134                     /usr/bin/cat\n"
    "55d0c3a07000-55d0c3a0a000 r--p 00007000 fe:00 247134                     /usr/bin/cat\n"
    "55d0c3a0a000-55d0c3a0b000 rw-p 00009000 fe:00 247134                     /usr/bin/cat\n"
    "55d0c4c9e000-55d0c4cbf000 rw-p 00000000 00:00 0                          [heap]\n"
    "7f4eb85b0000-7f4eb85d6000 r--p 00000000 fe:00 332835                     "
    "/usr/lib/x86_64-linux-gnu/libc.so.6\n"
    "7f4eb85d6000-7f4eb872c000 r-xp 00026000 fe:00 332835                     "
    "/usr/lib/x86_64-linux-gnu/libc.so.6\n"
    "7f4eb8785000-7f4eb8792000 rw-p 00000000 00:00 0 \n"
    "7f4eb8796000-7f4eb879d000 r--s 00000000 fe:00 332280                     "
    "/home/me/My Files/data set.bin\n"
    "7f4eb87a0000-7f4eb87a4000 r-xp 00001000 08:02 1234567                    "
    "/opt/app/lib/libpython3.12.so.1.0 (deleted)\n"
    "7ffd1a5e1000-7ffd1a602000 rw-p 00000000 00:00 0                          [stack]\n"
    "7ffd1a7d6000-7ffd1a7da000 r--p 00000000 00:00 0                          [vvar]\n"
    "7ffd1a7da000-7ffd1a7dc000 r-xp 00000000 00:00 0                          [vdso]\n"
    "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n";

static struct maps parse_ok(const char *text)
{
    struct maps m;
    struct pt_error err;
    pt_error_clear(&err);
    assert_int_equal(maps_parse(text, &m, &err), 0);
    return m;
}

static void assert_entry(const struct map_entry *e, uint64_t start, uint64_t end, const char *perms,
                         uint64_t offset, const char *path, int deleted)
{
    assert_non_null(e);
    assert_int_equal(e->start, start);
    assert_int_equal(e->end, end);
    assert_string_equal(e->perms, perms);
    assert_int_equal(e->offset, offset);
    assert_string_equal(e->path, path);
    assert_int_equal(e->deleted, deleted);
}

static void test_parse_reads_every_kind_of_line(void **state)
{
    (void)state;
    struct maps m = parse_ok(real_maps);
    assert_int_equal(m.n, 14);
    assert_entry(&m.v[0], 0x55d0c3a00000, 0x55d0c3a02000, "r--p", 0, "/usr/bin/cat", 0);
    assert_int_equal(m.v[0].dev_major, 0xfe);
    assert_int_equal(m.v[0].dev_minor, 0);
    assert_int_equal(m.v[0].inode, 247134);
    assert_entry(&m.v[1], 0x55d0c3a02000, 0x55d0c3a07000, "r-xp", 0x2000, "/usr/bin/cat", 0);
    assert_entry(&m.v[4], 0x55d0c4c9e000, 0x55d0c4cbf000, "rw-p", 0, "[heap]", 0);
    assert_int_equal(m.v[4].inode, 0);
    assert_entry(&m.v[6], 0x7f4eb85d6000, 0x7f4eb872c000, "r-xp", 0x26000,
                 "/usr/lib/x86_64-linux-gnu/libc.so.6", 0);
    assert_entry(&m.v[10], 0x7ffd1a5e1000, 0x7ffd1a602000, "rw-p", 0, "[stack]", 0);
    assert_entry(&m.v[11], 0x7ffd1a7d6000, 0x7ffd1a7da000, "r--p", 0, "[vvar]", 0);
    assert_entry(&m.v[12], 0x7ffd1a7da000, 0x7ffd1a7dc000, "r-xp", 0, "[vdso]", 0);
    maps_free(&m);
    assert_null(m.v);
    assert_int_equal(m.n, 0);
}

static void test_parse_gives_anonymous_mappings_an_empty_path(void **state)
{
    (void)state;
    /* The kernel ends an anonymous line after the inode (and a space):
     * the next line must not be taken for its path. */
    struct maps m = parse_ok(real_maps);
    assert_entry(&m.v[7], 0x7f4eb8785000, 0x7f4eb8792000, "rw-p", 0, "", 0);
    assert_int_equal(m.v[7].inode, 0);
    maps_free(&m);

    m = parse_ok("1000-2000 rw-p 00000000 00:00 0\n"
                 "2000-3000 r--p 00000000 fe:00 12 /lib/a.so\n"
                 "3000-4000 rw-p 00000000 00:00 0");
    assert_int_equal(m.n, 3);
    assert_entry(&m.v[0], 0x1000, 0x2000, "rw-p", 0, "", 0);
    assert_entry(&m.v[1], 0x2000, 0x3000, "r--p", 0, "/lib/a.so", 0);
    assert_entry(&m.v[2], 0x3000, 0x4000, "rw-p", 0, "", 0);
    maps_free(&m);
}

static void test_parse_keeps_spaces_inside_paths(void **state)
{
    (void)state;
    struct maps m = parse_ok(real_maps);
    assert_entry(&m.v[8], 0x7f4eb8796000, 0x7f4eb879d000, "r--s", 0,
                 "/home/me/My Files/data set.bin", 0);
    maps_free(&m);
}

static void test_parse_strips_and_flags_deleted_suffix(void **state)
{
    (void)state;
    struct maps m = parse_ok(real_maps);
    assert_entry(&m.v[9], 0x7f4eb87a0000, 0x7f4eb87a4000, "r-xp", 0x1000,
                 "/opt/app/lib/libpython3.12.so.1.0", 1);
    assert_int_equal(m.v[9].dev_major, 8);
    assert_int_equal(m.v[9].dev_minor, 2);
    assert_int_equal(m.v[9].inode, 1234567);
    maps_free(&m);

    /* Only a suffix counts; "(deleted)" elsewhere in a name is a name. */
    m = parse_ok("1000-2000 r--p 00000000 fe:00 7 /tmp/x (deleted) y\n");
    assert_int_equal(m.n, 1);
    assert_entry(&m.v[0], 0x1000, 0x2000, "r--p", 0, "/tmp/x (deleted) y", 0);
    maps_free(&m);
}

static void test_parse_reads_addresses_at_the_top_of_the_address_space(void **state)
{
    (void)state;
    struct maps m = parse_ok(real_maps);
    assert_entry(&m.v[13], 0xffffffffff600000ull, 0xffffffffff601000ull, "--xp", 0, "[vsyscall]",
                 0);
    maps_free(&m);

    m = parse_ok("fffffffffffff000-ffffffffffffffff r--p ffffffffffff0000 ff:ff "
                 "18446744073709551615 /huge\n");
    assert_int_equal(m.n, 1);
    assert_entry(&m.v[0], 0xfffffffffffff000ull, 0xffffffffffffffffull, "r--p",
                 0xffffffffffff0000ull, "/huge", 0);
    assert_int_equal(m.v[0].inode, UINT64_MAX);
    maps_free(&m);
}

static void test_parse_skips_malformed_lines_without_touching_neighbours(void **state)
{
    (void)state;
    static const char text[] = "garbage\n"
                               "\n"
                               "1000-2000 r--p 00000000 fe:00 1 /good/one\n"
                               "zzzz-2000 r--p 00000000 fe:00 1 /bad/start\n"
                               "3000 r--p 00000000 fe:00 1 /bad/no-end\n"
                               "4000-5000 r-xp 0 0:0\n" /* no inode */
                               "5000-6000 r--p 00000000 fe:00 2 /good/two\n"
                               "6000-7000\n"
                               "7000-8000 r--p 00000000 fe:00 3 /good/three\n"
                               "   \n";
    struct maps m = parse_ok(text);
    assert_int_equal(m.n, 3);
    assert_entry(&m.v[0], 0x1000, 0x2000, "r--p", 0, "/good/one", 0);
    assert_entry(&m.v[1], 0x5000, 0x6000, "r--p", 0, "/good/two", 0);
    assert_int_equal(m.v[1].inode, 2);
    assert_entry(&m.v[2], 0x7000, 0x8000, "r--p", 0, "/good/three", 0);
    maps_free(&m);
}

static void test_parse_of_empty_text_gives_no_entries(void **state)
{
    (void)state;
    struct maps m = parse_ok("");
    assert_int_equal(m.n, 0);
    maps_free(&m);
    m = parse_ok("\n\n\n");
    assert_int_equal(m.n, 0);
    maps_free(&m);
}

static void test_parse_grows_past_its_first_allocation(void **state)
{
    (void)state;
    enum { LINES = 1000 };
    char *text = malloc(LINES * 80 + 1);
    assert_non_null(text);
    char *p = text;
    for (int i = 0; i < LINES; i++)
        p += sprintf(p, "%x-%x r--p %08x fe:00 %d /lib/many.so\n", 0x10000 + i * 0x1000,
                     0x11000 + i * 0x1000, i * 0x1000, i);
    struct maps m = parse_ok(text);
    free(text);
    assert_int_equal(m.n, LINES);
    for (int i = 0; i < LINES; i++) {
        assert_int_equal(m.v[i].start, 0x10000 + (uint64_t)i * 0x1000);
        assert_int_equal(m.v[i].inode, (uint64_t)i);
    }
    maps_free(&m);
}

static void test_find_returns_the_entry_holding_an_address(void **state)
{
    (void)state;
    struct maps m = parse_ok(real_maps);
    /* start is inside, end is not. */
    assert_ptr_equal(maps_find(&m, 0x55d0c3a00000), &m.v[0]);
    assert_ptr_equal(maps_find(&m, 0x55d0c3a01fff), &m.v[0]);
    assert_ptr_equal(maps_find(&m, 0x55d0c3a02000), &m.v[1]);
    assert_ptr_equal(maps_find(&m, 0x7ffd1a5f0000), &m.v[10]);
    assert_ptr_equal(maps_find(&m, 0xffffffffff600fffull), &m.v[13]);
    /* Before the first, in a gap, after the last. */
    assert_null(maps_find(&m, 0));
    assert_null(maps_find(&m, 0x55d0c3a0b000));
    assert_null(maps_find(&m, 0x7f4eb872c000));
    assert_null(maps_find(&m, 0xffffffffff601000ull));
    maps_free(&m);

    struct maps empty = {NULL, 0};
    assert_null(maps_find(&empty, 0x1000));
}

static void test_file_base_is_the_load_address_of_offset_zero(void **state)
{
    (void)state;
    struct maps m = parse_ok(real_maps);
    assert_int_equal(maps_file_base(&m, "/usr/bin/cat"), 0x55d0c3a00000);
    assert_int_equal(maps_file_base(&m, "/usr/lib/x86_64-linux-gnu/libc.so.6"), 0x7f4eb85b0000);
    /* Only the text of this one is mapped: start - offset is still its base. */
    assert_int_equal(maps_file_base(&m, "/opt/app/lib/libpython3.12.so.1.0"), 0x7f4eb879f000);
    assert_int_equal(maps_file_base(&m, "/not/mapped"), 0);
    /* The name must match whole, not as a prefix. */
    assert_int_equal(maps_file_base(&m, "/usr/bin/ca"), 0);
    maps_free(&m);

    /* Entries out of order: the lowest base wins. */
    m = parse_ok("7000-8000 r-xp 00002000 fe:00 9 /lib/x.so\n"
                 "5000-6000 r--p 00000000 fe:00 9 /lib/x.so\n");
    assert_int_equal(maps_file_base(&m, "/lib/x.so"), 0x5000);
    maps_free(&m);
}

static void test_root_path_prefixes_proc_pid_root(void **state)
{
    (void)state;
    char buf[128];
    maps_root_path(1234, "/usr/lib/libpython3.11.so.1.0", buf, sizeof buf);
    assert_string_equal(buf, "/proc/1234/root/usr/lib/libpython3.11.so.1.0");

    /* Cut to the buffer, always terminated. */
    char small[16];
    maps_root_path(1234, "/usr/lib/libpython3.11.so.1.0", small, sizeof small);
    assert_string_equal(small, "/proc/1234/root");
}

static void test_read_of_own_pid_finds_own_executable(void **state)
{
    (void)state;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    assert_true(n > 0);
    exe[n] = '\0';

    struct maps m;
    struct pt_error err;
    assert_int_equal(maps_read(getpid(), &m, &err), 0);
    assert_true(m.n > 5);

    /* The code of this very function lies in an executable mapping of it. */
    const struct map_entry *text =
        maps_find(&m, (uint64_t)(uintptr_t)&test_read_of_own_pid_finds_own_executable);
    assert_non_null(text);
    assert_string_equal(text->path, exe);
    assert_int_equal(text->perms[2], 'x');
    assert_int_equal(text->deleted, 0);
    uint64_t base = maps_file_base(&m, exe);
    assert_true(base != 0 && base <= text->start);

    /* A local variable of the main thread lies in [stack]. */
    const struct map_entry *stack = maps_find(&m, (uint64_t)(uintptr_t)&n);
    assert_non_null(stack);
    assert_string_equal(stack->path, "[stack]");

    /* Every entry is well formed and the list is sorted. */
    for (size_t i = 0; i < m.n; i++) {
        assert_true(m.v[i].start < m.v[i].end);
        assert_true(i == 0 || m.v[i - 1].end <= m.v[i].start);
        assert_int_equal(strlen(m.v[i].perms), 4);
        assert_true(m.v[i].path[0] == '\0' || m.v[i].path[0] == '/' || m.v[i].path[0] == '[');
    }
    maps_free(&m);
}

/* A PID that no process has right now. */
static pid_t unused_pid(void)
{
    for (pid_t pid = 4194303; pid > 1; pid--)
        if (kill(pid, 0) != 0 && errno == ESRCH)
            return pid;
    return -1;
}

static void test_read_of_missing_pid_says_no_such_process(void **state)
{
    (void)state;
    pid_t pid = unused_pid();
    assert_true(pid > 0);
    struct maps m = {NULL, 0};
    struct pt_error err;
    pt_error_clear(&err);
    assert_int_equal(maps_read(pid, &m, &err), -1);
    assert_int_equal(err.code, PT_E_NOPROC);
    char want[64];
    snprintf(want, sizeof want, "PID %d does not exist", (int)pid);
    assert_non_null(strstr(err.msg, want));
    assert_non_null(strstr(err.msg, "no such process"));
    assert_null(m.v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_reads_every_kind_of_line),
        cmocka_unit_test(test_parse_gives_anonymous_mappings_an_empty_path),
        cmocka_unit_test(test_parse_keeps_spaces_inside_paths),
        cmocka_unit_test(test_parse_strips_and_flags_deleted_suffix),
        cmocka_unit_test(test_parse_reads_addresses_at_the_top_of_the_address_space),
        cmocka_unit_test(test_parse_skips_malformed_lines_without_touching_neighbours),
        cmocka_unit_test(test_parse_of_empty_text_gives_no_entries),
        cmocka_unit_test(test_parse_grows_past_its_first_allocation),
        cmocka_unit_test(test_find_returns_the_entry_holding_an_address),
        cmocka_unit_test(test_file_base_is_the_load_address_of_offset_zero),
        cmocka_unit_test(test_root_path_prefixes_proc_pid_root),
        cmocka_unit_test(test_read_of_own_pid_finds_own_executable),
        cmocka_unit_test(test_read_of_missing_pid_says_no_such_process),
    };
    return cmocka_run_group_tests_name("remote/maps", tests, NULL, NULL);
}
