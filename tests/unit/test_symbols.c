/*
 * tests/unit/test_symbols: remote/symbols on real processes, and elf_functions
 * on real and broken images.
 *
 * Most cases symbolize this very process: its own functions (a PIE
 * executable with libpytop linked in), libc's write (a shared library),
 * the vDSO, anonymous memory, a library dlopen'ed after the first lookup,
 * and a copy of our executable mapped from a file deleted since. Two cases
 * run real interpreters as children: Debian's /usr/bin/python3.11 (a
 * non-PIE executable with only .dynsym) and pyenv's Python 3.12 (a PIE
 * executable with a shared libpython); there the answers are checked
 * against the bytes of the child's memory. Interpreters that are not
 * installed are skipped with a message.
 *
 * The robustness cases feed elf_functions truncations and corruptions of
 * a real ELF image held in a heap block of its exact size: whatever comes
 * back must be sorted and name strings inside the image.
 */
#include "config.h"

#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "slurp.h"

#include "remote/elf.h"
#include "remote/maps.h"
#include "remote/mem.h"
#include "remote/symbols.h"

/* Functions of this program for the lookups to find: a global one (in
 * .symtab under its own name) and a static one (a local symbol), both
 * long enough to point into their middle. */
int symbols_test_marker(int x);
__attribute__((noinline)) int symbols_test_marker(int x)
{
    int acc = 0;
    for (int i = 0; i < x; i++)
        acc = acc * 31 + i;
    return acc;
}

__attribute__((noinline, noclone, used)) static int symbols_test_static(int x)
{
    int acc = 1;
    for (int i = 0; i < x; i++)
        acc = acc * 17 + i;
    return acc;
}

/* A fixed-seed xorshift64: the same addresses and corruptions on every
 * run. */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static uint64_t addr_of(const void *p)
{
    return (uint64_t)(uintptr_t)p;
}

/* The st_value and st_size of a function of this program. */
static void own_symbol(const char *name, uint64_t *value, uint64_t *size)
{
    struct elf_file ef;
    assert_int_equal(elf_open("/proc/self/exe", &ef, NULL), 0);
    assert_int_equal(elf_lookup(&ef, name, value, size), 0);
    elf_close(&ef);
}

/* The path of this program, as /proc/PID/maps has it (static buffer). */
static const char *own_path(void)
{
    static char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    assert_true(n > 0);
    exe[n] = '\0';
    return exe;
}

static const char *own_basename(void)
{
    return strrchr(own_path(), '/') + 1;
}

/* Look ip up, expecting function at start with offset ip - start. */
static void expect_function(struct symbolizer *s, uint64_t ip, const char *function,
                            const char *module, uint64_t start)
{
    struct native_sym sym;
    assert_int_equal(symbolizer_lookup(s, ip, &sym), 0);
    assert_non_null(sym.function);
    assert_string_equal(sym.function, function);
    assert_string_equal(sym.module, module);
    assert_int_equal(sym.start, start);
    assert_int_equal(sym.offset, ip - start);
}

/* --- this process --- */

static void test_own_functions_resolve_to_name_and_offset(void **state)
{
    (void)state;
    struct symbolizer *s = symbolizer_new(getpid(), NULL);
    assert_non_null(s);
    const char *exe = own_basename();

    uint64_t marker = addr_of((const void *)&symbols_test_marker);
    uint64_t value, size;
    own_symbol("symbols_test_marker", &value, &size);
    assert_true(size > 8);
    expect_function(s, marker, "symbols_test_marker", exe, marker);
    expect_function(s, marker + 5, "symbols_test_marker", exe, marker);
    expect_function(s, marker + size - 1, "symbols_test_marker", exe, marker);

    uint64_t local = addr_of((const void *)&symbols_test_static);
    expect_function(s, local + 3, "symbols_test_static", exe, local);

    /* libpytop is linked in: its functions are the executable's. */
    uint64_t lib = addr_of((const void *)&symbolizer_lookup);
    expect_function(s, lib + 1, "symbolizer_lookup", exe, lib);

    struct native_sym sym;
    assert_int_equal(symbolizer_lookup(s, marker, &sym), 0);
    assert_int_equal(sym.interpreter, 0);
    symbolizer_free(s);
}

static void test_libc_write_resolves_in_libc(void **state)
{
    (void)state;
    void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
    assert_non_null(libc);
    uint64_t write_addr = addr_of(dlsym(libc, "write"));
    assert_true(write_addr != 0);
    struct symbolizer *s = symbolizer_new(getpid(), NULL);
    assert_non_null(s);
    /* Of the aliases write and __write, the plain name. */
    expect_function(s, write_addr, "write", "libc.so.6", write_addr);
    expect_function(s, write_addr + 7, "write", "libc.so.6", write_addr);
    symbolizer_free(s);
    dlclose(libc);
}

static void test_vdso_functions_are_named(void **state)
{
    (void)state;
    uint64_t vdso = getauxval(AT_SYSINFO_EHDR);
    if (vdso == 0) {
        printf("skip: no vDSO\n");
        skip();
        return;
    }
    /* The vDSO is an ELF image in memory, mapped at its load bias. */
    struct maps m;
    assert_int_equal(maps_read(getpid(), &m, NULL), 0);
    const struct map_entry *e = maps_find(&m, vdso);
    assert_non_null(e);
    assert_string_equal(e->path, "[vdso]");
    size_t size = e->end - e->start;
    maps_free(&m);
    struct elf_file ef;
    assert_int_equal(elf_open_mem((const void *)(uintptr_t)vdso, size, &ef), 0);
    uint64_t value;
    if (elf_lookup(&ef, "__vdso_clock_gettime", &value, NULL) != 0) {
        printf("skip: no __vdso_clock_gettime in the vDSO\n");
        skip();
        return;
    }
    uint64_t ip = vdso + value - ef.load_delta + 2;
    struct symbolizer *s = symbolizer_new(getpid(), NULL);
    assert_non_null(s);
    struct native_sym sym;
    assert_int_equal(symbolizer_lookup(s, ip, &sym), 0);
    assert_string_equal(sym.module, "[vdso]");
    assert_non_null(sym.function);
    assert_true(strcmp(sym.function, "clock_gettime") == 0 ||
                strcmp(sym.function, "__vdso_clock_gettime") == 0);
    assert_int_equal(sym.offset, 2);
    symbolizer_free(s);
}

/* The read system calls this process made so far. */
static uint64_t read_syscalls(void)
{
    FILE *f = fopen("/proc/self/io", "r");
    if (f == NULL)
        return 0;
    char line[128];
    uint64_t v = 0;
    while (fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "syscr: %" SCNu64, &v) == 1)
            break;
    fclose(f);
    return v;
}

static void test_anonymous_memory_and_garbage(void **state)
{
    (void)state;
    struct symbolizer *s = symbolizer_new(getpid(), NULL);
    assert_non_null(s);
    struct native_sym sym;
    assert_int_equal(symbolizer_lookup(s, addr_of((const void *)&symbols_test_marker), &sym), 0);

    /* Mapped after the maps were read: found once they are read again. */
    size_t len = 4 * 4096;
    uint8_t *anon = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(anon != MAP_FAILED);
    uint64_t ip = addr_of(anon) + 100;
    int rc = symbolizer_lookup(s, ip, &sym);
    assert_true(rc == -1 || rc == 0);
    assert_string_equal(sym.module, "");
    assert_null(sym.function);
    symbolizer_refresh(s);
    assert_int_equal(symbolizer_lookup(s, ip, &sym), 0);
    assert_string_equal(sym.module, "");
    assert_null(sym.function);
    assert_int_equal(sym.offset, ip);
    assert_int_equal(sym.start, 0);
    munmap(anon, len);

    /* Garbage: in no mapping, and no re-read of the maps for each one. */
    assert_int_equal(symbolizer_lookup(s, 0x10, &sym), -1);
    assert_string_equal(sym.module, "");
    assert_null(sym.function);
    uint64_t reads = read_syscalls();
    for (int i = 0; i < 10000; i++)
        assert_int_equal(symbolizer_lookup(s, 0x10 + (uint64_t)i, &sym), -1);
    uint64_t reread = read_syscalls() - reads;
    printf("10000 lookups of garbage: %lu read system calls\n", (unsigned long)reread);
    assert_true(reread < 100);
    symbolizer_free(s);
}

static void test_library_dlopened_later_is_found(void **state)
{
    (void)state;
    struct symbolizer *s = symbolizer_new(getpid(), NULL);
    assert_non_null(s);
    struct native_sym sym;
    assert_int_equal(symbolizer_lookup(s, addr_of((const void *)&symbols_test_marker), &sym), 0);

    void *z = dlopen("libz.so.1", RTLD_NOW);
    if (z == NULL) {
        printf("skip: libz.so.1 is not installed\n");
        symbolizer_free(s);
        skip();
        return;
    }
    uint64_t crc = addr_of(dlsym(z, "crc32"));
    assert_true(crc != 0);
    /* At most 100 ms later, a miss reads the maps again. The module is
     * named by its soname, libz.so.1, not by the file mapped
     * (libz.so.1.2.13). */
    struct timespec pause = {0, 110 * 1000 * 1000};
    nanosleep(&pause, NULL);
    expect_function(s, crc + 4, "crc32", "libz.so.1", crc);
    symbolizer_free(s);
    dlclose(z);
}

static void test_interpreter_flag_and_find(void **state)
{
    (void)state;
    const char *exe = own_path();
    uint64_t marker = addr_of((const void *)&symbols_test_marker);
    uint64_t value, size;
    own_symbol("symbols_test_marker", &value, &size);

    struct symbolizer *s = symbolizer_new(getpid(), exe);
    assert_non_null(s);
    uint64_t start = 0, end = 0;
    assert_int_equal(symbolizer_find(s, "symbols_test_marker", &start, &end), 0);
    assert_int_equal(start, marker);
    assert_int_equal(end, marker + size);
    assert_int_equal(symbolizer_find(s, "pytop_no_such_function_xyzzy", &start, &end), -1);
    /* Only functions: a variable is not found. */
    assert_int_equal(symbolizer_find(s, "stdout", &start, &end), -1);

    struct native_sym sym;
    assert_int_equal(symbolizer_lookup(s, marker + 1, &sym), 0);
    assert_int_equal(sym.interpreter, 1);
    void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
    assert_int_equal(symbolizer_lookup(s, addr_of(dlsym(libc, "write")), &sym), 0);
    assert_int_equal(sym.interpreter, 0);
    dlclose(libc);
    symbolizer_free(s);

    /* Without an interpreter path and no libpython: nothing to search. */
    s = symbolizer_new(getpid(), NULL);
    assert_int_equal(symbolizer_find(s, "symbols_test_marker", &start, &end), -1);
    symbolizer_free(s);
}

/* A copy of our executable, mapped from a file then deleted: opened
 * through /proc/PID/map_files. */
static void test_deleted_file_is_read_through_map_files(void **state)
{
    (void)state;
    struct elf_file ef;
    assert_int_equal(elf_open("/proc/self/exe", &ef, NULL), 0);
    struct elf_segment seg[16];
    size_t nseg = elf_load_segments(&ef, seg, 16);
    assert_true(nseg >= 2 && nseg <= 16);
    uint64_t value, size;
    assert_int_equal(elf_lookup(&ef, "symbols_test_marker", &value, &size), 0);
    /* The whole file is one mapping, whose bias comes from the first
     * segment: the function's file offset lines up if its segment has
     * the same vaddr - offset (true of common linkers). */
    uint64_t file_off = 0;
    int lined_up = 0;
    for (size_t i = 0; i < nseg; i++)
        if (value >= seg[i].vaddr && value - seg[i].vaddr < seg[i].filesz) {
            file_off = value - seg[i].vaddr + seg[i].offset;
            lined_up = seg[i].vaddr - seg[i].offset == seg[0].vaddr - seg[0].offset;
        }
    char path[] = "/tmp/test_symbols.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, ef.data, ef.size), (ssize_t)ef.size);
    size_t len = ef.size;
    elf_close(&ef);
    uint8_t *copy = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    assert_true(copy != MAP_FAILED);
    close(fd);
    unlink(path);
    if (!lined_up) {
        printf("skip: the text segment's vaddr - offset differs from the first segment's\n");
        munmap(copy, len);
        skip();
        return;
    }

    struct symbolizer *s = symbolizer_new(getpid(), NULL);
    assert_non_null(s);
    uint64_t start = addr_of(copy) + file_off;
    expect_function(s, start + 2, "symbols_test_marker", strrchr(path, '/') + 1, start);
    symbolizer_free(s);
    munmap(copy, len);
}

/* --- interpreters in child processes --- */

struct child {
    pid_t pid;
    int to_child; /* its stdin: closing it ends the child */
};

/* Run python waiting on its stdin; returns once the interpreter runs. */
static int child_python(const char *python, struct child *c)
{
    int in[2], out[2];
    assert_int_equal(pipe(in), 0);
    assert_int_equal(pipe(out), 0);
    c->pid = fork();
    assert_true(c->pid >= 0);
    if (c->pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[1]);
        close(out[0]);
        execl(python, python, "-S", "-c",
              "import sys; sys.stdout.write('r'); sys.stdout.flush(); sys.stdin.read()",
              (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    c->to_child = in[1];
    char ready = 0;
    ssize_t n = read(out[0], &ready, 1);
    close(out[0]);
    return n == 1 && ready == 'r' ? 0 : -1;
}

static void child_end(struct child *c)
{
    close(c->to_child);
    int status;
    if (waitpid(c->pid, &status, 0) != c->pid) {
        kill(c->pid, SIGKILL);
        waitpid(c->pid, &status, 0);
    }
}

/* The bytes at link-time address vaddr of a file, via its segments. */
static int file_bytes(const char *path, uint64_t vaddr, void *buf, size_t len)
{
    struct elf_file ef;
    if (elf_open(path, &ef, NULL) != 0)
        return -1;
    struct elf_segment seg[16];
    size_t nseg = elf_load_segments(&ef, seg, 16);
    int rc = -1;
    for (size_t i = 0; i < nseg && i < 16; i++) {
        if (vaddr >= seg[i].vaddr && vaddr + len <= seg[i].vaddr + seg[i].filesz) {
            memcpy(buf, ef.data + seg[i].offset + (vaddr - seg[i].vaddr), len);
            rc = 0;
        }
    }
    elf_close(&ef);
    return rc;
}

/* In child pid, symbolizer_find and lookups of the interpreter's
 * _PyEval_EvalFrameDefault agree with the file and the child's memory. */
static void check_eval_frame(pid_t pid, const char *interp, const char *module,
                             uint64_t expect_bias)
{
    struct symbolizer *s = symbolizer_new(pid, interp);
    assert_non_null(s);
    uint64_t start = 0, end = 0;
    assert_int_equal(symbolizer_find(s, "_PyEval_EvalFrameDefault", &start, &end), 0);
    struct elf_file ef;
    assert_int_equal(elf_open(interp, &ef, NULL), 0);
    uint64_t value, size;
    assert_int_equal(elf_lookup(&ef, "_PyEval_EvalFrameDefault", &value, &size), 0);
    elf_close(&ef);
    assert_int_equal(end - start, size);
    if (expect_bias != UINT64_MAX)
        assert_int_equal(start, value + expect_bias);

    /* The code there is the function's code. */
    uint8_t in_file[64], in_child[64];
    assert_int_equal(file_bytes(interp, value, in_file, sizeof in_file), 0);
    struct remote r;
    assert_int_equal(remote_open(&r, pid, NULL), 0);
    assert_int_equal(remote_read(&r, start, in_child, sizeof in_child), 0);
    remote_close(&r);
    assert_memory_equal(in_file, in_child, sizeof in_file);

    expect_function(s, start + 100, "_PyEval_EvalFrameDefault", module, start);
    struct native_sym sym;
    assert_int_equal(symbolizer_lookup(s, start, &sym), 0);
    assert_int_equal(sym.interpreter, 1);
    symbolizer_free(s);
}

static void test_debian_python311_non_pie_with_dynsym_only(void **state)
{
    (void)state;
    const char *python = "/usr/bin/python3.11";
    struct elf_file ef;
    if (access(python, X_OK) != 0 || elf_open(python, &ef, NULL) != 0) {
        printf("skip: %s is not installed\n", python);
        skip();
        return;
    }
    int is_exec = ((const Elf64_Ehdr *)ef.data)->e_type == ET_EXEC;
    /* A gap between two exported functions in .text: static code, which
     * has no name in a stripped binary. */
    struct elf_func *f;
    size_t n;
    assert_int_equal(elf_functions(&ef, &f, &n), 0);
    uint64_t gap = 0;
    for (size_t i = 0; i + 1 < n && gap == 0; i++)
        if (f[i].value + f[i].size + 64 < f[i + 1].value)
            gap = f[i].value + f[i].size + 32;
    printf("%s: %s, %zu functions in its symbol tables\n", python,
           is_exec ? "ET_EXEC (not PIE)" : "PIE", n);
    free(f);
    elf_close(&ef);

    struct child c;
    assert_int_equal(child_python(python, &c), 0);
    check_eval_frame(c.pid, python, "python3.11", is_exec ? 0 : UINT64_MAX);
    if (is_exec && gap != 0) {
        struct symbolizer *s = symbolizer_new(c.pid, python);
        struct native_sym sym;
        assert_int_equal(symbolizer_lookup(s, gap, &sym), 0);
        assert_string_equal(sym.module, "python3.11");
        assert_null(sym.function);
        assert_int_equal(sym.offset, gap); /* bias 0: the address itself */
        symbolizer_free(s);
    }
    child_end(&c);
}

static double elapsed_ns(const struct timespec *t0, const struct timespec *t1)
{
    return (double)(t1->tv_sec - t0->tv_sec) * 1e9 + (double)(t1->tv_nsec - t0->tv_nsec);
}

/* Print what naming the functions of a big module costs in process pid:
 * the first lookup (which reads the symbols), then lookups spread over
 * all its functions (cache misses included). */
static void lookup_cost_over_module(pid_t pid, const struct elf_file *ef, uint64_t bias)
{
    struct elf_func *f;
    size_t n;
    assert_int_equal(elf_functions(ef, &f, &n), 0);
    assert_true(n > 1000);
    enum { NIPS = 4096, ROUNDS = 500 };
    static uint64_t ips[NIPS];
    uint64_t rng = 7;
    for (size_t i = 0; i < NIPS; i++) {
        const struct elf_func *g = &f[rng_next(&rng) % n];
        ips[i] = g->value + bias + g->size / 2;
    }
    free(f);
    struct symbolizer *s = symbolizer_new(pid, NULL);
    struct native_sym sym;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(symbolizer_lookup(s, ips[0], &sym), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("first lookup in %s (%zu functions): %.2f ms\n", sym.module, n,
           elapsed_ns(&t0, &t1) / 1e6);
    size_t named = 0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int r = 0; r < ROUNDS; r++)
        for (size_t i = 0; i < NIPS; i++)
            named += symbolizer_lookup(s, ips[i], &sym) == 0 && sym.function != NULL;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_int_equal(named, (size_t)NIPS * ROUNDS);
    printf("cached lookup over %d random functions of it: %.1f ns\n", NIPS,
           elapsed_ns(&t0, &t1) / ((double)NIPS * ROUNDS));
    symbolizer_free(s);
}

static void test_pyenv_python312_shared_libpython(void **state)
{
    (void)state;
    const char *root = getenv("PYENV_ROOT");
    const char *home = getenv("HOME");
    char prefix[PATH_MAX], python[PATH_MAX + 32], lib[PATH_MAX + 32], real[PATH_MAX];
    if (root != NULL)
        snprintf(prefix, sizeof prefix, "%s/versions/3.12.1", root);
    else
        snprintf(prefix, sizeof prefix, "%s/.pyenv/versions/3.12.1", home ? home : "/root");
    snprintf(python, sizeof python, "%s/bin/python3.12", prefix);
    snprintf(lib, sizeof lib, "%s/lib/libpython3.12.so.1.0", prefix);
    if (access(python, X_OK) != 0 || realpath(lib, real) == NULL) {
        printf("skip: pyenv's Python 3.12.1 with libpython3.12.so.1.0 is not installed\n");
        skip();
        return;
    }
    struct child c;
    assert_int_equal(child_python(python, &c), 0);
    check_eval_frame(c.pid, real, "libpython3.12.so.1.0", UINT64_MAX);
    /* A libpython is the interpreter even when not named. */
    struct symbolizer *s = symbolizer_new(c.pid, NULL);
    uint64_t start, end;
    assert_int_equal(symbolizer_find(s, "_PyEval_EvalFrameDefault", &start, &end), 0);
    struct native_sym sym;
    assert_int_equal(symbolizer_lookup(s, start + 1, &sym), 0);
    assert_int_equal(sym.interpreter, 1);
    /* Not stripped: static functions have names too. */
    struct elf_file ef;
    assert_int_equal(elf_open(real, &ef, NULL), 0);
    uint64_t eval_value, value;
    assert_int_equal(elf_lookup(&ef, "_PyEval_EvalFrameDefault", &eval_value, NULL), 0);
    uint64_t bias = start - eval_value;
    if (elf_lookup(&ef, "frame_dealloc", &value, NULL) == 0) {
        assert_int_equal(symbolizer_lookup(s, value + bias + 3, &sym), 0);
        assert_string_equal(sym.function, "frame_dealloc");
        assert_int_equal(sym.offset, 3);
    }
    symbolizer_free(s);
    lookup_cost_over_module(c.pid, &ef, bias);
    elf_close(&ef);
    child_end(&c);
}

/* --- elf_functions --- */

static void check_functions_sane(const uint8_t *image, size_t size, const struct elf_func *f,
                                 size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const uint8_t *name = (const uint8_t *)f[i].name;
        assert_true(name > image && name < image + size);
        size_t room = (size_t)(image + size - name);
        size_t len = strnlen(f[i].name, room);
        assert_true(len > 0 && len < room);
        if (i > 0)
            assert_true(f[i - 1].value < f[i].value);
    }
}

static void test_functions_of_own_image_are_sorted_and_complete(void **state)
{
    (void)state;
    size_t size;
    uint8_t *image = slurp("/proc/self/exe", &size);
    struct elf_file ef;
    assert_int_equal(elf_open_mem(image, size, &ef), 0);
    struct elf_func *f;
    size_t n;
    assert_int_equal(elf_functions(&ef, &f, &n), 0);
    assert_true(n > 20);
    check_functions_sane(image, size, f, n);
    uint64_t value, sz;
    assert_int_equal(elf_lookup(&ef, "symbols_test_marker", &value, &sz), 0);
    int found = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(f[i].name, "symbols_test_marker") == 0) {
            assert_int_equal(f[i].value, value);
            assert_int_equal(f[i].size, sz);
            found = 1;
        }
        /* Variables are not functions. */
        assert_string_not_equal(f[i].name, "stdout");
    }
    assert_true(found);
    free(f);
    free(image);
}

/* The same binary's symbols from two files (as from a file and its debug
 * file) merge into one table: each function once, as from one file. */
static void test_functions_of_two_copies_are_those_of_one(void **state)
{
    (void)state;
    size_t size;
    uint8_t *image = slurp("/proc/self/exe", &size);
    struct elf_file ef;
    assert_int_equal(elf_open_mem(image, size, &ef), 0);
    struct elf_func *one, *two;
    size_t n1, n2;
    assert_int_equal(elf_functions(&ef, &one, &n1), 0);
    const struct elf_file *both[2] = {&ef, &ef};
    assert_int_equal(elf_functions_of(both, 2, &two, &n2), 0);
    assert_int_equal(n1, n2);
    for (size_t i = 0; i < n1; i++) {
        assert_int_equal(one[i].value, two[i].value);
        assert_int_equal(one[i].size, two[i].size);
        assert_string_equal(one[i].name, two[i].name);
    }
    free(one);
    free(two);
    free(image);
}

/* Is value among the n sorted functions f? */
static int has_value(const struct elf_func *f, size_t n, uint64_t value)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (f[mid].value == value)
            return 1;
        if (f[mid].value < value)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

static void test_functions_of_truncated_images(void **state)
{
    (void)state;
    size_t size;
    uint8_t *full = slurp("/proc/self/exe", &size);
    struct elf_file intact_ef;
    struct elf_func *intact;
    size_t nintact;
    assert_int_equal(elf_open_mem(full, size, &intact_ef), 0);
    assert_int_equal(elf_functions(&intact_ef, &intact, &nintact), 0);
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)full;
    size_t shdrs = eh->e_shoff;
    assert_true(shdrs > 0 && shdrs < size);
    size_t step = size / 500 + 1, tried = 0;
    for (size_t len = sizeof(Elf64_Ehdr); len <= size;) {
        uint8_t *copy = malloc(len);
        assert_non_null(copy);
        memcpy(copy, full, len);
        struct elf_file ef;
        assert_int_equal(elf_open_mem(copy, len, &ef), 0);
        struct elf_func *f;
        size_t n;
        assert_int_equal(elf_functions(&ef, &f, &n), 0);
        check_functions_sane(copy, len, f, n);
        /* Cutting changes no byte kept: every address is a true one. */
        for (size_t i = 0; i < n; i++)
            assert_true(has_value(intact, nintact, f[i].value));
        free(f);
        free(copy);
        tried++;
        len += len + 64 >= shdrs ? 1 : step;
    }
    assert_true(tried > 500);
    free(intact);
    free(full);
}

static void test_functions_of_corrupted_images(void **state)
{
    (void)state;
    size_t size;
    uint8_t *pristine = slurp("/proc/self/exe", &size);
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)pristine;
    size_t shoff = eh->e_shoff, shend = shoff + (size_t)eh->e_shnum * sizeof(Elf64_Shdr);
    assert_true(shend <= size);
    uint8_t *img = malloc(size);
    assert_non_null(img);
    memcpy(img, pristine, size);
    uint64_t rng = 0x9e3779b97f4a7c15ull;
    static const size_t fields[] = {
        offsetof(Elf64_Shdr, sh_type),   offsetof(Elf64_Shdr, sh_addr),
        offsetof(Elf64_Shdr, sh_offset), offsetof(Elf64_Shdr, sh_size),
        offsetof(Elf64_Shdr, sh_link),   offsetof(Elf64_Shdr, sh_entsize),
    };
    for (int iter = 0; iter < 3000; iter++) {
        for (int k = 0; k < 3; k++) {
            uint8_t *sh = img + shoff + (rng_next(&rng) % eh->e_shnum) * sizeof(Elf64_Shdr);
            size_t at = fields[rng_next(&rng) % (sizeof fields / sizeof fields[0])];
            uint64_t v = rng_next(&rng);
            switch (rng_next(&rng) % 4) {
            case 0:
                v %= size + 64;
                break;
            case 1:
                v = rng_next(&rng) % 2 ? SHT_SYMTAB : SHT_DYNSYM;
                break;
            case 2:
                v = size - v % 64;
                break;
            }
            if (at == offsetof(Elf64_Shdr, sh_offset))
                v &= ~(uint64_t)(rng_next(&rng) % 2 ? 7 : 0);
            size_t width =
                at == offsetof(Elf64_Shdr, sh_type) || at == offsetof(Elf64_Shdr, sh_link) ? 4 : 8;
            memcpy(sh + at, &v, width);
        }
        /* And symbols with random bytes: names, values, sizes, types. */
        for (int k = 0; k < 16; k++)
            img[sizeof(Elf64_Ehdr) + rng_next(&rng) % (shoff - sizeof(Elf64_Ehdr))] =
                (uint8_t)rng_next(&rng);
        struct elf_file ef;
        assert_int_equal(elf_open_mem(img, size, &ef), 0);
        struct elf_func *f;
        size_t n;
        assert_int_equal(elf_functions(&ef, &f, &n), 0);
        check_functions_sane(img, size, f, n);
        free(f);
        memcpy(img, pristine, size);
    }
    free(img);
    free(pristine);
}

static void test_functions_prefer_plain_alias(void **state)
{
    (void)state;
    void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
    assert_non_null(libc);
    Dl_info info;
    assert_true(dladdr(dlsym(libc, "write"), &info) != 0);
    char path[PATH_MAX];
    assert_non_null(realpath(info.dli_fname, path));
    uint64_t write_off = addr_of(dlsym(libc, "write")) - addr_of(info.dli_fbase);
    dlclose(libc);
    struct elf_file ef;
    assert_int_equal(elf_open(path, &ef, NULL), 0);
    uint64_t value;
    assert_int_equal(elf_lookup(&ef, "__write", &value, NULL), 0);
    assert_int_equal(value, write_off);
    struct elf_func *f;
    size_t n;
    assert_int_equal(elf_functions(&ef, &f, &n), 0);
    int seen = 0;
    for (size_t i = 0; i < n; i++) {
        if (f[i].value == value) {
            assert_string_equal(f[i].name, "write");
            seen = 1;
        }
        assert_string_not_equal(f[i].name, "__write");
    }
    assert_true(seen);
    free(f);
    elf_close(&ef);
}

/* --- elf_mapping_bias, on the layouts linkers make --- */

static void test_mapping_bias_of_common_layouts(void **state)
{
    (void)state;
    const uint64_t page = 4096, base = 0x7f1234560000ull;
    /* GNU ld, shared library (libpython3.12): the RW segment starts in the
     * page where the R segment ends, and its vaddr is a page further on
     * than its offset; RELRO splits its mapping in two. */
    const struct elf_segment ld_so[] = {
        {0x0, 0x0, 0x105130, PF_R},
        {0x106000, 0x106000, 0x272ec9, PF_R | PF_X},
        {0x379000, 0x379000, 0x1530c8, PF_R},
        {0x4cd6d0, 0x4cc6d0, 0x1e6118, PF_R | PF_W},
    };
    assert_int_equal(elf_mapping_bias(ld_so, 4, base, 0, 0, page), base);
    assert_int_equal(elf_mapping_bias(ld_so, 4, base + 0x106000, 0x106000, 1, page), base);
    assert_int_equal(elf_mapping_bias(ld_so, 4, base + 0x379000, 0x379000, 0, page), base);
    assert_int_equal(elf_mapping_bias(ld_so, 4, base + 0x4cd000, 0x4cc000, 0, page), base);
    assert_int_equal(elf_mapping_bias(ld_so, 4, base + 0x4d1000, 0x4d0000, 0, page), base);

    /* Non-PIE executable (Debian's python3.11): linked at 0x400000. */
    const struct elf_segment exec[] = {
        {0x400000, 0x0, 0x1e3e8, PF_R},
        {0x41f000, 0x1f000, 0x2b2289, PF_R | PF_X},
        {0x945dc8, 0x544dc8, 0x13e4b0, PF_R | PF_W},
    };
    assert_int_equal(elf_mapping_bias(exec, 3, 0x400000, 0, 0, page), 0);
    assert_int_equal(elf_mapping_bias(exec, 3, 0x41f000, 0x1f000, 1, page), 0);
    assert_int_equal(elf_mapping_bias(exec, 3, 0x945000, 0x544000, 0, page), 0);

    /* lld without separate code pages: every segment starts in page 0 of
     * the file, a page further on in memory. Only executability tells the
     * R mapping from the R+X one. */
    const struct elf_segment lld[] = {
        {0x0, 0x0, 0x5e0, PF_R},
        {0x15e0, 0x5e0, 0x1000, PF_R | PF_X},
        {0x25e0, 0x15e0, 0x100, PF_R | PF_W},
    };
    assert_int_equal(elf_mapping_bias(lld, 3, base, 0, 0, page), base);
    assert_int_equal(elf_mapping_bias(lld, 3, base + 0x1000, 0x0, 1, page), base);
    assert_int_equal(elf_mapping_bias(lld, 3, base + 0x2000, 0x1000, 0, page), base);

    /* No segments (a file that is no ELF): the file-relative address. */
    assert_int_equal(elf_mapping_bias(NULL, 0, base + 0x3000, 0x1000, 1, page), base + 0x2000);
}

/* --- cost --- */

static void test_cached_lookup_cost(void **state)
{
    (void)state;
    void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
    uint64_t ips[] = {
        addr_of((const void *)&symbols_test_marker) + 3,
        addr_of((const void *)&symbols_test_static) + 1,
        addr_of((const void *)&symbolizer_lookup) + 10,
        addr_of((const void *)&elf_functions) + 20,
        addr_of(dlsym(libc, "write")) + 4,
        addr_of(dlsym(libc, "malloc")) + 8,
        addr_of(dlsym(libc, "free")) + 1,
        addr_of(dlsym(libc, "qsort")) + 2,
    };
    dlclose(libc);
    size_t nips = sizeof ips / sizeof ips[0];
    struct symbolizer *s = symbolizer_new(getpid(), NULL);
    assert_non_null(s);
    struct native_sym sym;
    for (size_t i = 0; i < nips; i++) {
        assert_int_equal(symbolizer_lookup(s, ips[i], &sym), 0);
        assert_non_null(sym.function);
    }
    enum { ROUNDS = 2000000 };
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    uint64_t sum = 0;
    for (int i = 0; i < ROUNDS; i++) {
        symbolizer_lookup(s, ips[(size_t)i % nips], &sym);
        sum += sym.offset;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ns = elapsed_ns(&t0, &t1) / ROUNDS;
    printf("cached lookup: %.1f ns (%d lookups over %zu addresses in 2 modules, checksum %lu)\n",
           ns, ROUNDS, nips, (unsigned long)sum);
    symbolizer_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_own_functions_resolve_to_name_and_offset),
        cmocka_unit_test(test_libc_write_resolves_in_libc),
        cmocka_unit_test(test_vdso_functions_are_named),
        cmocka_unit_test(test_anonymous_memory_and_garbage),
        cmocka_unit_test(test_library_dlopened_later_is_found),
        cmocka_unit_test(test_interpreter_flag_and_find),
        cmocka_unit_test(test_deleted_file_is_read_through_map_files),
        cmocka_unit_test(test_debian_python311_non_pie_with_dynsym_only),
        cmocka_unit_test(test_pyenv_python312_shared_libpython),
        cmocka_unit_test(test_functions_of_own_image_are_sorted_and_complete),
        cmocka_unit_test(test_functions_of_two_copies_are_those_of_one),
        cmocka_unit_test(test_functions_prefer_plain_alias),
        cmocka_unit_test(test_functions_of_truncated_images),
        cmocka_unit_test(test_functions_of_corrupted_images),
        cmocka_unit_test(test_mapping_bias_of_common_layouts),
        cmocka_unit_test(test_cached_lookup_cost),
    };
    return cmocka_run_group_tests_name("remote/symbols", tests, NULL, NULL);
}
