/*
 * remote/symbols: names for the instruction pointers of another process
 * (the native frames of `--native`).
 *
 * The one idea: the process's memory map is read once (and again only when
 * an address falls outside it), and each mapped file's function symbols
 * are read once, on the first address that falls in it, into a sorted
 * table of link-time addresses. A lookup is then two binary searches
 * (mapping, symbol) and a subtraction of the mapping's load bias; no
 * system call. Memory grows with the symbols of the modules actually hit.
 *
 * Files are opened through /proc/PID/root (containers), or through
 * /proc/PID/map_files when deleted on disk; the vDSO is read from the
 * process's memory. Names are not demangled. A symbolizer is not
 * thread-safe: one per sampling thread.
 *
 * Source lines come from a module's DWARF, read on the first line asked
 * of it; each address's line is then kept, so that a sample pays a hash
 * lookup per frame, not a line-table search.
 */
#ifndef PYTOP_REMOTE_SYMBOLS_H
#define PYTOP_REMOTE_SYMBOLS_H

#include <stdint.h>
#include <sys/types.h>

struct native_sym {
    /* The function's symbol name; NULL when the module has no symbol
     * covering ip (stripped, or a static function of a binary with only
     * .dynsym). Owned by the symbolizer: valid until symbolizer_free. */
    const char *function;
    /* The library's soname ("libz.so.1" for the file libz.so.1.2.13),
     * else the basename of the mapped file ("python3.11"); for
     * mappings without a file the kernel's name ("[vdso]", "[heap]",
     * "[anon:NAME]"), "" for plain anonymous memory (JIT code). Valid
     * until symbolizer_free. */
    const char *module;
    /* ip - start with a function; else the file-relative address
     * (ip - load bias: what `addr2line -e MODULE` wants), or ip itself in
     * memory without a file (anonymous, [heap], [stack]). */
    uint64_t offset;
    uint64_t start;  /* runtime address of the function's start, 0 without one */
    int interpreter; /* module is the Python interpreter: the file named
                        interp_path, or a libpython*.so */
};

struct symbolizer;

/* A symbolizer for process pid. interp_path: the path (as in
 * /proc/PID/maps) of the module holding _PyRuntime, the executable or a
 * libpython; may be NULL. Reads nothing yet. NULL when out of memory. */
struct symbolizer *symbolizer_new(pid_t pid, const char *interp_path);

/* Free s and every string its lookups returned. NULL is a no-op. */
void symbolizer_free(struct symbolizer *s);

/* Name ip into *out. 0, or -1 when ip is in no mapping of the process
 * (*out then says module "", no function, offset ip). A miss re-reads
 * /proc/PID/maps, at most once per 100 ms, so that a library dlopen'ed
 * since is found but garbage addresses cost no system call each. */
int symbolizer_lookup(struct symbolizer *s, uint64_t ip, struct native_sym *out);

/* The source file (its base name) and line of ip, from its module's
 * DWARF (its own or its debug file's, opened on the module's first line
 * asked for): 0 with *source valid until symbolizer_free, -1 without.
 * Each address is looked up once. Reads no memory of the process: the
 * caller need not keep it paused. */
int symbolizer_line(struct symbolizer *s, uint64_t ip, const char **source, int *line);

/* Have the next lookup re-read /proc/PID/maps first (a library may have
 * been unloaded and another mapped at its place). Symbol tables already
 * read are kept. */
void symbolizer_refresh(struct symbolizer *s);

/* The runtime range [*start, *end) of function name in the interpreter's
 * module (e.g. "_PyEval_EvalFrameDefault"). Searches the names lookups
 * give, so of aliases only the preferred one is found. 0 if found, -1 if
 * not (stripped, no interpreter module, process gone). */
int symbolizer_find(struct symbolizer *s, const char *name, uint64_t *start, uint64_t *end);

#endif
