/*
 * tests/unit/test_report: `pytop report`'s parts below the command: the
 * module categories (report/category), reading other tools' profiles
 * (input/load, input/speedscope, output/collapsed's dialects) and the
 * shares and advice of report/analysis, on small profiles whose answers
 * are worked out by hand, and the HTML page of report/html.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "input/load.h"
#include "input/svg.h"
#include "modules.h"
#include "output/collapsed.h"
#include "output/flamegraph.h"
#include "report/analysis.h"
#include "report/category.h"
#include "report/html.h"
#include "report/text.h"

/* --- modules and categories --- */

static void test_module_names_from_paths(void **state)
{
    (void)state;
    const struct {
        const char *path, *module;
    } cases[] = {
        {"sqlalchemy/orm/query.py", "sqlalchemy.orm.query"},
        {"/usr/lib/python3/dist-packages/sqlalchemy/orm/query.py", "sqlalchemy.orm.query"},
        {"/venv/lib/python3.12/site-packages/django/db/__init__.py", "django.db"},
        {"/usr/lib/python3.11/json/encoder.py", "json.encoder"},
        {"asyncio/tasks.py", "asyncio.tasks"},
        {"<frozen importlib._bootstrap>", "importlib._bootstrap"},
        {"./app.py", "app"},
        {"/srv/app/main.py", ""}, /* the program's own, outside any library */
        {"<stdin>", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char m[256];
        module_dotted_name(cases[i].path, m, sizeof m);
        assert_string_equal(m, cases[i].module);
    }
}

static void test_categories_by_longest_module(void **state)
{
    (void)state;
    struct category_table *ct = category_table_new();
    assert_non_null(ct);
    assert_int_equal(category_of(ct, CT_PYTHON, "django/db/models/query.py"), CAT_DATABASE);
    assert_int_equal(category_of(ct, CT_PYTHON, "django/views/generic/base.py"), CAT_FRAMEWORK);
    assert_int_equal(category_of(ct, CT_PYTHON, "http/client.py"), CAT_HTTP_CLIENT);
    assert_int_equal(category_of(ct, CT_PYTHON, "http/cookies.py"), CAT_STDLIB);
    assert_int_equal(category_of(ct, CT_PYTHON, "json/encoder.py"), CAT_SERIALIZATION);
    assert_int_equal(category_of(ct, CT_PYTHON, "logging/__init__.py"), CAT_LOGGING);
    assert_int_equal(category_of(ct, CT_PYTHON, "asyncio/base_events.py"), CAT_EVENT_LOOP);
    assert_int_equal(category_of(ct, CT_PYTHON, "uvicorn/protocols/http/h11_impl.py"), CAT_SERVER);
    assert_int_equal(category_of(ct, CT_PYTHON, "<frozen importlib._bootstrap>"), CAT_STDLIB);
    assert_int_equal(category_of(ct, CT_PYTHON, "slow_app.py"), CAT_APP);
    /* A module whose name only starts like a known one is not it. */
    assert_int_equal(category_of(ct, CT_PYTHON, "jsonschema_tools/check.py"), CAT_APP);
    assert_int_equal(category_of(ct, CT_NATIVE, "libc.so.6"), CAT_NATIVE);
    /* Waiting is by function; blocking by module. */
    assert_true(category_waits(ct, "EpollSelector.select", "selectors.py"));
    assert_true(category_waits(ct, "select", "selectors.py")); /* 3.8-3.10: no class */
    assert_true(category_waits(ct, "sleep", "asyncio/tasks.py"));
    assert_false(category_waits(ct, "EpollSelector.register", "selectors.py"));
    assert_false(category_waits(ct, "sleep", "myapp/tasks.py"));
    assert_true(category_blocks(ct, "requests/sessions.py"));
    assert_false(category_blocks(ct, "httpx/_client.py"));
    category_table_free(ct);
}

static char *write_temp(const char *text)
{
    char *path = strdup("/tmp/pytop-test-categories-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void test_a_users_file_extends_and_overrides(void **state)
{
    (void)state;
    struct category_table *ct = category_table_new();
    struct pt_error err;
    char *path = write_temp("# ours\ndatabase mydriver\ncache json.encoder\n");
    assert_int_equal(category_table_load(ct, path, &err), 0);
    assert_int_equal(category_of(ct, CT_PYTHON, "mydriver/conn.py"), CAT_DATABASE);
    assert_int_equal(category_of(ct, CT_PYTHON, "json/encoder.py"), CAT_CACHE); /* the later line */
    assert_int_equal(category_of(ct, CT_PYTHON, "json/decoder.py"), CAT_SERIALIZATION);
    unlink(path);
    free(path);

    path = write_temp("database ok\nspeed fast_things\n");
    assert_int_equal(category_table_load(ct, path, &err), -1);
    assert_int_equal(err.code, PT_E_USAGE);
    assert_non_null(strstr(err.msg, ":2: unknown category 'speed'"));
    unlink(path);
    free(path);
    category_table_free(ct);
}

/* --- reading other tools' files --- */

static void load_ok(const char *text, struct loaded_profile *lp)
{
    struct pt_error err;
    int rc = profile_load_bytes("test", text, strlen(text), lp, &err);
    if (rc != 0)
        fail_msg("%s", err.msg);
}

static const struct ct_frame *leaf_frame(const struct loaded_profile *lp, int depth_from_root)
{
    /* The first stack: follow first children. */
    uint32_t n = 0;
    for (int d = 0; d <= depth_from_root; d++)
        n = lp->tree.nodes[n].child;
    return &lp->tree.frames[lp->tree.nodes[n].frame];
}

static void test_austin_counts_become_samples(void **state)
{
    (void)state;
    struct loaded_profile lp;
    load_ok("# austin: 3.7.0\n# interval: 10000\n# mode: wall\n\n"
            "P42;T0:42;/srv/app.py:<module>:3;/srv/app.py:work:10 250000\n"
            "P42;T0:42;/srv/app.py:<module>:3 30000\n\n# duration: 2800000\n",
            &lp);
    assert_int_equal(lp.tree.nodes[0].total, 28); /* 280 ms at 10 ms */
    assert_string_equal(lp.format, "austin folded stacks");
    assert_true(lp.meta.rate == 100.0 && lp.meta.duration == 2.8);
    assert_int_equal(leaf_frame(&lp, 0)->kind, CT_PROCESS);
    assert_string_equal(leaf_frame(&lp, 0)->name, "process 42");
    assert_int_equal(leaf_frame(&lp, 1)->kind, CT_THREAD);
    assert_string_equal(leaf_frame(&lp, 1)->name, "thread 42");
    const struct ct_frame *f = leaf_frame(&lp, 3);
    assert_string_equal(f->name, "work");
    assert_string_equal(f->file, "/srv/app.py");
    assert_int_equal(f->line, 10);
    loaded_profile_free(&lp);
}

static void test_tachyon_and_py_spy_roots(void **state)
{
    (void)state;
    struct loaded_profile lp;
    load_ok("tid:7;<task>:Task-1:0;<stdin>:main:32;tasks.py:sleep:725 4\n", &lp);
    assert_string_equal(lp.format, "Tachyon folded stacks");
    assert_string_equal(leaf_frame(&lp, 0)->name, "thread 7");
    assert_int_equal(leaf_frame(&lp, 1)->kind, CT_TASK);
    assert_string_equal(leaf_frame(&lp, 1)->name, "task Task-1");
    assert_string_equal(leaf_frame(&lp, 2)->file, "<stdin>");
    loaded_profile_free(&lp);

    load_ok("process 42:\"python3 app.py\";thread (0x7F00AA);main (app.py:3);work (app.py) 2\n",
            &lp);
    assert_string_equal(lp.format, "py-spy folded stacks");
    assert_string_equal(leaf_frame(&lp, 0)->name, "process 42 (python3 app.py)");
    assert_string_equal(leaf_frame(&lp, 1)->name, "thread 0x7F00AA");
    const struct ct_frame *f = leaf_frame(&lp, 3);
    assert_string_equal(f->name, "work");
    assert_string_equal(f->file, "app.py");
    assert_int_equal(f->line, 0);
    loaded_profile_free(&lp);

    /* A line a tool wrote with a frame read while it changed (Tachyon
     * has): left out and counted, the rest read. */
    static const char damaged[] = "tid:7;a.py:main:3 5\ntid:7;<unknown file>:\xfd\x00\x04:0 1\n"
                                  "tid:7;a.py:work:9 2\n";
    struct pt_error err;
    assert_int_equal(profile_load_bytes("t", damaged, sizeof damaged - 1, &lp, &err), 0);
    assert_int_equal(lp.skipped, 1);
    assert_int_equal(lp.tree.nodes[0].total, 7);
    loaded_profile_free(&lp);

    /* flamegraph.pl's input: names only, kept whole. */
    load_ok("a;b;c:d 3\na;b 1\n", &lp);
    assert_string_equal(lp.format, "folded stacks");
    assert_string_equal(leaf_frame(&lp, 2)->name, "c:d");
    loaded_profile_free(&lp);
}

static void test_speedscope_profiles_and_weights(void **state)
{
    (void)state;
    struct loaded_profile lp;
    /* py-spy's shape: a profile per thread, weights in seconds. */
    load_ok("{\"$schema\": \"https://www.speedscope.app/file-format-schema.json\","
            " \"exporter\": \"py-spy@0.3.14\", \"name\": \"py-spy profile\","
            " \"shared\": {\"frames\": [{\"name\": \"main\", \"file\": \"app.py\", \"line\": 3},"
            " {\"name\": \"work\", \"file\": \"app.py\", \"line\": 9}]},"
            " \"profiles\": ["
            "  {\"type\": \"sampled\", \"name\": \"Thread 42 \\\"MainThread\\\"\", \"unit\": "
            "\"seconds\", \"startValue\": 0, \"endValue\": 2.0,"
            "   \"samples\": [[0, 1], [0]], \"weights\": [0.03, 0.01]},"
            "  {\"type\": \"sampled\", \"name\": \"Thread 43 \\\"worker\\\"\", \"unit\": "
            "\"seconds\", \"startValue\": 0, \"endValue\": 1.0,"
            "   \"samples\": [[1]], \"weights\": [0.02]}]}",
            &lp);
    assert_string_equal(lp.format, "speedscope (py-spy@0.3.14)");
    assert_int_equal(lp.tree.nodes[0].total, 6); /* 0.06 s of 0.01 s samples */
    assert_true(lp.meta.rate > 99.9 && lp.meta.rate < 100.1);
    assert_true(lp.meta.duration == 2.0);
    assert_int_equal(leaf_frame(&lp, 0)->kind, CT_THREAD);
    assert_string_equal(leaf_frame(&lp, 0)->name, "thread 42 \"MainThread\"");
    assert_string_equal(leaf_frame(&lp, 2)->name, "work");
    loaded_profile_free(&lp);
}

static void test_what_is_not_a_profile_is_refused(void **state)
{
    (void)state;
    const struct {
        const char *data;
        size_t size; /* 0: strlen */
        const char *says;
    } cases[] = {
        {"", 0, "an empty file"},
        {"\n\n  \n", 0, "only blank space"},
        {"\xff\xd8\xff\xe0\x00\x10JFIF", 10, "a JPEG image"}, /* a NUL: its size */
        {"main 0\n", 0, "no samples"},
        {"{\"shared\": {\"frames\": []}, \"profiles\": [{\"type\": \"evented\"}]}", 0,
         "no sampled profile"},
        {"{\"shared\": {\"frames\": [{\"name\": \"a\"}]}, \"profiles\": [{\"type\": \"sampled\", "
         "\"samples\": [[5]], \"weights\": [1]}]}",
         0, "a frame that does not exist"},
        {"<?xml version=\"1.0\"?><svg></svg>", 0, "SVG"},
        {"main;work\n", 0, "no sample count"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct loaded_profile lp;
        struct pt_error err;
        size_t n = cases[i].size ? cases[i].size : strlen(cases[i].data);
        assert_int_equal(profile_load_bytes("f", cases[i].data, n, &lp, &err), -1);
        if (strstr(err.msg, cases[i].says) == NULL)
            fail_msg("case %zu: \"%s\" does not say \"%s\"", i, err.msg, cases[i].says);
        assert_int_equal(err.code, PT_E_IO);
        loaded_profile_free(&lp);
    }
}

static int line_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The folded text of a tree, its lines sorted: the same stacks and
 * counts give the same text, whatever order they were added in. */
static char *folded_of(const struct calltree *t)
{
    char *text = NULL, *lines[64], *out = calloc(1, 65536);
    size_t len = 0, n = 0;
    FILE *f = open_memstream(&text, &len);
    struct pt_error err;
    assert_int_equal(collapsed_write(f, t, &err), 0);
    fclose(f);
    for (char *p = strtok(text, "\n"); p && n < 64; p = strtok(NULL, "\n"))
        lines[n++] = p;
    qsort(lines, n, sizeof *lines, line_cmp);
    for (size_t i = 0; i < n; i++) {
        strcat(out, lines[i]);
        strcat(out, "\n");
    }
    free(text);
    return out;
}

static void test_flamegraph_carries_its_whole_profile(void **state)
{
    (void)state;
    struct loaded_profile in;
    /* A stack far too small to draw, a name with XML's characters, and a
     * process, a thread and a native frame. */
    load_ok("process 42 (python3 <app> & \"more\");thread 43 (MainThread);main (app.py:1);"
            "work (app.py:5) 100000\n"
            "process 42 (python3 <app> & \"more\");thread 43 (MainThread);main (app.py:1);"
            "tiny (app.py:9) 1\n"
            "process 42 (python3 <app> & \"more\");thread 43 (MainThread);main (app.py:1);"
            "deflate (libz.so.1) 7\n",
            &in);
    struct profile_meta m = {.duration = 12.5, .rate = 250};
    snprintf(m.target, sizeof m.target, "PID 42 (python3 <app> & \"more\")");
    snprintf(m.python, sizeof m.python, "Python 3.12.1");
    char *svg = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&svg, &len);
    struct pt_error err;
    assert_int_equal(flamegraph_write(f, &in.tree, &m, &err), 0);
    fclose(f);
    assert_true(svg_has_profile(svg, len));

    struct loaded_profile back;
    if (profile_load_bytes("p.svg", svg, len, &back, &err) != 0)
        fail_msg("%s", err.msg);
    assert_string_equal(back.format, "pytop flamegraph (SVG)");
    assert_string_equal(back.meta.target, m.target);
    assert_string_equal(back.meta.python, "Python 3.12.1");
    assert_true(back.meta.duration == 12.5 && back.meta.rate == 250);
    char *a = folded_of(&in.tree), *b = folded_of(&back.tree);
    assert_string_equal(a, b);
    free(a);
    free(b);
    loaded_profile_free(&back);

    /* Cut before its data ends, or its data damaged: refused, not half
     * read. */
    char *data = strstr(svg, "data-size=");
    assert_non_null(data);
    data = strchr(data, '>') + 40;
    char keep = *data;
    *data = *data == 'A' ? 'B' : 'A';
    assert_int_equal(profile_load_bytes("p.svg", svg, len, &back, &err), -1);
    assert_non_null(strstr(err.msg, "damaged"));
    loaded_profile_free(&back);
    *data = keep;
    char *cut = strstr(svg, "</metadata>");
    assert_non_null(cut);
    assert_int_equal(profile_load_bytes("p.svg", svg, (size_t)(cut - svg), &back, &err), -1);
    assert_non_null(strstr(err.msg, "cut short"));
    loaded_profile_free(&back);
    free(svg);
    loaded_profile_free(&in);
}

/* --- shares and advice --- */

static void test_shares_by_innermost_and_on_the_path(void **state)
{
    (void)state;
    struct loaded_profile lp;
    /* 10 samples: 5 in a query (2 of them in the app's own handler
     * line), 2 in json, 1 waiting in select, 2 in native code. */
    load_ok("main (app.py:1);handler (app.py:5);Query.all (sqlalchemy/orm/query.py:10) 3\n"
            "main (app.py:1);handler (app.py:5) 2\n"
            "main (app.py:1);handler (app.py:6);dumps (json/__init__.py:231) 2\n"
            "main (app.py:1);EpollSelector.select (selectors.py:468) 1\n"
            "main (app.py:1);handler (app.py:7);memcpy (libc.so.6) 2\n",
            &lp);
    struct category_table *ct = category_table_new();
    struct report r;
    assert_int_equal(report_compute(&lp.tree, ct, &r), 0);
    assert_int_equal(r.samples, 10);
    assert_int_equal(r.own[CAT_DATABASE], 3);
    assert_int_equal(r.own[CAT_APP], 2);
    assert_int_equal(r.own[CAT_SERIALIZATION], 2);
    assert_int_equal(r.own[CAT_WAITING], 1);
    assert_int_equal(r.own[CAT_NATIVE], 2);
    assert_int_equal(r.total[CAT_APP], 10);
    assert_int_equal(r.total[CAT_EVENT_LOOP], 1);
    /* Database (30%) and serialization (20%) pass their thresholds. */
    assert_int_equal(r.nadvice, 2);
    assert_non_null(strstr(r.advice[0].text, "Database: 30.0%"));
    assert_non_null(strstr(r.advice[0].text, "Start at Query.all (sqlalchemy/orm/query.py:10)"));
    assert_non_null(strstr(r.advice[1].text, "Serialization: 20.0%"));
    /* The hottest path first: the query, 3 samples. */
    assert_true(r.npaths == 5);
    assert_int_equal(lp.tree.nodes[r.paths[0]].self, 3);
    assert_string_equal(r.by_own[0].stat->name, "Query.all");
    assert_int_equal(r.by_own[0].cat, CAT_DATABASE);
    report_free(&r);
    category_table_free(ct);
    loaded_profile_free(&lp);
}

static void test_blocking_call_on_an_event_loop_is_advised(void **state)
{
    (void)state;
    struct loaded_profile lp;
    load_ok("run (asyncio/runners.py:44);BaseEventLoop._run_once (asyncio/base_events.py:1909);"
            "handler (app.py:9);Session.get (requests/sessions.py:600) 8\n"
            "run (asyncio/runners.py:44);BaseEventLoop._run_once (asyncio/base_events.py:1890);"
            "EpollSelector.select (selectors.py:468) 92\n",
            &lp);
    struct category_table *ct = category_table_new();
    struct report r;
    assert_int_equal(report_compute(&lp.tree, ct, &r), 0);
    assert_int_equal(r.blocking_loop, 8);
    assert_int_equal(r.own[CAT_WAITING], 92);
    assert_int_equal(r.nadvice, 1);
    assert_non_null(strstr(r.advice[0].text, "Blocking calls on an event loop: 8.0%"));
    assert_non_null(strstr(r.advice[0].text, "Session.get (requests/sessions.py:600)"));
    report_free(&r);
    category_table_free(ct);
    loaded_profile_free(&lp);
}

/* --- the HTML page --- */

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
        cmocka_unit_test(test_module_names_from_paths),
        cmocka_unit_test(test_categories_by_longest_module),
        cmocka_unit_test(test_a_users_file_extends_and_overrides),
        cmocka_unit_test(test_austin_counts_become_samples),
        cmocka_unit_test(test_tachyon_and_py_spy_roots),
        cmocka_unit_test(test_speedscope_profiles_and_weights),
        cmocka_unit_test(test_what_is_not_a_profile_is_refused),
        cmocka_unit_test(test_flamegraph_carries_its_whole_profile),
        cmocka_unit_test(test_shares_by_innermost_and_on_the_path),
        cmocka_unit_test(test_blocking_call_on_an_event_loop_is_advised),
        cmocka_unit_test(test_html_escapes_what_the_profile_says),
        cmocka_unit_test(test_html_draws_every_category_with_the_reports_figures),
        cmocka_unit_test(test_html_holds_one_flamegraph_and_unique_ids),
        cmocka_unit_test(test_html_needs_nothing_from_the_network),
        cmocka_unit_test(test_html_says_when_nothing_stands_out),
    };
    return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
