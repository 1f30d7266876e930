/*
 * report/analysis: one walk of the calltree for every share, and the
 * advice. See analysis.h.
 *
 * The walk visits parents before children, so the state of a node (the
 * categories on its path, its innermost categorized frame, whether an
 * event loop or a blocking call is on it) is its parent's plus its own
 * frame: one small record per depth, no second pass.
 */
#include "config.h"
#include "report/analysis.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "modules.h"
#include "util.h"

/* Thresholds of the advice, in percent of all samples. */
#define ADVICE_DATABASE      20.0
#define ADVICE_SERIALIZATION 15.0
#define ADVICE_LOGGING       5.0
#define ADVICE_BLOCKING      2.0
#define ADVICE_REGEX         2.0
#define ADVICE_IMPORTS       2.0
#define ADVICE_GC            5.0

/* What a frame adds to the state of a path. */
enum frame_flag {
    F_WAITS = 1,   /* a function where threads and tasks wait */
    F_BLOCKS = 2,  /* in a module whose calls block the thread */
    F_LOOP = 4,    /* the event loop */
    F_REGEX = 8,   /* re's compiler */
    F_IMPORT = 16, /* the import system */
    F_GC = 32,     /* the garbage collector (a native frame) */
    F_ROOT = 64,   /* a process, thread or task frame: no category */
};

struct frame_info {
    signed char cat;
    unsigned char flags;
};

struct depth_state {
    uint32_t cats;  /* bit per category on the path */
    unsigned flags; /* F_* of the frames on the path */
    int innermost;  /* category of the innermost categorized frame, -1 if none */
    int waits;      /* the innermost frame waits */
};

struct walk {
    const struct calltree *t;
    const struct frame_info *info;
    struct depth_state *st;
    size_t st_cap;
    struct report *r;
    uint64_t regex, imports, gc;
    int failed;
};

double report_pct(uint64_t part, uint64_t total)
{
    return total == 0 ? 0.0 : 100.0 * (double)part / (double)total;
}

static int module_is(const char *file, const char *module)
{
    char m[256];
    module_dotted_name(file, m, sizeof m);
    size_t n = strlen(module);
    return strncmp(m, module, n) == 0 && (m[n] == '\0' || m[n] == '.');
}

static struct frame_info classify(const struct category_table *ct, const struct ct_frame *f)
{
    struct frame_info fi = {(signed char)CAT_APP, 0};
    if (f->kind == CT_PROCESS || f->kind == CT_THREAD || f->kind == CT_TASK ||
        f->kind == CT_REQUEST) {
        fi.cat = -1;
        fi.flags = F_ROOT;
        return fi;
    }
    if (f->kind == CT_NATIVE && f->file[0] == '\0' && strcmp(f->name, CT_OFF_CPU) == 0) {
        fi.cat = -1; /* the frame above says where: this only says it waited */
        fi.flags = F_WAITS;
        return fi;
    }
    fi.cat = (signed char)category_of(ct, f->kind, f->file);
    if (f->kind == CT_NATIVE) {
        if (strstr(f->name, "gc_collect") != NULL || strstr(f->name, "_PyGC_Collect") != NULL)
            fi.flags |= F_GC; /* CPython's collector: gc_collect_main, _PyGC_Collect */
        return fi;
    }
    if (category_waits(ct, f->name, f->file))
        fi.flags |= F_WAITS;
    if (category_blocks(ct, f->file))
        fi.flags |= F_BLOCKS;
    if (fi.cat == CAT_EVENT_LOOP)
        fi.flags |= F_LOOP;
    if (module_is(f->file, "re") || module_is(f->file, "sre_compile") ||
        module_is(f->file, "sre_parse"))
        if (strstr(f->name, "compile") != NULL || module_is(f->file, "re._compiler") ||
            module_is(f->file, "re._parser") || module_is(f->file, "sre_compile") ||
            module_is(f->file, "sre_parse"))
            fi.flags |= F_REGEX;
    if (module_is(f->file, "importlib._bootstrap") ||
        module_is(f->file, "importlib._bootstrap_external"))
        fi.flags |= F_IMPORT;
    return fi;
}

static void visit(void *ctx, const struct calltree *t, uint32_t node, int depth)
{
    struct walk *w = ctx;
    if (w->failed || depth == 0)
        return;
    if (vec_reserve((void **)&w->st, &w->st_cap, sizeof *w->st, (size_t)depth + 1) != 0) {
        w->failed = 1;
        return;
    }
    const struct ct_node *n = &t->nodes[node];
    const struct frame_info *fi = &w->info[n->frame];
    struct depth_state s = depth > 1 ? w->st[depth - 1] : (struct depth_state){0, 0, -1, 0};
    s.flags |= fi->flags & ~(unsigned)F_WAITS;
    s.waits = (fi->flags & F_WAITS) != 0;
    if (fi->cat >= 0) {
        s.cats |= 1u << fi->cat;
        s.innermost = fi->cat;
    }
    w->st[depth] = s;
    if (n->self == 0)
        return;
    struct report *r = w->r;
    /* A stack with no categorized frame (a process or thread frame
     * alone) was in code pytop could not see: native. */
    int own = s.waits ? CAT_WAITING : s.innermost >= 0 ? s.innermost : CAT_NATIVE;
    r->own[own] += n->self;
    uint32_t cats = s.cats | 1u << own;
    for (int c = 0; c < CAT_COUNT; c++)
        if (cats & (1u << c))
            r->total[c] += n->self;
    if ((s.flags & F_LOOP) && (s.flags & F_BLOCKS) && !s.waits)
        r->blocking_loop += n->self;
    if (s.flags & F_REGEX)
        w->regex += n->self;
    if (s.flags & F_IMPORT)
        w->imports += n->self;
    if (s.flags & F_GC)
        w->gc += n->self;
    /* The hottest paths: kept sorted, the fewest samples last. */
    int at = r->npaths;
    while (at > 0 && t->nodes[r->paths[at - 1]].self < n->self)
        at--;
    if (at < REPORT_PATHS) {
        int last = r->npaths < REPORT_PATHS ? r->npaths : REPORT_PATHS - 1;
        memmove(&r->paths[at + 1], &r->paths[at], (size_t)(last - at) * sizeof r->paths[0]);
        r->paths[at] = node;
        if (r->npaths < REPORT_PATHS)
            r->npaths++;
    }
}

/* --- the tables of functions --- */

static int by_self(const void *a, const void *b, void *ctx)
{
    const struct func_stat *v = ctx, *x = &v[*(const size_t *)a], *y = &v[*(const size_t *)b];
    if (x->self != y->self)
        return x->self < y->self ? 1 : -1;
    return strcmp(x->name, y->name);
}

static int by_total(const void *a, const void *b, void *ctx)
{
    const struct func_stat *v = ctx, *x = &v[*(const size_t *)a], *y = &v[*(const size_t *)b];
    if (x->total != y->total)
        return x->total < y->total ? 1 : -1;
    return strcmp(x->name, y->name);
}

static int top_functions(struct report *r, const struct category_table *ct)
{
    size_t n = r->funcs.n;
    size_t *idx = malloc((n + 1) * sizeof *idx);
    if (idx == NULL)
        return -1;
    for (int pass = 0; pass < 2; pass++) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            const struct func_stat *f = &r->funcs.v[i];
            if ((f->kind == CT_PYTHON || f->kind == CT_NATIVE) &&
                (pass == 0 ? f->self > 0 : f->total > 0))
                idx[k++] = i; /* functions only: task frames are in the groups */
        }
        if (k > 1)
            qsort_r(idx, k, sizeof *idx, pass == 0 ? by_self : by_total, r->funcs.v);
        struct report_func *out = pass == 0 ? r->by_own : r->by_total;
        int *count = pass == 0 ? &r->nby_own : &r->nby_total;
        for (*count = 0; (size_t)*count < k && *count < REPORT_TOP; (*count)++) {
            const struct func_stat *f = &r->funcs.v[idx[*count]];
            out[*count] = (struct report_func){f, category_of(ct, f->kind, f->file)};
        }
    }
    free(idx);
    return 0;
}

/* --- processes, threads, tasks --- */

static int collect_groups(struct report *r)
{
    struct funcstats all;
    if (funcstats_compute(r->tree, 0, 1, &all) != 0)
        return -1;
    struct report_group tmp[REPORT_GROUPS + 1];
    int n = 0;
    for (size_t i = 0; i < all.n; i++) {
        const struct func_stat *f = &all.v[i];
        if (f->kind != CT_PROCESS && f->kind != CT_THREAD && f->kind != CT_TASK &&
            f->kind != CT_REQUEST)
            continue;
        /* Insert by total, the largest first; keep the first REPORT_GROUPS. */
        int at = n;
        while (at > 0 && tmp[at - 1].total < f->total)
            at--;
        if (at >= REPORT_GROUPS) {
            r->more_groups++;
            continue;
        }
        if (n == REPORT_GROUPS)
            r->more_groups++;
        int last = n < REPORT_GROUPS ? n : REPORT_GROUPS - 1;
        memmove(&tmp[at + 1], &tmp[at], (size_t)(last - at) * sizeof tmp[0]);
        tmp[at] = (struct report_group){f->name, f->kind, f->total};
        if (n < REPORT_GROUPS)
            n++;
    }
    memcpy(r->groups, tmp, (size_t)n * sizeof tmp[0]);
    r->ngroups = n;
    funcstats_free(&all);
    return 0;
}

/* --- advice --- */

/* "name (file:line)" of the function of category c with the most total
 * samples, or "" when there is none. */
static void hottest_in(const struct report *r, const struct category_table *ct, int c, int blocking,
                       char *out, size_t size)
{
    const struct func_stat *best = NULL;
    for (size_t i = 0; i < r->funcs.n; i++) {
        const struct func_stat *f = &r->funcs.v[i];
        if (f->kind != CT_PYTHON && f->kind != CT_NATIVE)
            continue;
        int fits =
            blocking ? category_blocks(ct, f->file) : (int)category_of(ct, f->kind, f->file) == c;
        if (fits && (best == NULL || f->total > best->total))
            best = f;
    }
    out[0] = '\0';
    if (best != NULL && best->line > 0)
        snprintf(out, size, " Start at %s (%s:%d), in %.1f%% of the samples.", best->name,
                 best->file, best->line, report_pct(best->total, r->samples));
    else if (best != NULL)
        snprintf(out, size, " Start at %s (%s), in %.1f%% of the samples.", best->name,
                 best->file[0] ? best->file : "?", report_pct(best->total, r->samples));
}

static void advise(struct report *r, const char *fmt, double pct, const char *where)
    __attribute__((format(printf, 2, 0)));

static void advise(struct report *r, const char *fmt, double pct, const char *where)
{
    if (r->nadvice == REPORT_ADVICE)
        return;
    char *out = r->advice[r->nadvice++].text;
    int n = snprintf(out, REPORT_TEXT_SIZE, fmt, pct);
    if (n > 0 && n < REPORT_TEXT_SIZE)
        snprintf(out + n, REPORT_TEXT_SIZE - (size_t)n, "%s", where);
}

/* What calls for advice: a share of the samples above a threshold,
 * with what to try and, for a category or the blocking calls, where to
 * start. */
struct advice_rule {
    double threshold; /* percent of all samples */
    int cat;          /* its hottest function is where to start; -1: none */
    int blocking;     /* ... or the hottest blocking call */
    const char *text; /* a printf format of the share */
};

static const struct advice_rule rules[] = {
    {ADVICE_DATABASE, CAT_DATABASE, 0,
     "Database: %.1f%% of the samples are in database code. Many short queries point to an N+1 "
     "pattern (one query per item of a list: load the related rows in one query); one slow "
     "query to a missing index; time spent connecting to a missing connection pool."},
    {ADVICE_SERIALIZATION, CAT_SERIALIZATION, 0,
     "Serialization: %.1f%% of the samples encode or decode data (JSON, pickle, validation). "
     "Try a faster encoder (orjson), no pretty-printing (indent=) in production, and smaller or "
     "fewer objects per response."},
    {ADVICE_LOGGING, CAT_LOGGING, 0,
     "Logging: %.1f%% of the samples are in logging. Raise the level of chatty loggers, pass "
     "arguments (log.debug(\"%%s\", x)) rather than formatting messages that may not be "
     "emitted, and hand records to a QueueHandler."},
    {ADVICE_BLOCKING, -1, 1,
     "Blocking calls on an event loop: %.1f%% of the samples are in a blocking call (a "
     "synchronous HTTP client, database driver or socket) made on an event loop's thread. "
     "While it blocks no other task runs: use an async client, or move the call to a thread "
     "(await asyncio.to_thread(...))."},
    {ADVICE_REGEX, -1, 0,
     "Regular expressions compiled in a hot path: %.1f%% of the samples are in re's compiler. "
     "re's cache holds few patterns: compile each pattern once, at module level (PATTERN = "
     "re.compile(...))."},
    {ADVICE_IMPORTS, -1, 0,
     "Imports in a hot path: %.1f%% of the samples are in the import system. An import inside "
     "a function, or a module imported on demand, pays for its lookup every time: import at "
     "module level."},
    {ADVICE_GC, -1, 0,
     "Garbage collection: %.1f%% of the samples are in CPython's cycle collector. Fewer "
     "short-lived objects in reference cycles help; gc.freeze() after start-up keeps "
     "long-lived objects out of its way."},
};

static void give_advice(struct report *r, const struct category_table *ct, const struct walk *w)
{
    /* The figure of each rule, in the order of rules[]. */
    uint64_t figure[] = {r->total[CAT_DATABASE],
                         r->total[CAT_SERIALIZATION],
                         r->total[CAT_LOGGING],
                         r->blocking_loop,
                         w->regex,
                         w->imports,
                         w->gc};
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        double pct = report_pct(figure[i], r->samples);
        if (pct <= rules[i].threshold)
            continue;
        char where[300] = "";
        if (rules[i].cat >= 0 || rules[i].blocking)
            hottest_in(r, ct, rules[i].cat, rules[i].blocking, where, sizeof where);
        advise(r, rules[i].text, pct, where);
    }
}

int report_compute(const struct calltree *t, const struct category_table *ct, struct report *r)
{
    memset(r, 0, sizeof *r);
    r->tree = t;
    r->samples = t->nodes[0].total;
    struct frame_info *info = malloc(((size_t)t->nframes + 1) * sizeof *info);
    if (info == NULL)
        return -1;
    for (uint32_t f = 0; f < t->nframes; f++)
        info[f] = classify(ct, &t->frames[f]);
    struct walk w = {.t = t, .info = info, .r = r};
    calltree_walk(t, visit, &w);
    free(w.st);
    free(info);
    if (w.failed || funcstats_compute(t, 0, 0, &r->funcs) != 0 || top_functions(r, ct) != 0 ||
        collect_groups(r) != 0) {
        report_free(r);
        return -1;
    }
    give_advice(r, ct, &w);
    return 0;
}

void report_free(struct report *r)
{
    funcstats_free(&r->funcs);
    memset(r, 0, sizeof *r);
}

int report_category_order(const struct report *r, int order[CAT_COUNT])
{
    int n = 0;
    for (int c = 0; c < CAT_COUNT; c++)
        if (r->total[c] > 0)
            order[n++] = c;
    /* Insertion sort: 14 at most, and stable. */
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && r->own[order[j]] > r->own[order[j - 1]]; j--) {
            int x = order[j];
            order[j] = order[j - 1];
            order[j - 1] = x;
        }
    return n;
}

const char report_nothing_stands_out[] =
    "Nothing stands out: no category above its threshold (database 20%, serialization 15%, "
    "logging 5%), no blocking call on an event loop, no regular expression compiled, import or "
    "garbage collection in a hot path.";

int report_path(const struct report *r, int i, const struct ct_frame **frames, int max)
{
    const struct calltree *t = r->tree;
    int n = 0;
    for (uint32_t node = r->paths[i]; node != 0 && n < max; node = t->nodes[node].parent)
        frames[n++] = &t->frames[t->nodes[node].frame];
    for (int a = 0, b = n - 1; a < b; a++, b--) {
        const struct ct_frame *x = frames[a];
        frames[a] = frames[b];
        frames[b] = x;
    }
    return n;
}

int report_request_rows(const struct report_request *q, char label[][16], char value[][400])
{
    int n = 0;
    snprintf(label[n], 16, "Request");
    snprintf(value[n++], 400, "%s %s", q->method, q->path);
    snprintf(label[n], 16, "Endpoint");
    snprintf(value[n++], 400, "%s", q->endpoint);
    snprintf(label[n], 16, "Worker");
    snprintf(value[n++], 400, "PID %d", q->pid);
    time_t t = (time_t)q->started;
    struct tm tm;
    char when[64];
    gmtime_r(&t, &tm);
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(label[n], 16, "Started");
    snprintf(value[n++], 400, "%s.%03d UTC (its first sample)", when,
             (int)((q->started - (double)t) * 1000));
    snprintf(label[n], 16, "Duration");
    snprintf(value[n++], 400,
             "%.0f ms, observed from outside: first to last sample (resolution %.0f ms)",
             q->duration * 1e3, q->period * 1e3);
    snprintf(label[n], 16, "On CPU");
    snprintf(value[n++], 400, "%llu of its %llu samples (%llu waiting)", (unsigned long long)q->cpu,
             (unsigned long long)q->wall, (unsigned long long)(q->wall - q->cpu));
    return n;
}
