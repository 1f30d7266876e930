/*
 * remote/maps: the memory map of a process (/proc/PID/maps).
 *
 * Paths are kept as the kernel prints them; open them through
 * /proc/PID/root (maps_open_path) so that files of processes in other mount
 * namespaces (containers) and files deleted on disk are found.
 */
#ifndef PYTOP_REMOTE_MAPS_H
#define PYTOP_REMOTE_MAPS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

struct map_entry {
    uint64_t start, end; /* [start, end) */
    uint64_t offset;     /* file offset of start */
    uint64_t inode;
    unsigned dev_major, dev_minor;
    char perms[5]; /* "r-xp" */
    char *path;    /* "" for anonymous; "[heap]" etc. for special; owned */
    int deleted;   /* the kernel marked it " (deleted)"; stripped from path */
};

struct maps {
    struct map_entry *v;
    size_t n;
};

/* Read /proc/PID/maps. PT_E_NOPROC if the process is gone, PT_E_PERM if
 * not readable. The caller frees with maps_free. */
int maps_read(pid_t pid, struct maps *m, struct pt_error *err);

/* Parse the text of a maps file (tests, and maps_read). 0 or -1. */
int maps_parse(const char *text, struct maps *m, struct pt_error *err);

void maps_free(struct maps *m);

/* The entry containing addr, or NULL. */
const struct map_entry *maps_find(const struct maps *m, uint64_t addr);

/* The load base of file path: the lowest (start - file offset) among its
 * entries, 0 if none. */
uint64_t maps_file_base(const struct maps *m, const char *path);

/* Write "/proc/PID/root" + path into buf. */
void maps_root_path(pid_t pid, const char *path, char *buf, size_t size);

#endif
