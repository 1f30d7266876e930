/*
 * tests/unit/treebuild.h: building call trees by hand in unit tests (frames by
 * kind, stacks of frame ids with their counts) and the folded text of a
 * tree, for the tests of the writers and readers of profiles. Include
 * after <cmocka.h>.
 */
#ifndef PYTOP_TESTS_TREEBUILD_H
#define PYTOP_TESTS_TREEBUILD_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "calltree.h"
#include "output/collapsed.h"

/* The id of the frame (kind, name, file, line), interned in t. */
static inline uint32_t frame(struct calltree *t, int kind, const char *name, const char *file,
                             int line)
{
    uint32_t id;
    assert_int_equal(calltree_frame(t, kind, name, file, line, &id), 0);
    return id;
}

static inline uint32_t py(struct calltree *t, const char *name, const char *file, int line)
{
    return frame(t, CT_PYTHON, name, file, line);
}

/* Add count samples of the stack of the n frame ids that follow, root
 * first. */
static inline void add(struct calltree *t, uint64_t count, int n, ...)
{
    uint32_t ids[64];
    va_list ap;
    assert_true(n <= 64);
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        ids[i] = va_arg(ap, uint32_t);
    va_end(ap);
    assert_int_equal(calltree_add(t, ids, n, count), 0);
}

/* The frame interned as (kind, name, file, line), or CT_NONE. */
static inline uint32_t find_frame(const struct calltree *t, int kind, const char *name,
                                  const char *file, int line)
{
    for (uint32_t i = 0; i < t->nframes; i++) {
        const struct ct_frame *f = &t->frames[i];
        if (f->kind == kind && f->line == line && strcmp(f->name, name) == 0 &&
            strcmp(f->file, file) == 0)
            return i;
    }
    return CT_NONE;
}

/* The folded text of t, as output/collapsed writes it (malloc'd). Not
 * inlined: GCC's -Wdangling-pointer then mistakes the text open_memstream
 * allocates for this function's local. */
__attribute__((noinline, unused)) static char *folded_text(const struct calltree *t)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    assert_non_null(out);
    struct pt_error err;
    assert_int_equal(collapsed_write(out, t, &err), 0);
    assert_int_equal(fclose(out), 0);
    return text;
}

#endif
