/*
 * report/capture: see capture.h.
 */
#include "config.h"
#include "report/capture.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "output/atomic_file.h"
#include "output/flamegraph.h"
#include "report/html.h"
#include "report/text.h"
#include "util.h"

enum { SVG, MD, HTML };
static const char *const ext[CAPTURE_FILES] = {".svg", ".md", ".html"};

struct capture_job {
    int which; /* SVG, MD or HTML */
    const struct calltree *t;
    const struct profile_meta *meta;
    const struct report *r;
    const struct report_source *src;
};

static int write_one(FILE *fp, const void *arg, struct pt_error *err)
{
    const struct capture_job *j = arg;
    return j->which == SVG  ? flamegraph_write(fp, j->t, j->meta, err)
           : j->which == MD ? report_write_text(fp, j->r, j->src, 1, err)
                            : report_write_html(fp, j->r, j->src, err);
}

int capture_write(const char *base, const struct calltree *t, const struct profile_meta *meta,
                  const struct report_request *q, const struct category_table *ct,
                  struct capture *out, struct pt_error *err)
{
    memset(out, 0, sizeof *out);
    struct report r;
    if (report_compute(t, ct, &r) != 0)
        return pt_error_set(err, PT_E_NOMEM, "out of memory");
    char title[600];
    snprintf(title, sizeof title, "slow request %s %s", q->method, q->path);
    struct report_source src = {title, "samples of one request", meta, 0, q};
    int rc = 0, done = 0;
    for (int i = 0; i < CAPTURE_FILES && rc == 0; i++) {
        snprintf(out->path[i], sizeof out->path[i], "%s%s", base, ext[i]);
        struct capture_job job = {i, t, meta, &r, &src};
        rc = atomic_file_write(out->path[i], write_one, &job, err);
        done += rc == 0;
    }
    if (rc != 0) {
        for (int i = 0; i < done; i++)
            unlink(out->path[i]);
        report_free(&r);
        return -1;
    }
    for (int i = 0; i < r.nby_own && out->ntop < 3; i++) {
        const struct func_stat *f = r.by_own[i].stat;
        if (f->line > 0)
            snprintf(out->top[out->ntop], sizeof out->top[0], "%s (%s:%d)", f->name, f->file,
                     f->line);
        else if (f->file[0])
            snprintf(out->top[out->ntop], sizeof out->top[0], "%s (%s)", f->name, f->file);
        else
            str_copy(out->top[out->ntop], sizeof out->top[0], f->name);
        out->top_pct[out->ntop++] = report_pct(f->self, r.samples);
    }
    out->waiting_pct = report_pct(r.own[CAT_WAITING], r.samples);
    report_free(&r);
    return 0;
}
