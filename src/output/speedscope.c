/*
 * output/speedscope: a calltree as speedscope JSON. See speedscope.h.
 *
 * One pass numbers the frames that carry samples (in node order, so the
 * same tree gives the same file), then each profile is a depth-first walk
 * that keeps the indices of the path from the profile's root in one
 * buffer: a stack with self samples is written as that buffer, so the
 * work is linear in the output however deep the stacks are. Numbers are
 * formatted in the C locale whatever locale the UI set: JSON wants '.'.
 */
#include "config.h"
#include "output/speedscope.h"
#include "util.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SPEEDSCOPE_SCHEMA "https://www.speedscope.app/file-format-schema.json"

/* ---- JSON values ------------------------------------------------------ */

/* The length n of the UTF-8 sequence at s if it is valid (no overlongs,
 * surrogates or code points past U+10FFFF), else -k: the k >= 1 bytes of
 * its longest valid beginning, which become one U+FFFD (the "maximal
 * subpart" practice of Unicode, as browsers and Python decode). */
static int utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    unsigned lo = 0x80, hi = 0xbf;
    int n;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        if (c == 0xe0)
            lo = 0xa0;
        else if (c == 0xed)
            hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;
    } else {
        return -1;
    }
    if (s[1] < lo || s[1] > hi)
        return -1;
    for (int i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xbf)
            return -i;
    return n;
}

static void json_string(FILE *out, const char *str)
{
    const unsigned char *s = (const unsigned char *)str, *run = s;
    putc('"', out);
    while (*s) {
        unsigned c = *s;
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            s++;
            continue;
        }
        int n = c >= 0x80 ? utf8_len(s) : -1;
        if (n > 0) {
            s += n;
            continue;
        }
        fwrite(run, 1, (size_t)(s - run), out);
        if (c == '"')
            fputs("\\\"", out);
        else if (c == '\\')
            fputs("\\\\", out);
        else if (c == '\n')
            fputs("\\n", out);
        else if (c == '\t')
            fputs("\\t", out);
        else if (c == '\r')
            fputs("\\r", out);
        else if (c < 0x20)
            fprintf(out, "\\u%04x", c);
        else
            fputs("\xef\xbf\xbd", out); /* U+FFFD for bytes that are not UTF-8 */
        s += -n;
        run = s;
    }
    fwrite(run, 1, (size_t)(s - run), out);
    putc('"', out);
}

/* The shortest of %.15g and %.17g that reads back as v. */
static void json_number(FILE *out, double v)
{
    char s[40];
    snprintf(s, sizeof s, "%.15g", v);
    if (strtod(s, NULL) != v)
        snprintf(s, sizeof s, "%.17g", v);
    fputs(s, out);
}

/* ---- the writer ------------------------------------------------------- */

struct profile {
    uint32_t root; /* its samples are the stacks below this node */
    const char *name;
    int skip_processes; /* leave out the process subtrees of the root */
    uint64_t total;     /* samples in it */
};

struct writer {
    FILE *out;
    const struct calltree *t;
    double rate;     /* > 0: weights in seconds, count / rate */
    uint32_t *index; /* frame id -> its index in shared.frames */
    char *path;      /* indices of the path from the profile root: "0,4,7" */
    size_t len, cap;
    size_t *ends; /* ends[d]: length of path down to depth d */
    size_t nends;
    uint32_t *leaves; /* nodes with self samples, in the order written */
    size_t nleaves, leaves_cap;
};

/* Number the frames that carry samples, in node order. Returns how many,
 * or -1 when out of memory. */
static long index_frames(struct writer *w)
{
    const struct calltree *t = w->t;
    w->index = malloc(((size_t)t->nframes + 1) * sizeof *w->index);
    if (w->index == NULL)
        return -1;
    for (uint32_t f = 0; f < t->nframes; f++)
        w->index[f] = CT_NONE;
    uint32_t next = 0;
    for (uint32_t n = 1; n < t->nnodes; n++) {
        uint32_t f = t->nodes[n].frame;
        if (t->nodes[n].total > 0 && w->index[f] == CT_NONE)
            w->index[f] = next++;
    }
    return next;
}

static int write_frames(struct writer *w, long nused)
{
    const struct calltree *t = w->t;
    /* shared.frames in index order: the inverse of index. */
    uint32_t *order = malloc(((size_t)nused + 1) * sizeof *order);
    if (order == NULL)
        return -1;
    for (uint32_t f = 0; f < t->nframes; f++)
        if (w->index[f] != CT_NONE)
            order[w->index[f]] = f;
    fputs("\"shared\":{\"frames\":[", w->out);
    for (long k = 0; k < nused; k++) {
        const struct ct_frame *f = &t->frames[order[k]];
        fputs(k ? ",\n{\"name\":" : "\n{\"name\":", w->out);
        json_string(w->out, f->name);
        if (f->src[0] != '\0') {
            /* A native frame's source where speedscope shows a file, its
             * library in a key of pytop's (readers ignore what they do not
             * know). */
            fputs(",\"file\":", w->out);
            json_string(w->out, f->src);
            fputs(",\"library\":", w->out);
            json_string(w->out, f->file);
        } else if (f->file[0] != '\0') {
            fputs(",\"file\":", w->out);
            json_string(w->out, f->file);
        }
        if (f->line > 0)
            fprintf(w->out, ",\"line\":%d", f->line);
        putc('}', w->out);
    }
    fputs("\n]},\n", w->out);
    free(order);
    return 0;
}

static void write_value(struct writer *w, uint64_t count)
{
    if (w->rate > 0)
        json_number(w->out, (double)count / w->rate);
    else
        fprintf(w->out, "%llu", (unsigned long long)count);
}

/* Put node on the path at depth, and write its stack if it has self
 * samples. 0, or -1 when out of memory. */
static int visit(struct writer *w, uint32_t node, size_t depth)
{
    const struct ct_node *nd = &w->t->nodes[node];
    if (vec_reserve((void **)&w->ends, &w->nends, sizeof *w->ends, depth + 1) != 0)
        return -1;
    w->ends[0] = 0;
    if (depth > 0) {
        w->len = w->ends[depth - 1];
        if (vec_reserve((void **)&w->path, &w->cap, 1, w->len + 11) != 0)
            return -1;
        if (depth > 1)
            w->path[w->len++] = ',';
        /* The digits of the frame's index, by hand: this runs per node. */
        char digits[10], *d = digits + sizeof digits;
        uint32_t v = w->index[nd->frame];
        do {
            *--d = (char)('0' + v % 10);
            v /= 10;
        } while (v);
        size_t n = (size_t)(digits + sizeof digits - d);
        memcpy(w->path + w->len, d, n);
        w->len += n;
        w->ends[depth] = w->len;
    }
    if (nd->self == 0)
        return 0;
    if (vec_reserve((void **)&w->leaves, &w->leaves_cap, sizeof *w->leaves, w->nleaves + 1) != 0)
        return -1;
    fputs(w->nleaves ? ",\n[" : "\n[", w->out);
    if (depth > 0) /* the root's own samples are an empty stack */
        fwrite(w->path, 1, w->len, w->out);
    putc(']', w->out);
    w->leaves[w->nleaves++] = node;
    return 0;
}

/* Whether the walk goes into node: not when no sample passes through it,
 * nor into a process of the root when the profile leaves them out. */
static int kept(const struct writer *w, const struct profile *p, uint32_t node, size_t depth)
{
    const struct ct_node *nd = &w->t->nodes[node];
    if (nd->total == 0)
        return 0;
    return depth != 1 || !p->skip_processes || w->t->frames[nd->frame].kind != CT_PROCESS;
}

/* The next kept sibling of node (at depth), or CT_NONE. */
static uint32_t next_kept(const struct writer *w, const struct profile *p, uint32_t node,
                          size_t depth)
{
    while (node != CT_NONE && !kept(w, p, node, depth))
        node = w->t->nodes[node].sibling;
    return node;
}

/* Depth first from the profile's root, children in tree order. */
static int write_samples(struct writer *w, const struct profile *p)
{
    const struct ct_node *nodes = w->t->nodes;
    uint32_t node = p->root;
    size_t depth = 0;
    w->nleaves = 0;
    fputs("\"samples\":[", w->out);
    for (;;) {
        if (visit(w, node, depth) != 0)
            return -1;
        uint32_t c = next_kept(w, p, nodes[node].child, depth + 1);
        if (c != CT_NONE) {
            node = c;
            depth++;
            continue;
        }
        for (; depth > 0; depth--) {
            uint32_t s = next_kept(w, p, nodes[node].sibling, depth);
            if (s != CT_NONE) {
                node = s;
                break;
            }
            node = nodes[node].parent;
        }
        if (depth == 0)
            break;
    }
    fputs("\n],\n", w->out);
    return 0;
}

static int write_profile(struct writer *w, const struct profile *p, int first)
{
    fputs(first ? "{\"type\":\"sampled\",\"name\":" : ",\n{\"type\":\"sampled\",\"name\":", w->out);
    json_string(w->out, p->name);
    fprintf(w->out,
            ",\"unit\":\"%s\",\"startValue\":0,\"endValue\":", w->rate > 0 ? "seconds" : "none");
    write_value(w, p->total);
    fputs(",\n", w->out);
    if (write_samples(w, p) != 0)
        return -1;
    fputs("\"weights\":[", w->out);
    for (size_t i = 0; i < w->nleaves; i++) {
        if (i)
            putc(',', w->out);
        write_value(w, w->t->nodes[w->leaves[i]].self);
    }
    fputs("]}", w->out);
    return 0;
}

/* One profile per process when there are several, else one in all. */
static int plan_profiles(const struct calltree *t, const char *name, struct profile **out,
                         size_t *n)
{
    size_t nproc = 0;
    uint64_t in_processes = 0;
    for (uint32_t c = t->nodes[0].child; c != CT_NONE; c = t->nodes[c].sibling)
        if (t->frames[t->nodes[c].frame].kind == CT_PROCESS) {
            nproc++;
            in_processes += t->nodes[c].total;
        }
    struct profile *p = calloc(nproc + 1, sizeof *p);
    if (p == NULL)
        return -1;
    *out = p;
    if (nproc < 2) {
        p[0] = (struct profile){0, name, 0, t->nodes[0].total};
        *n = 1;
        return 0;
    }
    size_t k = 0;
    for (uint32_t c = t->nodes[0].child; c != CT_NONE; c = t->nodes[c].sibling)
        if (t->frames[t->nodes[c].frame].kind == CT_PROCESS)
            p[k++] = (struct profile){c, t->frames[t->nodes[c].frame].name, 0, t->nodes[c].total};
    if (t->nodes[0].total > in_processes)
        p[k++] =
            (struct profile){0, "samples outside any process", 1, t->nodes[0].total - in_processes};
    *n = k;
    return 0;
}

static int write_all(struct writer *w, const struct profile_meta *m)
{
    const char *name = m != NULL && m->target[0] != '\0' ? m->target : "pytop profile";
    long nused = index_frames(w);
    if (nused < 0)
        return -1;

    fputs("{\"$schema\":\"" SPEEDSCOPE_SCHEMA "\",\n\"name\":", w->out);
    json_string(w->out, name);
    fputs(",\n\"activeProfileIndex\":0,\n\"exporter\":\"pytop " PACKAGE_VERSION "\",\n", w->out);
    if (write_frames(w, nused) != 0)
        return -1;

    struct profile *profiles;
    size_t nprofiles;
    if (plan_profiles(w->t, name, &profiles, &nprofiles) != 0)
        return -1;
    fputs("\"profiles\":[\n", w->out);
    for (size_t i = 0; i < nprofiles; i++) {
        if (write_profile(w, &profiles[i], i == 0) != 0) {
            free(profiles);
            return -1;
        }
    }
    fputs("\n]}\n", w->out);
    free(profiles);
    return 0;
}

int speedscope_write(FILE *out, const struct calltree *t, const struct profile_meta *m,
                     struct pt_error *err)
{
    struct writer w = {.out = out, .t = t};
    if (m != NULL && isfinite(m->rate) && m->rate > 0)
        w.rate = m->rate;

    /* JSON numbers need '.', whatever LC_NUMERIC the UI chose. */
    locale_t c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    locale_t old = c_locale != (locale_t)0 ? uselocale(c_locale) : (locale_t)0;
    int rc = write_all(&w, m);
    if (c_locale != (locale_t)0) {
        uselocale(old);
        freelocale(c_locale);
    }

    free(w.index);
    free(w.path);
    free(w.ends);
    free(w.leaves);
    if (rc != 0)
        return pt_error_set(err, PT_E_NOMEM, "out of memory while writing the speedscope profile");
    if (fflush(out) != 0 || ferror(out)) {
        int e = errno ? errno : EIO; /* errno may be gone since the failed write */
        return pt_error_sys(err, PT_E_IO, e, "cannot write the speedscope profile: %s",
                            strerror(e));
    }
    return 0;
}
