/*
 * watch/alerts: see alerts.h.
 *
 * The file is text, one endpoint a line: "LAST<TAB>SUPPRESSED<TAB>NAME",
 * LAST in seconds since the epoch, so that a person can read it and
 * delete a line to let an endpoint alert again.
 */
#include "config.h"
#include "watch/alerts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/atomic_file.h"
#include "util.h"

static struct alert_entry *entry(struct alert_state *st, const char *endpoint, int add)
{
    for (size_t i = 0; i < st->n; i++)
        if (strcmp(st->v[i].endpoint, endpoint) == 0)
            return &st->v[i];
    if (!add || vec_reserve((void **)&st->v, &st->cap, sizeof *st->v, st->n + 1) != 0)
        return NULL;
    struct alert_entry *e = &st->v[st->n++];
    memset(e, 0, sizeof *e);
    str_copy(e->endpoint, sizeof e->endpoint, endpoint);
    /* Tabs and line ends would break the file's lines. */
    for (char *p = e->endpoint; *p; p++)
        if (*p == '\t' || *p == '\n' || *p == '\r')
            *p = ' ';
    return e;
}

int alerts_load(struct alert_state *st, const char *dir, struct pt_error *err)
{
    memset(st, 0, sizeof *st);
    snprintf(st->path, sizeof st->path, "%s/%s", dir, ALERTS_FILE);
    FILE *f = fopen(st->path, "r");
    if (f == NULL) {
        if (errno == ENOENT)
            return 0;
        return pt_error_sys(err, PT_E_IO, errno, "cannot read %s: %s", st->path, strerror(errno));
    }
    char line[512];
    while (fgets(line, sizeof line, f)) {
        double last;
        unsigned long long suppressed;
        int at = 0;
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '#' || sscanf(line, "%lf\t%llu\t%n", &last, &suppressed, &at) != 2 ||
            at == 0 || line[at] == '\0')
            continue;
        struct alert_entry *e = entry(st, line + at, 1);
        if (e == NULL) {
            fclose(f);
            alerts_free(st);
            return pt_error_set(err, PT_E_NOMEM, "out of memory");
        }
        e->last = last;
        e->suppressed = suppressed;
    }
    fclose(f);
    return 0;
}

void alerts_free(struct alert_state *st)
{
    free(st->v);
    st->v = NULL;
    st->n = st->cap = 0;
}

int alerts_decide(struct alert_state *st, const char *endpoint, double now, double window,
                  double *until)
{
    struct alert_entry *e = entry(st, endpoint, 1);
    if (e == NULL)
        return -1;
    if (e->last > 0 && now < e->last + window) {
        e->suppressed++;
        *until = e->last + window;
        return 0;
    }
    e->last = now;
    e->suppressed = 0;
    *until = now + window;
    return 1;
}

static int write_state(FILE *fp, const void *arg, struct pt_error *err)
{
    (void)err; /* atomic_file_write's commit finds a write error */
    const struct alert_state *st = arg;
    fprintf(fp, "# pytop watch: the last alert of each endpoint (seconds since the epoch),\n"
                "# slow requests since that were not alerted, the endpoint. Delete a line\n"
                "# to let that endpoint alert again.\n");
    for (size_t i = 0; i < st->n; i++)
        fprintf(fp, "%.3f\t%llu\t%s\n", st->v[i].last, (unsigned long long)st->v[i].suppressed,
                st->v[i].endpoint);
    return 0;
}

int alerts_save(const struct alert_state *st, struct pt_error *err)
{
    return atomic_file_write(st->path, write_state, st, err);
}
