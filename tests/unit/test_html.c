/*
 * tests/unit/test_html: report/html, the HTML page of `pytop report`:
 * everything the profile says escaped, every category drawn with the
 * figures of the markdown report (report/text), one flamegraph and ids
 * that are unique, nothing fetched from the network, and the page when
 * nothing stands out.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reporttest.h"

#include "input/load.h"
#include "report/analysis.h"
#include "report/category.h"
#include "report/html.h"
#include "report/text.h"

/* The report of folded stacks as an HTML page (*md, when md is not NULL,
 * gets its markdown), in malloc'd strings. */
static char *html_of(const char *folded, char **md)
{
    struct loaded_profile lp;
    load_ok(folded, &lp);
    struct category_table *ct = category_table_new();
    struct report r;
    assert_int_equal(report_compute(&lp.tree, ct, &r), 0);
    struct report_source src = {"p<1>&\"2\".txt", lp.format, &lp.meta, lp.skipped};
    char *page = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&page, &len);
    struct pt_error err;
    if (report_write_html(f, &r, &src, &err) != 0)
        fail_msg("%s", err.msg);
    fclose(f);
    if (md != NULL) {
        f = open_memstream(md, &len);
        assert_int_equal(report_write_text(f, &r, &src, 1, &err), 0);
        fclose(f);
    }
    report_free(&r);
    category_table_free(ct);
    loaded_profile_free(&lp);
    return page;
}

static int occurrences(const char *s, const char *what)
{
    int n = 0;
    for (const char *p = strstr(s, what); p != NULL; p = strstr(p + 1, what))
        n++;
    return n;
}

static void test_html_escapes_what_the_profile_says(void **state)
{
    (void)state;
    /* A name with each character HTML gives a meaning to, one that is
     * not text (a byte no UTF-8 has) and a process named like markup. */
    char *page = html_of("process 7 (python3 <script>alert(1)</script>);main (app.py:1);"
                         "<b>&\"'x (a&b.py:3) 6\n"
                         "process 7 (python3 <script>alert(1)</script>);main (app.py:1);"
                         "bad\xff (app.py:4) 2\n",
                         NULL);
    assert_non_null(
        strstr(page, "&lt;b&gt;&amp;&quot;&#39;x <span class=\"where\">(a&amp;b.py:3)"));
    assert_non_null(strstr(page, "python3 &lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_non_null(strstr(page, "<title>pytop report: p&lt;1&gt;&amp;&quot;2&quot;.txt</title>"));
    assert_non_null(strstr(page, "bad\xef\xbf\xbd"));
    assert_null(strstr(page, "<b>"));
    assert_null(strstr(page, "\xff"));
    /* The profile's markup appears nowhere raw: one <script> (the
     * flamegraph's) and it is not the name's. */
    assert_int_equal(occurrences(page, "<script"), 1);
    assert_null(strstr(page, "alert(1)</script>"));
    /* Its search link escapes it for a regular expression, then a URL. */
    assert_non_null(strstr(page, "href=\"?s=%5E%3Cb%3E%26%22%27x%20%5C(a%26b%5C.py%5B%3A)%5D"));
    free(page);
}

/* One frame in each category, and its share in the markdown report. */
static const char every_category[] =
    "main (app.py:1);view (django/views/generic/base.py:9) 3\n"
    "main (app.py:1);cycle (uvicorn/server.py:2) 4\n"
    "main (app.py:1);Query.all (sqlalchemy/orm/query.py:10) 23\n"
    "main (app.py:1);Redis.get (redis/client.py:5) 5\n"
    "main (app.py:1);HTTPConnection.request (http/client.py:1200) 6\n"
    "main (app.py:1);dumps (json/__init__.py:231) 7\n"
    "main (app.py:1);render (jinja2/environment.py:1090) 8\n"
    "main (app.py:1);new (hashlib.py:160) 2\n"
    "main (app.py:1);Logger.info (logging/__init__.py:1479) 9\n"
    "main (app.py:1);run_forever (asyncio/base_events.py:600) 1\n"
    "main (app.py:1);copy (copy.py:60) 10\n"
    "main (app.py:1);memcpy (libc.so.6) 11\n"
    "main (app.py:1);EpollSelector.select (selectors.py:468) 12\n"
    "main (app.py:1) 6\n";

static void test_html_draws_every_category_with_the_reports_figures(void **state)
{
    (void)state;
    char *md = NULL, *page = html_of(every_category, &md);
    int rows = 0;
    for (int c = 0; c < CAT_COUNT; c++) {
        /* "| database | 21.1% | 21.1% |" in markdown: the same figures
         * on the bar and in the table. */
        char row[128], *at, bar[160], cell[160];
        snprintf(row, sizeof row, "\n| %s | ", category_name(c));
        at = strstr(md, row);
        if (at == NULL)
            fail_msg("no %s in the markdown:\n%s", category_name(c), md);
        double own, total;
        assert_int_equal(sscanf(at + strlen(row), "%lf%% | %lf%%", &own, &total), 2);
        snprintf(bar, sizeof bar,
                 "<g class=\"cat\" data-cat=\"%s\" data-own=\"%.1f\" data-total=\"%.1f\">",
                 category_name(c), own, total);
        snprintf(cell, sizeof cell,
                 "<tr data-cat=\"%s\"><td>%s</td><td class=\"num\">%.1f%%</td>"
                 "<td class=\"num\">%.1f%%</td></tr>",
                 category_name(c), category_name(c), own, total);
        if (occurrences(page, bar) != 1 || occurrences(page, cell) != 1)
            fail_msg("%s: no bar %s or row %s", category_name(c), bar, cell);
        rows++;
    }
    assert_int_equal(rows, CAT_COUNT);
    assert_int_equal(occurrences(page, "<g class=\"cat\""), CAT_COUNT);
    /* By own share, as the text lists them: database (23) first. */
    char *chart = strstr(page, "<svg id=\"categories\"");
    assert_non_null(chart);
    assert_ptr_equal(strstr(chart, "<g class=\"cat\""),
                     strstr(chart, "<g class=\"cat\" data-cat=\"database\""));
    free(md);
    free(page);
}

static void test_html_holds_one_flamegraph_and_unique_ids(void **state)
{
    (void)state;
    char *page = html_of(every_category, NULL);
    assert_int_equal(occurrences(page, "class=\"pytop-fg\""), 1);
    assert_int_equal(occurrences(page, "<g id=\"frames\">"), 1);
    /* The page is not read back: the drawing comes without the profile. */
    assert_int_equal(occurrences(page, "pytop-profile"), 0);
    assert_null(strstr(page, "<?xml"));
    /* It comes last, inside the page's body. */
    char *fg = strstr(page, "class=\"pytop-fg\"");
    assert_true(fg > strstr(page, "<h2>Advice</h2>"));
    assert_true(fg < strstr(page, "</body>"));
    /* No id of the page is also the flamegraph's (or any other's). */
    for (const char *p = strstr(page, " id=\""); p != NULL; p = strstr(p + 1, " id=\"")) {
        char attr[80];
        const char *end = strchr(p + 5, '"');
        assert_non_null(end);
        snprintf(attr, sizeof attr, " id=\"%.*s\"", (int)(end - p - 5), p + 5);
        if (occurrences(page, attr) != 1)
            fail_msg("%s appears %d times", attr, occurrences(page, attr));
    }
    free(page);
}

static void test_html_needs_nothing_from_the_network(void **state)
{
    (void)state;
    char *page = html_of(every_category, NULL);
    static const char ns[] = "xmlns=\"http://www.w3.org/2000/svg\"";
    int urls = 0;
    for (const char *p = strstr(page, "://"); p != NULL; p = strstr(p + 1, "://")) {
        /* The SVG namespace names a vocabulary; nothing is fetched. */
        const char *start = p - (sizeof "xmlns=\"http" - 1);
        if (p - page < (long)(sizeof "xmlns=\"http" - 1) || strncmp(start, ns, sizeof ns - 1) != 0)
            fail_msg("a URL in the page: %.60s", p - 8);
        urls++;
    }
    assert_int_equal(urls, 1);
    assert_null(strstr(page, "<link"));
    assert_null(strstr(page, " src="));
    assert_null(strstr(page, "@import"));
    assert_null(strstr(page, "url("));
    free(page);
}

static void test_html_says_when_nothing_stands_out(void **state)
{
    (void)state;
    char *md = NULL, *page = html_of("main (app.py:1);work (app.py:5) 9\nmain (app.py:1) 1\n", &md);
    assert_non_null(strstr(md, "Nothing stands out"));
    assert_non_null(strstr(page, "<p id=\"advice\">Nothing stands out: no category above"));
    /* No process, thread or task frames: no table of them, as in text. */
    assert_null(strstr(md, "Processes, threads"));
    assert_null(strstr(page, "id=\"groups\""));
    assert_non_null(strstr(page, "<td class=\"num\">90.0%</td><td class=\"num\">90.0%</td>"
                                 "<td class=\"fn\">"));
    free(md);
    free(page);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_html_escapes_what_the_profile_says),
        cmocka_unit_test(test_html_draws_every_category_with_the_reports_figures),
        cmocka_unit_test(test_html_holds_one_flamegraph_and_unique_ids),
        cmocka_unit_test(test_html_needs_nothing_from_the_network),
        cmocka_unit_test(test_html_says_when_nothing_stands_out),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
