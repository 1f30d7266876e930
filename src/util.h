/*
 * util: the few small helpers several modules share: growing an array,
 * reading a whole (proc) file, loading integers from bytes copied out of
 * the target.
 */
#ifndef PYTOP_UTIL_H
#define PYTOP_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Make *v (elements of elem bytes, *cap of them) hold at least need,
 * doubling from 64. 0, or -1 when out of memory (*v unchanged). */
int vec_reserve(void **v, size_t *cap, size_t elem, size_t need);

/* The whole file at path, NUL-terminated, in a malloc'd buffer; *len (if
 * not NULL) gets its length. NULL with errno set on failure. Reads until
 * end of file, so /proc files of any size come out whole. */
char *read_file(const char *path, size_t *len);

/* What follows the last '/' of path (path itself without one):
 * "/usr/lib/libz.so.1" -> "libz.so.1". */
const char *path_base(const char *path);

/* CLOCK_MONOTONIC now, in nanoseconds and in seconds. */
uint64_t monotonic_ns(void);

/* Names of objects of another process, by their address: what an object
 * there is called (a type's name, a route's template), read once. Every
 * name is forgotten ADDR_NAMES_TTL_NS after the table began: the object
 * may be freed and its address reused by another. */
#define ADDR_NAMES_MAX    128
#define ADDR_NAME_LEN     64
#define ADDR_NAMES_TTL_NS 10000000000ull

struct addr_names {
    uint64_t addr[ADDR_NAMES_MAX];
    char name[ADDR_NAMES_MAX][ADDR_NAME_LEN];
    int n;
    uint64_t made_ns; /* CLOCK_MONOTONIC ns when the table was begun */
    uint64_t lookups;
};

/* The name known for addr, or NULL. */
const char *addr_names_find(struct addr_names *m, uint64_t addr);

/* Remember addr's name (not when the table is full or the name longer
 * than it holds: cut, it would be another name). */
void addr_names_add(struct addr_names *m, uint64_t addr, const char *name);
double monotonic_s(void);

/* Route SIGINT, SIGTERM and SIGHUP (the ways a user ends pytop) to
 * handler. */
void stop_signals_install(void (*handler)(int));

/* Raise the soft limit of open files to the hard one: the sampler keeps
 * two files open for each thread of its targets, more than the usual
 * 1024 for a target of 600 threads. files_limit_restore, in a child
 * about to exec a command, gives the command the limit it had. */
void files_limit_raise(void);
void files_limit_restore(void);

/* Base64 (RFC 4648, with padding): encode n bytes of src into out, a line
 * break after every 76 characters when wrap is set; returns the length
 * written (out must hold base64_encoded_size(n, wrap) bytes, NUL
 * included). */
size_t base64_encoded_size(size_t n, int wrap);
size_t base64_encode(const void *src, size_t n, char *out, int wrap);

/* Decode base64 text (blanks and line breaks ignored) into out, which
 * must hold n * 3 / 4 bytes. Returns the length, or -1 on a character or
 * padding that is not base64's. */
long base64_decode(const char *text, size_t n, unsigned char *out);

/* Copy the string src into dst (size bytes, size > 0), cut if need be,
 * always terminated: snprintf(dst, size, "%s", src) without its cost,
 * for the paths a sample takes. Returns dst. */
static inline char *str_copy(char *dst, size_t size, const char *src)
{
    size_t n = strnlen(src, size - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
    return dst;
}

/* Loads from a byte buffer, whatever its alignment. */
static inline uint64_t load_u64(const uint8_t *buf, uint32_t off)
{
    uint64_t v;
    memcpy(&v, buf + off, sizeof v);
    return v;
}

static inline int32_t load_i32(const uint8_t *buf, uint32_t off)
{
    int32_t v;
    memcpy(&v, buf + off, sizeof v);
    return v;
}

#endif
