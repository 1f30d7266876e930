/*
 * remote/elf: symbols of an ELF file on disk (.dynsym, then .symtab), and
 * its function table and load segments for naming code addresses
 * (remote/symbols).
 *
 * The file is mapped read-only and every offset is bounds-checked: a
 * truncated or hostile file yields "not found", never a crash.
 */
#ifndef PYTOP_REMOTE_ELF_H
#define PYTOP_REMOTE_ELF_H

#include <stddef.h>
#include <stdint.h>

#include <sys/types.h>

#include "error.h"

struct map_entry;

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

/* The link-time address and size of the section called name. 0 if the file
 * has it, -1 if not. */
int elf_section_address(const struct elf_file *ef, const char *name, uint64_t *addr,
                        uint64_t *size);

/* The bytes of the section called name, inside ef's mapping (valid until
 * elf_close). 0, or -1 if the file has no such section with contents. */
int elf_section_data(const struct elf_file *ef, const char *name, const uint8_t **data,
                     uint64_t *size);

/* Open the file of mapping e of process pid: through /proc/PID/root (so a
 * container's file is found), or, deleted on disk, through
 * /proc/PID/map_files. open_path gets the path that worked. 0 or -1. */
int elf_open_mapping(pid_t pid, const struct map_entry *e, struct elf_file *ef, char *open_path,
                     size_t size);

/* Search the read-only data for CPython's PY_VERSION string ("3.9.18",
 * "3.10.0rc2"). With want_minor >= 0 only that minor version counts, and
 * strings the linker merged into the tail of another count too. 0 and the
 * numbers if found, -1 if not. */
int elf_find_python_version(const struct elf_file *ef, int want_minor, int *major, int *minor,
                            int *micro);

/* A function symbol: link-time address (st_value) and extent. name points
 * into ef's mapping, NUL-terminated inside it: valid until elf_close. */
struct elf_func {
    uint64_t value;
    uint64_t size; /* st_size; if 0, up to the next function or the end of its section */
    const char *name;
};

/* All defined FUNC and IFUNC symbols of .symtab and .dynsym, merged,
 * sorted by value, one per value (of aliases, the name with the fewest
 * leading underscores: "write" over "__write"). *out is malloc'd (NULL
 * when *n is 0), freed by the caller. A broken table gives fewer or no
 * symbols. 0, or -1 when out of memory. */
int elf_functions(const struct elf_file *ef, struct elf_func **out, size_t *n);

/* The same over several files holding one binary's symbols at the same
 * link-time addresses (the file, its separate debug file, its unpacked
 * MiniDebugInfo), merged as one: names point into each file's mapping. */
int elf_functions_of(const struct elf_file *const *efs, size_t nefs, struct elf_func **out,
                     size_t *n);

/* A PT_LOAD segment: file bytes [offset, offset + filesz) are at link-time
 * address vaddr. */
struct elf_segment {
    uint64_t vaddr, offset, filesz;
    uint32_t flags; /* PF_X, PF_W, PF_R */
};

/* Up to max PT_LOAD segments into out, in file order; returns how many
 * there are (may exceed max). */
size_t elf_load_segments(const struct elf_file *ef, struct elf_segment *out, size_t max);

/* The load bias of a mapping of the file at address start from file
 * offset offset (page-aligned, as /proc/PID/maps has it; executable if its
 * perms have 'x'): run-time address = link-time address + bias. 0 for a
 * non-PIE executable, the load base for PIE code. The segment is the one
 * the mapping holds: its pages contain offset; when several do (segments
 * sharing a page), the one of the same executability, then the later one.
 * Without segments, start - offset. */
uint64_t elf_mapping_bias(const struct elf_segment *seg, size_t n, uint64_t start, uint64_t offset,
                          int executable, uint64_t page_size);

/* The library's DT_SONAME ("libz.so.1" for libz.so.1.2.13) into buf. 0,
 * or -1 when it has none (an executable) or it does not fit. */
int elf_soname(const struct elf_file *ef, char *buf, size_t size);

#endif
