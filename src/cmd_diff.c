/*
 * cmd_diff: `pytop diff BEFORE AFTER`: two saved profiles (any format
 * `report` reads) compared function by function, in shares of each
 * profile's samples: a table of the largest changes as text or markdown.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "input/load.h"
#include "output/atomic.h"
#include "report/compare.h"
#include "report/text.h"

#define DIFF_ROWS 30

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), t = strlen(tail);
    return n >= t && strcmp(s + n - t, tail) == 0;
}

/* 1 for markdown, 0 for text, -1 (err set) for what is not written yet. */
static int choose_markdown(const struct options *opt, struct pt_error *err)
{
    const char *f = opt->format;
    if (f == NULL && opt->output != NULL && ends_with(opt->output, ".md"))
        return 1;
    if (f == NULL && opt->output != NULL && ends_with(opt->output, ".txt"))
        return 0;
    if (f != NULL && (!strcmp(f, "markdown") || !strcmp(f, "md")))
        return 1;
    if (f != NULL && (!strcmp(f, "text") || !strcmp(f, "txt")))
        return 0;
    if (f == NULL || !strcmp(f, "flamegraph") || !strcmp(f, "svg"))
        return pt_error_set(err, PT_E_USAGE,
                            "the differential flamegraph is not available yet in pytop %s: use "
                            "-f text or -f markdown",
                            PACKAGE_VERSION);
    return pt_error_set(err, PT_E_USAGE, "unknown diff format '%s' (diff writes text or markdown)",
                        f);
}

static int write_diff(FILE *out, const struct comparison *c, const struct loaded_profile lp[2],
                      const struct options *opt, int markdown, struct pt_error *err)
{
    struct report_source before = {opt->positional[0], lp[0].format, &lp[0].meta, lp[0].skipped};
    struct report_source after = {opt->positional[1], lp[1].format, &lp[1].meta, lp[1].skipped};
    return diff_write_text(out, c, &before, &after, DIFF_ROWS, markdown, err);
}

int cmd_diff(const struct options *opt, struct pt_error *err)
{
    if (opt->npositional != 2)
        return pt_error_set(err, PT_E_USAGE,
                            "diff compares two profiles: pytop diff [-f text|markdown] [-o OUT] "
                            "BEFORE AFTER");
    int markdown = choose_markdown(opt, err);
    if (markdown < 0)
        return -1;
    struct loaded_profile lp[2];
    memset(lp, 0, sizeof lp);
    int rc = profile_load(opt->positional[0], &lp[0], err);
    if (rc == 0)
        rc = profile_load(opt->positional[1], &lp[1], err);
    struct comparison c;
    if (rc == 0 && compare_profiles(&lp[0].tree, &lp[1].tree, &c) != 0)
        rc = pt_error_set(err, PT_E_NOMEM, "out of memory comparing the profiles");
    else if (rc == 0) {
        if (opt->output == NULL || strcmp(opt->output, "-") == 0) {
            rc = write_diff(stdout, &c, lp, opt, markdown, err);
        } else {
            struct atomic_file af;
            rc = atomic_open(&af, opt->output, err);
            if (rc == 0 && write_diff(af.fp, &c, lp, opt, markdown, err) != 0) {
                atomic_abort(&af);
                rc = -1;
            } else if (rc == 0) {
                rc = atomic_commit(&af, err);
            }
        }
        comparison_free(&c);
    }
    loaded_profile_free(&lp[0]);
    loaded_profile_free(&lp[1]);
    return rc;
}
