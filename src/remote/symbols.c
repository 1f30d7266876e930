/*
 * remote/symbols: naming native instruction pointers. See symbols.h.
 *
 * Two levels of cache. The mappings of the last /proc/PID/maps read, sorted
 * by address, each resolved on first use to a module and a load bias. The
 * modules, keyed by file (path, device, inode), each holding its function
 * symbols at link-time addresses, sorted, with their names in one block;
 * they outlive re-reads of the maps, so a re-read costs no ELF parsing.
 *
 * Runtime address = link-time address + load bias, where the bias of a
 * mapping is (start - file offset) - (p_vaddr - p_offset) of the PT_LOAD
 * holding that file offset: 0 for a non-PIE executable (ET_EXEC), the load
 * base for PIE executables and shared libraries.
 */
#include "config.h"
#include "remote/symbols.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hash.h"
#include "hindex.h"
#include "remote/debuginfo.h"
#include "remote/elf.h"
#include "remote/maps.h"
#include "remote/mem.h"
#include "util.h"

#define MAPS_REREAD_NS    (100 * 1000 * 1000ull) /* a miss re-reads maps at most this often */
#define MAX_SEGMENTS      16
#define VDSO_MAX_SIZE     (1u << 20)
#define ENCLOSING_TRIES   4 /* symbols looked back at for one enclosing ip */
#define MODULE_NONE       (-1)
#define MODULE_UNRESOLVED (-2)

/* A function: link-time address, size, name (offset in the module's block). */
struct sym_entry {
    uint64_t value;
    uint32_t size;
    uint32_t name;
};

struct sym_module {
    char *path;       /* as in maps; owned */
    const char *base; /* what lookups say: the soname, else the file's name */
    char *soname;     /* owned; NULL if none */
    uint64_t inode;
    unsigned dev_major, dev_minor;
    int deleted;
    int interpreter;
    int loaded; /* symbols read, or tried */
    int bare;   /* named by .dynsym alone: told of once (debuginfo_hint) */
    int hinted;
    char *build_id;                /* of a bare file, in hex; owned */
    char *open_path;               /* where its file was opened (module_load); owned */
    struct debuginfo_lines *lines; /* its DWARF line tables; NULL without */
    int lines_tried;
    struct sym_entry *syms;
    size_t nsyms;
    char *names;
    struct elf_segment seg[MAX_SEGMENTS];
    size_t nseg;
};

struct sym_map {
    uint64_t start, end;
    const struct map_entry *e; /* in symbolizer.maps */
    int module;                /* index in symbolizer.mods, or MODULE_* */
    int bias_known;
    uint64_t bias;
};

/* An address's source line, once looked up (src NULL: none). */
struct ip_line {
    uint64_t ip;
    const char *src;
    int line;
};

struct symbolizer {
    pid_t pid;
    char *interp_path;
    uint64_t page_size;
    struct maps maps;
    struct sym_map *map; /* maps.n of them, by start */
    size_t nmap;
    size_t last; /* index of the last mapping hit */
    int stale;   /* re-read maps before the next lookup */
    uint64_t read_ns;
    struct sym_module *mods;
    size_t nmods, capmods;
    struct ip_line *lines; /* by ip, through line_index */
    size_t nlines, caplines;
    struct hindex line_index;
};

struct symbolizer *symbolizer_new(pid_t pid, const char *interp_path)
{
    struct symbolizer *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    if (interp_path != NULL && (s->interp_path = strdup(interp_path)) == NULL) {
        free(s);
        return NULL;
    }
    long page = sysconf(_SC_PAGESIZE);
    s->page_size = page > 0 ? (uint64_t)page : 4096;
    s->pid = pid;
    s->stale = 1;
    return s;
}

void symbolizer_free(struct symbolizer *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->nmods; i++) {
        free(s->mods[i].path);
        free(s->mods[i].soname);
        free(s->mods[i].syms);
        free(s->mods[i].names);
        free(s->mods[i].build_id);
        free(s->mods[i].open_path);
        debuginfo_lines_close(s->mods[i].lines);
    }
    free(s->lines);
    hindex_free(&s->line_index);
    free(s->mods);
    free(s->map);
    maps_free(&s->maps);
    free(s->interp_path);
    free(s);
}

void symbolizer_refresh(struct symbolizer *s)
{
    s->stale = 1;
    /* Another library may come to lie at an address already looked up. */
    s->nlines = 0;
    hindex_clear(&s->line_index);
}

/* --- the memory map --- */

static int sym_map_cmp(const void *pa, const void *pb)
{
    const struct sym_map *a = pa, *b = pb;
    return a->start < b->start ? -1 : a->start > b->start;
}

/* Read /proc/PID/maps again. On failure (process gone, out of memory)
 * the old map stays. */
static void maps_reload(struct symbolizer *s)
{
    s->stale = 0;
    s->read_ns = monotonic_ns();
    struct maps m;
    if (maps_read(s->pid, &m, NULL) != 0)
        return;
    struct sym_map *v = calloc(m.n ? m.n : 1, sizeof *v);
    if (v == NULL) {
        maps_free(&m);
        return;
    }
    for (size_t i = 0; i < m.n; i++)
        v[i] = (struct sym_map){m.v[i].start, m.v[i].end, &m.v[i], MODULE_UNRESOLVED, 0, 0};
    qsort(v, m.n, sizeof *v, sym_map_cmp);
    free(s->map);
    maps_free(&s->maps);
    s->maps = m;
    s->map = v;
    s->nmap = m.n;
    s->last = 0;
}

static struct sym_map *map_find(struct symbolizer *s, uint64_t ip)
{
    if (s->last < s->nmap &&
        ip - s->map[s->last].start < s->map[s->last].end - s->map[s->last].start)
        return &s->map[s->last];
    size_t lo = 0, hi = s->nmap; /* the first mapping starting above ip is in [lo, hi] */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->map[mid].start <= ip)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0 || ip >= s->map[lo - 1].end)
        return NULL;
    s->last = lo - 1;
    return &s->map[lo - 1];
}

/* The mapping holding ip, re-reading the maps when due. */
static struct sym_map *map_find_fresh(struct symbolizer *s, uint64_t ip)
{
    if (s->stale)
        maps_reload(s);
    struct sym_map *m = map_find(s, ip);
    if (m == NULL && monotonic_ns() - s->read_ns >= MAPS_REREAD_NS) {
        maps_reload(s);
        m = map_find(s, ip);
    }
    return m;
}

/* --- modules --- */

/* Keep the functions and load segments of ef in mod, with the functions
 * of the extra files holding its symbols (its debug file, its unpacked
 * MiniDebugInfo). Out of memory leaves the module without symbols. */
static void module_take(struct sym_module *mod, const struct elf_file *ef,
                        const struct elf_file *const *extra, size_t nextra)
{
    /* Libraries by the name they are linked by ("libz.so.1"), not the
     * file's ("libz.so.1.2.13"). */
    char soname[256];
    if (mod->path[0] == '/' && elf_soname(ef, soname, sizeof soname) == 0 &&
        (mod->soname = strdup(soname)) != NULL)
        mod->base = mod->soname;
    size_t nseg = elf_load_segments(ef, mod->seg, MAX_SEGMENTS);
    mod->nseg = nseg < MAX_SEGMENTS ? nseg : MAX_SEGMENTS;
    struct elf_func *f;
    size_t n;
    const struct elf_file *files[3] = {ef, NULL, NULL};
    size_t nfiles = 1;
    for (size_t i = 0; i < nextra && nfiles < 3; i++)
        files[nfiles++] = extra[i];
    if (elf_functions_of(files, nfiles, &f, &n) != 0 || n == 0)
        return;
    size_t bytes = 0, keep = 0;
    for (; keep < n; keep++) {
        size_t len = strlen(f[keep].name) + 1;
        if (bytes + len > UINT32_MAX)
            break;
        bytes += len;
    }
    mod->syms = malloc(keep * sizeof *mod->syms);
    mod->names = malloc(bytes);
    if (mod->syms == NULL || mod->names == NULL) {
        free(mod->syms);
        free(mod->names);
        mod->syms = NULL;
        mod->names = NULL;
        free(f);
        return;
    }
    size_t at = 0;
    for (size_t i = 0; i < keep; i++) {
        size_t len = strlen(f[i].name) + 1;
        memcpy(mod->names + at, f[i].name, len);
        uint64_t size = f[i].size < UINT32_MAX ? f[i].size : UINT32_MAX;
        mod->syms[i] = (struct sym_entry){f[i].value, (uint32_t)size, (uint32_t)at};
        at += len;
    }
    mod->nsyms = keep;
    free(f);
}

/* The vDSO is in no file: copy its image out of the process. */
static void module_load_vdso(pid_t pid, struct sym_module *mod, const struct map_entry *e)
{
    size_t size = e->end - e->start;
    if (size > VDSO_MAX_SIZE)
        return;
    uint8_t *image = malloc(size);
    struct remote r;
    if (image == NULL || remote_open(&r, pid, NULL) != 0) {
        free(image);
        return;
    }
    struct elf_file ef;
    if (remote_read(&r, e->start, image, size) == 0 && elf_open_mem(image, size, &ef) == 0)
        module_take(mod, &ef, NULL, 0);
    remote_close(&r);
    free(image);
}

static void module_load(const struct symbolizer *s, struct sym_module *mod,
                        const struct map_entry *e)
{
    mod->loaded = 1;
    if (mod->path[0] == '/') {
        struct elf_file ef;
        char path[PATH_MAX + 64];
        if (elf_open_mapping(s->pid, e, &ef, path, sizeof path) == 0) {
            /* Stripped: what the system keeps apart names the rest. */
            struct debuginfo di;
            debuginfo_open(&di, s->pid, mod->path, path, &ef);
            const struct elf_file *extra[2];
            size_t nextra = 0;
            if (di.have_debug)
                extra[nextra++] = &di.debug;
            if (di.have_mini)
                extra[nextra++] = &di.mini;
            module_take(mod, &ef, extra, nextra);
            mod->bare = di.bare;
            if (di.bare)
                mod->build_id = strdup(di.build_id);
            debuginfo_close(&di);
            elf_close(&ef);
            mod->open_path = strdup(path); /* for its lines (symbolizer_line) */
        }
    } else if (strcmp(mod->path, "[vdso]") == 0) {
        module_load_vdso(s->pid, mod, e);
    }
}

static int is_interpreter(const struct symbolizer *s, const char *path)
{
    if (path[0] != '/')
        return 0;
    if (s->interp_path != NULL && strcmp(path, s->interp_path) == 0)
        return 1;
    const char *b = path_base(path);
    return strncmp(b, "libpython", 9) == 0 && strstr(b, ".so") != NULL;
}

/* The index of the module of e, added if new; MODULE_NONE for anonymous
 * memory or when out of memory. */
static int module_of(struct symbolizer *s, const struct map_entry *e)
{
    if (e->path[0] == '\0')
        return MODULE_NONE;
    for (size_t i = 0; i < s->nmods; i++) {
        const struct sym_module *mod = &s->mods[i];
        if (mod->inode == e->inode && mod->dev_major == e->dev_major &&
            mod->dev_minor == e->dev_minor && mod->deleted == e->deleted &&
            strcmp(mod->path, e->path) == 0)
            return (int)i;
    }
    if (s->nmods >= INT_MAX ||
        vec_reserve((void **)&s->mods, &s->capmods, sizeof *s->mods, s->nmods + 1) != 0)
        return MODULE_NONE;
    struct sym_module *mod = &s->mods[s->nmods];
    memset(mod, 0, sizeof *mod);
    if ((mod->path = strdup(e->path)) == NULL)
        return MODULE_NONE;
    mod->base = mod->path[0] == '/' ? path_base(mod->path) : mod->path;
    mod->inode = e->inode;
    mod->dev_major = e->dev_major;
    mod->dev_minor = e->dev_minor;
    mod->deleted = e->deleted;
    mod->interpreter = is_interpreter(s, mod->path);
    return (int)s->nmods++;
}

/* The load bias of mapping e of mod. */
static uint64_t map_bias(const struct symbolizer *s, const struct sym_module *mod,
                         const struct map_entry *e)
{
    if (mod->path[0] != '/' && mod->nseg == 0)
        return 0; /* [heap], [stack]: offsets are addresses */
    return elf_mapping_bias(mod->seg, mod->nseg, e->start, e->offset, e->perms[2] == 'x',
                            s->page_size);
}

/* The module of mapping m, its symbols read and its bias known; NULL for
 * anonymous memory. */
static struct sym_module *map_module(struct symbolizer *s, struct sym_map *m)
{
    if (m->module == MODULE_UNRESOLVED)
        m->module = module_of(s, m->e);
    if (m->module == MODULE_NONE)
        return NULL;
    struct sym_module *mod = &s->mods[m->module];
    if (!mod->loaded)
        module_load(s, mod, m->e);
    if (!m->bias_known) {
        m->bias = map_bias(s, mod, m->e);
        m->bias_known = 1;
    }
    return mod;
}

/* The function covering link-time address rel, or NULL. */
static const struct sym_entry *module_find(const struct sym_module *mod, uint64_t rel)
{
    size_t lo = 0, hi = mod->nsyms;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (mod->syms[mid].value <= rel)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* syms[lo - 1] is the last starting at or below rel; if it ends
     * before rel, a function enclosing it may still cover rel. */
    for (size_t k = 0; k < ENCLOSING_TRIES && k < lo; k++) {
        const struct sym_entry *e = &mod->syms[lo - 1 - k];
        if (rel - e->value < e->size)
            return e;
    }
    return NULL;
}

static int ip_line_hash_at(const void *ctx, uint32_t i, uint64_t *hash)
{
    *hash = hash_mix(((const struct symbolizer *)ctx)->lines[i].ip);
    return 1;
}

int symbolizer_line(struct symbolizer *s, uint64_t ip, const char **source, int *line)
{
    const struct hindex *x = &s->line_index;
    if (hindex_slots(x) > 0)
        for (uint32_t h = hindex_start(x, hash_mix(ip)); hindex_at(x, h); h = hindex_next(x, h)) {
            const struct ip_line *l = &s->lines[hindex_at(x, h) - 1];
            if (l->ip == ip) {
                *source = l->src;
                *line = l->line;
                return l->src != NULL ? 0 : -1;
            }
        }
    const char *src = NULL;
    int n = 0;
    struct sym_map *m = map_find(s, ip);
    struct sym_module *mod = m != NULL ? map_module(s, m) : NULL;
    if (mod != NULL && mod->open_path != NULL && !mod->lines_tried) {
        mod->lines_tried = 1;
        mod->lines = debuginfo_lines_open(s->pid, mod->path, mod->open_path);
    }
    if (mod != NULL && mod->lines != NULL &&
        debuginfo_line(mod->lines, ip - m->bias, &src, &n) != 0)
        src = NULL, n = 0;
    /* Kept either way: an address without a line is not looked up again. */
    if (s->nlines < UINT32_MAX - 1 &&
        vec_reserve((void **)&s->lines, &s->caplines, sizeof *s->lines, s->nlines + 1) == 0 &&
        hindex_reserve(&s->line_index, s->nlines + 1, 0, (uint32_t)s->nlines, ip_line_hash_at, s) ==
            0) {
        s->lines[s->nlines] = (struct ip_line){ip, src, n};
        hindex_add(&s->line_index, hash_mix(ip), (uint32_t)s->nlines++);
    }
    *source = src;
    *line = n;
    return src != NULL ? 0 : -1;
}

int symbolizer_lookup(struct symbolizer *s, uint64_t ip, struct native_sym *out)
{
    *out = (struct native_sym){NULL, "", ip, 0, 0};
    struct sym_map *m = map_find_fresh(s, ip);
    if (m == NULL)
        return -1;
    struct sym_module *mod = map_module(s, m);
    if (mod == NULL)
        return 0;
    out->module = mod->base;
    out->interpreter = mod->interpreter;
    uint64_t rel = ip - m->bias;
    const struct sym_entry *e = module_find(mod, rel);
    if (e == NULL) {
        out->offset = rel;
        if (mod->bare && !mod->hinted) {
            mod->hinted = 1;
            debuginfo_hint(s->pid, mod->path, mod->build_id);
        }
        return 0;
    }
    out->function = mod->names + e->name;
    out->start = e->value + m->bias;
    out->offset = ip - out->start;
    return 0;
}

int symbolizer_find(struct symbolizer *s, const char *name, uint64_t *start, uint64_t *end)
{
    if (s->stale)
        maps_reload(s);
    /* The file named interp_path if mapped, else a libpython. */
    for (int pass = s->interp_path != NULL ? 0 : 1; pass < 2; pass++) {
        for (size_t i = 0; i < s->nmap; i++) {
            struct sym_map *m = &s->map[i];
            if (pass == 0 ? strcmp(m->e->path, s->interp_path) != 0
                          : !is_interpreter(s, m->e->path))
                continue;
            const struct sym_module *mod = map_module(s, m);
            for (size_t k = 0; mod != NULL && k < mod->nsyms; k++) {
                if (strcmp(mod->names + mod->syms[k].name, name) == 0) {
                    *start = mod->syms[k].value + m->bias;
                    *end = *start + mod->syms[k].size;
                    return 0;
                }
            }
            /* Another mapping of the same module would say the same. */
            return -1;
        }
    }
    return -1;
}
