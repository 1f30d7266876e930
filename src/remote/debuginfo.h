/*
 * remote/debuginfo: where the symbols a mapped file lacks are kept, found
 * through elfutils (libdwfl): MiniDebugInfo (the file's own xz-compressed
 * .gnu_debugdata, Fedora's and RHEL's), and a separate debug file by
 * build-id (.build-id/xx/rest.debug, Debian's -dbgsym packages, Fedora's
 * debuginfo) or by the file's .gnu_debuglink (next to it, in .debug/, or
 * under a debug directory by its path), its CRC checked.
 *
 * Debug directories are the target's own /usr/lib/debug (read through
 * /proc/PID/root, so a container's packages count) and those the user
 * names. A debug file whose build-id is not the file's is never used.
 *
 * Only finding and unpacking is elfutils' here: the symbol tables found
 * are read by remote/elf, as the file's own are (one reader, one policy
 * for aliases and sizes, fuzzed against broken files).
 */
#ifndef PYTOP_REMOTE_DEBUGINFO_H
#define PYTOP_REMOTE_DEBUGINFO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "remote/elf.h"

/* The directories the user gave (--debug-dir): n of them, kept (not
 * copied); set once before any symbolizer runs. */
void debuginfo_set_dirs(const char *const *dirs, int n);

struct session;

struct debuginfo {
    struct session *session; /* elfutils' session, kept while mini lives in it */
    struct elf_file debug;   /* the separate debug file, if found */
    int have_debug;
    struct elf_file mini; /* the unpacked MiniDebugInfo, if any (not ours to unmap) */
    int have_mini;
    char debug_path[4096]; /* where the debug file was found ("" if not) */
    /* Nothing but the file's own .dynsym names its functions (no .symtab,
     * debug file or MiniDebugInfo): a hint is due when one shows unnamed. */
    int bare;
    char build_id[128]; /* the file's, in hex; "" if it has none */
};

/* Look for what names the functions of the file pid maps as path, opened
 * as open_path (through /proc/PID/root or map_files), whose own contents
 * are ef. Never fails: what is not found is left out. Release with
 * debuginfo_close. */
void debuginfo_open(struct debuginfo *d, pid_t pid, const char *path, const char *open_path,
                    const struct elf_file *ef);

void debuginfo_close(struct debuginfo *d);

/* The source lines of a file's code, from DWARF: its own, else its
 * separate debug file's (found as above). */
struct debuginfo_lines;

/* The line tables of the file pid maps as path, opened as open_path; NULL
 * when neither it nor a debug file of it has any (or out of memory). Its
 * first use reads them: open it when a line is first wanted. */
struct debuginfo_lines *debuginfo_lines_open(pid_t pid, const char *path, const char *open_path);

/* The source file (its base name, "deflate.c") and line of link-time
 * address addr: 0 with *file valid until debuginfo_lines_close, -1 when
 * no line covers addr. */
int debuginfo_line(struct debuginfo_lines *dl, uint64_t addr, const char **file, int *line);

void debuginfo_lines_close(struct debuginfo_lines *dl);

/* A file whose functions show as addresses (no .symtab, no debug file, no
 * MiniDebugInfo) is told of once per run, when a frame first falls in it
 * unnamed: what would name them. Cheap: the file is only queued. */
void debuginfo_hint(pid_t pid, const char *path, const char *build_id);

/* The next hint not yet told, as one line: which package or debug file
 * would name the file's functions, by the target's distribution (its
 * /etc/os-release and package database, read through /proc/PID/root):
 * "no symbols for /usr/bin/python3.11 (its functions show as addresses):
 * install python3.11-minimal-dbgsym (Debian's debug archive), or put its
 * debug file under --debug-dir". 1 with buf filled, 0 when none. Reads
 * files: call it from the command's thread, not the sampler's. */
int debuginfo_hint_take(char *buf, size_t size);

#endif
