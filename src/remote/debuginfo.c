/*
 * remote/debuginfo: finding a file's separate symbols. See debuginfo.h.
 *
 * One elfutils session (Dwfl) per file, the file reported at address 0 so
 * that module addresses are link-time addresses. Asking it for the
 * module's DWARF makes it look for a debug file (our callback, below);
 * asking it for the symbol table makes it unpack MiniDebugInfo when the
 * file has no .symtab and no debug file was found.
 */
#include "config.h"
#include "remote/debuginfo.h"

#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define USER_DIRS_MAX 16
static const char *user_dirs[USER_DIRS_MAX + 1]; /* NULL-terminated */

void debuginfo_set_dirs(const char *const *dirs, int n)
{
    int k = 0;
    for (int i = 0; i < n && k < USER_DIRS_MAX; i++)
        user_dirs[k++] = dirs[i];
    user_dirs[k] = NULL;
}

/* Where the session running on this thread puts the path of the debug
 * file it finds (a symbolizer is used by one thread). */
static __thread struct debuginfo *current;

/* elfutils' own search, told to us: by build-id under every debug
 * directory; by debuglink beside the file, in .debug/ beside it and under
 * every debug directory by the file's path or any tail of it (which is
 * how /proc/PID/root/usr/lib/debug/usr/lib/... is found for
 * /proc/PID/root/usr/lib/...); validated by build-id, else by CRC. */
static int find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
                          const char *file_name, const char *debuglink, GElf_Word crc,
                          char **debuginfo_file_name)
{
    int fd = dwfl_standard_find_debuginfo(mod, userdata, modname, base, file_name, debuglink, crc,
                                          debuginfo_file_name);
    if (fd >= 0 && current != NULL && *debuginfo_file_name != NULL)
        snprintf(current->debug_path, sizeof current->debug_path, "%s", *debuginfo_file_name);
    return fd;
}

/* "+:.debug:ROOT/usr/lib/debug:DIR...": CRCs checked; beside the file, in
 * .debug/ beside it, the target's debug directory, the user's. */
static char *search_path(const char *root)
{
    size_t size = strlen(root) + 64;
    for (int i = 0; user_dirs[i] != NULL; i++)
        size += strlen(user_dirs[i]) + 1;
    char *p = malloc(size);
    if (p == NULL)
        return NULL;
    int n = snprintf(p, size, "+:.debug:%s/usr/lib/debug", root);
    for (int i = 0; user_dirs[i] != NULL; i++)
        n += snprintf(p + n, size - (size_t)n, ":%s", user_dirs[i]);
    return p;
}

/* An elfutils session and what it points to: its callbacks and search
 * path are read for as long as it lives, so they live with it, not in a
 * table that may move. */
struct session {
    Dwfl *dwfl;
    Dwfl_Callbacks cb;
    char *paths;
};

static void session_end(struct session *ss)
{
    if (ss == NULL)
        return;
    if (ss->dwfl != NULL)
        dwfl_end(ss->dwfl);
    free(ss->paths);
    free(ss);
}

void debuginfo_open(struct debuginfo *d, pid_t pid, const char *path, const char *open_path,
                    const struct elf_file *ef)
{
    memset(d, 0, sizeof *d);
    uint64_t addr, size;
    const uint8_t *data;
    /* A file with its own full symbol table names every function. */
    if (elf_section_address(ef, ".symtab", &addr, &size) == 0)
        return;
    int has_mini = elf_section_data(ef, ".gnu_debugdata", &data, &size) == 0;
    char root[64];
    snprintf(root, sizeof root, "/proc/%d/root", (int)pid);
    struct session *ss = calloc(1, sizeof *ss);
    if (ss == NULL || (ss->paths = search_path(root)) == NULL) {
        free(ss);
        return;
    }
    ss->cb = (Dwfl_Callbacks){.find_elf = dwfl_build_id_find_elf,
                              .find_debuginfo = find_debuginfo,
                              .debuginfo_path = &ss->paths};
    ss->dwfl = dwfl_begin(&ss->cb);
    int fd = ss->dwfl != NULL ? open(open_path, O_RDONLY | O_CLOEXEC) : -1;
    Dwfl_Module *mod = NULL;
    if (fd >= 0) {
        dwfl_report_begin(ss->dwfl);
        /* On success the session owns fd. */
        mod = dwfl_report_elf(ss->dwfl, path, open_path, fd, 0, false);
        dwfl_report_end(ss->dwfl, NULL, NULL);
        if (mod == NULL)
            close(fd);
    }
    current = d;
    if (mod != NULL) {
        Dwarf_Addr bias;
        dwfl_module_getdwarf(mod, &bias); /* looks for the debug file */
        if (d->debug_path[0] != '\0' && elf_open(d->debug_path, &d->debug, NULL) == 0)
            d->have_debug = 1;
    }
    if (mod != NULL && !d->have_debug && has_mini) {
        /* Without a debug file, the symbol table is the unpacked
         * MiniDebugInfo's: the ELF its symbols come from. */
        GElf_Addr main_bias;
        Elf *main_elf = dwfl_module_getelf(mod, &main_bias);
        int n = dwfl_module_getsymtab(mod);
        for (int i = 1; i < n && !d->have_mini; i++) {
            GElf_Sym sym;
            GElf_Addr value;
            Elf *from = NULL;
            if (dwfl_module_getsym_info(mod, i, &sym, &value, NULL, &from, NULL) == NULL ||
                from == NULL || from == main_elf)
                continue;
            size_t len = 0;
            const char *image = elf_rawfile(from, &len);
            if (image != NULL && elf_open_mem(image, len, &d->mini) == 0)
                d->have_mini = 1;
        }
    }
    current = NULL;
    if (d->have_mini)
        d->session = ss; /* the unpacked image lives in the session */
    else
        session_end(ss);
}

void debuginfo_close(struct debuginfo *d)
{
    if (d->have_debug)
        elf_close(&d->debug);
    session_end(d->session);
    memset(d, 0, sizeof *d);
}
