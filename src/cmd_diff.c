/*
 * cmd_diff: `pytop diff BEFORE AFTER`: two saved profiles (any format
 * `report` reads) compared in shares of each profile's samples: call
 * path by call path in a differential flamegraph (report/difftree drawn
 * by output/flamegraph), or function by function in a table of the
 * largest changes as text or markdown.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "input/load.h"
#include "output/atomic_file.h"
#include "output/flamegraph.h"
#include "report/compare.h"
#include "report/difftree.h"
#include "report/text.h"

#define DIFF_ROWS 30

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), t = strlen(tail);
    return n >= t && strcmp(s + n - t, tail) == 0;
}

enum diff_format { DIFF_FLAMEGRAPH, DIFF_TEXT, DIFF_MARKDOWN };

/* -f, else -o's extension, else the flamegraph. */
static int choose_format(const struct options *opt, enum diff_format *df, struct pt_error *err)
{
    const char *f = opt->format, *o = opt->output;
    if (f == NULL)
        *df = o != NULL && (ends_with(o, ".md") || ends_with(o, ".markdown")) ? DIFF_MARKDOWN
              : o != NULL && ends_with(o, ".txt")                             ? DIFF_TEXT
                                                                              : DIFF_FLAMEGRAPH;
    else if (!strcmp(f, "flamegraph") || !strcmp(f, "svg"))
        *df = DIFF_FLAMEGRAPH;
    else if (!strcmp(f, "markdown") || !strcmp(f, "md"))
        *df = DIFF_MARKDOWN;
    else if (!strcmp(f, "text") || !strcmp(f, "txt"))
        *df = DIFF_TEXT;
    else
        return pt_error_set(err, PT_E_USAGE,
                            "unknown diff format '%s' (diff writes flamegraph, text or markdown)",
                            f);
    return 0;
}

/* The file name without its directories, for the flamegraph's title. */
static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash != NULL && slash[1] ? slash + 1 : path;
}

struct diff_job {
    enum diff_format format;
    const struct loaded_profile *lp; /* [0] before, [1] after */
    const struct options *opt;
};

static int write_diff(FILE *out, const void *arg, struct pt_error *err)
{
    const struct diff_job *job = arg;
    enum diff_format df = job->format;
    const struct loaded_profile *lp = job->lp;
    const struct options *opt = job->opt;
    if (df == DIFF_FLAMEGRAPH) {
        struct difftree d;
        if (difftree_build(&d, &lp[0].tree, &lp[1].tree) != 0)
            return pt_error_set(err, PT_E_NOMEM, "out of memory comparing the profiles");
        struct fg_diff fd = {&lp[0].tree,
                             d.twin,
                             d.gone,
                             d.weight,
                             d.before_unit,
                             base_name(opt->positional[0]),
                             base_name(opt->positional[1])};
        int rc = flamegraph_write_diff(out, &lp[1].tree, &fd, &lp[1].meta, err);
        difftree_free(&d);
        return rc;
    }
    struct comparison c;
    if (compare_profiles(&lp[0].tree, &lp[1].tree, &c) != 0)
        return pt_error_set(err, PT_E_NOMEM, "out of memory comparing the profiles");
    struct report_source before = {opt->positional[0], lp[0].format, &lp[0].meta, lp[0].skipped};
    struct report_source after = {opt->positional[1], lp[1].format, &lp[1].meta, lp[1].skipped};
    int rc = diff_write_text(out, &c, &before, &after, DIFF_ROWS, df == DIFF_MARKDOWN, err);
    comparison_free(&c);
    return rc;
}

int cmd_diff(const struct options *opt, struct pt_error *err)
{
    if (opt->npositional != 2)
        return pt_error_set(err, PT_E_USAGE,
                            "diff compares two profiles: pytop diff [-f flamegraph|text|markdown] "
                            "[-o OUT] BEFORE AFTER");
    enum diff_format df;
    if (choose_format(opt, &df, err) != 0)
        return -1;
    /* Tables go to the terminal unless -o says otherwise; an SVG does
     * not belong there, so it goes to diff.svg (not profile.svg, which
     * may well be one of the two inputs). */
    const char *path = opt->output;
    if (path == NULL && df == DIFF_FLAMEGRAPH)
        path = "diff.svg";
    struct loaded_profile lp[2];
    memset(lp, 0, sizeof lp);
    int rc = profile_load(opt->positional[0], &lp[0], err);
    if (rc == 0)
        rc = profile_load(opt->positional[1], &lp[1], err);
    struct diff_job job = {df, lp, opt};
    if (rc == 0)
        rc = atomic_file_write(path ? path : "-", write_diff, &job, err);
    if (rc == 0 && df == DIFF_FLAMEGRAPH && path != NULL && strcmp(path, "-") != 0)
        fprintf(stderr, "pytop: wrote %s: %s (%llu samples) against %s (%llu samples)\n", path,
                opt->positional[1], (unsigned long long)lp[1].tree.nodes[0].total,
                opt->positional[0], (unsigned long long)lp[0].tree.nodes[0].total);
    loaded_profile_free(&lp[0]);
    loaded_profile_free(&lp[1]);
    return rc;
}
