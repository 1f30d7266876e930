/*
 * remote/debuginfo: finding a file's separate symbols. See debuginfo.h.
 *
 * One elfutils session (Dwfl) per file, the file reported at address 0 so
 * that module addresses are link-time addresses. Asking it for the
 * symbol table of a file without one makes it look for a debug file (our
 * callback, below), and without one, unpack MiniDebugInfo.
 */
#include "config.h"
#include "remote/debuginfo.h"

#include <elfutils/libdwfl.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

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

/* A session over the file pid maps as path, opened as open_path,
 * reported at address 0 (its module's addresses are then link-time ones),
 * its debug file looked for by find_debuginfo; the module into *mod (NULL
 * when the file could not be reported). NULL when out of memory. */
static struct session *session_begin(pid_t pid, const char *path, const char *open_path,
                                     Dwfl_Module **mod)
{
    *mod = NULL;
    char root[64];
    snprintf(root, sizeof root, "/proc/%d/root", (int)pid);
    struct session *ss = calloc(1, sizeof *ss);
    if (ss == NULL || (ss->paths = search_path(root)) == NULL) {
        free(ss);
        return NULL;
    }
    ss->cb = (Dwfl_Callbacks){.find_elf = dwfl_build_id_find_elf,
                              .find_debuginfo = find_debuginfo,
                              .debuginfo_path = &ss->paths};
    ss->dwfl = dwfl_begin(&ss->cb);
    int fd = ss->dwfl != NULL ? open(open_path, O_RDONLY | O_CLOEXEC) : -1;
    if (fd >= 0) {
        dwfl_report_begin(ss->dwfl);
        /* On success the session owns fd. */
        *mod = dwfl_report_elf(ss->dwfl, path, open_path, fd, 0, false);
        dwfl_report_end(ss->dwfl, NULL, NULL);
        if (*mod == NULL)
            close(fd);
    }
    return ss;
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
    Dwfl_Module *mod;
    struct session *ss = session_begin(pid, path, open_path, &mod);
    if (ss == NULL)
        return;
    current = d;
    if (mod != NULL) {
        /* Looks for the debug file's symbol table (its DWARF is not read),
         * then for MiniDebugInfo's. */
        dwfl_module_getsymtab(mod);
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
    if (mod != NULL) {
        const unsigned char *id;
        GElf_Addr vaddr;
        int n = dwfl_module_build_id(mod, &id, &vaddr);
        for (int i = 0; i < n && (size_t)(2 * i + 2) < sizeof d->build_id; i++)
            snprintf(d->build_id + 2 * i, 3, "%02x", id[i]);
    }
    d->bare = !d->have_debug && !d->have_mini;
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

/* --- source lines --- */

struct debuginfo_lines {
    struct session *session;
    Dwfl_Module *mod;
};

struct debuginfo_lines *debuginfo_lines_open(pid_t pid, const char *path, const char *open_path)
{
    struct debuginfo_lines *dl = calloc(1, sizeof *dl);
    if (dl == NULL || (dl->session = session_begin(pid, path, open_path, &dl->mod)) == NULL) {
        free(dl);
        return NULL;
    }
    /* The file's own DWARF, else its debug file's (build-id checked). */
    Dwarf_Addr bias;
    if (dl->mod == NULL || dwfl_module_getdwarf(dl->mod, &bias) == NULL) {
        debuginfo_lines_close(dl);
        return NULL;
    }
    return dl;
}

int debuginfo_line(struct debuginfo_lines *dl, uint64_t addr, const char **file, int *line)
{
    Dwfl_Line *l = dwfl_module_getsrc(dl->mod, addr);
    int n = 0;
    const char *src = l != NULL ? dwfl_lineinfo(l, NULL, &n, NULL, NULL, NULL) : NULL;
    if (src == NULL || src[0] == '\0' || n <= 0)
        return -1;
    *file = path_base(src);
    *line = n;
    return 0;
}

void debuginfo_lines_close(struct debuginfo_lines *dl)
{
    if (dl == NULL)
        return;
    session_end(dl->session);
    free(dl);
}

/* --- hints: what would name a bare file's functions --- */

#define HINTS_MAX 32

struct hint {
    pid_t pid;
    char path[4096];
    char build_id[128];
    int told;
    int looked; /* the package database was asked (pkg "" if no package has it) */
    char pkg[256];
};

static pthread_mutex_t hint_lock = PTHREAD_MUTEX_INITIALIZER;
static struct hint hints[HINTS_MAX];
static int nhints;

void debuginfo_hint(pid_t pid, const char *path, const char *build_id)
{
    pthread_mutex_lock(&hint_lock);
    int known = 0;
    for (int i = 0; i < nhints && !known; i++)
        known = strcmp(hints[i].path, path) == 0;
    if (!known && nhints < HINTS_MAX) {
        struct hint *h = &hints[nhints++];
        h->pid = pid;
        h->told = 0;
        snprintf(h->path, sizeof h->path, "%s", path);
        snprintf(h->build_id, sizeof h->build_id, "%s", build_id ? build_id : "");
    }
    pthread_mutex_unlock(&hint_lock);
}

/* The value of KEY= in the os-release text (unquoted) into out. */
static void os_release_value(const char *text, const char *key, char *out, size_t size)
{
    out[0] = '\0';
    size_t klen = strlen(key);
    for (const char *line = text; line != NULL && *line; line = strchr(line, '\n')) {
        if (*line == '\n')
            line++;
        if (strncmp(line, key, klen) != 0 || line[klen] != '=')
            continue;
        const char *v = line + klen + 1;
        if (*v == '"' || *v == '\'')
            v++;
        size_t n = strcspn(v, "\"'\n");
        snprintf(out, size, "%.*s", (int)n, v);
        return;
    }
}

/* Does the word list (ID_LIKE="rhel fedora") hold word? */
static int has_word(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; (p = strstr(p, word)) != NULL; p += n)
        if ((p == list || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
            return 1;
    return 0;
}

/* Does text (a dpkg file list: one path a line) hold the line want? */
static int has_line(const char *text, size_t len, const char *want)
{
    size_t n = strlen(want);
    for (const char *p = text; (p = memmem(p, len - (size_t)(p - text), want, n)) != NULL; p++)
        if ((p == text || p[-1] == '\n') && (p + n == text + len || p[n] == '\n'))
            return 1;
    return 0;
}

/* The package names of n files (as the target sees them) from one pass
 * over the dpkg file lists under root: pkgs[i] "" when none has files[i].
 * A merged /usr lists /lib/... for what maps show as /usr/lib/... */
static void dpkg_owners(const char *root, const char *const *files, char (*pkgs)[256], int n)
{
    for (int i = 0; i < n; i++)
        pkgs[i][0] = '\0';
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/var/lib/dpkg/info", root);
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    int left = n;
    struct dirent *de;
    while (left > 0 && (de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len < 6 || strcmp(de->d_name + len - 5, ".list") != 0)
            continue;
        char list[4500];
        snprintf(list, sizeof list, "%s/%s", dir, de->d_name);
        size_t used = 0;
        char *text = read_file(list, &used);
        for (int i = 0; i < n && text != NULL && used > 0; i++) {
            const char *alt = strncmp(files[i], "/usr/", 5) == 0 ? files[i] + 4 : NULL;
            if (pkgs[i][0] != '\0' ||
                (!has_line(text, used, files[i]) && (alt == NULL || !has_line(text, used, alt))))
                continue;
            size_t name = strcspn(de->d_name, ":"); /* "libc6:amd64.list" */
            name = len - 5 < name ? len - 5 : name;
            snprintf(pkgs[i], sizeof pkgs[i], "%.*s", (int)name, de->d_name);
            left--;
        }
        free(text);
    }
    closedir(d);
}

/* Ask the package database of hint k's target, in one pass, for the
 * packages of every hint of that target not yet looked up. */
static void look_up_packages(int k, const char *root)
{
    /* A target in a chroot of our mount namespace: maps name its files by
     * our paths (/srv/root/usr/lib/...), its package database by its own. */
    char top[4096];
    ssize_t len = readlink(root, top, sizeof top - 1);
    len = len > 1 ? len : 0; /* "/": nothing to take off */
    top[len] = '\0';
    const char *files[HINTS_MAX];
    int which[HINTS_MAX], n = 0;
    pthread_mutex_lock(&hint_lock);
    pid_t pid = hints[k].pid;
    for (int i = 0; i < nhints; i++)
        if (!hints[i].looked && hints[i].pid == pid) {
            const char *file = hints[i].path; /* entries never move */
            if (len > 0 && strncmp(file, top, (size_t)len) == 0 && file[len] == '/')
                file += len;
            which[n] = i;
            files[n++] = file;
        }
    pthread_mutex_unlock(&hint_lock);
    char pkgs[HINTS_MAX][256];
    dpkg_owners(root, files, pkgs, n);
    pthread_mutex_lock(&hint_lock);
    for (int i = 0; i < n; i++) {
        snprintf(hints[which[i]].pkg, sizeof hints[which[i]].pkg, "%s", pkgs[i]);
        hints[which[i]].looked = 1;
    }
    pthread_mutex_unlock(&hint_lock);
}

int debuginfo_hint_take(char *buf, size_t size)
{
    int k = -1;
    pthread_mutex_lock(&hint_lock);
    for (int i = 0; i < nhints && k < 0; i++)
        if (!hints[i].told) {
            hints[i].told = 1;
            k = i;
        }
    pthread_mutex_unlock(&hint_lock);
    if (k < 0)
        return 0;
    char root[64], path[128], id[64], like[256];
    snprintf(root, sizeof root, "/proc/%d/root", (int)hints[k].pid);
    snprintf(path, sizeof path, "%s/etc/os-release", root);
    char *text = read_file(path, NULL);
    os_release_value(text != NULL ? text : "", "ID", id, sizeof id);
    os_release_value(text != NULL ? text : "", "ID_LIKE", like, sizeof like);
    free(text);
    int debian = strcmp(id, "debian") == 0 || strcmp(id, "ubuntu") == 0 || has_word(like, "debian");
    int fedora = strcmp(id, "fedora") == 0 || has_word(like, "fedora") || has_word(like, "rhel");
    if (debian && !hints[k].looked)
        look_up_packages(k, root);
    struct hint h;
    pthread_mutex_lock(&hint_lock);
    h = hints[k];
    pthread_mutex_unlock(&hint_lock);
    char what[512];
    if (debian && strcmp(h.pkg, "libc6") == 0)
        /* glibc keeps its hand-made debug package in the main archive
         * (debian/control of glibc: libc6-dbg); it builds no -dbgsym. */
        snprintf(what, sizeof what, "install libc6-dbg");
    else if (debian && h.pkg[0] != '\0')
        snprintf(what, sizeof what, "install %s-dbgsym from %s", h.pkg,
                 strcmp(id, "ubuntu") == 0 ? "Ubuntu's ddebs archive" : "Debian's debug archive");
    else if (fedora)
        snprintf(what, sizeof what, "dnf debuginfo-install the package that ships it");
    else if (h.build_id[0] != '\0')
        snprintf(what, sizeof what, "put its debug file at /usr/lib/debug/.build-id/%.2s/%s.debug",
                 h.build_id, h.build_id + 2);
    else
        snprintf(what, sizeof what, "put the debug file its .gnu_debuglink names beside it");
    snprintf(buf, size,
             "no symbols for %s (its functions show as addresses): %s, or give its debug file "
             "with --debug-dir",
             h.path, what);
    return 1;
}
