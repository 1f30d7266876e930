/*
 * cmd_report: `pytop report PROFILE`: a saved profile (pytop's or
 * another tool's) read, explained by category, and written as text,
 * markdown or an HTML page, to standard output or atomically to -o.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "input/load.h"
#include "output/atomic_file.h"
#include "report/analysis.h"
#include "report/category.h"
#include "report/html.h"
#include "report/text.h"

enum report_format { REPORT_TEXT, REPORT_MARKDOWN, REPORT_HTML };

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), t = strlen(tail);
    return n >= t && strcmp(s + n - t, tail) == 0;
}

static int choose_format(const struct options *opt, enum report_format *f, struct pt_error *err)
{
    const char *name = opt->format;
    if (name == NULL) {
        /* No -f: the name of -o says, text when it says nothing. */
        const char *o = opt->output != NULL ? opt->output : "";
        if (ends_with(o, ".md") || ends_with(o, ".markdown"))
            *f = REPORT_MARKDOWN;
        else if (ends_with(o, ".html") || ends_with(o, ".htm"))
            *f = REPORT_HTML;
        else
            *f = REPORT_TEXT;
        return 0;
    }
    if (strcmp(name, "text") == 0 || strcmp(name, "txt") == 0)
        *f = REPORT_TEXT;
    else if (strcmp(name, "markdown") == 0 || strcmp(name, "md") == 0)
        *f = REPORT_MARKDOWN;
    else if (strcmp(name, "html") == 0 || strcmp(name, "htm") == 0)
        *f = REPORT_HTML;
    else
        return pt_error_set(err, PT_E_USAGE,
                            "unknown report format '%s' (report writes text, markdown or html)",
                            name);
    return 0;
}

struct report_job {
    const struct report *report;
    const struct loaded_profile *lp;
    const char *path; /* the profile's */
    enum report_format format;
};

static int write_report(FILE *out, const void *arg, struct pt_error *err)
{
    const struct report_job *job = arg;
    const struct loaded_profile *lp = job->lp;
    struct report_source src = {job->path, lp->format, &lp->meta, lp->skipped};
    if (job->format == REPORT_HTML)
        return report_write_html(out, job->report, &src, err);
    return report_write_text(out, job->report, &src, job->format == REPORT_MARKDOWN, err);
}

int cmd_report(const struct options *opt, struct pt_error *err)
{
    if (opt->npositional != 1)
        return pt_error_set(
            err, PT_E_USAGE,
            opt->npositional == 0
                ? "report needs a PROFILE: pytop report [-f text|markdown|html] [-o OUT] PROFILE"
                : "report reads one PROFILE (pytop diff compares two)");
    enum report_format f = REPORT_TEXT;
    if (choose_format(opt, &f, err) != 0)
        return -1;
    struct category_table *ct = category_table_new();
    if (ct == NULL)
        return pt_error_set(err, PT_E_NOMEM, "out of memory");
    if (opt->categories != NULL && category_table_load(ct, opt->categories, err) != 0) {
        category_table_free(ct);
        return -1;
    }
    const char *path = opt->positional[0];
    struct loaded_profile lp;
    struct report r;
    int rc = profile_load(path, &lp, err);
    if (rc == 0 && report_compute(&lp.tree, ct, &r) != 0)
        rc = pt_error_set(err, PT_E_NOMEM, "out of memory analysing %s", path);
    else if (rc == 0) {
        struct report_job job = {&r, &lp, path, f};
        rc = atomic_file_write(opt->output ? opt->output : "-", write_report, &job, err);
        report_free(&r);
    }
    loaded_profile_free(&lp);
    category_table_free(ct);
    return rc;
}
