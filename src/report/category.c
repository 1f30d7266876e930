/*
 * report/category: the table of modules and its lookups. See category.h.
 *
 * The table is a sorted array of (module, category), searched once per
 * prefix of a frame's module, longest first: a few hundred entries and a
 * lookup per distinct frame of a profile, not per sample. The built-in
 * lines are data/categories itself, made a C string at build time
 * (categories.inc), so the binary needs no file at run time.
 */
#include "config.h"
#include "report/category.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calltree.h"
#include "modules.h"
#include "util.h"

static const char builtin_lines[] =
#include "src/report/categories.inc"
    ;

#define MODULE_MAX 256

struct module_entry {
    char *module;
    enum category cat;
    unsigned order; /* the later of two entries for one module wins */
};

struct wait_entry {
    char *module;
    char *function; /* "*.select": any class's select; else the whole name */
};

struct category_table {
    struct module_entry *mods;
    size_t nmods, mods_cap;
    struct module_entry *blocking; /* modules whose calls block (no category) */
    size_t nblocking, blocking_cap;
    int sorted;
    struct wait_entry *waits;
    size_t nwaits, waits_cap;
};

static const char *const names[CAT_COUNT] = {
    "app",       "framework", "server",  "database",   "cache",  "http-client", "serialization",
    "templates", "crypto",    "logging", "event-loop", "stdlib", "native",      "waiting",
};

const char *category_name(enum category c)
{
    return c >= 0 && c < CAT_COUNT ? names[c] : "?";
}

static int category_by_name(const char *s, enum category *c)
{
    for (int i = 0; i < CAT_COUNT; i++)
        if (strcmp(names[i], s) == 0) {
            *c = (enum category)i;
            return 0;
        }
    return -1;
}

void category_table_free(struct category_table *ct)
{
    if (ct == NULL)
        return;
    for (size_t i = 0; i < ct->nmods; i++)
        free(ct->mods[i].module);
    for (size_t i = 0; i < ct->nblocking; i++)
        free(ct->blocking[i].module);
    free(ct->blocking);
    for (size_t i = 0; i < ct->nwaits; i++) {
        free(ct->waits[i].module);
        free(ct->waits[i].function);
    }
    free(ct->mods);
    free(ct->waits);
    free(ct);
}

static int push_module(struct module_entry **v, size_t *n, size_t *cap, const char *module,
                       enum category c)
{
    if (vec_reserve((void **)v, cap, sizeof **v, *n + 1) != 0)
        return -1;
    char *copy = strdup(module);
    if (copy == NULL)
        return -1;
    (*v)[*n] = (struct module_entry){copy, c, (unsigned)*n};
    (*n)++;
    return 0;
}

static int add_module(struct category_table *ct, const char *module, enum category c)
{
    ct->sorted = 0;
    return push_module(&ct->mods, &ct->nmods, &ct->mods_cap, module, c);
}

static int add_wait(struct category_table *ct, const char *word)
{
    const char *colon = strchr(word, ':');
    if (colon == NULL || colon == word || colon[1] == '\0')
        return 1; /* malformed: the caller says where */
    if (vec_reserve((void **)&ct->waits, &ct->waits_cap, sizeof *ct->waits, ct->nwaits + 1) != 0)
        return -1;
    char *module = strndup(word, (size_t)(colon - word)), *function = strdup(colon + 1);
    if (module == NULL || function == NULL) {
        free(module);
        free(function);
        return -1;
    }
    ct->waits[ct->nwaits++] = (struct wait_entry){module, function};
    return 0;
}

/* Add the lines of text (NUL-terminated, modified in place). what names
 * the source in messages. */
static int add_lines(struct category_table *ct, char *text, const char *what, struct pt_error *err)
{
    int lineno = 0;
    for (char *line = text, *next; line != NULL; line = next) {
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        lineno++;
        char *hash = strchr(line, '#');
        if (hash != NULL)
            *hash = '\0';
        char *save = NULL, *word = strtok_r(line, " \t\r", &save);
        if (word == NULL)
            continue;
        enum category c;
        int blocking = strcmp(word, "blocking") == 0;
        if (blocking)
            c = CAT_APP; /* unused: blocking modules keep their category */
        else if (category_by_name(word, &c) != 0)
            return pt_error_set(err, PT_E_USAGE,
                                "%s:%d: unknown category '%s' (categories: app, framework, "
                                "server, database, cache, http-client, serialization, templates, "
                                "crypto, logging, event-loop, stdlib, native, waiting)",
                                what, lineno, word);
        int words = 0;
        while ((word = strtok_r(NULL, " \t\r", &save)) != NULL) {
            int rc = strlen(word) >= MODULE_MAX ? 1
                     : blocking
                         ? push_module(&ct->blocking, &ct->nblocking, &ct->blocking_cap, word, c)
                     : c == CAT_WAITING ? add_wait(ct, word)
                                        : add_module(ct, word, c);
            ct->sorted &= !blocking;
            if (rc < 0)
                return pt_error_set(err, PT_E_NOMEM, "out of memory reading %s", what);
            if (rc > 0)
                return pt_error_set(err, PT_E_USAGE, "%s:%d: '%s' is not %s", what, lineno, word,
                                    c == CAT_WAITING ? "MODULE:FUNCTION" : "a module name");
            words++;
        }
        if (words == 0)
            return pt_error_set(err, PT_E_USAGE, "%s:%d: '%s' names no module", what, lineno,
                                blocking ? "blocking" : category_name(c));
    }
    return 0;
}

struct category_table *category_table_new(void)
{
    struct category_table *ct = calloc(1, sizeof *ct);
    char *text = strdup(builtin_lines);
    struct pt_error err;
    if (ct == NULL || text == NULL || add_lines(ct, text, "data/categories", &err) != 0) {
        free(text);
        category_table_free(ct);
        return NULL;
    }
    free(text);
    return ct;
}

int category_table_load(struct category_table *ct, const char *path, struct pt_error *err)
{
    size_t len;
    char *text = read_file(path, &len);
    if (text == NULL)
        return pt_error_set(err, PT_E_IO, "cannot read categories file %s: %s", path,
                            strerror(errno));
    int rc = add_lines(ct, text, path, err);
    free(text);
    return rc;
}

static int entry_cmp(const void *a, const void *b)
{
    const struct module_entry *x = a, *y = b;
    int c = strcmp(x->module, y->module);
    return c != 0 ? c : (x->order > y->order) - (x->order < y->order);
}

/* The entry of exactly module in v (sorted), the later of two, or -1. */
static int lookup(const struct module_entry *v, size_t n, const char *module)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (strcmp(v[mid].module, module) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    int found = -1;
    for (; lo < n && strcmp(v[lo].module, module) == 0; lo++)
        found = (int)lo; /* sorted by order within a module */
    return found;
}

static void sort_once(const struct category_table *ct)
{
    if (ct->sorted)
        return;
    /* Sorted on first use: the table only grows before lookups. */
    struct category_table *w = (struct category_table *)ct;
    if (w->nmods > 1) /* never qsort(NULL, 0): UBSan calls it undefined */
        qsort(w->mods, w->nmods, sizeof *w->mods, entry_cmp);
    if (w->nblocking > 1)
        qsort(w->blocking, w->nblocking, sizeof *w->blocking, entry_cmp);
    w->sorted = 1;
}

/* The entry of v for the longest module file's module falls under
 * (django.db.models, then django.db, then django), or -1. */
static int longest(const struct module_entry *v, size_t n, const char *file)
{
    char module[MODULE_MAX];
    module_dotted_name(file, module, sizeof module);
    for (size_t len = strlen(module); len > 0;) {
        module[len] = '\0';
        int e = lookup(v, n, module);
        if (e >= 0)
            return e;
        char *dot = strrchr(module, '.');
        len = dot ? (size_t)(dot - module) : 0;
    }
    return -1;
}

enum category category_of(const struct category_table *ct, int kind, const char *file)
{
    if (kind == CT_NATIVE)
        return CAT_NATIVE;
    sort_once(ct);
    int e = longest(ct->mods, ct->nmods, file);
    return e >= 0 ? ct->mods[e].cat : CAT_APP;
}

int category_blocks(const struct category_table *ct, const char *file)
{
    sort_once(ct);
    return longest(ct->blocking, ct->nblocking, file) >= 0;
}

int category_waits(const struct category_table *ct, const char *name, const char *file)
{
    char module[MODULE_MAX];
    module_dotted_name(file, module, sizeof module);
    if (module[0] == '\0')
        return 0;
    for (size_t i = 0; i < ct->nwaits; i++) {
        const struct wait_entry *w = &ct->waits[i];
        if (strcmp(w->module, module) != 0)
            continue;
        if (strncmp(w->function, "*.", 2) == 0) {
            /* Any class's method: "EpollSelector.select" (3.11+), or the
             * bare "select" of 3.8-3.10, whose frames know no class. */
            const char *dot = strrchr(name, '.');
            if (strcmp(dot ? dot + 1 : name, w->function + 2) == 0)
                return 1;
        } else if (strcmp(w->function, name) == 0) {
            return 1;
        } else {
            /* "Thread.join" against 3.8-3.10's bare "join". */
            const char *dot = strrchr(w->function, '.');
            if (dot != NULL && strchr(name, '.') == NULL && strcmp(dot + 1, name) == 0)
                return 1;
        }
    }
    return 0;
}
