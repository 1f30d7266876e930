/*
 * python/pystr: CPython str and bytes objects, read from the target and
 * turned into UTF-8.
 *
 * A str is compact ASCII (data right after PyASCIIObject), compact
 * latin-1/UCS-2/UCS-4 (data after PyCompactUnicodeObject) or, rarely, a
 * legacy object whose data lives elsewhere. The state bits that say which
 * (kind:3 at bit 2, compact at bit 5, ascii at bit 6) sit at the same place
 * in every supported version.
 */
#ifndef PYTOP_PYTHON_PYSTR_H
#define PYTOP_PYTHON_PYSTR_H

#include <stddef.h>
#include <stdint.h>

struct remote;
struct py_layout;

/* Longest str pytop reads (in code points); longer ones are cut. */
#define PYSTR_MAX_CHARS 4096

/* Where a str's characters are, from the first unicode_compact_size bytes
 * of the object at obj (header). kind is 1, 2 or 4 bytes per character.
 * Returns 0, or -1 if the header is not a plausible str. For a non-compact
 * str *data_addr is 0 and *data_ptr_addr says where the data pointer is. */
int pystr_locate(const struct py_layout *lay, uint64_t obj, const uint8_t *header,
                 uint64_t *data_addr, uint64_t *data_ptr_addr, int64_t *length, int *kind);

/* Encode length characters of the given kind as UTF-8 into out (always
 * NUL-terminated, cut at a character boundary if out is too small).
 * Invalid code points become U+FFFD. Returns the bytes written. */
size_t pystr_to_utf8(const void *data, int64_t length, int kind, char *out, size_t outsize);

/* Read the str at addr into out as UTF-8. 0, or -1 if it could not be
 * read or is not a str. */
int pystr_read(struct remote *mem, const struct py_layout *lay, uint64_t addr, char *out,
               size_t outsize);

/* Read a bytes object: up to max bytes into buf, *len = its full length.
 * 0 or -1. */
int pybytes_read(struct remote *mem, const struct py_layout *lay, uint64_t addr, uint8_t *buf,
                 size_t max, size_t *len);

#endif
