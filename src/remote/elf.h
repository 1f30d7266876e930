/*
 * remote/elf: symbols of an ELF file on disk (.dynsym, then .symtab).
 *
 * The file is mapped read-only and every offset is bounds-checked: a
 * truncated or hostile file yields "not found", never a crash.
 */
#ifndef PYTOP_REMOTE_ELF_H
#define PYTOP_REMOTE_ELF_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct elf_file {
    const uint8_t *data;
    size_t size;
    uint64_t load_delta; /* p_vaddr - p_offset of the first PT_LOAD */
};

/* Map path. PT_E_IO with a message naming the file on failure. */
int elf_open(const char *path, struct elf_file *ef, struct pt_error *err);

/* Use an in-memory image (tests). The image must outlive ef. 0 or -1. */
int elf_open_mem(const void *data, size_t size, struct elf_file *ef);

void elf_close(struct elf_file *ef);

/* Find a defined symbol by name; sets *value (st_value) and, if not NULL,
 * *size. 0 if found, -1 if not. */
int elf_lookup(const struct elf_file *ef, const char *name, uint64_t *value, uint64_t *size);

/* Search the read-only data for CPython's PY_VERSION string ("3.9.18",
 * "3.10.0rc2"). With want_minor >= 0 only that minor version counts, and
 * strings the linker merged into the tail of another count too. 0 and the
 * numbers if found, -1 if not. */
int elf_find_python_version(const struct elf_file *ef, int want_minor, int *major, int *minor,
                            int *micro);

#endif
