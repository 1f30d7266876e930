/*
 * output/pprof: calltrees to and from pprof profiles. See pprof.h for what
 * goes where.
 *
 * Writing fills protobuf-c's structs for the whole Profile from one pass
 * over the nodes (a child always comes after its parent, so a node knows
 * at once whether it still belongs to its stack's leading labels), then
 * packs it straight into deflate through a ProtobufCBuffer: the encoded
 * protobuf never exists whole in memory.
 *
 * Reading inflates the file, lets protobuf-c decode it, and trusts
 * nothing in it: every id and string index is looked up in bounds before
 * use, and a bad one is an error naming it. Each location becomes its
 * calltree frames once, on first use, so a sample costs one lookup per
 * location. Numbers in the comments are written and parsed in the C
 * locale, whatever locale the UI set.
 */
#include "config.h"
#include "output/pprof.h"
#include "output/profile.pb-c.h"
#include "hash.h"
#include "hindex.h"
#include "util.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ZLIB_CONST /* next_in points at const bytes */
#include <zlib.h>

/* Inflated, a profile is at most this big: a small gzip bomb must not
 * take the machine's memory. A recording of hours is a few megabytes. */
#define PPROF_MAX_SIZE ((size_t)1 << 30)

#define PPROF_CHUNK (64 * 1024)

/* The label keys of the leading frames, and the frame text each value
 * gets back on reading ("process " + "42 (python3 app.py)"). */
static const char *const label_keys[] = {"process", "thread", "task"};
static const char *const label_prefixes[] = {"process ", "thread ", "task "};
static const int label_kinds[] = {CT_PROCESS, CT_THREAD, CT_TASK};
#define NLABELS 3

static int is_gzip(const void *data, size_t size)
{
    const unsigned char *b = data;
    return size >= 2 && b[0] == 0x1f && b[1] == 0x8b;
}

/* ---- writing: the string table ---------------------------------------- */

/* The profile's string table being built. Entries point at strings that
 * outlive the writer (the tree's, literals, the writer's comments). */
struct strtab {
    ProtobufCBinaryData *v;
    size_t n, cap;
    struct hindex index; /* the entries by their bytes */
};

static int str_hash_at(const void *ctx, uint32_t i, uint64_t *hash)
{
    const ProtobufCBinaryData *e = &((const struct strtab *)ctx)->v[i];
    *hash = hash_bytes(e->data, e->len, HASH_SEED);
    return 1;
}

/* The index of str in the table, added on first sight (not copied: str
 * must outlive the table). 0, or -1 when out of memory. */
static int strtab_index(struct strtab *s, const char *str, int64_t *index)
{
    size_t len = strlen(str);
    struct hindex *x = &s->index;
    if (s->n >= UINT32_MAX - 1 ||
        hindex_reserve(x, s->n + 1, 0, (uint32_t)s->n, str_hash_at, s) != 0)
        return -1;
    uint32_t i = hindex_start(x, hash_bytes(str, len, HASH_SEED));
    for (; hindex_at(x, i); i = hindex_next(x, i)) {
        const ProtobufCBinaryData *e = &s->v[hindex_at(x, i) - 1];
        if (e->len == len && memcmp(e->data, str, len) == 0) {
            *index = hindex_at(x, i) - 1;
            return 0;
        }
    }
    if (vec_reserve((void **)&s->v, &s->cap, sizeof *s->v, s->n + 1))
        return -1;
    s->v[s->n] = (ProtobufCBinaryData){len, (uint8_t *)str};
    hindex_put(x, i, (uint32_t)s->n);
    *index = (int64_t)s->n++;
    return 0;
}

/* ---- writing: functions, mappings, locations -------------------------- */

enum lead {
    LEAD_ROOT,    /* the root: nothing before */
    LEAD_PROCESS, /* a leading process frame: a label */
    LEAD_THREAD,  /* a leading thread frame (after the process, if any) */
    LEAD_TASK,    /* a leading task frame (after those) */
    LEAD_NONE,    /* past the leading frames: a location */
};

struct writer {
    const struct calltree *t;
    const struct profile_meta *m;
    struct strtab strs;

    Pprof__Function *funcs;
    size_t nfuncs, funcs_cap;
    struct hindex func_index; /* the functions by func_key */

    Pprof__Mapping *maps;
    size_t nmaps, maps_cap;

    Pprof__Location *locs;
    Pprof__Line *lines; /* lines[i] is locs[i]'s one line */
    size_t nlocs, locs_cap, lines_cap;

    uint32_t *loc_of;      /* frame -> its location id, 0 none yet */
    int64_t *label_of;     /* frame -> string index of its label value, 0 none yet */
    unsigned char *lead;   /* node -> enum lead */
    uint32_t *nloc, *nlab; /* node -> locations and labels on its path */

    Pprof__Sample *samples, **sample_ptrs;
    size_t nsamples;
    uint64_t *loc_ids; /* every sample's location ids, one after the other */
    Pprof__Label *labels, **label_ptrs;
    int64_t *values;

    /* protobuf-c's repeated messages are arrays of pointers. */
    Pprof__Function **func_ptrs;
    Pprof__Mapping **map_ptrs;
    Pprof__Location **loc_ptrs;
    Pprof__Line **line_ptrs;
    Pprof__ValueType types[3], *type_ptrs[2];
    int64_t label_key[NLABELS];

    /* pytop, target, python, rate, lost, by line, idle threads, GIL. */
    char comments[8][600];
    int64_t comment_ids[8];
};

/* The label value of a leading frame ("42 (python3 app.py)" of "process
 * 42 (python3 app.py)"), or NULL when it would not read back as the same
 * frame (an odd name, a file or a line): then it stays a location. */
static const char *label_value(const struct ct_frame *f, int *which)
{
    for (int k = 0; k < NLABELS; k++) {
        size_t n = strlen(label_prefixes[k]);
        if (f->kind == label_kinds[k] && strncmp(f->name, label_prefixes[k], n) == 0 &&
            f->name[n] != '\0' && f->file[0] == '\0' && f->line == 0) {
            *which = k;
            return f->name + n;
        }
    }
    return NULL;
}

static enum lead lead_of(const struct ct_frame *f, enum lead parent)
{
    int which;
    if (parent == LEAD_NONE || label_value(f, &which) == NULL)
        return LEAD_NONE;
    switch (f->kind) {
    case CT_PROCESS:
        return parent == LEAD_ROOT ? LEAD_PROCESS : LEAD_NONE;
    case CT_THREAD:
        return parent <= LEAD_PROCESS ? LEAD_THREAD : LEAD_NONE;
    default: /* CT_TASK: any number, after the process and thread */
        return LEAD_TASK;
    }
}

/* A function's identity: name, filename, start_line, system_name. */
static void func_key(const Pprof__Function *f, int64_t key[4])
{
    key[0] = f->name;
    key[1] = f->filename;
    key[2] = f->start_line;
    key[3] = f->system_name;
}

static uint64_t func_hash(const Pprof__Function *f)
{
    int64_t key[4];
    func_key(f, key);
    return hash_bytes(key, sizeof key, HASH_SEED);
}

static int func_hash_at(const void *ctx, uint32_t i, uint64_t *hash)
{
    *hash = func_hash(&((const struct writer *)ctx)->funcs[i]);
    return 1;
}

/* The id of frame f's Function, added on first sight. A native frame's
 * function has its source file, if known, as its file (its library is
 * the location's mapping) and its name as system name. Other frames have
 * no system name: pprof readers "demangle" a function whose system name
 * is its name, and their C++ heuristics would turn "<module>" or
 * "<lambda>" into "". 0, or -1 when out of memory. */
static int function_id(struct writer *w, const struct ct_frame *f, uint64_t *id)
{
    Pprof__Function want;
    pprof__function__init(&want);
    int native = f->kind == CT_NATIVE;
    if (strtab_index(&w->strs, f->name, &want.name) != 0 ||
        strtab_index(&w->strs, native ? f->src : f->file, &want.filename) != 0)
        return -1;
    want.start_line = f->def_line > 0 ? f->def_line : 0;
    want.system_name = native ? want.name : 0;
    int64_t key[4], other[4];
    func_key(&want, key);
    struct hindex *x = &w->func_index;
    if (hindex_reserve(x, w->nfuncs + 1, 0, (uint32_t)w->nfuncs, func_hash_at, w) != 0)
        return -1;
    uint32_t i = hindex_start(x, func_hash(&want));
    for (; hindex_at(x, i); i = hindex_next(x, i)) {
        const Pprof__Function *g = &w->funcs[hindex_at(x, i) - 1];
        func_key(g, other);
        if (memcmp(key, other, sizeof key) == 0) {
            *id = g->id;
            return 0;
        }
    }
    if (vec_reserve((void **)&w->funcs, &w->funcs_cap, sizeof *w->funcs, w->nfuncs + 1) != 0)
        return -1;
    want.id = w->nfuncs + 1;
    hindex_put(x, i, (uint32_t)w->nfuncs);
    w->funcs[w->nfuncs++] = want;
    *id = want.id;
    return 0;
}

/* The id of the mapping of library file, added on first sight. A profile
 * has a few dozen libraries: a linear search is the cheap way. */
static int mapping_id(struct writer *w, const char *file, uint64_t *id)
{
    int64_t s;
    if (strtab_index(&w->strs, file, &s) != 0)
        return -1;
    for (size_t i = 0; i < w->nmaps; i++)
        if (w->maps[i].filename == s) {
            *id = w->maps[i].id;
            return 0;
        }
    if (vec_reserve((void **)&w->maps, &w->maps_cap, sizeof *w->maps, w->nmaps + 1) != 0)
        return -1;
    Pprof__Mapping *mp = &w->maps[w->nmaps];
    pprof__mapping__init(mp);
    mp->id = ++w->nmaps;
    mp->filename = s;
    /* Its functions are named already: nothing for pprof to symbolize. */
    mp->has_functions = 1;
    *id = mp->id;
    return 0;
}

/* Give frame f its location (one Line) if it has none yet. */
static int add_location(struct writer *w, uint32_t f)
{
    if (w->loc_of[f] != 0)
        return 0;
    const struct ct_frame *fr = &w->t->frames[f];
    uint64_t func, map = 0;
    if (function_id(w, fr, &func) != 0 || (fr->kind == CT_NATIVE && mapping_id(w, fr->file, &map)))
        return -1;
    if (vec_reserve((void **)&w->locs, &w->locs_cap, sizeof *w->locs, w->nlocs + 1) != 0 ||
        vec_reserve((void **)&w->lines, &w->lines_cap, sizeof *w->lines, w->nlocs + 1) != 0)
        return -1;
    Pprof__Location *loc = &w->locs[w->nlocs];
    Pprof__Line *line = &w->lines[w->nlocs];
    pprof__location__init(loc);
    pprof__line__init(line);
    loc->id = ++w->nlocs;
    loc->mapping_id = map;
    line->function_id = func;
    line->line = fr->line;
    w->loc_of[f] = (uint32_t)loc->id;
    return 0;
}

/* ---- writing: the samples --------------------------------------------- */

/* Sort every node into labels and locations, give each frame that
 * carries samples its location or label string, and count what the
 * samples will hold. 0, or -1 when out of memory. */
static int plan_nodes(struct writer *w, size_t *nids, size_t *nlabels)
{
    const struct calltree *t = w->t;
    w->loc_of = calloc((size_t)t->nframes + 1, sizeof *w->loc_of);
    w->label_of = calloc((size_t)t->nframes + 1, sizeof *w->label_of);
    w->lead = malloc(t->nnodes);
    w->nloc = malloc((size_t)t->nnodes * sizeof *w->nloc);
    w->nlab = malloc((size_t)t->nnodes * sizeof *w->nlab);
    if (!w->loc_of || !w->label_of || !w->lead || !w->nloc || !w->nlab)
        return -1;
    w->lead[0] = LEAD_ROOT;
    w->nloc[0] = w->nlab[0] = 0;
    *nids = *nlabels = 0;
    w->nsamples = t->nodes[0].self > 0;
    for (uint32_t n = 1; n < t->nnodes; n++) {
        const struct ct_node *nd = &t->nodes[n];
        const struct ct_frame *f = &t->frames[nd->frame];
        enum lead lead = lead_of(f, (enum lead)w->lead[nd->parent]);
        w->lead[n] = (unsigned char)lead;
        w->nloc[n] = w->nloc[nd->parent] + (lead == LEAD_NONE);
        w->nlab[n] = w->nlab[nd->parent] + (lead != LEAD_NONE);
        if (nd->total == 0)
            continue;
        int which;
        if (lead == LEAD_NONE) {
            if (add_location(w, nd->frame) != 0)
                return -1;
        } else if (w->label_of[nd->frame] == 0 &&
                   strtab_index(&w->strs, label_value(f, &which), &w->label_of[nd->frame])) {
            return -1;
        }
        if (nd->self > 0) {
            w->nsamples++;
            *nids += w->nloc[n];
            *nlabels += w->nlab[n];
        }
    }
    return 0;
}

/* count * period, as far as an int64 goes (pprof's values are signed). */
static int64_t scaled(uint64_t count, int64_t period)
{
    if (count > (uint64_t)INT64_MAX / (uint64_t)period)
        return INT64_MAX;
    return (int64_t)(count * (uint64_t)period);
}

/* One Sample of node n: its locations innermost first, its labels in
 * stack order (process, thread, tasks). */
static void fill_sample(struct writer *w, uint32_t n, Pprof__Sample *s, uint64_t *ids,
                        Pprof__Label *labels, Pprof__Label **label_ptrs, int64_t *values,
                        int64_t period, size_t nvalues)
{
    const struct calltree *t = w->t;
    pprof__sample__init(s);
    s->n_location_id = w->nloc[n];
    s->location_id = ids;
    s->n_label = w->nlab[n];
    s->label = label_ptrs;
    s->n_value = nvalues;
    s->value = values;
    uint64_t count = t->nodes[n].self;
    values[0] = count > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)count;
    if (nvalues > 1)
        values[1] = scaled(count, period);
    size_t k = 0, l = w->nlab[n];
    for (uint32_t m = n; m != 0; m = t->nodes[m].parent) {
        uint32_t f = t->nodes[m].frame;
        if (w->lead[m] == LEAD_NONE) {
            ids[k++] = w->loc_of[f];
            continue;
        }
        /* Labels are met leaf first: fill them from the end. */
        Pprof__Label *lb = &labels[--l];
        int which = 0;
        label_value(&t->frames[f], &which);
        pprof__label__init(lb);
        lb->key = w->label_key[which];
        lb->str = w->label_of[f];
        label_ptrs[l] = lb;
    }
}

static int build_samples(struct writer *w, int64_t period, size_t nvalues, Pprof__Profile *p)
{
    const struct calltree *t = w->t;
    size_t nids, nlabels;
    if (plan_nodes(w, &nids, &nlabels) != 0)
        return -1;
    w->sample_ptrs = malloc((w->nsamples + 1) * sizeof *w->sample_ptrs);
    w->label_ptrs = malloc((nlabels + 1) * sizeof *w->label_ptrs);
    w->samples = malloc((w->nsamples + 1) * sizeof *w->samples);
    w->loc_ids = malloc((nids + 1) * sizeof *w->loc_ids);
    w->labels = malloc((nlabels + 1) * sizeof *w->labels);
    w->values = malloc((w->nsamples * nvalues + 1) * sizeof *w->values);
    if (!w->sample_ptrs || !w->label_ptrs || !w->samples || !w->loc_ids || !w->labels || !w->values)
        return -1;
    size_t s = 0, ids = 0, labs = 0;
    for (uint32_t n = 0; n < t->nnodes; n++) {
        if (t->nodes[n].self == 0)
            continue;
        fill_sample(w, n, &w->samples[s], w->loc_ids + ids, w->labels + labs, w->label_ptrs + labs,
                    w->values + s * nvalues, period, nvalues);
        w->sample_ptrs[s] = &w->samples[s];
        ids += w->nloc[n];
        labs += w->nlab[n];
        s++;
    }
    p->sample = w->sample_ptrs;
    p->n_sample = w->nsamples;
    return 0;
}

/* ---- writing: the profile --------------------------------------------- */

/* The shortest of %.15g and %.17g that reads back as v. */
static void format_double(char *buf, size_t size, double v)
{
    snprintf(buf, size, "%.15g", v);
    if (strtod(buf, NULL) != v)
        snprintf(buf, size, "%.17g", v);
}

/* What the meta says that pprof has no field for, as comments (the C
 * locale is in force). 0, or -1 when out of memory. */
static int add_comments(struct writer *w, Pprof__Profile *p)
{
    const struct profile_meta *m = w->m;
    size_t n = 0;
    snprintf(w->comments[n++], sizeof w->comments[0], "pytop %s", PACKAGE_VERSION);
    if (m != NULL) {
        if (m->target[0] != '\0')
            snprintf(w->comments[n++], sizeof w->comments[0], "target: %s", m->target);
        if (m->python[0] != '\0')
            snprintf(w->comments[n++], sizeof w->comments[0], "python: %s", m->python);
        if (isfinite(m->rate) && m->rate > 0) {
            char rate[40];
            format_double(rate, sizeof rate, m->rate);
            if (isfinite(m->achieved) && m->achieved > 0)
                snprintf(w->comments[n++], sizeof w->comments[0],
                         "rate: %s Hz requested, %.1f Hz achieved", rate, m->achieved);
            else
                snprintf(w->comments[n++], sizeof w->comments[0], "rate: %s Hz requested", rate);
        }
        if (m->lost > 0)
            snprintf(w->comments[n++], sizeof w->comments[0], "lost: %" PRIu64 " samples", m->lost);
        snprintf(w->comments[n++], sizeof w->comments[0], "%s",
                 m->by_function ? "by function" : "by line");
        snprintf(w->comments[n++], sizeof w->comments[0], "%s",
                 m->idle ? "idle threads kept" : "idle threads left out");
        if (m->gil_only)
            snprintf(w->comments[n++], sizeof w->comments[0], "GIL holder only");
    }
    for (size_t i = 0; i < n; i++)
        if (strtab_index(&w->strs, w->comments[i], &w->comment_ids[i]) != 0)
            return -1;
    p->n_comment = n;
    p->comment = w->comment_ids;
    return 0;
}

/* The sampling period in nanoseconds of a rate (per second), at least 1. */
static int64_t period_of(double rate)
{
    double ns = nearbyint(1e9 / rate);
    if (!(ns >= 1))
        return 1;
    return ns < 9.2e18 ? (int64_t)ns : INT64_MAX;
}

static int set_type(struct writer *w, Pprof__ValueType *vt, const char *type, const char *unit)
{
    pprof__value_type__init(vt);
    return strtab_index(&w->strs, type, &vt->type) != 0 ||
                   strtab_index(&w->strs, unit, &vt->unit) != 0
               ? -1
               : 0;
}

/* Point the profile at the writer's tables (once they are complete). */
static int link_tables(struct writer *w, Pprof__Profile *p)
{
    w->func_ptrs = malloc((w->nfuncs + 1) * sizeof *w->func_ptrs);
    w->map_ptrs = malloc((w->nmaps + 1) * sizeof *w->map_ptrs);
    w->loc_ptrs = malloc((w->nlocs + 1) * sizeof *w->loc_ptrs);
    w->line_ptrs = malloc((w->nlocs + 1) * sizeof *w->line_ptrs);
    if (!w->func_ptrs || !w->map_ptrs || !w->loc_ptrs || !w->line_ptrs)
        return -1;
    for (size_t i = 0; i < w->nfuncs; i++)
        w->func_ptrs[i] = &w->funcs[i];
    for (size_t i = 0; i < w->nmaps; i++)
        w->map_ptrs[i] = &w->maps[i];
    for (size_t i = 0; i < w->nlocs; i++) {
        w->line_ptrs[i] = &w->lines[i];
        w->loc_ptrs[i] = &w->locs[i];
        w->locs[i].n_line = 1;
        w->locs[i].line = &w->line_ptrs[i];
    }
    p->n_function = w->nfuncs;
    p->function = w->func_ptrs;
    p->n_mapping = w->nmaps;
    p->mapping = w->map_ptrs;
    p->n_location = w->nlocs;
    p->location = w->loc_ptrs;
    p->n_string_table = w->strs.n;
    p->string_table = w->strs.v;
    return 0;
}

static int build_profile(struct writer *w, Pprof__Profile *p)
{
    const struct profile_meta *m = w->m;
    double rate = m != NULL && isfinite(m->rate) && m->rate > 0 ? m->rate : 0;
    int64_t period = rate > 0 ? period_of(rate) : 1;
    size_t nvalues = rate > 0 ? 2 : 1;
    int64_t empty;
    /* The empty string first: pprof requires it at index 0. */
    if (strtab_index(&w->strs, "", &empty) != 0)
        return -1;
    for (int k = 0; k < NLABELS; k++)
        if (strtab_index(&w->strs, label_keys[k], &w->label_key[k]) != 0)
            return -1;
    /* Without idle threads a sample is a thread on a CPU: CPU time. */
    const char *time_type = m != NULL && m->idle ? "wall" : "cpu";
    if (set_type(w, &w->types[0], "samples", "count") != 0 ||
        set_type(w, &w->types[1], time_type, "nanoseconds") != 0 ||
        (rate > 0 ? set_type(w, &w->types[2], "wall", "nanoseconds")
                  : set_type(w, &w->types[2], "samples", "count")) != 0)
        return -1;
    w->type_ptrs[0] = &w->types[0];
    w->type_ptrs[1] = &w->types[1];
    p->n_sample_type = nvalues;
    p->sample_type = w->type_ptrs;
    p->period_type = &w->types[2];
    p->period = period;
    if (m != NULL && m->started > 0)
        p->time_nanos = (int64_t)m->started * 1000000000;
    if (m != NULL && isfinite(m->duration) && m->duration > 0 && m->duration < 9e9)
        p->duration_nanos = (int64_t)nearbyint(m->duration * 1e9);
    if (build_samples(w, period, nvalues, p) != 0 || add_comments(w, p) != 0)
        return -1;
    return link_tables(w, p);
}

static void writer_free(struct writer *w)
{
    free(w->strs.v);
    hindex_free(&w->strs.index);
    free(w->funcs);
    hindex_free(&w->func_index);
    free(w->maps);
    free(w->locs);
    free(w->lines);
    free(w->loc_of);
    free(w->label_of);
    free(w->lead);
    free(w->nloc);
    free(w->nlab);
    free(w->samples);
    free(w->sample_ptrs);
    free(w->loc_ids);
    free(w->labels);
    free(w->label_ptrs);
    free(w->values);
    free(w->func_ptrs);
    free(w->map_ptrs);
    free(w->loc_ptrs);
    free(w->line_ptrs);
}

/* ---- writing: gzip ---------------------------------------------------- */

/* protobuf-c packs into this: staged bytes go through deflate to out. */
struct gz_sink {
    ProtobufCBuffer base; /* first: protobuf-c passes &base to gz_append */
    z_stream z;
    FILE *out;
    int zfailed, iofailed;
    size_t staged;
    unsigned char in[PPROF_CHUNK], buf[PPROF_CHUNK];
};

static void gz_run(struct gz_sink *s, const unsigned char *data, size_t len, int flush)
{
    do {
        /* avail_in is an unsigned int: big blocks go in pieces. */
        size_t piece = len < ((size_t)1 << 30) ? len : (size_t)1 << 30;
        s->z.next_in = data;
        s->z.avail_in = (uInt)piece;
        data += piece;
        len -= piece;
        int mode = len == 0 ? flush : Z_NO_FLUSH;
        do {
            s->z.next_out = s->buf;
            s->z.avail_out = sizeof s->buf;
            if (deflate(&s->z, mode) == Z_STREAM_ERROR) {
                s->zfailed = 1;
                return;
            }
            size_t have = sizeof s->buf - s->z.avail_out;
            if (have > 0 && fwrite(s->buf, 1, have, s->out) != have) {
                s->iofailed = 1;
                return;
            }
        } while (s->z.avail_out == 0);
    } while (len > 0);
}

static void gz_append(ProtobufCBuffer *b, size_t len, const uint8_t *data)
{
    struct gz_sink *s = (struct gz_sink *)b;
    if (len == 0 || s->zfailed || s->iofailed)
        return;
    /* protobuf-c appends a few bytes at a time: deflate them in blocks. */
    if (s->staged + len > sizeof s->in) {
        gz_run(s, s->in, s->staged, Z_NO_FLUSH);
        s->staged = 0;
        if (len > sizeof s->in) {
            gz_run(s, data, len, Z_NO_FLUSH);
            return;
        }
    }
    memcpy(s->in + s->staged, data, len);
    s->staged += len;
}

/* pack_gzip's answer when writing to out failed (-1: out of memory). */
#define PACK_IO_FAILED (-2)

/* Pack p gzipped to out. 0, -1 when out of memory, PACK_IO_FAILED. */
static int pack_gzip(const Pprof__Profile *p, FILE *out)
{
    struct gz_sink *s = calloc(1, sizeof *s);
    if (s == NULL)
        return -1;
    s->base.append = gz_append;
    s->out = out;
    /* windowBits 15 + 16: a gzip wrapper, as pprof files have. */
    if (deflateInit2(&s->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
        Z_OK) {
        free(s);
        return -1;
    }
    pprof__profile__pack_to_buffer(p, &s->base);
    if (!s->zfailed && !s->iofailed)
        gz_run(s, s->in, s->staged, Z_FINISH);
    deflateEnd(&s->z);
    int rc = s->iofailed ? PACK_IO_FAILED : s->zfailed ? -1 : 0;
    free(s);
    return rc;
}

int pprof_write(FILE *out, const struct calltree *t, const struct profile_meta *m,
                struct pt_error *err)
{
    struct writer w = {.t = t, .m = m};
    Pprof__Profile p = PPROF__PROFILE__INIT;

    /* The comments' numbers need '.', whatever LC_NUMERIC the UI chose. */
    locale_t c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    locale_t old = c_locale != (locale_t)0 ? uselocale(c_locale) : (locale_t)0;
    int rc = build_profile(&w, &p);
    if (c_locale != (locale_t)0) {
        uselocale(old);
        freelocale(c_locale);
    }
    errno = 0;
    if (rc == 0)
        rc = pack_gzip(&p, out);
    writer_free(&w);
    if (rc == -1)
        return pt_error_set(err, PT_E_NOMEM, "out of memory while writing the pprof profile");
    if (rc == PACK_IO_FAILED || fflush(out) != 0 || ferror(out)) {
        int e = errno ? errno : EIO; /* errno may be gone since the failed write */
        return pt_error_sys(err, PT_E_IO, e, "cannot write the pprof profile: %s", strerror(e));
    }
    return 0;
}

/* ---- reading ---------------------------------------------------------- */

static int bad(struct pt_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A profile that decodes but does not hold together: PT_E_IO. */
static int bad(struct pt_error *err, const char *fmt, ...)
{
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return pt_error_set(err, PT_E_IO, "bad pprof profile: %s", what);
}

static int nomem(struct pt_error *err)
{
    return pt_error_set(err, PT_E_NOMEM, "out of memory while reading the pprof profile");
}

/* Inflate gzip data (one member or several, as gzip allows) into a
 * malloc'd block *out of *outlen bytes. 0, or -1 with err set. */
static int gunzip(const unsigned char *in, size_t size, unsigned char **out, size_t *outlen,
                  struct pt_error *err)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 15 + 16) != Z_OK)
        return nomem(err);
    unsigned char *buf = NULL;
    size_t cap = 0, len = 0, left = size;
    const unsigned char *next = in;
    int rc = 0;
    for (;;) {
        if (z.avail_in == 0 && left > 0) {
            size_t piece = left < ((size_t)1 << 30) ? left : (size_t)1 << 30;
            z.next_in = next;
            z.avail_in = (uInt)piece;
            next += piece;
            left -= piece;
        }
        if (len == cap) {
            if (cap >= PPROF_MAX_SIZE) {
                rc = pt_error_set(err, PT_E_IO, "pprof profile larger than %zu MiB uncompressed",
                                  PPROF_MAX_SIZE >> 20);
                break;
            }
            size_t ncap = cap ? cap * 2 : size < PPROF_CHUNK / 4 ? PPROF_CHUNK : size * 4;
            if (ncap > PPROF_MAX_SIZE)
                ncap = PPROF_MAX_SIZE;
            unsigned char *nb = realloc(buf, ncap);
            if (nb == NULL) {
                rc = nomem(err);
                break;
            }
            buf = nb;
            cap = ncap;
        }
        size_t room = cap - len < ((size_t)1 << 30) ? cap - len : (size_t)1 << 30;
        z.next_out = buf + len;
        z.avail_out = (uInt)room;
        int zr = inflate(&z, Z_NO_FLUSH);
        len += room - z.avail_out;
        if (zr == Z_STREAM_END) {
            /* The rest of the input starts at next_in (pieces are contiguous). */
            size_t rest = (size_t)(in + size - z.next_in);
            if (rest == 0)
                break;
            if (is_gzip(z.next_in, rest) && inflateReset(&z) == Z_OK)
                continue;
            rc = pt_error_set(err, PT_E_IO, "not a pprof profile: data after its gzip stream");
            break;
        }
        if (zr == Z_MEM_ERROR) {
            rc = nomem(err);
            break;
        }
        if (zr != Z_OK && zr != Z_BUF_ERROR) {
            rc = pt_error_set(err, PT_E_IO, "not a pprof profile: bad gzip data (%s)",
                              z.msg ? z.msg : "cannot inflate");
            break;
        }
        if (z.avail_in == 0 && left == 0 && z.avail_out > 0) {
            rc = pt_error_set(err, PT_E_IO, "not a pprof profile: its gzip data are cut short");
            break;
        }
    }
    inflateEnd(&z);
    if (rc != 0) {
        free(buf);
        return -1;
    }
    *out = buf;
    *outlen = len;
    return 0;
}

struct id_entry {
    uint64_t id;
    uint32_t index;
};

static int cmp_ids(const void *a, const void *b)
{
    uint64_t x = ((const struct id_entry *)a)->id, y = ((const struct id_entry *)b)->id;
    return x < y ? -1 : x > y;
}

/* The index of the entry with id in v (sorted), or -1. */
static long find_id(const struct id_entry *v, size_t n, uint64_t id)
{
    if (id >= 1 && id <= n && v[id - 1].id == id) /* dense ids from 1: the usual case */
        return v[id - 1].index;
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && v[lo].id == id ? (long)v[lo].index : -1;
}

struct reader {
    const Pprof__Profile *p;
    struct calltree *t;
    struct pt_error *err;
    char **str; /* the string table, each NUL-terminated, in arena */
    char *arena;
    struct id_entry *funcs, *locs, *maps; /* sorted by id */
    size_t *loc_first;                    /* location i's frames: pool[loc_first[i]..), */
    size_t *loc_n;                        /* loc_n[i] of them; SIZE_MAX first: not made yet */
    uint32_t *pool;
    size_t npool, pool_cap;
    uint32_t *label_frame[NLABELS]; /* string index -> its label's frame id + 1, 0 not yet */
    uint32_t *stack;
    size_t stack_cap;
    char *text;
    size_t text_cap;
};

static int string_at(struct reader *r, int64_t i, const char *what, const char **s)
{
    *s = "";
    if (i < 0 || (uint64_t)i >= r->p->n_string_table)
        return bad(r->err, "%s is string %" PRId64 ", but the string table has %zu", what, i,
                   r->p->n_string_table);
    *s = r->str[i];
    return 0;
}

/* The string table as C strings (a NUL inside one cuts it there). */
static int load_strings(struct reader *r)
{
    const Pprof__Profile *p = r->p;
    size_t total = 0;
    for (size_t i = 0; i < p->n_string_table; i++)
        total += p->string_table[i].len + 1;
    r->arena = malloc(total);
    r->str = malloc(p->n_string_table * sizeof *r->str);
    if (r->arena == NULL || r->str == NULL)
        return nomem(r->err);
    char *a = r->arena;
    for (size_t i = 0; i < p->n_string_table; i++) {
        size_t len = p->string_table[i].len;
        if (len > 0)
            memcpy(a, p->string_table[i].data, len);
        a[len] = '\0';
        r->str[i] = a;
        a += len + 1;
    }
    return 0;
}

/* Sort the ids of n entries; two entries with one id are an error. */
static int index_ids(struct reader *r, struct id_entry *v, size_t n, const char *what)
{
    qsort(v, n, sizeof *v, cmp_ids);
    for (size_t i = 1; i < n; i++)
        if (v[i].id == v[i - 1].id)
            return bad(r->err, "two %ss have id %" PRIu64, what, v[i].id);
    return 0;
}

static int load_ids(struct reader *r)
{
    const Pprof__Profile *p = r->p;
    r->funcs = malloc((p->n_function + 1) * sizeof *r->funcs);
    r->locs = malloc((p->n_location + 1) * sizeof *r->locs);
    r->maps = malloc((p->n_mapping + 1) * sizeof *r->maps);
    r->loc_first = malloc((p->n_location + 1) * sizeof *r->loc_first);
    r->loc_n = malloc((p->n_location + 1) * sizeof *r->loc_n);
    if (!r->funcs || !r->locs || !r->maps || !r->loc_first || !r->loc_n)
        return nomem(r->err);
    for (size_t i = 0; i < p->n_function; i++)
        r->funcs[i] = (struct id_entry){p->function[i]->id, (uint32_t)i};
    for (size_t i = 0; i < p->n_location; i++) {
        r->locs[i] = (struct id_entry){p->location[i]->id, (uint32_t)i};
        r->loc_first[i] = SIZE_MAX;
    }
    for (size_t i = 0; i < p->n_mapping; i++)
        r->maps[i] = (struct id_entry){p->mapping[i]->id, (uint32_t)i};
    return index_ids(r, r->funcs, p->n_function, "function") != 0 ||
                   index_ids(r, r->locs, p->n_location, "location") != 0 ||
                   index_ids(r, r->maps, p->n_mapping, "mapping") != 0
               ? -1
               : 0;
}

/* The kind of a frame with neither file nor library, from its text: what
 * pytop writes for a task, process or thread frame that is not leading. */
static int kind_of_text(const char *name)
{
    if (strncmp(name, "task ", 5) == 0 && name[5] != '\0')
        return CT_TASK;
    if (strncmp(name, "request ", 8) == 0 && name[8] != '\0')
        return CT_REQUEST;
    if (strncmp(name, "process ", 8) == 0 && name[8] >= '0' && name[8] <= '9')
        return CT_PROCESS;
    if (strncmp(name, "thread ", 7) == 0 && name[7] >= '0' && name[7] <= '9')
        return CT_THREAD;
    return CT_PYTHON;
}

/* The calltree frame of one Line of a location. A function with a source
 * file is a Python frame, unless it has a system name and a mapping and
 * its file is no .py: compiled code with its source (pytop's native
 * frames, C's with debug information); one without a file, in a
 * mapping, a native frame of that library. */
static int line_frame(struct reader *r, const Pprof__Location *loc, const char *module,
                      const Pprof__Line *ln, uint32_t *id)
{
    long fi = find_id(r->funcs, r->p->n_function, ln->function_id);
    if (fi < 0)
        return bad(r->err, "location %" PRIu64 " refers to function %" PRIu64 ", not in the file",
                   loc->id, ln->function_id);
    const Pprof__Function *f = r->p->function[fi];
    const char *name, *sys, *file;
    if (string_at(r, f->name, "a function's name", &name) != 0 ||
        string_at(r, f->system_name, "a function's system name", &sys) != 0 ||
        string_at(r, f->filename, "a function's file", &file) != 0)
        return -1;
    if (name[0] == '\0')
        name = sys[0] != '\0' ? sys : "??";
    int line = ln->line <= 0 ? 0 : ln->line < INT_MAX ? (int)ln->line : INT_MAX;
    int kind = CT_PYTHON;
    const char *src = "";
    if (file[0] == '\0' && module != NULL) {
        kind = CT_NATIVE;
        file = module;
    } else if (module != NULL && module[0] != '\0' && sys[0] != '\0' &&
               (strlen(file) < 3 || strcmp(file + strlen(file) - 3, ".py") != 0)) {
        /* Compiled code with its source (pytop writes a system name for
         * native frames only): the base name of its file, as pytop names
         * a native frame's source. */
        kind = CT_NATIVE;
        src = path_base(file);
        file = module;
    } else if (file[0] == '\0') {
        kind = kind_of_text(name);
    }
    if (calltree_frame_src(r->t, kind, name, file, src, line, id) != 0)
        return nomem(r->err);
    if (f->start_line > 0 && f->start_line <= INT_MAX)
        calltree_set_info(r->t, *id, r->t->frames[*id].origin, (int)f->start_line);
    return 0;
}

/* Make location li's frames (root first: its lines are innermost first,
 * several when calls were inlined) if not made yet. */
static int location_frames(struct reader *r, size_t li)
{
    if (r->loc_first[li] != SIZE_MAX)
        return 0;
    const Pprof__Location *loc = r->p->location[li];
    const char *module = NULL;
    if (loc->mapping_id != 0) {
        long mi = find_id(r->maps, r->p->n_mapping, loc->mapping_id);
        if (mi < 0)
            return bad(r->err,
                       "location %" PRIu64 " refers to mapping %" PRIu64 ", not in the file",
                       loc->id, loc->mapping_id);
        if (string_at(r, r->p->mapping[mi]->filename, "a mapping's file", &module) != 0)
            return -1;
    }
    size_t n = loc->n_line ? loc->n_line : 1;
    if (vec_reserve((void **)&r->pool, &r->pool_cap, sizeof *r->pool, r->npool + n) != 0)
        return nomem(r->err);
    uint32_t *out = r->pool + r->npool;
    if (loc->n_line == 0) {
        /* Not symbolized: its address, in its library. */
        char addr[32];
        snprintf(addr, sizeof addr, "0x%" PRIx64, loc->address);
        if (calltree_frame(r->t, CT_NATIVE, addr, module ? module : "", 0, &out[0]) != 0)
            return nomem(r->err);
    }
    for (size_t k = 0; k < loc->n_line; k++)
        if (line_frame(r, loc, module, loc->line[loc->n_line - 1 - k], &out[k]) != 0)
            return -1;
    r->loc_first[li] = r->npool;
    r->loc_n[li] = n;
    r->npool += n;
    return 0;
}

/* The frame of label k ("process", "thread", "task") with value str. */
static int label_frame(struct reader *r, int k, int64_t str, uint32_t *id)
{
    if (r->label_frame[k] == NULL &&
        (r->label_frame[k] = calloc(r->p->n_string_table, sizeof *r->label_frame[k])) == NULL)
        return nomem(r->err);
    if (r->label_frame[k][str] != 0) {
        *id = r->label_frame[k][str] - 1;
        return 0;
    }
    const char *value = r->str[str];
    size_t plen = strlen(label_prefixes[k]), vlen = strlen(value);
    if (vec_reserve((void **)&r->text, &r->text_cap, 1, plen + vlen + 1) != 0)
        return nomem(r->err);
    memcpy(r->text, label_prefixes[k], plen);
    memcpy(r->text + plen, value, vlen + 1);
    if (calltree_frame(r->t, label_kinds[k], r->text, "", 0, id) != 0)
        return nomem(r->err);
    r->label_frame[k][str] = *id + 1;
    return 0;
}

static int push_frame(struct reader *r, size_t *n, uint32_t id)
{
    if (vec_reserve((void **)&r->stack, &r->stack_cap, sizeof *r->stack, *n + 1) != 0)
        return nomem(r->err);
    r->stack[(*n)++] = id;
    return 0;
}

/* The leading frames of sample si from its labels: the first process,
 * the first thread, then every task in order. */
static int label_frames(struct reader *r, size_t si, size_t *n)
{
    const Pprof__Sample *s = r->p->sample[si];
    int64_t first[NLABELS] = {0, 0, 0};
    for (size_t i = 0; i < s->n_label; i++) {
        const Pprof__Label *lb = s->label[i];
        const char *key, *value;
        if (string_at(r, lb->key, "a label's key", &key) != 0 ||
            string_at(r, lb->str, "a label's value", &value) != 0)
            return -1;
        for (int k = 0; k < NLABELS; k++)
            if (lb->str != 0 && strcmp(key, label_keys[k]) == 0 && first[k] == 0)
                first[k] = lb->str;
    }
    for (int k = 0; k < 2; k++) {
        uint32_t id;
        if (first[k] != 0 && (label_frame(r, k, first[k], &id) != 0 || push_frame(r, n, id)))
            return -1;
    }
    for (size_t i = 0; i < s->n_label; i++) {
        const Pprof__Label *lb = s->label[i];
        uint32_t id;
        if (lb->str != 0 && strcmp(r->str[lb->key], label_keys[2]) == 0 &&
            (label_frame(r, 2, lb->str, &id) != 0 || push_frame(r, n, id) != 0))
            return -1;
    }
    return 0;
}

/* Add sample si (its first value) to the tree; *total counts them. */
static int read_sample(struct reader *r, size_t si, uint64_t *total)
{
    const Pprof__Profile *p = r->p;
    const Pprof__Sample *s = p->sample[si];
    if (s->n_value != p->n_sample_type)
        return bad(r->err, "sample %zu has %zu values for %zu sample types", si + 1, s->n_value,
                   p->n_sample_type);
    if (s->value[0] < 0)
        return bad(r->err, "sample %zu has a negative count", si + 1);
    uint64_t count = (uint64_t)s->value[0];
    if (count == 0) /* counts nothing of the first type: not a stack of it */
        return 0;
    if (*total + count < *total)
        return bad(r->err, "the sample counts add up past 2^64");
    size_t n = 0;
    if (label_frames(r, si, &n) != 0)
        return -1;
    /* Locations are innermost first: the tree wants the root first. */
    for (size_t k = s->n_location_id; k-- > 0;) {
        long li = find_id(r->locs, p->n_location, s->location_id[k]);
        if (li < 0)
            return bad(r->err, "sample %zu refers to location %" PRIu64 ", not in the file", si + 1,
                       s->location_id[k]);
        if (location_frames(r, (size_t)li) != 0)
            return -1;
        for (size_t j = 0; j < r->loc_n[li]; j++)
            if (push_frame(r, &n, r->pool[r->loc_first[li] + j]) != 0)
                return -1;
    }
    if (n > INT_MAX)
        return bad(r->err, "sample %zu is %zu frames deep", si + 1, n);
    if (calltree_add(r->t, r->stack, (int)n, count) != 0)
        return nomem(r->err);
    *total += count;
    return 0;
}

/* What pytop's comments say of the recording (see add_comments); the C
 * locale is in force. Other comments are left alone. */
static void read_comment(const char *c, struct profile_meta *m)
{
    char *end;
    if (strncmp(c, "target: ", 8) == 0) {
        str_copy(m->target, sizeof m->target, c + 8);
    } else if (strncmp(c, "python: ", 8) == 0) {
        str_copy(m->python, sizeof m->python, c + 8);
    } else if (strncmp(c, "rate: ", 6) == 0 && c[6] >= '0' && c[6] <= '9') {
        double rate = strtod(c + 6, &end);
        if (!isfinite(rate) || rate <= 0 || strncmp(end, " Hz requested", 13) != 0)
            return;
        m->rate = rate;
        const char *a = end + 13;
        if (strncmp(a, ", ", 2) == 0 && a[2] >= '0' && a[2] <= '9') {
            double achieved = strtod(a + 2, &end);
            if (isfinite(achieved) && strcmp(end, " Hz achieved") == 0)
                m->achieved = achieved;
        }
    } else if (strncmp(c, "lost: ", 6) == 0 && c[6] >= '0' && c[6] <= '9') {
        errno = 0;
        unsigned long long lost = strtoull(c + 6, &end, 10);
        if (errno == 0 && strcmp(end, " samples") == 0)
            m->lost = lost;
    } else if (strcmp(c, "by function") == 0) {
        m->by_function = 1;
    } else if (strcmp(c, "idle threads kept") == 0) {
        m->idle = 1;
    } else if (strcmp(c, "idle threads left out") == 0) {
        m->idle = 0;
    } else if (strcmp(c, "GIL holder only") == 0) {
        m->gil_only = 1;
    }
}

static int read_meta(struct reader *r, struct profile_meta *m, uint64_t total)
{
    const Pprof__Profile *p = r->p;
    m->samples = total;
    if (p->time_nanos > 0)
        m->started = (time_t)(p->time_nanos / 1000000000);
    if (p->duration_nanos > 0)
        m->duration = (double)p->duration_nanos / 1e9;
    const char *s;
    if (p->period_type != NULL && p->period > 0) {
        if (string_at(r, p->period_type->unit, "the period's unit", &s) != 0)
            return -1;
        if (strcmp(s, "nanoseconds") == 0)
            m->rate = 1e9 / (double)p->period;
    }
    for (size_t i = 0; i < p->n_sample_type; i++) {
        if (string_at(r, p->sample_type[i]->type, "a sample type", &s) != 0)
            return -1;
        if (strcmp(s, "wall") == 0) /* a wall-clock profile kept idle threads */
            m->idle = 1;
    }
    locale_t c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    locale_t old = c_locale != (locale_t)0 ? uselocale(c_locale) : (locale_t)0;
    int rc = 0;
    for (size_t i = 0; i < p->n_comment && rc == 0; i++)
        if ((rc = string_at(r, p->comment[i], "a comment", &s)) == 0)
            read_comment(s, m);
    if (c_locale != (locale_t)0) {
        uselocale(old);
        freelocale(c_locale);
    }
    return rc;
}

static int load(struct reader *r, struct profile_meta *m)
{
    const Pprof__Profile *p = r->p;
    if (p->n_string_table == 0 || p->string_table[0].len != 0)
        return pt_error_set(r->err, PT_E_IO,
                            "not a pprof profile: its string table does not start with \"\"");
    if (p->n_sample_type == 0)
        return bad(r->err, "no sample type");
    if (p->n_sample == 0)
        return pt_error_set(r->err, PT_E_IO, "the pprof profile holds no samples");
    if (load_strings(r) != 0 || load_ids(r) != 0)
        return -1;
    uint64_t total = 0;
    for (size_t i = 0; i < p->n_sample; i++)
        if (read_sample(r, i, &total) != 0)
            return -1;
    if (total == 0)
        return pt_error_set(r->err, PT_E_IO, "the pprof profile holds no samples (all count 0)");
    return m != NULL ? read_meta(r, m, total) : 0;
}

static void reader_free(struct reader *r)
{
    free(r->str);
    free(r->arena);
    free(r->funcs);
    free(r->locs);
    free(r->maps);
    free(r->loc_first);
    free(r->loc_n);
    free(r->pool);
    for (int k = 0; k < NLABELS; k++)
        free(r->label_frame[k]);
    free(r->stack);
    free(r->text);
}

int pprof_read(const void *data, size_t size, struct calltree *t, struct profile_meta *m,
               struct pt_error *err)
{
    if (m != NULL)
        memset(m, 0, sizeof *m);
    if (size == 0)
        return pt_error_set(err, PT_E_IO, "not a pprof profile: the file is empty");
    unsigned char *plain = NULL;
    const uint8_t *bytes = data;
    size_t len = size;
    if (is_gzip(data, size)) {
        if (gunzip(data, size, &plain, &len, err) != 0)
            return -1;
        bytes = plain;
    }
    /* protobuf-c copies what it keeps: the inflated bytes can go. */
    Pprof__Profile *p = pprof__profile__unpack(NULL, len, bytes);
    free(plain);
    if (p == NULL)
        return pt_error_set(err, PT_E_IO,
                            "not a pprof profile: it does not decode as a profile.proto Profile");
    struct reader r = {.p = p, .t = t, .err = err};
    int rc = load(&r, m);
    reader_free(&r);
    pprof__profile__free_unpacked(p, NULL);
    return rc;
}

int pprof_detect(const void *data, size_t size)
{
    if (is_gzip(data, size))
        return 1;
    if (size == 0)
        return 0;
    /* Anything else fails to decode within its first few bytes. */
    Pprof__Profile *p = pprof__profile__unpack(NULL, size, data);
    if (p == NULL)
        return 0;
    int yes = p->n_string_table > 0 && p->string_table[0].len == 0;
    pprof__profile__free_unpacked(p, NULL);
    return yes;
}
