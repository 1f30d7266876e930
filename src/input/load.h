/*
 * input/load: a saved profile, whatever wrote it, as a calltree.
 *
 * `pytop report` and `pytop diff` take the files people have: pytop's
 * own (folded stacks, speedscope, pprof), py-spy's (raw folded stacks,
 * speedscope), austin's and Tachyon's folded stacks, flamegraph.pl's
 * input. The format is told from the content, not the file name; a file
 * that is none of them is refused with one line saying what it is.
 */
#ifndef PYTOP_INPUT_LOAD_H
#define PYTOP_INPUT_LOAD_H

#include <stddef.h>

#include "calltree.h"
#include "error.h"
#include "output/meta.h"

struct loaded_profile {
    struct calltree tree;
    struct profile_meta meta; /* what the file says; zero where it says nothing */
    char format[64];          /* "pytop folded stacks", "austin", "speedscope (py-spy)"... */
    size_t skipped;           /* lines of folded stacks left out: bytes no text has */
};

/* Read the profile at path ("-" for standard input) into lp (whose tree
 * this initializes: free it with loaded_profile_free, also on failure).
 * Fails with PT_E_IO and one line for a file that cannot be read, is
 * empty, holds no samples or is no profile pytop knows. */
int profile_load(const char *path, struct loaded_profile *lp, struct pt_error *err);

/* The same from bytes in memory (tests). data[size] must be '\0', as
 * read_file leaves it: folded stacks are read in place. */
int profile_load_bytes(const char *what, const char *data, size_t size, struct loaded_profile *lp,
                       struct pt_error *err);

void loaded_profile_free(struct loaded_profile *lp);

#endif
