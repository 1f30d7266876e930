/*
 * report/analysis: the figures of `pytop report`, computed once from a
 * profile's calltree: shares by category, the hottest functions and
 * paths, shares per process, thread and task, and the advice they call
 * for. The writers (report/text) only format them.
 *
 * A sample counts in its own category once, by its innermost frame (or
 * `waiting` when that frame is one where threads and tasks wait), and
 * in each category it passes through once, for the total share; shares
 * are of all the profile's samples.
 */
#ifndef PYTOP_REPORT_ANALYSIS_H
#define PYTOP_REPORT_ANALYSIS_H

#include <stddef.h>
#include <stdint.h>

#include "calltree.h"
#include "funcstats.h"
#include "output/meta.h"
#include "report/category.h"

#define REPORT_TOP       20 /* functions in each of the two tables */
#define REPORT_PATHS     5
#define REPORT_ADVICE    12
#define REPORT_GROUPS    40 /* processes, threads, tasks listed */
#define REPORT_TEXT_SIZE 600

struct report_func {
    const struct func_stat *stat; /* in report.funcs */
    enum category cat;
};

struct report_group {
    const char *name; /* "process 42 (...)", "thread 7 (MainThread)", "task handler" */
    int kind;         /* CT_PROCESS, CT_THREAD, CT_TASK or CT_REQUEST */
    uint64_t total;
};

struct report_advice {
    char text[REPORT_TEXT_SIZE]; /* one paragraph, the figure behind it first */
};

struct report {
    const struct calltree *tree; /* borrowed */
    uint64_t samples;
    uint64_t own[CAT_COUNT], total[CAT_COUNT];
    struct funcstats funcs; /* by function, Python and native frames */
    struct report_func by_own[REPORT_TOP], by_total[REPORT_TOP];
    int nby_own, nby_total;
    uint32_t paths[REPORT_PATHS]; /* nodes whose stacks have the most samples of their own */
    int npaths;
    struct report_group groups[REPORT_GROUPS];
    int ngroups, more_groups; /* more_groups: how many were left out */
    struct report_advice advice[REPORT_ADVICE];
    int nadvice;
    uint64_t blocking_loop; /* samples in a blocking call under an event loop */
};

/* A report of one HTTP request (pytop watch): what it was. */
struct report_request {
    const char *method, *path, *endpoint;
    int pid;
    double started;     /* wall clock, seconds since the epoch */
    double duration;    /* observed: first to last sample */
    double period;      /* seconds between samples: the duration's resolution */
    uint64_t cpu, wall; /* samples running, and all */
};

/* What the report is of: the file read, its format, what it said. */
struct report_source {
    const char *path;
    const char *format;
    const struct profile_meta *meta;
    size_t skipped;                       /* damaged lines the reader left out */
    const struct report_request *request; /* NULL unless of one request */
};

/* The rows a report of one request adds to its summary, as (label,
 * value) pairs into out: their number (at most REPORT_REQUEST_ROWS). */
#define REPORT_REQUEST_ROWS 6
int report_request_rows(const struct report_request *q, char label[][16], char value[][400]);

/* Compute r for tree t (which must outlive r) with the categories of ct.
 * 0, or -1 when out of memory. */
int report_compute(const struct calltree *t, const struct category_table *ct, struct report *r);

void report_free(struct report *r);

/* The categories with samples into order, by own share, the largest
 * first, ties in the order of enum category; their number. */
int report_category_order(const struct report *r, int order[CAT_COUNT]);

/* The frames of hottest path i (0 <= i < r->npaths), root first, into
 * frames (its innermost max when it is deeper); their number. */
#define REPORT_PATH_MAX 4096
int report_path(const struct report *r, int i, const struct ct_frame **frames, int max);

/* What the advice says when it has nothing to say. */
extern const char report_nothing_stands_out[];

/* share of total as a percentage (0 when total is 0): the one place the
 * report's percentages are computed. */
double report_pct(uint64_t part, uint64_t total);

#endif
