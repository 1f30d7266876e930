/*
 * report/html: the HTML form of a report. See html.h.
 *
 * The page says what report/text says, in its order and with its
 * figures (every percentage printed with "%.1f" from report_pct), so a
 * reader can move between the two. What only a page can add: a bar
 * chart of the categories, function names that search the flamegraph
 * (a link to ?s=REGEX, which the flamegraph's script reads), and the
 * flamegraph itself. That drawing brings its own style and script,
 * scoped to its <svg class="pytop-fg"> and to fixed ids (title, sub,
 * reset, clear, search, frames, details, matched, fN, pytop-profile),
 * so the page's ids and style rules stay clear of them.
 *
 * Nothing outside the file is referenced: no font, stylesheet or script
 * from the network, so the page reads the same offline, years later.
 * Every string from the profile goes through html_puts, which also
 * turns bytes that are not UTF-8 into U+FFFD: a page declared UTF-8
 * must be.
 */
#include "config.h"
#include "report/html.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "output/flamegraph.h"
#include "output/markup.h"

/* The chart's geometry (px): a label column, bars where 100% is BAR_W
 * wide, then the figures. */
#define CHART_W     760
#define CHART_LABEL 130
#define CHART_BAR_X 140
#define CHART_BAR_W 440
#define CHART_ROW   26
#define CHART_TOP   34

/* One colour per category, the own bar solid and the total bar a tint of
 * it: the order of enum category. */
static const char *const cat_colour[] = {
    "#d0564f", /* app */
    "#8b6cc0", /* framework */
    "#5a7fc8", /* server */
    "#2e8c80", /* database */
    "#62a345", /* cache */
    "#3a97cf", /* http-client */
    "#e0892d", /* serialization */
    "#c2679f", /* templates */
    "#86862c", /* crypto */
    "#b08438", /* logging */
    "#4d6c8e", /* event-loop */
    "#9a8b76", /* stdlib */
    "#6b6b88", /* native */
    "#aaaaaa", /* waiting */
};
_Static_assert(sizeof cat_colour / sizeof *cat_colour == CAT_COUNT, "a colour per category");

static const char page_style[] =
    "body { margin: 0; background: #fcfcfa; color: #222; font: 15px/1.45 system-ui, "
    "-apple-system, \"Segoe UI\", Roboto, \"Helvetica Neue\", Arial, sans-serif; }\n"
    "main { max-width: 1240px; margin: 0 auto; padding: 12px 24px 48px; }\n"
    "h1 { font-size: 1.5em; margin: 0.5em 0; overflow-wrap: anywhere; }\n"
    "h2 { font-size: 1.15em; margin: 1.8em 0 0.6em; padding-bottom: 0.2em; "
    "border-bottom: 1px solid #ddd; }\n"
    "table { border-collapse: collapse; margin: 0.4em 0; }\n"
    "th, td { padding: 3px 10px; text-align: left; vertical-align: top; "
    "border-bottom: 1px solid #ebebe6; }\n"
    "thead th { font-weight: 600; border-bottom: 1px solid #bbb; }\n"
    "table.kv th { font-weight: 600; color: #555; }\n"
    ".num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }\n"
    ".fn, .path { font-family: ui-monospace, \"DejaVu Sans Mono\", Menlo, Consolas, monospace; "
    "font-size: 0.9em; overflow-wrap: anywhere; }\n"
    ".fn a { color: inherit; text-decoration: none; }\n"
    ".fn a:hover { text-decoration: underline; }\n"
    ".where { color: #666; }\n"
    ".note { color: #666; font-size: 0.9em; }\n"
    "ol.paths li { margin: 0.3em 0; }\n"
    "ol.paths .num { display: inline-block; min-width: 4em; font-weight: 600; }\n"
    ".path .sep { color: #999; }\n"
    "ul.advice li { margin: 0.4em 0; max-width: 60em; }\n"
    "#categories { display: block; max-width: 100%; height: auto; }\n"
    "#categories text { font-size: 13px; fill: #222; }\n"
    "#categories .fig { fill: #444; font-variant-numeric: tabular-nums; }\n"
    "#categories .track { fill: #f0efea; }\n"
    "#flamegraph { overflow-x: auto; }\n"
    "#flamegraph svg.pytop-fg { display: block; max-width: 100%; height: auto; }\n"
    "footer { margin-top: 2em; color: #888; font-size: 0.85em; }\n";

/* text escaped for HTML text or an attribute value, line breaks and tabs
 * as spaces (as report/text's tables do). */
static void html_puts(FILE *out, const char *text)
{
    markup_puts(out, text, MARKUP_APOS | MARKUP_FLAT);
}

/* s percent-encoded for a URL's query. With literal, each character a
 * regular expression gives a meaning to is escaped first, so that a
 * search for the result finds s itself. */
static void url_puts(FILE *out, const char *s, int literal)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (literal && strchr("\\^$.|?*+()[]{}", c) != NULL)
            fputs("%5C", out);
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~')
            fputc(c, out);
        else
            fprintf(out, "%%%02X", c);
    }
}

/* A frame as report/text describes it (calltree_where), with the name
 * and its place in separate spans so the place can be muted; the text of
 * the cell is the same. */
static void put_frame(FILE *out, int kind, const char *name, const char *file, const char *src,
                      int line)
{
    html_puts(out, name);
    char where[1024];
    calltree_where(kind, file, src, line, where, sizeof where);
    if (!where[0])
        return;
    fputs(" <span class=\"where\">(", out);
    html_puts(out, where);
    fputs(")</span>", out);
}

/* A link that reopens the page searching the flamegraph for a function:
 * its frames read "name (file:line)" or "name (file)" there, whatever
 * line (a profile by line has several), a native one with its source
 * "name (src:line, library)", or just "name". */
static void put_search_href(FILE *out, const struct func_stat *f)
{
    fputs("?s=%5E", out);
    url_puts(out, f->name, 1);
    if (f->src[0]) {
        fputs("%20%5C(", out);
        url_puts(out, f->src, 1);
        fputs("%5B%3A%2C%5D", out); /* [:,] */
    } else if (f->file[0]) {
        fputs("%20%5C(", out);
        url_puts(out, f->file, 1);
        fputs("%5B%3A)%5D", out); /* [:)] */
    } else {
        fputs("%24", out);
    }
    fputs("#flamegraph", out);
}

static void head(FILE *out, const struct report_source *src)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta name=\"generator\" content=\"" PACKAGE_STRING "\">\n<title>pytop report: ",
          out);
    html_puts(out, src->path);
    fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n", page_style);
}

static void summary(FILE *out, const struct report *r, const struct report_source *src)
{
    const struct profile_meta *m = src->meta;
    fputs("<h1>pytop report: ", out);
    html_puts(out, src->path);
    fputs("</h1>\n<table id=\"summary\" class=\"kv\">\n<tr><th>File</th><td>", out);
    html_puts(out, src->path);
    fputs("</td></tr>\n<tr><th>Profile</th><td>", out);
    html_puts(out, src->format);
    fputs("</td></tr>\n", out);
    if (m->target[0]) {
        fputs("<tr><th>Target</th><td>", out);
        html_puts(out, m->target);
        fputs("</td></tr>\n", out);
    }
    if (m->python[0]) {
        fputs("<tr><th>Python</th><td>", out);
        html_puts(out, m->python);
        fputs("</td></tr>\n", out);
    }
    if (m->duration > 0)
        fprintf(out, "<tr><th>Duration</th><td>%.1f s</td></tr>\n", m->duration);
    fprintf(out, "<tr><th>Samples</th><td>%llu</td></tr>\n", (unsigned long long)r->samples);
    if (m->rate > 0)
        fprintf(out, "<tr><th>Rate</th><td>%.0f Hz</td></tr>\n", m->rate);
    if (src->skipped > 0)
        fprintf(out, "<tr><th>Skipped</th><td>%zu damaged lines (bytes no text has)</td></tr>\n",
                src->skipped);
    char label[REPORT_REQUEST_ROWS][16], value[REPORT_REQUEST_ROWS][400];
    int n = src->request ? report_request_rows(src->request, label, value) : 0;
    for (int i = 0; i < n; i++) {
        fprintf(out, "<tr><th>%s</th><td>", label[i]);
        html_puts(out, value[i]);
        fputs("</td></tr>\n", out);
    }
    fputs("</table>\n", out);
}

/* One bar of the chart: the total share as a tint, the own share solid
 * over it; the data attributes carry the figures as the table prints
 * them. */
static void chart_bar(FILE *out, const struct report *r, int c, int row)
{
    double own = report_pct(r->own[c], r->samples), total = report_pct(r->total[c], r->samples);
    int y = CHART_TOP + row * CHART_ROW;
    const char *name = category_name(c);
    fprintf(out,
            "<g class=\"cat\" data-cat=\"%s\" data-own=\"%.1f\" data-total=\"%.1f\">"
            "<title>%s: own %.1f%%, total %.1f%% of the samples</title>\n",
            name, own, total, name, own, total);
    fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n", CHART_LABEL, y + 15,
            name);
    fprintf(out, "<rect class=\"track\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"18\"/>\n",
            CHART_BAR_X, y + 2, CHART_BAR_W);
    fprintf(out,
            "<rect class=\"total\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"18\" fill=\"%s\" "
            "fill-opacity=\"0.3\"/>\n",
            CHART_BAR_X, y + 2, total / 100.0 * CHART_BAR_W, cat_colour[c]);
    fprintf(out,
            "<rect class=\"own\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"18\" fill=\"%s\"/>\n",
            CHART_BAR_X, y + 2, own / 100.0 * CHART_BAR_W, cat_colour[c]);
    fprintf(out, "<text class=\"fig\" x=\"%d\" y=\"%d\">%.1f%% own, %.1f%% total</text></g>\n",
            CHART_BAR_X + CHART_BAR_W + 10, y + 15, own, total);
}

static void chart(FILE *out, const struct report *r, const int *order, int n)
{
    int height = CHART_TOP + n * CHART_ROW + 8;
    fprintf(out,
            "<svg id=\"categories\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
            "aria-label=\"Own and total share of the samples by category\">\n",
            CHART_W, height, CHART_W, height);
    /* The legend: which shade is which share. */
    fprintf(out,
            "<g class=\"legend\"><rect x=\"%d\" y=\"6\" width=\"14\" height=\"14\" fill=\"#555\"/>"
            "<text x=\"%d\" y=\"18\">own</text>"
            "<rect x=\"%d\" y=\"6\" width=\"14\" height=\"14\" fill=\"#555\" fill-opacity=\"0.3\"/>"
            "<text x=\"%d\" y=\"18\">total</text></g>\n",
            CHART_BAR_X, CHART_BAR_X + 20, CHART_BAR_X + 70, CHART_BAR_X + 90);
    for (int i = 0; i < n; i++)
        chart_bar(out, r, order[i], i);
    fputs("</svg>\n", out);
}

static void categories(FILE *out, const struct report *r)
{
    int order[CAT_COUNT], n = report_category_order(r, order);
    fputs("<h2>Where the time goes, by category</h2>\n", out);
    chart(out, r, order, n);
    fputs("<p class=\"note\">own: the samples whose innermost frame is in it; total: those that "
          "pass through it</p>\n",
          out);
    fputs("<table id=\"category-shares\">\n<thead><tr><th>category</th><th class=\"num\">own</th>"
          "<th class=\"num\">total</th></tr></thead>\n<tbody>\n",
          out);
    for (int i = 0; i < n; i++) {
        int c = order[i];
        fprintf(out,
                "<tr data-cat=\"%s\"><td>%s</td><td class=\"num\">%.1f%%</td>"
                "<td class=\"num\">%.1f%%</td></tr>\n",
                category_name(c), category_name(c), report_pct(r->own[c], r->samples),
                report_pct(r->total[c], r->samples));
    }
    fputs("</tbody>\n</table>\n", out);
}

static void functions(FILE *out, const struct report *r, int by_total)
{
    const struct report_func *v = by_total ? r->by_total : r->by_own;
    int n = by_total ? r->nby_total : r->nby_own;
    fprintf(out,
            "<h2>Hottest functions, by %s time</h2>\n<table id=\"functions-%s\">\n"
            "<thead><tr><th class=\"num\">own</th><th class=\"num\">total</th><th>function</th>"
            "<th>category</th></tr></thead>\n<tbody>\n",
            by_total ? "total" : "own", by_total ? "total" : "own");
    for (int i = 0; i < n; i++) {
        const struct func_stat *f = v[i].stat;
        fprintf(out,
                "<tr data-cat=\"%s\"><td class=\"num\">%.1f%%</td><td class=\"num\">%.1f%%</td>"
                "<td class=\"fn\"><a href=\"",
                category_name(v[i].cat), report_pct(f->self, r->samples),
                report_pct(f->total, r->samples));
        put_search_href(out, f);
        fputs("\" title=\"Find in the flamegraph\">", out);
        put_frame(out, f->kind, f->name, f->file, f->src, f->line);
        fprintf(out, "</a></td><td>%s</td></tr>\n", category_name(v[i].cat));
    }
    fputs("</tbody>\n</table>\n", out);
}

static void paths(FILE *out, const struct report *r)
{
    const struct calltree *t = r->tree;
    fputs("<h2>Hottest call paths</h2>\n<ol id=\"paths\" class=\"paths\">\n", out);
    for (int i = 0; i < r->npaths; i++) {
        const struct ct_frame *frames[REPORT_PATH_MAX];
        int depth = report_path(r, i, frames, REPORT_PATH_MAX);
        double pct = report_pct(t->nodes[r->paths[i]].self, r->samples);
        fprintf(out,
                "<li data-share=\"%.1f\"><span class=\"num\">%.1f%%</span> <span "
                "class=\"path\">",
                pct, pct);
        for (int d = 0; d < depth; d++) {
            const struct ct_frame *f = frames[d];
            if (d > 0)
                fputs(" <span class=\"sep\">\u2192</span> ", out);
            put_frame(out, f->kind, f->name, f->file, f->src, f->line);
        }
        fputs("</span></li>\n", out);
    }
    fputs("</ol>\n", out);
}

static void groups(FILE *out, const struct report *r)
{
    if (r->ngroups == 0)
        return;
    fputs("<h2>Processes, threads, tasks and requests</h2>\n<table id=\"groups\">\n"
          "<thead><tr><th class=\"num\">share</th><th>of</th></tr></thead>\n<tbody>\n",
          out);
    for (int i = 0; i < r->ngroups; i++) {
        fprintf(out, "<tr><td class=\"num\">%.1f%%</td><td>",
                report_pct(r->groups[i].total, r->samples));
        html_puts(out, r->groups[i].name);
        fputs("</td></tr>\n", out);
    }
    fputs("</tbody>\n</table>\n", out);
    if (r->more_groups > 0)
        fprintf(out, "<p class=\"note\">%d more not listed.</p>\n", r->more_groups);
}

static void advice(FILE *out, const struct report *r)
{
    fputs("<h2>Advice</h2>\n", out);
    if (r->nadvice == 0) {
        fprintf(out, "<p id=\"advice\">%s</p>\n", report_nothing_stands_out);
        return;
    }
    fputs("<ul id=\"advice\" class=\"advice\">\n", out);
    for (int i = 0; i < r->nadvice; i++) {
        fputs("<li>", out);
        html_puts(out, r->advice[i].text);
        fputs("</li>\n", out);
    }
    fputs("</ul>\n", out);
}

static int flamegraph(FILE *out, const struct report *r, const struct report_source *src,
                      struct pt_error *err)
{
    fputs("<h2>Flamegraph</h2>\n<p class=\"note\">Click a frame to zoom on it, Esc to zoom out; "
          "Search (or /) highlights the frames that match a regular expression and says the "
          "share of the samples under them. A function's name in the tables above searches for "
          "it.</p>\n<div id=\"flamegraph\">\n",
          out);
    if (flamegraph_write_embedded(out, r->tree, src->meta, err) != 0)
        return -1;
    fputs("</div>\n", out);
    return 0;
}

int report_write_html(FILE *out, const struct report *r, const struct report_source *src,
                      struct pt_error *err)
{
    errno = 0;
    head(out, src);
    summary(out, r, src);
    categories(out, r);
    functions(out, r, 0);
    functions(out, r, 1);
    paths(out, r);
    groups(out, r);
    advice(out, r);
    if (flamegraph(out, r, src, err) != 0)
        return -1;
    fputs("<footer>Written by " PACKAGE_STRING ".</footer>\n</main>\n</body>\n</html>\n", out);
    if (fflush(out) != 0 || ferror(out)) {
        int e = errno ? errno : EIO;
        return pt_error_sys(err, PT_E_IO, e, "cannot write the report: %s", strerror(e));
    }
    return 0;
}
