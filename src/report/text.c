/*
 * report/text: the text and markdown forms of a report. See text.h.
 *
 * Both say the same things in the same order; text fits 80 columns
 * (long function names are cut in the middle, paths keep their
 * innermost frames), markdown is tables and lists, with the characters
 * that would break a table cell escaped.
 */
#include "config.h"
#include "report/text.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#define WIDTH 80

struct out {
    FILE *f;
    int md;
};

/* Cut s to at most width bytes, keeping its start and end around "...",
 * at UTF-8 character boundaries. */
static void fit(const char *s, size_t width, char *buf, size_t size)
{
    size_t n = strlen(s);
    if (n <= width || width < 8) {
        snprintf(buf, size, "%s", s);
        return;
    }
    size_t head = (width - 3) / 2, tail = width - 3 - head;
    while (head > 0 && ((unsigned char)s[head] & 0xC0) == 0x80)
        head--;
    size_t from = n - tail;
    while (from < n && ((unsigned char)s[from] & 0xC0) == 0x80)
        from++;
    snprintf(buf, size, "%.*s...%s", (int)head, s, s + from);
}

/* s with markdown's table and code characters escaped. */
static void md_escape(const char *s, char *buf, size_t size)
{
    size_t o = 0;
    for (; *s && o + 3 < size; s++) {
        if (*s == '|' || *s == '`' || *s == '*' || *s == '_' || *s == '<' || *s == '>' ||
            *s == '[' || *s == ']' || *s == '\\')
            buf[o++] = '\\';
        buf[o++] = *s == '\n' ? ' ' : *s;
    }
    buf[o] = '\0';
}

static void heading(struct out *o, const char *title)
{
    if (o->md)
        fprintf(o->f, "\n## %s\n\n", title);
    else
        fprintf(o->f, "\n%s\n", title);
}

/* Word-wrap text at WIDTH with the given first-line and later indents. */
static void wrap(FILE *f, const char *text, const char *first, const char *rest)
{
    const char *indent = first;
    while (*text) {
        size_t room = WIDTH - strlen(indent), n = strlen(text);
        if (n > room) {
            n = room;
            while (n > 0 && text[n] != ' ')
                n--;
            if (n == 0)
                n = room;
        }
        fprintf(f, "%s%.*s\n", indent, (int)n, text);
        text += n;
        while (*text == ' ')
            text++;
        indent = rest;
    }
}

/* A report of one request: what it was, under the summary's rows. */
static void request_rows(struct out *o, const struct report_source *src)
{
    char label[REPORT_REQUEST_ROWS][16], value[REPORT_REQUEST_ROWS][400], esc[1200];
    int n = src->request ? report_request_rows(src->request, label, value) : 0;
    for (int i = 0; i < n; i++) {
        if (o->md) {
            md_escape(value[i], esc, sizeof esc);
            fprintf(o->f, "| %s | %s |\n", label[i], esc);
        } else {
            char fitted[WIDTH + 1];
            fit(value[i], WIDTH - 10, fitted, sizeof fitted);
            fprintf(o->f, "%-9s %s\n", strcat(label[i], ":"), fitted);
        }
    }
}

static void summary(struct out *o, const struct report *r, const struct report_source *src)
{
    const struct profile_meta *m = src->meta;
    char esc[1200];
    if (o->md) {
        md_escape(src->path, esc, sizeof esc);
        fprintf(o->f, "# pytop report: %s\n\n| | |\n|---|---|\n", esc);
        md_escape(src->format, esc, sizeof esc);
        fprintf(o->f, "| Profile | %s |\n", esc);
        if (m->target[0]) {
            md_escape(m->target, esc, sizeof esc);
            fprintf(o->f, "| Target | %s |\n", esc);
        }
        if (m->python[0])
            fprintf(o->f, "| Python | %s |\n", m->python);
        if (m->duration > 0)
            fprintf(o->f, "| Duration | %.1f s |\n", m->duration);
        fprintf(o->f, "| Samples | %llu |\n", (unsigned long long)r->samples);
        if (m->rate > 0)
            fprintf(o->f, "| Rate | %.0f Hz |\n", m->rate);
        if (src->skipped > 0)
            fprintf(o->f, "| Skipped | %zu damaged lines (bytes no text has) |\n", src->skipped);
        request_rows(o, src);
        return;
    }
    char buf[WIDTH + 1];
    fit(src->path, WIDTH - 14, buf, sizeof buf);
    fprintf(o->f, "pytop report: %s\n", buf);
    fprintf(o->f, "Profile:  %s\n", src->format);
    if (m->target[0]) {
        fit(m->target, WIDTH - 10, buf, sizeof buf);
        fprintf(o->f, "Target:   %s\n", buf);
    }
    if (m->python[0])
        fprintf(o->f, "Python:   %s\n", m->python);
    fprintf(o->f, "Samples:  %llu", (unsigned long long)r->samples);
    if (m->duration > 0)
        fprintf(o->f, "   Duration: %.1f s", m->duration);
    if (m->rate > 0)
        fprintf(o->f, "   Rate: %.0f Hz", m->rate);
    fprintf(o->f, "\n");
    if (src->skipped > 0)
        fprintf(o->f, "Skipped:  %zu damaged lines (bytes no text has)\n", src->skipped);
    request_rows(o, src);
}

static void categories(struct out *o, const struct report *r)
{
    heading(o, "Where the time goes, by category");
    int order[CAT_COUNT], n = report_category_order(r, order);
    if (o->md)
        fprintf(o->f, "| category | own | total |\n|---|---:|---:|\n");
    else
        fprintf(o->f, "  %-16s %7s %7s\n", "category", "own", "total");
    for (int i = 0; i < n; i++) {
        int c = order[i];
        double own = report_pct(r->own[c], r->samples), total = report_pct(r->total[c], r->samples);
        if (o->md) {
            fprintf(o->f, "| %s | %.1f%% | %.1f%% |\n", category_name(c), own, total);
            continue;
        }
        char bar[41];
        int w = (int)(own / 100.0 * 40 + 0.5);
        memset(bar, '#', (size_t)w);
        bar[w] = '\0';
        fprintf(o->f, "  %-16s %6.1f%% %6.1f%%  %s\n", category_name(c), own, total, bar);
    }
    if (!o->md)
        fprintf(o->f, "  (own: the samples whose innermost frame is in it; total: those that "
                      "pass\n  through it)\n");
}

static void functions(struct out *o, const struct report *r, int by_total)
{
    heading(o, by_total ? "Hottest functions, by total time" : "Hottest functions, by own time");
    const struct report_func *v = by_total ? r->by_total : r->by_own;
    int n = by_total ? r->nby_total : r->nby_own;
    if (o->md)
        fprintf(o->f, "| own | total | function | category |\n|---:|---:|---|---|\n");
    else
        fprintf(o->f, "  %6s %6s  %-49s %s\n", "own", "total", "function", "category");
    for (int i = 0; i < n; i++) {
        char text[1200], cell[2400];
        calltree_text(v[i].stat->kind, v[i].stat->name, v[i].stat->file, v[i].stat->src,
                      v[i].stat->line, text, sizeof text);
        double own = report_pct(v[i].stat->self, r->samples);
        double total = report_pct(v[i].stat->total, r->samples);
        if (o->md) {
            md_escape(text, cell, sizeof cell);
            fprintf(o->f, "| %.1f%% | %.1f%% | %s | %s |\n", own, total, cell,
                    category_name(v[i].cat));
        } else {
            fit(text, 49, cell, sizeof cell);
            fprintf(o->f, "  %5.1f%% %5.1f%%  %-49s %s\n", own, total, cell,
                    category_name(v[i].cat));
        }
    }
}

static void paths(struct out *o, const struct report *r)
{
    heading(o, "Hottest call paths");
    const struct calltree *t = r->tree;
    for (int i = 0; i < r->npaths; i++) {
        const struct ct_frame *frames[REPORT_PATH_MAX];
        int depth = report_path(r, i, frames, REPORT_PATH_MAX);
        double pct = report_pct(t->nodes[r->paths[i]].self, r->samples);
        char line[16384] = "", frame[1200];
        size_t used = 0;
        for (int d = 0; d < depth; d++) {
            const struct ct_frame *f = frames[d];
            calltree_text(f->kind, f->name, f->file, f->src, f->line, frame, sizeof frame);
            char esc[2400];
            if (o->md)
                md_escape(frame, esc, sizeof esc);
            used += (size_t)snprintf(line + used, sizeof line - used, "%s%s",
                                     d == 0  ? ""
                                     : o->md ? " → "
                                             : " > ",
                                     o->md ? esc : frame);
            if (used >= sizeof line)
                break;
        }
        if (o->md) {
            fprintf(o->f, "%d. **%.1f%%** %s\n", i + 1, pct, line);
            continue;
        }
        /* The innermost frames matter most: cut from the root end. */
        size_t room = WIDTH - 12, n = strlen(line);
        const char *shown = line;
        if (n > room) {
            shown = line + n - (room - 4);
            while (*shown && ((unsigned char)*shown & 0xC0) == 0x80)
                shown++;
        }
        fprintf(o->f, "  %d. %5.1f%%  %s%s\n", i + 1, pct, shown == line ? "" : "... ", shown);
    }
}

static void groups(struct out *o, const struct report *r)
{
    if (r->ngroups == 0)
        return;
    heading(o, "Processes, threads, tasks and requests");
    if (o->md)
        fprintf(o->f, "| share | of |\n|---:|---|\n");
    for (int i = 0; i < r->ngroups; i++) {
        char text[WIDTH + 1], esc[2400];
        double pct = report_pct(r->groups[i].total, r->samples);
        if (o->md) {
            md_escape(r->groups[i].name, esc, sizeof esc);
            fprintf(o->f, "| %.1f%% | %s |\n", pct, esc);
        } else {
            fit(r->groups[i].name, WIDTH - 12, text, sizeof text);
            fprintf(o->f, "  %6.1f%%  %s\n", pct, text);
        }
    }
    if (r->more_groups > 0)
        fprintf(o->f, o->md ? "\n%d more not listed.\n" : "  (%d more not listed)\n",
                r->more_groups);
}

static void advice(struct out *o, const struct report *r)
{
    heading(o, "Advice");
    if (r->nadvice == 0) {
        const char *none = report_nothing_stands_out;
        if (o->md)
            fprintf(o->f, "%s\n", none);
        else
            wrap(o->f, none, "  ", "  ");
        return;
    }
    for (int i = 0; i < r->nadvice; i++) {
        if (o->md) {
            char esc[REPORT_TEXT_SIZE * 2];
            md_escape(r->advice[i].text, esc, sizeof esc);
            fprintf(o->f, "- %s\n", esc);
        } else {
            wrap(o->f, r->advice[i].text, "  - ", "    ");
        }
    }
}

int report_write_text(FILE *out, const struct report *r, const struct report_source *src,
                      int markdown, struct pt_error *err)
{
    struct out o = {out, markdown};
    summary(&o, r, src);
    categories(&o, r);
    functions(&o, r, 0);
    functions(&o, r, 1);
    paths(&o, r);
    groups(&o, r);
    advice(&o, r);
    if (fflush(out) != 0 || ferror(out))
        return pt_error_sys(err, PT_E_IO, errno, "cannot write the report: %s", strerror(errno));
    return 0;
}

/* --- pytop diff --- */

static void diff_source(struct out *o, const char *which, const struct report_source *src,
                        uint64_t samples)
{
    char esc[1200];
    if (o->md) {
        md_escape(src->path, esc, sizeof esc);
        fprintf(o->f, "| %s | %s | %s | %llu |\n", which, esc, src->format,
                (unsigned long long)samples);
    } else {
        char tail[160], path[WIDTH + 1];
        snprintf(tail, sizeof tail, "  %llu samples, %s", (unsigned long long)samples, src->format);
        size_t room = WIDTH - 8 - strlen(tail);
        fit(src->path, room > 12 ? room : 12, path, sizeof path);
        fprintf(o->f, "%-7s %s%s\n", which, path, tail);
    }
}

int diff_write_text(FILE *out, const struct comparison *c, const struct report_source *before,
                    const struct report_source *after, size_t rows, int markdown,
                    struct pt_error *err)
{
    struct out o = {out, markdown};
    if (markdown)
        fprintf(out, "# pytop diff\n\n| | profile | format | samples |\n|---|---|---|---:|\n");
    else
        fprintf(out, "pytop diff: what changed, in shares of each profile's samples\n");
    diff_source(&o, "before", before, c->samples_before);
    diff_source(&o, "after", after, c->samples_after);
    heading(&o, "Largest changes, by total share");
    if (markdown)
        fprintf(out, "| total before | total after | change | own before | own after | change | "
                     "function |\n|---:|---:|---:|---:|---:|---:|---|\n");
    else
        fprintf(out, "  %-21s  %-21s  %s\n", "total: before after", "own: before after",
                "function");
    size_t n = c->n < rows ? c->n : rows;
    for (size_t i = 0; i < n; i++) {
        const struct compare_row *r = &c->v[i];
        char text[1200], cell[2400];
        calltree_text(r->kind, r->name, r->file, r->src, r->line, text, sizeof text);
        double dt = r->total_after - r->total_before, dn = r->own_after - r->own_before;
        if (markdown) {
            md_escape(text, cell, sizeof cell);
            fprintf(out, "| %.1f%% | %.1f%% | %+.1f | %.1f%% | %.1f%% | %+.1f | %s |\n",
                    r->total_before, r->total_after, dt, r->own_before, r->own_after, dn, cell);
        } else {
            fit(text, WIDTH - 50, cell, sizeof cell);
            fprintf(out, "  %5.1f %5.1f %+6.1f     %5.1f %5.1f %+6.1f  %s\n", r->total_before,
                    r->total_after, dt, r->own_before, r->own_after, dn, cell);
        }
    }
    if (n == 0)
        fprintf(out, markdown ? "No function in either profile.\n" : "  (no function in either)\n");
    if (fflush(out) != 0 || ferror(out))
        return pt_error_sys(err, PT_E_IO, errno, "cannot write the diff: %s", strerror(errno));
    return 0;
}
