/*
 * report/category: what the code of a frame is, for `pytop report`:
 * the program's own code, a web framework, a database driver, the event
 * loop... by the module its file holds, through a table of modules
 * (data/categories, built in, extended by the user's own file).
 *
 * Categories come from modules, never from substrings of function names:
 * "sqlalchemy/orm/query.py" is database because sqlalchemy is, whatever
 * its functions are called. The one exception is `waiting`, which names
 * functions (MODULE:FUNCTION): a sample whose innermost frame is one was
 * a thread or task waiting, not working.
 */
#ifndef PYTOP_REPORT_CATEGORY_H
#define PYTOP_REPORT_CATEGORY_H

#include <stddef.h>

#include "error.h"

enum category {
    CAT_APP,
    CAT_FRAMEWORK,
    CAT_SERVER,
    CAT_DATABASE,
    CAT_CACHE,
    CAT_HTTP_CLIENT,
    CAT_SERIALIZATION,
    CAT_TEMPLATES,
    CAT_CRYPTO,
    CAT_LOGGING,
    CAT_EVENT_LOOP,
    CAT_STDLIB,
    CAT_NATIVE,
    CAT_WAITING,
    CAT_COUNT
};

struct category_table;

/* The built-in table (data/categories). NULL when out of memory. */
struct category_table *category_table_new(void);
void category_table_free(struct category_table *ct);

/* Add the lines of a file of the same format (a later line wins for a
 * module named twice). 0, or -1 with PT_E_USAGE naming the file and line
 * of what is wrong, PT_E_IO when it cannot be read. */
int category_table_load(struct category_table *ct, const char *path, struct pt_error *err);

/* The category of a frame: kind is an enum ct_kind (calltree.h); a
 * native frame is CAT_NATIVE, a Python frame that of its file's module,
 * CAT_APP under none. Not CAT_WAITING: see category_waits. */
enum category category_of(const struct category_table *ct, int kind, const char *file);

/* Whether a Python frame (function name, file) is one where threads and
 * tasks wait. */
int category_waits(const struct category_table *ct, const char *name, const char *file);

/* Whether a Python file's module is one whose calls block their thread
 * until I/O completes (the table's `blocking` lines: requests,
 * psycopg2...): on an event loop's thread they stop every task. */
int category_blocks(const struct category_table *ct, const char *file);

/* "app", "framework", ... "waiting": the names every format uses. */
const char *category_name(enum category c);

#endif
