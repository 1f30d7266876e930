/*
 * remote/elf: bounded reading of ELF64 symbol tables. See elf.h.
 */
#include "config.h"
#include "remote/elf.h"
#include "remote/maps.h"
#include "util.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int in_bounds(const struct elf_file *ef, uint64_t off, uint64_t len)
{
    return off <= ef->size && len <= ef->size - off;
}

static const Elf64_Ehdr *elf_header(const struct elf_file *ef)
{
    if (ef->size < sizeof(Elf64_Ehdr))
        return NULL;
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)ef->data;
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64)
        return NULL;
    return eh;
}

static const Elf64_Shdr *elf_section(const struct elf_file *ef, unsigned idx)
{
    const Elf64_Ehdr *eh = elf_header(ef);
    if (eh == NULL || idx >= eh->e_shnum || eh->e_shentsize != sizeof(Elf64_Shdr))
        return NULL;
    uint64_t off = eh->e_shoff + (uint64_t)idx * sizeof(Elf64_Shdr);
    if ((off & 7) != 0 || !in_bounds(ef, off, sizeof(Elf64_Shdr)))
        return NULL;
    return (const Elf64_Shdr *)(ef->data + off);
}

/* Program header idx, or NULL if it is not in the image. */
static const Elf64_Phdr *elf_program_header(const struct elf_file *ef, unsigned idx)
{
    const Elf64_Ehdr *eh = elf_header(ef);
    if (eh == NULL || idx >= eh->e_phnum || eh->e_phentsize != sizeof(Elf64_Phdr))
        return NULL;
    uint64_t off = eh->e_phoff + (uint64_t)idx * sizeof(Elf64_Phdr);
    if ((off & 7) != 0 || !in_bounds(ef, off, sizeof(Elf64_Phdr)))
        return NULL;
    return (const Elf64_Phdr *)(ef->data + off);
}

static void elf_compute_load_delta(struct elf_file *ef)
{
    ef->load_delta = 0;
    const Elf64_Phdr *ph;
    for (unsigned i = 0; (ph = elf_program_header(ef, i)) != NULL; i++) {
        if (ph->p_type == PT_LOAD) {
            ef->load_delta = ph->p_vaddr - ph->p_offset;
            return;
        }
    }
}

int elf_open_mem(const void *data, size_t size, struct elf_file *ef)
{
    ef->data = data;
    ef->size = size;
    if (elf_header(ef) == NULL)
        return -1;
    elf_compute_load_delta(ef);
    return 0;
}

int elf_open(const char *path, struct elf_file *ef, struct pt_error *err)
{
    memset(ef, 0, sizeof *ef);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return pt_error_sys(err, PT_E_IO, errno, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size < (off_t)sizeof(Elf64_Ehdr)) {
        close(fd);
        return pt_error_set(err, PT_E_IO, "%s is not an ELF file", path);
    }
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED)
        return pt_error_sys(err, PT_E_IO, errno, "cannot map %s: %s", path, strerror(errno));
    if (elf_open_mem(p, (size_t)st.st_size, ef) != 0) {
        munmap(p, (size_t)st.st_size);
        memset(ef, 0, sizeof *ef);
        return pt_error_set(err, PT_E_IO, "%s is not a 64-bit ELF file", path);
    }
    return 0;
}

void elf_close(struct elf_file *ef)
{
    if (ef->data != NULL)
        munmap((void *)ef->data, ef->size);
    memset(ef, 0, sizeof *ef);
}

static int symtab_lookup(const struct elf_file *ef, const Elf64_Shdr *sh, const char *name,
                         uint64_t *value, uint64_t *size)
{
    const Elf64_Shdr *strsh = elf_section(ef, sh->sh_link);
    if (strsh == NULL || sh->sh_entsize != sizeof(Elf64_Sym) || (sh->sh_offset & 7) != 0)
        return -1;
    if (!in_bounds(ef, sh->sh_offset, sh->sh_size) ||
        !in_bounds(ef, strsh->sh_offset, strsh->sh_size))
        return -1;
    const char *strtab = (const char *)ef->data + strsh->sh_offset;
    size_t nsyms = sh->sh_size / sizeof(Elf64_Sym);
    size_t namelen = strlen(name);
    for (size_t i = 0; i < nsyms; i++) {
        const Elf64_Sym *s = (const Elf64_Sym *)(ef->data + sh->sh_offset) + i;
        if (s->st_shndx == SHN_UNDEF || s->st_name >= strsh->sh_size)
            continue;
        if (strsh->sh_size - s->st_name <= namelen)
            continue;
        if (memcmp(strtab + s->st_name, name, namelen + 1) != 0)
            continue;
        *value = s->st_value;
        if (size)
            *size = s->st_size;
        return 0;
    }
    return -1;
}

int elf_lookup(const struct elf_file *ef, const char *name, uint64_t *value, uint64_t *size)
{
    const Elf64_Ehdr *eh = elf_header(ef);
    if (eh == NULL)
        return -1;
    static const uint32_t order[] = {SHT_DYNSYM, SHT_SYMTAB};
    for (unsigned k = 0; k < 2; k++) {
        for (unsigned i = 0; i < eh->e_shnum; i++) {
            const Elf64_Shdr *sh = elf_section(ef, i);
            if (sh != NULL && sh->sh_type == order[k] &&
                symtab_lookup(ef, sh, name, value, size) == 0)
                return 0;
        }
    }
    return -1;
}

/* Does s[0..len) read "3.N.M" with an optional a/b/rc/+ suffix? */
static int parse_version(const char *s, size_t len, int *major, int *minor, int *micro)
{
    int v[3] = {0, 0, 0};
    size_t i = 0;
    for (int part = 0; part < 3; part++) {
        size_t start = i;
        while (i < len && s[i] >= '0' && s[i] <= '9' && i - start < 3)
            v[part] = v[part] * 10 + (s[i++] - '0');
        if (i == start)
            return -1;
        if (part < 2 && (i >= len || s[i++] != '.'))
            return -1;
    }
    while (i < len && ((s[i] >= 'a' && s[i] <= 'c') || s[i] == 'r' || s[i] == '+' ||
                       (s[i] >= '0' && s[i] <= '9')))
        i++;
    if (i != len || (v[0] != 2 && v[0] != 3))
        return -1;
    *major = v[0];
    *minor = v[1];
    *micro = v[2];
    return 0;
}

/* The first section called name whose bytes are in the file, or NULL. */
static const Elf64_Shdr *section_named(const struct elf_file *ef, const char *name)
{
    const Elf64_Ehdr *eh = elf_header(ef);
    if (eh == NULL)
        return NULL;
    const Elf64_Shdr *shstr = elf_section(ef, eh->e_shstrndx);
    if (shstr == NULL || !in_bounds(ef, shstr->sh_offset, shstr->sh_size))
        return NULL;
    for (unsigned i = 0; i < eh->e_shnum; i++) {
        const Elf64_Shdr *sh = elf_section(ef, i);
        if (sh == NULL || sh->sh_name >= shstr->sh_size)
            continue;
        const char *secname = (const char *)ef->data + shstr->sh_offset + sh->sh_name;
        if (strncmp(secname, name, shstr->sh_size - sh->sh_name) == 0 &&
            (sh->sh_type == SHT_NOBITS || in_bounds(ef, sh->sh_offset, sh->sh_size)))
            return sh;
    }
    return NULL;
}

int elf_section_address(const struct elf_file *ef, const char *name, uint64_t *addr, uint64_t *size)
{
    const Elf64_Shdr *sh = section_named(ef, name);
    if (sh == NULL)
        return -1;
    *addr = sh->sh_addr;
    if (size)
        *size = sh->sh_size;
    return 0;
}

int elf_section_data(const struct elf_file *ef, const char *name, const uint8_t **data,
                     uint64_t *size)
{
    const Elf64_Shdr *sh = section_named(ef, name);
    if (sh == NULL || sh->sh_type == SHT_NOBITS)
        return -1;
    *data = ef->data + sh->sh_offset;
    *size = sh->sh_size;
    return 0;
}

int elf_open_mapping(pid_t pid, const struct map_entry *e, struct elf_file *ef, char *open_path,
                     size_t size)
{
    if (!e->deleted) {
        maps_root_path(pid, e->path, open_path, size);
        if (elf_open(open_path, ef, NULL) == 0)
            return 0;
    }
    /* Deleted on disk (an upgrade under a running service): the kernel
     * still holds the file. */
    snprintf(open_path, size, "/proc/%d/map_files/%lx-%lx", (int)pid, (unsigned long)e->start,
             (unsigned long)e->end);
    return elf_open(open_path, ef, NULL);
}

int elf_find_python_version(const struct elf_file *ef, int want_minor, int *major, int *minor,
                            int *micro)
{
    const Elf64_Shdr *sh = section_named(ef, ".rodata");
    if (sh != NULL && sh->sh_type != SHT_NOBITS) {
        /* PY_VERSION is a string of its own, unless the linker merged it
         * into the tail of a longer one (".../versions/3.8.18"): with the
         * minor known, a tail after '/', '-' or ' ' counts too. */
        const char *p = (const char *)ef->data + sh->sh_offset;
        size_t n = sh->sh_size;
        for (size_t at = 0; at < n; at++) {
            if (p[at] != '2' && p[at] != '3')
                continue;
            char before = at > 0 ? p[at - 1] : '\0';
            if (before != '\0' &&
                (want_minor < 0 || (before != '/' && before != '-' && before != ' ')))
                continue;
            size_t len = strnlen(p + at, n - at);
            if (len < 5 || len > 12 || at + len >= n)
                continue;
            if (parse_version(p + at, len, major, minor, micro) == 0 &&
                (want_minor < 0 || *minor == want_minor))
                return 0;
        }
    }
    return -1;
}

size_t elf_load_segments(const struct elf_file *ef, struct elf_segment *out, size_t max)
{
    size_t n = 0;
    const Elf64_Phdr *ph;
    for (unsigned i = 0; (ph = elf_program_header(ef, i)) != NULL; i++) {
        if (ph->p_type != PT_LOAD)
            continue;
        if (n < max)
            out[n] = (struct elf_segment){ph->p_vaddr, ph->p_offset, ph->p_filesz, ph->p_flags};
        n++;
    }
    return n;
}

uint64_t elf_mapping_bias(const struct elf_segment *seg, size_t n, uint64_t start, uint64_t offset,
                          int executable, uint64_t page_size)
{
    uint64_t mask = ~(page_size - 1);
    const struct elf_segment *best = NULL;
    int best_score = -1;
    for (size_t i = 0; i < n; i++) {
        uint64_t page = seg[i].offset & mask;
        if (page > offset)
            continue;
        int in_pages = offset - page < seg[i].filesz + (seg[i].offset - page);
        int same_exec = !(seg[i].flags & PF_X) == !executable;
        int score = 2 * in_pages + same_exec;
        if (score > best_score || (score == best_score && page >= (best->offset & mask))) {
            best = &seg[i];
            best_score = score;
        }
    }
    if (best == NULL && n > 0)
        best = &seg[0];
    uint64_t file_base = start - offset;
    return best ? file_base - (best->vaddr - best->offset) : file_base;
}

/* A function symbol as collected, before aliases are merged. */
struct func_cand {
    struct elf_func f;
    uint64_t limit; /* end of the symbol's section, 0 if unknown */
    unsigned bind_rank;
    unsigned underscores;
};

/* The name at offset off of a string table, if non-empty and NUL-terminated
 * inside the table; else NULL. */
static const char *strtab_name(const struct elf_file *ef, const Elf64_Shdr *strsh, uint64_t off)
{
    if (off == 0 || off >= strsh->sh_size)
        return NULL;
    const char *s = (const char *)ef->data + strsh->sh_offset + off;
    size_t room = strsh->sh_size - off;
    size_t len = strnlen(s, room);
    return len > 0 && len < room ? s : NULL;
}

/* The end of the section a symbol at value in section shndx lies in, or 0. */
static uint64_t section_limit(const struct elf_file *ef, unsigned shndx, uint64_t value)
{
    if (shndx >= SHN_LORESERVE)
        return 0;
    const Elf64_Shdr *sh = elf_section(ef, shndx);
    if (sh == NULL || value < sh->sh_addr || value - sh->sh_addr >= sh->sh_size)
        return 0;
    return sh->sh_addr + sh->sh_size;
}

/* Append the functions of symbol table sh to *v. -1 when out of memory. */
static int collect_functions(const struct elf_file *ef, const Elf64_Shdr *sh, struct func_cand **v,
                             size_t *n, size_t *cap)
{
    const Elf64_Shdr *strsh = elf_section(ef, sh->sh_link);
    if (strsh == NULL || sh->sh_entsize != sizeof(Elf64_Sym) || (sh->sh_offset & 7) != 0)
        return 0;
    if (!in_bounds(ef, sh->sh_offset, sh->sh_size) ||
        !in_bounds(ef, strsh->sh_offset, strsh->sh_size))
        return 0;
    size_t nsyms = sh->sh_size / sizeof(Elf64_Sym);
    const Elf64_Sym *syms = (const Elf64_Sym *)(ef->data + sh->sh_offset);
    for (size_t i = 0; i < nsyms; i++) {
        const Elf64_Sym *s = &syms[i];
        unsigned type = ELF64_ST_TYPE(s->st_info);
        if ((type != STT_FUNC && type != STT_GNU_IFUNC) || s->st_shndx == SHN_UNDEF ||
            s->st_value == 0)
            continue;
        const char *name = strtab_name(ef, strsh, s->st_name);
        if (name == NULL)
            continue;
        if (vec_reserve((void **)v, cap, sizeof **v, *n + 1) != 0)
            return -1;
        unsigned bind = ELF64_ST_BIND(s->st_info);
        struct func_cand *c = &(*v)[(*n)++];
        c->f = (struct elf_func){s->st_value, s->st_size, name};
        c->limit = section_limit(ef, s->st_shndx, s->st_value);
        c->bind_rank = bind == STB_GLOBAL ? 0 : bind == STB_WEAK ? 1 : 2;
        c->underscores = (unsigned)strspn(name, "_");
    }
    return 0;
}

/* By address; among aliases, the preferred name first. */
static int func_cand_cmp(const void *pa, const void *pb)
{
    const struct func_cand *a = pa, *b = pb;
    if (a->f.value != b->f.value)
        return a->f.value < b->f.value ? -1 : 1;
    if (a->underscores != b->underscores)
        return a->underscores < b->underscores ? -1 : 1;
    if (a->bind_rank != b->bind_rank)
        return a->bind_rank < b->bind_rank ? -1 : 1;
    return strcmp(a->f.name, b->f.name);
}

int elf_functions(const struct elf_file *ef, struct elf_func **out, size_t *n)
{
    return elf_functions_of(&ef, 1, out, n);
}

int elf_functions_of(const struct elf_file *const *efs, size_t nefs, struct elf_func **out,
                     size_t *n)
{
    *out = NULL;
    *n = 0;
    struct func_cand *c = NULL;
    size_t nc = 0, cap = 0;
    for (size_t k = 0; k < nefs; k++) {
        const struct elf_file *ef = efs[k];
        const Elf64_Ehdr *eh = elf_header(ef);
        for (unsigned i = 0; eh != NULL && i < eh->e_shnum; i++) {
            const Elf64_Shdr *sh = elf_section(ef, i);
            if (sh != NULL && (sh->sh_type == SHT_SYMTAB || sh->sh_type == SHT_DYNSYM) &&
                collect_functions(ef, sh, &c, &nc, &cap) != 0) {
                free(c);
                return -1;
            }
        }
    }
    if (nc == 0)
        return 0;
    qsort(c, nc, sizeof *c, func_cand_cmp);

    /* One per address: the first name, the largest size and section end. */
    size_t m = 0;
    for (size_t i = 0; i < nc; i++) {
        if (m > 0 && c[m - 1].f.value == c[i].f.value) {
            if (c[i].f.size > c[m - 1].f.size)
                c[m - 1].f.size = c[i].f.size;
            if (c[i].limit > c[m - 1].limit)
                c[m - 1].limit = c[i].limit;
            continue;
        }
        c[m++] = c[i];
    }
    struct elf_func *f = malloc(m * sizeof *f);
    if (f == NULL) {
        free(c);
        return -1;
    }
    /* A symbol without a size (hand-written assembly) reaches to the next
     * one, but not past the end of its section. */
    for (size_t i = 0; i < m; i++) {
        f[i] = c[i].f;
        if (f[i].size != 0)
            continue;
        uint64_t end = i + 1 < m ? c[i + 1].f.value : f[i].value;
        if (c[i].limit > f[i].value && (end == f[i].value || c[i].limit < end))
            end = c[i].limit;
        f[i].size = end - f[i].value;
    }
    free(c);
    *out = f;
    *n = m;
    return 0;
}

int elf_soname(const struct elf_file *ef, char *buf, size_t size)
{
    const Elf64_Ehdr *eh = elf_header(ef);
    if (eh == NULL || size == 0)
        return -1;
    for (unsigned i = 0; i < eh->e_shnum; i++) {
        const Elf64_Shdr *sh = elf_section(ef, i);
        if (sh == NULL || sh->sh_type != SHT_DYNAMIC || sh->sh_entsize != sizeof(Elf64_Dyn) ||
            (sh->sh_offset & 7) != 0 || !in_bounds(ef, sh->sh_offset, sh->sh_size))
            continue;
        const Elf64_Shdr *strsh = elf_section(ef, sh->sh_link);
        if (strsh == NULL || !in_bounds(ef, strsh->sh_offset, strsh->sh_size))
            continue;
        const Elf64_Dyn *d = (const Elf64_Dyn *)(ef->data + sh->sh_offset);
        for (size_t k = 0; k < sh->sh_size / sizeof *d && d[k].d_tag != DT_NULL; k++) {
            if (d[k].d_tag != DT_SONAME)
                continue;
            const char *name = strtab_name(ef, strsh, d[k].d_un.d_val);
            if (name == NULL || strlen(name) >= size)
                return -1;
            memcpy(buf, name, strlen(name) + 1);
            return 0;
        }
    }
    return -1;
}
