/*
 * report/capture: see capture.h.
 */
#include "config.h"
#include "report/capture.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "output/atomic.h"
#include "output/flamegraph.h"
#include "report/html.h"
#include "report/text.h"
#include "util.h"

enum { SVG, MD, HTML };
static const char *const ext[CAPTURE_FILES] = {".svg", ".md", ".html"};

static int write_one(int which, const char *path, const struct calltree *t,
                     const struct profile_meta *meta, const struct report *r,
                     const struct report_source *src, struct pt_error *err)
{
    struct atomic_file af;
    if (atomic_open(&af, path, err) != 0)
        return -1;
    int rc = which == SVG  ? flamegraph_write(af.fp, t, meta, err)
             : which == MD ? report_write_text(af.fp, r, src, 1, err)
                           : report_write_html(af.fp, r, src, err);
    if (rc != 0) {
        atomic_abort(&af);
        return -1;
    }
    return atomic_commit(&af, err);
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
        rc = write_one(i, out->path[i], t, meta, &r, &src, err);
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
