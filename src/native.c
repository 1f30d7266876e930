/*
 * native: libunwind over a paused thread, and the merge. See native.h.
 */
#include "config.h"
#include "native.h"

#include <elf.h>
#include <errno.h>
#include <libunwind.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <time.h>

#include "python/stack.h"
#include "python/target.h"
#include "remote/maps.h"
#include "remote/symbols.h"
#include "util.h"

/* libunwind's table search over a remote .eh_frame_hdr: exported by
 * libunwind-x86_64 (the ptrace accessors use it) but not declared by
 * its public headers. */
extern int _Ux86_64_dwarf_search_unwind_table(unw_addr_space_t as, unw_word_t ip,
                                              unw_dyn_info_t *di, unw_proc_info_t *pi,
                                              int need_unwind_info, void *arg);

#define PAGE              4096u
#define RO_PAGES          64 /* read-only file pages kept across unwinds */
#define STACK_PAGES       16 /* other pages, for one unwind */
#define MAPS_RELOAD_NS    1000000000ULL
#define EH_TABLE_DATAREL4 0x3b /* DW_EH_PE_datarel | DW_EH_PE_sdata4 */
#define EH_UDATA4         0x03

struct page {
    uint64_t addr; /* page address; 0 = empty */
    uint64_t gen;  /* stack pages: the unwind that read it */
    uint64_t used; /* for eviction */
    uint8_t data[PAGE];
};

/* A mapping of the target, from /proc/PID/maps. */
struct nmap {
    uint64_t start, end;
    int writable;
};

/* An executable module: its code range and unwind table. */
struct nmodule {
    uint64_t start, end; /* executable mappings */
    uint64_t base;       /* where the file's offset 0 (its ELF header) is mapped */
    char path[512];
    int state; /* 0 not prepared, 1 ready, -1 no table */
    unw_dyn_info_t di;
};

struct native {
    struct py_target *t;
    pid_t pid;
    unw_addr_space_t as;
    unw_accessors_t acc;
    struct symbolizer *sym;
    struct nmap *maps;
    size_t nmaps;
    struct nmodule *mods;
    size_t nmods;
    uint64_t maps_read_ns;
    struct page *ro, *stack;
    uint64_t gen, clock;
    struct user_regs_struct regs;
    uint64_t eval_start, eval_end; /* _PyEval_EvalFrameDefault; 0, 0 unknown */
    int eval_looked;
};

/* ---- the target's maps and modules ---------------------------------- */

static int cmp_nmap(const void *a, const void *b)
{
    const struct nmap *x = a, *y = b;
    return (x->start > y->start) - (x->start < y->start);
}

static int load_maps(struct native *n)
{
    struct maps m;
    struct pt_error err;
    n->maps_read_ns = monotonic_ns();
    if (maps_read(n->pid, &m, &err) != 0)
        return -1;
    struct nmap *maps = calloc(m.n ? m.n : 1, sizeof *maps);
    struct nmodule *mods = calloc(m.n ? m.n : 1, sizeof *mods);
    if (maps == NULL || mods == NULL) {
        free(maps);
        free(mods);
        maps_free(&m);
        return -1;
    }
    size_t nm = 0, nmod = 0;
    for (size_t i = 0; i < m.n; i++) {
        const struct map_entry *e = &m.v[i];
        maps[nm++] = (struct nmap){e->start, e->end, e->perms[1] == 'w'};
        if (e->perms[2] != 'x' || e->path[0] == '\0' ||
            (e->path[0] == '[' && strcmp(e->path, "[vdso]") != 0))
            continue;
        /* One module per file: its executable mappings together. */
        size_t k = 0;
        while (k < nmod && strcmp(mods[k].path, e->path) != 0)
            k++;
        if (k == nmod) {
            snprintf(mods[k].path, sizeof mods[k].path, "%s", e->path);
            mods[k].start = e->start;
            mods[k].end = e->end;
            nmod++;
        }
        if (e->start < mods[k].start)
            mods[k].start = e->start;
        if (e->end > mods[k].end)
            mods[k].end = e->end;
    }
    for (size_t i = 0; i < m.n; i++)
        for (size_t k = 0; k < nmod; k++)
            if (m.v[i].offset == 0 && strcmp(m.v[i].path, mods[k].path) == 0 &&
                (mods[k].base == 0 || m.v[i].start < mods[k].base))
                mods[k].base = m.v[i].start;
    qsort(maps, nm, sizeof *maps, cmp_nmap);
    /* Keep what was prepared of modules still there. */
    for (size_t k = 0; k < nmod; k++)
        for (size_t j = 0; j < n->nmods; j++)
            if (n->mods[j].start == mods[k].start && strcmp(n->mods[j].path, mods[k].path) == 0)
                mods[k] = n->mods[j];
    maps_free(&m);
    free(n->maps);
    free(n->mods);
    n->maps = maps;
    n->nmaps = nm;
    n->mods = mods;
    n->nmods = nmod;
    unw_flush_cache(n->as, 0, 0);
    for (int i = 0; i < RO_PAGES; i++)
        n->ro[i].addr = 0;
    return 0;
}

static const struct nmap *map_of(const struct native *n, uint64_t addr)
{
    size_t lo = 0, hi = n->nmaps;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (addr < n->maps[mid].start)
            hi = mid;
        else if (addr >= n->maps[mid].end)
            lo = mid + 1;
        else
            return &n->maps[mid];
    }
    return NULL;
}

/* ---- memory ------------------------------------------------------------ */

static int read_remote(pid_t pid, uint64_t addr, void *buf, size_t len)
{
    struct iovec local = {buf, len}, remote = {(void *)(uintptr_t)addr, len};
    return process_vm_readv(pid, &local, 1, &remote, 1, 0) == (ssize_t)len ? 0 : -1;
}

/* The cached page holding addr: read-only file pages live across unwinds,
 * the others (stacks, heap) only during one. */
static const uint8_t *page_of(struct native *n, uint64_t addr)
{
    uint64_t base = addr & ~(uint64_t)(PAGE - 1);
    const struct nmap *m = map_of(n, addr);
    if (m == NULL)
        return NULL;
    int ro = !m->writable;
    struct page *v = ro ? n->ro : n->stack;
    int count = ro ? RO_PAGES : STACK_PAGES;
    struct page *victim = &v[0];
    for (int i = 0; i < count; i++) {
        struct page *p = &v[i];
        if (p->addr == base && (ro || p->gen == n->gen)) {
            p->used = ++n->clock;
            return p->data;
        }
        if (p->used < victim->used)
            victim = p;
    }
    if (read_remote(n->pid, base, victim->data, PAGE) != 0) {
        victim->addr = 0;
        return NULL;
    }
    victim->addr = base;
    victim->gen = n->gen;
    victim->used = ++n->clock;
    return victim->data;
}

static int read_bytes(struct native *n, uint64_t addr, void *buf, size_t len)
{
    uint8_t *out = buf;
    while (len > 0) {
        const uint8_t *p = page_of(n, addr);
        if (p == NULL)
            return -1;
        size_t off = addr & (PAGE - 1), take = PAGE - off < len ? PAGE - off : len;
        memcpy(out, p + off, take);
        out += take;
        addr += take;
        len -= take;
    }
    return 0;
}

/* ---- unwind tables ----------------------------------------------------- */

/* Find the module's .eh_frame_hdr through its ELF headers in memory. */
static int prepare_module(struct native *n, struct nmodule *mod)
{
    mod->state = -1;
    uint64_t base = mod->base;
    if (base == 0)
        return -1;
    Elf64_Ehdr eh;
    if (read_bytes(n, base, &eh, sizeof eh) != 0 || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
        eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr) ||
        eh.e_phnum > 64)
        return -1;
    Elf64_Phdr ph[64];
    if (read_bytes(n, base + eh.e_phoff, ph, eh.e_phnum * sizeof *ph) != 0)
        return -1;
    const Elf64_Phdr *load = NULL, *ehf = NULL;
    for (int i = 0; i < eh.e_phnum; i++) {
        if (ph[i].p_type == PT_LOAD && load == NULL)
            load = &ph[i];
        if (ph[i].p_type == PT_GNU_EH_FRAME)
            ehf = &ph[i];
    }
    if (load == NULL || ehf == NULL)
        return -1;
    uint64_t bias = base - (load->p_vaddr - load->p_offset);
    uint64_t hdr = bias + ehf->p_vaddr;
    uint8_t h[12];
    if (read_bytes(n, hdr, h, sizeof h) != 0 || h[0] != 1 || h[2] != EH_UDATA4 ||
        h[3] != EH_TABLE_DATAREL4)
        return -1;
    uint32_t count;
    memcpy(&count, h + 8, sizeof count);
    memset(&mod->di, 0, sizeof mod->di);
    mod->di.format = UNW_INFO_FORMAT_REMOTE_TABLE;
    mod->di.start_ip = mod->start;
    mod->di.end_ip = mod->end;
    mod->di.u.rti.segbase = hdr;
    mod->di.u.rti.table_data = hdr + 12;
    mod->di.u.rti.table_len = (uint64_t)count * 8 / sizeof(unw_word_t);
    mod->state = 1;
    return 0;
}

static struct nmodule *module_of(struct native *n, uint64_t ip)
{
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n->nmods; i++)
            if (ip >= n->mods[i].start && ip < n->mods[i].end)
                return &n->mods[i];
        /* A library loaded since: look again, at most once a second. */
        if (pass == 0 && monotonic_ns() - n->maps_read_ns < MAPS_RELOAD_NS)
            return NULL;
        if (pass == 0 && load_maps(n) != 0)
            return NULL;
    }
    return NULL;
}

/* ---- accessors --------------------------------------------------------- */

static int acc_find_proc_info(unw_addr_space_t as, unw_word_t ip, unw_proc_info_t *pi,
                              int need_unwind_info, void *arg)
{
    struct native *n = arg;
    struct nmodule *mod = module_of(n, ip);
    if (mod == NULL)
        return -UNW_ENOINFO;
    if (mod->state == 0)
        prepare_module(n, mod);
    if (mod->state != 1)
        return -UNW_ENOINFO;
    return _Ux86_64_dwarf_search_unwind_table(as, ip, &mod->di, pi, need_unwind_info, arg);
}

static void acc_put_unwind_info(unw_addr_space_t as, unw_proc_info_t *pi, void *arg)
{
    /* Table-format info is libunwind's own to free; nothing is dynamic. */
    (void)as;
    (void)pi;
    (void)arg;
}

static int acc_get_dyn_info_list_addr(unw_addr_space_t as, unw_word_t *addr, void *arg)
{
    (void)as;
    (void)addr;
    (void)arg;
    return -UNW_ENOINFO;
}

static int acc_access_mem(unw_addr_space_t as, unw_word_t addr, unw_word_t *val, int write,
                          void *arg)
{
    (void)as;
    if (write)
        return -UNW_EINVAL;
    uint64_t v;
    if (read_bytes(arg, addr, &v, sizeof v) != 0)
        return -UNW_EINVAL;
    *val = v;
    return 0;
}

static int acc_access_reg(unw_addr_space_t as, unw_regnum_t reg, unw_word_t *val, int write,
                          void *arg)
{
    (void)as;
    const struct user_regs_struct *r = &((struct native *)arg)->regs;
    if (write)
        return -UNW_EINVAL;
    switch (reg) {
    case UNW_X86_64_RAX:
        *val = r->rax;
        break;
    case UNW_X86_64_RDX:
        *val = r->rdx;
        break;
    case UNW_X86_64_RCX:
        *val = r->rcx;
        break;
    case UNW_X86_64_RBX:
        *val = r->rbx;
        break;
    case UNW_X86_64_RSI:
        *val = r->rsi;
        break;
    case UNW_X86_64_RDI:
        *val = r->rdi;
        break;
    case UNW_X86_64_RBP:
        *val = r->rbp;
        break;
    case UNW_X86_64_RSP:
        *val = r->rsp;
        break;
    case UNW_X86_64_R8:
        *val = r->r8;
        break;
    case UNW_X86_64_R9:
        *val = r->r9;
        break;
    case UNW_X86_64_R10:
        *val = r->r10;
        break;
    case UNW_X86_64_R11:
        *val = r->r11;
        break;
    case UNW_X86_64_R12:
        *val = r->r12;
        break;
    case UNW_X86_64_R13:
        *val = r->r13;
        break;
    case UNW_X86_64_R14:
        *val = r->r14;
        break;
    case UNW_X86_64_R15:
        *val = r->r15;
        break;
    case UNW_X86_64_RIP:
        *val = r->rip;
        break;
    default:
        return -UNW_EBADREG;
    }
    return 0;
}

static int acc_access_fpreg(unw_addr_space_t as, unw_regnum_t reg, unw_fpreg_t *val, int write,
                            void *arg)
{
    (void)as;
    (void)reg;
    (void)val;
    (void)write;
    (void)arg;
    return -UNW_EBADREG;
}

static int acc_resume(unw_addr_space_t as, unw_cursor_t *c, void *arg)
{
    (void)as;
    (void)c;
    (void)arg;
    return -UNW_EINVAL;
}

static int acc_get_proc_name(unw_addr_space_t as, unw_word_t addr, char *buf, size_t len,
                             unw_word_t *off, void *arg)
{
    (void)as;
    (void)addr;
    (void)buf;
    (void)len;
    (void)off;
    (void)arg;
    return -UNW_ENOINFO;
}

/* ---- the eval loop ----------------------------------------------------- */

/* Where _PyEval_EvalFrameDefault is: by its symbol, else (a stripped
 * interpreter) the largest function of the interpreter's unwind table,
 * which the eval loop is by far in every CPython build. */
static void find_eval(struct native *n)
{
    n->eval_looked = 1;
    if (symbolizer_find(n->sym, "_PyEval_EvalFrameDefault", &n->eval_start, &n->eval_end) == 0)
        return;
    struct nmodule *mod = NULL;
    for (size_t i = 0; i < n->nmods; i++)
        if (strcmp(n->mods[i].path, n->t->bin.path) == 0)
            mod = &n->mods[i];
    if (mod == NULL || (mod->state == 0 && prepare_module(n, mod) != 0) || mod->state != 1)
        return;
    uint64_t count = mod->di.u.rti.table_len * sizeof(unw_word_t) / 8;
    uint64_t table = mod->di.u.rti.table_data, seg = mod->di.u.rti.segbase;
    uint64_t best = 0, prev = 0;
    for (uint64_t i = 0; i < count; i++) {
        int32_t e[2];
        if (read_bytes(n, table + i * 8, e, sizeof e) != 0)
            return;
        uint64_t start = seg + (uint64_t)(int64_t)e[0];
        if (i > 0 && start - prev > best) {
            best = start - prev;
            n->eval_start = prev;
            n->eval_end = start;
        }
        prev = start;
    }
}

/* An interpreter function that only passes a call on (below the innermost
 * Python frame, where the interpreter's own work, a builtin, stays). */
static int is_call(const struct native_sym *s)
{
    static const char *const prefixes[] = {
        "PyObject_Call",        "_PyObject_Call",       "PyObject_Vectorcall",
        "_PyObject_Vectorcall", "_PyObject_MakeTpCall", "_PyFunction_Vectorcall",
        "cfunction_",           "method_vectorcall",    "vectorcall_",
        "_PyEval_Vector",       "slot_tp_call",         "call_function",
        "_PyCFunction_",        "PyCFunction_Call",     "function_code_fastcall",
        "_PyFunction_FastCall", "_Py_BuiltinCall" /* 3.15: _Py_BuiltinCallFast..._StackRef */};
    if (s->function == NULL)
        return 0;
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (strncmp(s->function, prefixes[i], strlen(prefixes[i])) == 0)
            return 1;
    return 0;
}

/* ---- public ------------------------------------------------------------ */

struct native *native_new(struct py_target *t, struct pt_error *err)
{
    struct native *n = calloc(1, sizeof *n);
    if (n == NULL)
        return NULL;
    n->t = t;
    n->pid = t->pid;
    n->ro = calloc(RO_PAGES, sizeof *n->ro);
    n->stack = calloc(STACK_PAGES, sizeof *n->stack);
    n->sym = symbolizer_new(t->pid, t->bin.path);
    n->acc = (unw_accessors_t){acc_find_proc_info, acc_put_unwind_info, acc_get_dyn_info_list_addr,
                               acc_access_mem,     acc_access_reg,      acc_access_fpreg,
                               acc_resume,         acc_get_proc_name};
    n->as = unw_create_addr_space(&n->acc, 0);
    if (n->ro == NULL || n->stack == NULL || n->sym == NULL || n->as == NULL) {
        native_free(n);
        pt_error_set(err, PT_E_NOMEM, "out of memory");
        return NULL;
    }
    unw_set_caching_policy(n->as, UNW_CACHE_GLOBAL);
    if (load_maps(n) != 0) {
        native_free(n);
        pt_error_set(err, PT_E_GONE, "cannot read the memory map of PID %d", (int)t->pid);
        return NULL;
    }
    return n;
}

void native_free(struct native *n)
{
    if (n == NULL)
        return;
    if (n->as != NULL)
        unw_destroy_addr_space(n->as);
    if (n->sym != NULL)
        symbolizer_free(n->sym);
    free(n->ro);
    free(n->stack);
    free(n->maps);
    free(n->mods);
    free(n);
}

int native_unwind(struct native *n, pid_t tid, struct native_stack *st, struct pt_error *err)
{
    st->depth = 0;
    if (ptrace(PTRACE_GETREGS, tid, NULL, &n->regs) != 0)
        return pt_error_sys(err, errno == ESRCH ? PT_E_GONE : PT_E_READ, errno,
                            "cannot read the registers of thread %d: %s", (int)tid,
                            strerror(errno));
    n->gen++;
    unw_cursor_t c;
    if (unw_init_remote(&c, n->as, n) != 0)
        return pt_error_set(err, PT_E_READ, "cannot unwind thread %d", (int)tid);
    int rc;
    do {
        unw_word_t ip, sp;
        if (unw_get_reg(&c, UNW_REG_IP, &ip) != 0 || ip == 0 ||
            unw_get_reg(&c, UNW_REG_SP, &sp) != 0)
            break;
        /* A return address points after the call: name the call. */
        uint64_t at = st->depth == 0 ? ip : ip - 1;
        struct native_sym *sym = &st->syms[st->depth];
        if (symbolizer_lookup(n->sym, at, sym) != 0)
            *sym = (struct native_sym){NULL, "", at, 0, 0};
        unw_proc_info_t pi;
        if (sym->function == NULL && sym->module[0] != '\0' && unw_get_proc_info(&c, &pi) == 0 &&
            pi.start_ip <= at && at - pi.start_ip <= sym->offset)
            sym->offset -= at - pi.start_ip; /* no name: the function's start, not the ip */
        st->sps[st->depth] = sp;
        st->ips[st->depth++] = at;
        rc = unw_step(&c);
    } while (rc > 0 && st->depth < NATIVE_MAX_DEPTH);
    if (st->depth == 0)
        return pt_error_set(err, PT_E_READ, "cannot unwind thread %d", (int)tid);
    return 0;
}

int native_merge_frames(const struct native_sym *syms, const unsigned char *is_eval, int depth,
                        const struct py_frame *pf, int first, int nframes, int all,
                        struct merged_frame *out, int max)
{
    int first_eval = -1, last_eval = -1;
    for (int i = 0; i < depth; i++)
        if (is_eval[i]) {
            if (first_eval < 0)
                first_eval = i;
            last_eval = i;
        }
    int k = 0, py = 0;
    uint32_t group = 0;
    for (int i = 0; i < depth && k < max; i++) {
        if (is_eval[i]) {
            while (py < nframes && pf[py].group == group && k < max)
                out[k++] = (struct merged_frame){0, 0, first + py++, NULL, NULL, 0, NULL, 0};
            group++;
            continue;
        }
        if (!all && first_eval >= 0 &&
            (i > last_eval || (syms[i].interpreter && (i > first_eval || is_call(&syms[i])))))
            continue;
        out[k++] = (struct merged_frame){
            1, i, 0, syms[i].function, syms[i].module, syms[i].offset, NULL, 0};
    }
    /* Python frames of calls the unwind did not reach stay outermost. */
    while (py < nframes && k < max)
        out[k++] = (struct merged_frame){0, 0, first + py++, NULL, NULL, 0, NULL, 0};
    return k;
}

int native_merge(struct native *n, const struct native_stack *st, const struct py_sample *s,
                 const struct py_thread *th, int all, struct merged_frame *out, int max)
{
    if (!n->eval_looked)
        find_eval(n);
    unsigned char is_eval[NATIVE_MAX_DEPTH];
    const uint64_t *entry = &s->entries[th->first_entry];
    for (int i = 0; i < st->depth; i++) {
        is_eval[i] =
            n->eval_end > n->eval_start && st->ips[i] >= n->eval_start && st->ips[i] < n->eval_end;
        /* 3.12+: a call of the eval loop keeps its entry frame on its own
         * C stack (Python/ceval.c, entry_frame): the native frame whose
         * stack holds one is the eval loop, even where no symbol says so
         * (a stripped build whose loop was split into hot and cold parts
         * by PGO, as Debian's 3.13+). */
        uint64_t lo = st->sps[i], hi = i + 1 < st->depth ? st->sps[i + 1] : UINT64_MAX;
        for (int e = 0; e < th->nentries && !is_eval[i]; e++)
            is_eval[i] = entry[e] >= lo && entry[e] < hi;
    }
    int k = native_merge_frames(st->syms, is_eval, st->depth, &s->frames[th->first], th->first,
                                th->nframes, all, out, max);
    /* The lines of what is shown only: the plumbing merged away needs none. */
    for (int i = 0; i < k; i++)
        if (out[i].native && out[i].function != NULL &&
            symbolizer_line(n->sym, st->ips[out[i].at], &out[i].source, &out[i].line) != 0)
            out[i].source = NULL, out[i].line = 0;
    return k;
}
