/*
 * output/collapsed: folded stacks out of and back into a calltree. See
 * collapsed.h for the format.
 *
 * Writing formats each frame once, then walks the tree depth first,
 * keeping the text of the path from the root to the current node in one
 * buffer: a node appends its frame's text to its parent's prefix, so the
 * work is linear in the size of the output, whatever the depth.
 */
#include "config.h"
#include "output/collapsed.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "util.h"

/* The text of the current path, and where each depth's frame ends in it. */
struct path {
    char *buf;
    size_t len, cap;
    size_t *ends; /* ends[d]: length of the path down to depth d */
    size_t nends;
};

static int path_reserve(struct path *p, size_t more)
{
    return vec_reserve((void **)&p->buf, &p->cap, 1, p->len + more);
}

static int path_append(struct path *p, const char *s, size_t n)
{
    if (path_reserve(p, n) != 0)
        return -1;
    memcpy(p->buf + p->len, s, n);
    p->len += n;
    return 0;
}

/* Append s with ';' turned into ':' and line breaks into spaces. */
static int path_append_clean(struct path *p, const char *s)
{
    size_t n = strlen(s);
    if (path_reserve(p, n) != 0)
        return -1;
    char *d = p->buf + p->len;
    memcpy(d, s, n);
    for (const char *c = s; (c = strpbrk(c, ";\n\r")) != NULL; c++)
        d[c - s] = *c == ';' ? ':' : ' ';
    p->len += n;
    return 0;
}

/* The decimal digits of v at the end of a 21-byte buffer; returns the
 * first digit. */
static char *format_u64(uint64_t v, char end[static 21])
{
    char *s = end + 20;
    *s = '\0';
    do {
        *--s = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return s;
}

static int path_append_u64(struct path *p, uint64_t v)
{
    char digits[21];
    char *s = format_u64(v, digits);
    return path_append(p, s, (size_t)(digits + 20 - s));
}

/* "name (where)" as calltree_where writes it: "deflate (libz.so.1)",
 * "deflate (deflate.c:1012, libz.so.1)", "handle (app.py:12)". */
static int path_append_frame(struct path *p, const struct ct_frame *f)
{
    if (path_append_clean(p, f->name) != 0)
        return -1;
    char where[8192];
    calltree_where(f->kind, f->file, f->src, f->line, where, sizeof where);
    if (where[0] == '\0')
        return 0;
    return path_append(p, " (", 2) != 0 || path_append_clean(p, where) != 0 ||
                   path_append(p, ")", 1) != 0
               ? -1
               : 0;
}

struct writer {
    FILE *out;
    struct path path;
    struct path texts; /* every frame's text, one after the other */
    size_t *text_end;  /* frame f's text is texts.buf[text_end[f]..text_end[f + 1]) */
    int nomem;
};

/* Format every frame once, so a node costs one copy of its frame's text. */
static int format_frames(struct writer *w, const struct calltree *t)
{
    w->text_end = malloc(((size_t)t->nframes + 1) * sizeof *w->text_end);
    if (w->text_end == NULL)
        return -1;
    w->text_end[0] = 0;
    for (uint32_t f = 0; f < t->nframes; f++) {
        if (path_append_frame(&w->texts, &t->frames[f]) != 0)
            return -1;
        w->text_end[f + 1] = w->texts.len;
    }
    return 0;
}

static void write_node(void *ctx, const struct calltree *t, uint32_t node, int depth)
{
    struct writer *w = ctx;
    struct path *p = &w->path;
    if (w->nomem || depth == 0)
        return;
    size_t d = (size_t)depth;
    if (vec_reserve((void **)&p->ends, &p->nends, sizeof *p->ends, d + 1) != 0) {
        w->nomem = 1;
        return;
    }
    p->ends[0] = 0;
    p->len = p->ends[d - 1];
    const struct ct_node *nd = &t->nodes[node];
    size_t from = w->text_end[nd->frame], to = w->text_end[nd->frame + 1];
    if ((d > 1 && path_append(p, ";", 1) != 0) ||
        path_append(p, w->texts.buf + from, to - from) != 0) {
        w->nomem = 1;
        return;
    }
    p->ends[d] = p->len;
    if (nd->self == 0)
        return;
    /* The count goes after the path, then the path is cut back. */
    if (path_append(p, " ", 1) != 0 || path_append_u64(p, nd->self) != 0 ||
        path_append(p, "\n", 1) != 0) {
        w->nomem = 1;
        return;
    }
    fwrite(p->buf, 1, p->len, w->out);
}

int collapsed_write(FILE *out, const struct calltree *t, struct pt_error *err)
{
    struct writer w = {.out = out};
    if (format_frames(&w, t) != 0)
        w.nomem = 1;
    else
        calltree_walk(t, write_node, &w);
    free(w.path.buf);
    free(w.path.ends);
    free(w.texts.buf);
    free(w.text_end);
    if (w.nomem)
        return pt_error_set(err, PT_E_NOMEM, "out of memory while writing folded stacks");
    if (fflush(out) != 0 || ferror(out)) {
        int e = errno ? errno : EIO; /* errno may be gone since the failed write */
        return pt_error_sys(err, PT_E_IO, e, "cannot write the folded stacks: %s", strerror(e));
    }
    return 0;
}

/* ---- reading ---------------------------------------------------------- */

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* "WORD N" or "WORD N (...)": a process or thread frame. */
static int is_tagged(const char *s, const char *word)
{
    size_t w = strlen(word);
    if (strncmp(s, word, w) != 0 || s[w] != ' ' || !is_digit(s[w + 1]))
        return 0;
    s += w + 1;
    while (is_digit(*s))
        s++;
    return *s == '\0' || (s[0] == ' ' && s[1] == '(' && s[strlen(s) - 1] == ')');
}

/* Split "name (file:N)" in place into name, file and line. The '(' that
 * opens the file is the one matching the final ')' when it follows a
 * space (paths and names may hold parentheses), else the first " (".
 * 0 when s has that shape, -1 when it does not (s is left untouched). */
static int split_python(char *s, const char **name, const char **file, int *line)
{
    size_t len = strlen(s);
    if (len < 5 || s[len - 1] != ')')
        return -1;
    size_t colon = len - 1;
    while (colon > 0 && is_digit(s[colon - 1]))
        colon--;
    if (colon == len - 1 || colon == 0 || s[colon - 1] != ':' || s[colon] == '0')
        return -1;
    long v = 0;
    for (size_t i = colon; i < len - 1; i++) {
        v = v * 10 + (s[i] - '0');
        if (v > INT_MAX)
            return -1;
    }
    colon--; /* now at ':' */

    size_t open = SIZE_MAX;
    int depth = 0;
    for (size_t i = colon; i-- > 0;) {
        if (s[i] == ')') {
            depth++;
        } else if (s[i] == '(' && depth-- == 0) {
            if (i > 0 && s[i - 1] == ' ')
                open = i;
            break;
        }
    }
    if (open == SIZE_MAX) {
        char *first = strstr(s, " (");
        if (first == NULL || (size_t)(first - s) + 1 >= colon)
            return -1;
        open = (size_t)(first - s) + 1;
    }
    s[open - 1] = '\0';
    s[colon] = '\0';
    *name = s;
    *file = s + open + 1;
    *line = (int)v;
    return 0;
}

/* Split a native frame "name (module)" or, with its source,
 * "name (src:line, module)" / "name (src, module)" in place: the module
 * has no line, is not a Python file ("x.py") or a pseudo-file
 * ("<string>"), and looks like a library ("libz.so.1"), the interpreter
 * ("python3.11") or "[vdso]". 0 when s has that shape (*src "" and *line
 * 0 without a source), -1 when it does not (s is left untouched). */
static int split_native(char *s, const char **name, const char **file, const char **src, int *line)
{
    size_t len = strlen(s);
    char *open = len > 4 && s[len - 1] == ')' ? strrchr(s, '(') : NULL;
    if (open == NULL || open == s || open[-1] != ' ')
        return -1;
    char *inner = open + 1, *end = s + len - 1;
    char *comma = NULL;
    for (char *c = inner; c + 1 < end; c++)
        if (c[0] == ',' && c[1] == ' ')
            comma = c;
    char *mod = comma != NULL ? comma + 2 : inner;
    size_t mlen = (size_t)(end - mod);
    if (mlen == 0 || mod[0] == '<' || (comma != NULL && comma == inner))
        return -1;
    if (mlen >= 3 && memcmp(end - 3, ".py", 3) == 0)
        return -1;
    if (memchr(mod, ':', mlen) != NULL || memchr(mod, '/', mlen) != NULL)
        return -1;
    /* What pytop writes as a module: a library, the interpreter, [vdso]. */
    char module[256];
    if (mlen >= sizeof module)
        return -1;
    memcpy(module, mod, mlen);
    module[mlen] = '\0';
    if (strstr(module, ".so") == NULL && strncmp(module, "python", 6) != 0 && module[0] != '[')
        return -1;
    /* The source: "deflate.c:1012" or "deflate.c". */
    int n = 0;
    char *colon = NULL;
    if (comma != NULL) {
        char *c = comma;
        while (c > inner && is_digit(c[-1]))
            c--;
        if (c < comma && c - 1 > inner && c[-1] == ':' && c[0] != '0' && comma - c <= 9) {
            colon = c - 1;
            for (; c < comma; c++)
                n = n * 10 + (*c - '0');
        }
    }
    open[-1] = '\0';
    *end = '\0';
    *name = s;
    *file = mod;
    *src = "";
    *line = 0;
    if (comma != NULL) {
        *comma = '\0';
        if (colon != NULL)
            *colon = '\0';
        *src = inner;
        *line = n;
    }
    return 0;
}

struct ids {
    uint32_t *v;
    size_t n, cap;
};

static int ids_push(struct ids *ids, uint32_t id)
{
    if (vec_reserve((void **)&ids->v, &ids->cap, sizeof *ids->v, ids->n + 1) != 0)
        return -1;
    ids->v[ids->n++] = id;
    return 0;
}

/* Whether s is all digits (and not empty). */
static int all_digits(const char *s)
{
    if (*s == '\0')
        return 0;
    while (is_digit(*s))
        s++;
    return *s == '\0';
}

/* Does text look like a Python source file: "x.py", "<stdin>",
 * "<frozen runpy>"? */
static int looks_like_source(const char *text, size_t n)
{
    return (n > 3 && memcmp(text + n - 3, ".py", 3) == 0) ||
           (n > 2 && text[0] == '<' && text[n - 1] == '>');
}

/* Other tools' frames of a process, a thread or a task, rewritten in
 * place as pytop writes them ("process 42", "thread 7", "task NAME"):
 * austin's "P42" and "T0:7", Tachyon's "tid:7" and "<task>:NAME:0",
 * py-spy's 'process 42:"cmd"' and "thread (0x7F...)". *kind is set;
 * 0 if text is one of them. out holds the rewritten text. */
static int foreign_root(const char *text, int first, char *out, size_t size, int *kind)
{
    const char *colon;
    if (first && text[0] == 'P' && all_digits(text + 1)) {
        snprintf(out, size, "process %s", text + 1);
        *kind = CT_PROCESS;
        return 0;
    }
    if (text[0] == 'T' && (colon = strchr(text, ':')) != NULL && all_digits(colon + 1)) {
        snprintf(out, size, "thread %s", colon + 1); /* austin: T<interpreter>:<tid> */
        *kind = CT_THREAD;
        return 0;
    }
    if (strncmp(text, "tid:", 4) == 0 && all_digits(text + 4)) {
        snprintf(out, size, "thread %s", text + 4);
        *kind = CT_THREAD;
        return 0;
    }
    if (strncmp(text, "<task>:", 7) == 0 && (colon = strrchr(text, ':')) > text + 7) {
        snprintf(out, size, "task %.*s", (int)(colon - text - 7), text + 7);
        *kind = CT_TASK;
        return 0;
    }
    if (strncmp(text, "process ", 8) == 0 && is_digit(text[8])) {
        const char *p = text + 8;
        while (is_digit(*p))
            p++;
        if (p[0] == ':' && p[1] == '"') { /* py-spy: process N:"command line" */
            const char *end = strrchr(p + 2, '"');
            int n = end ? (int)(end - p - 2) : (int)strlen(p + 2);
            snprintf(out, size, "process %.*s (%.*s)", (int)(p - text - 8), text + 8, n, p + 2);
            *kind = CT_PROCESS;
            return 0;
        }
    }
    if (strncmp(text, "thread (", 8) == 0 && strchr(text, ')') != NULL) {
        snprintf(out, size, "thread %.*s", (int)(strchr(text, ')') - text - 8), text + 8);
        *kind = CT_THREAD; /* py-spy --threads */
        return 0;
    }
    return -1;
}

/* austin's and Tachyon's Python frame, "file:function:line" (the file may
 * hold colons, the function and line do not), split in place. 0 when s
 * has that shape. */
static int split_file_first(char *s, const char **name, const char **file, int *line)
{
    char *last = strrchr(s, ':');
    if (last == NULL || !all_digits(last + 1) || strlen(last + 1) > 9)
        return -1;
    *last = '\0';
    char *mid = strrchr(s, ':');
    if (mid == NULL || mid == s || mid[1] == '\0' || !looks_like_source(s, (size_t)(mid - s))) {
        *last = ':';
        return -1;
    }
    *mid = '\0';
    *name = mid + 1;
    *file = s;
    *line = atoi(last + 1);
    return 0;
}

/* "name (file.py)": a Python frame without its line (py-spy without line
 * numbers, pytop by function before it wrote lines). */
static int split_python_noline(char *s, const char **name, const char **file)
{
    size_t len = strlen(s);
    char *open = len > 5 && s[len - 1] == ')' ? strrchr(s, '(') : NULL;
    if (open == NULL || open == s || open[-1] != ' ' ||
        !looks_like_source(open + 1, (size_t)(s + len - 1 - (open + 1))))
        return -1;
    open[-1] = '\0';
    s[len - 1] = '\0';
    *name = s;
    *file = open + 1;
    return 0;
}

/* Intern the next frame of a line (ids holds the ones before it). */
static int read_frame(struct calltree *t, char *text, struct ids *ids, int *prev_kind)
{
    const char *name = text, *file = "", *src = "";
    int line = 0, kind = CT_PYTHON;
    char root[512];
    /* pytop's roots: a request, then a process, then a thread, each
     * optional. */
    int first = ids->n == 0;
    int after_request = ids->n == 1 && *prev_kind == CT_REQUEST;
    int leading =
        first || *prev_kind == CT_PROCESS || *prev_kind == CT_THREAD || *prev_kind == CT_REQUEST;
    if (first && strncmp(text, "request ", 8) == 0 && text[8] != '\0')
        kind = CT_REQUEST;
    else if ((first || after_request) && is_tagged(text, "process"))
        kind = CT_PROCESS;
    else if ((first || after_request || *prev_kind == CT_PROCESS) && ids->n <= 2 &&
             is_tagged(text, "thread"))
        kind = CT_THREAD;
    else if (split_python(text, &name, &file, &line) == 0)
        kind = CT_PYTHON;
    else if (split_native(text, &name, &file, &src, &line) == 0)
        kind = CT_NATIVE;
    else if (strncmp(text, "task ", 5) == 0 && text[5] != '\0')
        kind = CT_TASK; /* pytop --async: "task NAME" */
    else if (foreign_root(text, ids->n == 0, root, sizeof root, &kind) == 0 &&
             (leading || kind == CT_TASK))
        name = root;
    else if (split_file_first(text, &name, &file, &line) == 0 ||
             split_python_noline(text, &name, &file) == 0)
        kind = CT_PYTHON;
    else
        kind = CT_PYTHON, name = text;
    uint32_t id;
    if (calltree_frame_src(t, kind, name, file, src, line, &id) != 0 || ids_push(ids, id) != 0)
        return -1;
    *prev_kind = kind;
    return 0;
}

static int malformed(struct pt_error *err, unsigned long lineno, const char *why)
{
    return pt_error_set(err, PT_E_IO,
                        "folded stacks, line %lu: %s (expected \"frame;frame;... COUNT\")", lineno,
                        why);
}

static int read_line(struct calltree *t, char *line, size_t n, unsigned long lineno,
                     struct ids *ids, struct pt_error *err)
{
    if (memchr(line, '\0', n) != NULL)
        return malformed(err, lineno, "a NUL byte");
    while (n > 0 && is_blank(line[n - 1]))
        n--;
    line[n] = '\0';
    size_t lead = 0;
    while (lead < n && is_blank(line[lead]))
        lead++;
    if (lead == n || line[0] == '#')
        return 0;

    size_t c = n;
    while (c > 0 && !is_blank(line[c - 1]))
        c--;
    if (c == 0)
        return malformed(err, lineno, "no sample count at the end");
    uint64_t count = 0;
    for (size_t i = c; i < n; i++) {
        if (!is_digit(line[i]))
            return malformed(err, lineno,
                             line[i] == '.' && i > c ? "a fractional sample count"
                                                     : "no sample count at the end");
        unsigned d = (unsigned)(line[i] - '0');
        if (count > (UINT64_MAX - d) / 10)
            return malformed(err, lineno, "a sample count too large");
        count = count * 10 + d;
    }
    if (c == 1)
        return malformed(err, lineno, "no frames before the count");
    line[c - 1] = '\0';

    ids->n = 0;
    int prev_kind = -1;
    for (char *s = line;;) {
        char *semi = strchr(s, ';');
        if (semi != NULL)
            *semi = '\0';
        if (read_frame(t, s, ids, &prev_kind) != 0)
            return pt_error_set(err, PT_E_NOMEM, "out of memory while reading folded stacks");
        if (semi == NULL)
            break;
        s = semi + 1;
    }
    if (ids->n > INT_MAX)
        return malformed(err, lineno, "too many frames");
    if (calltree_add(t, ids->v, (int)ids->n, count) != 0)
        return pt_error_set(err, PT_E_NOMEM, "out of memory while reading folded stacks");
    return 0;
}

int collapsed_read(FILE *in, struct calltree *t, struct pt_error *err)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    unsigned long lineno = 0;
    struct ids ids = {0};
    int rc = 0;

    errno = 0;
    while ((n = getline(&line, &cap, in)) >= 0) {
        if (read_line(t, line, (size_t)n, ++lineno, &ids, err) != 0) {
            rc = -1;
            break;
        }
        errno = 0;
    }
    if (rc == 0 && !feof(in)) {
        if (errno == ENOMEM)
            rc = pt_error_set(err, PT_E_NOMEM, "out of memory while reading folded stacks");
        else
            rc = pt_error_sys(err, PT_E_IO, errno, "cannot read the folded stacks: %s",
                              strerror(errno));
    }
    free(line);
    free(ids.v);
    return rc;
}
