/*
 * tests/unit/test_flamegraph: output/flamegraph on call trees built by hand.
 *
 * Each test writes a tree to a memory stream and reads the SVG back as
 * text: the document must be well-formed XML (a small checker here, and
 * xmllint when it is installed), and the frames are found by their data
 * attributes, as a script reading the DOM would find them.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "calltree.h"
#include "output/flamegraph.h"
#include "output/meta.h"

/* ---- Building trees ------------------------------------------------------ */

/* Add count samples of the stack given as "name@file:line" strings (or
 * "name" alone), root first, ending with NULL. Python frames. */
static void add(struct calltree *t, uint64_t count, ...)
{
    uint32_t ids[64];
    int n = 0;
    va_list ap;
    va_start(ap, count);
    for (const char *s; (s = va_arg(ap, const char *)) != NULL;) {
        char name[256], file[256] = "";
        int line = 0;
        const char *at = strchr(s, '@');
        if (at == NULL) {
            snprintf(name, sizeof name, "%s", s);
        } else {
            snprintf(name, sizeof name, "%.*s", (int)(at - s), s);
            snprintf(file, sizeof file, "%s", at + 1);
            char *colon = strrchr(file, ':');
            if (colon != NULL) {
                line = atoi(colon + 1);
                *colon = '\0';
            }
        }
        assert_int_equal(calltree_frame(t, CT_PYTHON, name, file, line, &ids[n++]), 0);
    }
    va_end(ap);
    assert_int_equal(calltree_add(t, ids, n, count), 0);
}

static struct profile_meta sample_meta(void)
{
    struct profile_meta m;
    memset(&m, 0, sizeof m);
    snprintf(m.target, sizeof m.target, "PID 4242 (python3 app.py)");
    snprintf(m.python, sizeof m.python, "Python 3.12.1");
    m.duration = 30.0;
    m.samples = 3000;
    m.rate = 100;
    m.achieved = 99.5;
    return m;
}

/* The SVG of t as a NUL-terminated string (caller frees). */
static char *render(const struct calltree *t, const struct profile_meta *m)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    struct pt_error err = {0};
    assert_int_equal(flamegraph_write(f, t, m, &err), 0);
    assert_int_equal(fclose(f), 0);
    return buf;
}

/* ---- Reading the SVG back ------------------------------------------------ */

/* Is s well-formed as far as this document type goes: every tag closed in
 * order, attributes quoted, entities known, CDATA and the declaration
 * closed, nothing but whitespace outside the root element. */
static int well_formed(const char *s)
{
    const char *stack[256];
    size_t len[256];
    int depth = 0, seen_root = 0;
    while (*s) {
        if (strncmp(s, "<?", 2) == 0) {
            s = strstr(s, "?>");
            if (s == NULL)
                return 0;
            s += 2;
        } else if (strncmp(s, "<![CDATA[", 9) == 0) {
            s = strstr(s, "]]>");
            if (s == NULL || depth == 0)
                return 0;
            s += 3;
        } else if (strncmp(s, "</", 2) == 0) {
            size_t n = strcspn(s + 2, ">");
            if (depth == 0 || s[2 + n] != '>' || n != len[depth - 1] ||
                strncmp(s + 2, stack[depth - 1], n) != 0)
                return 0;
            depth--;
            s += 3 + n;
        } else if (*s == '<') {
            const char *name = s + 1;
            size_t n = strcspn(name, " />");
            if (n == 0 || (depth == 0 && seen_root))
                return 0;
            s = name + n;
            for (;;) { /* attributes */
                while (*s == ' ' || *s == '\n')
                    s++;
                if (*s == '>' || strncmp(s, "/>", 2) == 0)
                    break;
                size_t an = strcspn(s, "=> ");
                if (an == 0 || s[an] != '=' || s[an + 1] != '"')
                    return 0;
                const char *v = s + an + 2, *end = strchr(v, '"');
                if (end == NULL || memchr(v, '<', (size_t)(end - v)) != NULL)
                    return 0;
                s = end + 1;
            }
            seen_root = 1;
            if (*s == '>') {
                if (depth == 256)
                    return 0;
                stack[depth] = name;
                len[depth++] = n;
                s++;
            } else {
                s += 2;
            }
        } else if (*s == '&') {
            static const char *const ents[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
            int ok = 0;
            for (size_t i = 0; i < 5; i++)
                ok |= strncmp(s, ents[i], strlen(ents[i])) == 0;
            if (strncmp(s, "&#", 2) == 0 && s[2 + strspn(s + 2, "0123456789")] == ';')
                ok = 1;
            if (!ok)
                return 0;
            s++;
        } else if (*s == '>' || (depth == 0 && *s != ' ' && *s != '\n')) {
            return 0;
        } else {
            s++;
        }
    }
    return depth == 0 && seen_root;
}

/* xmllint's opinion, when it is installed: 1 valid, 0 not, -1 unknown. */
static int xmllint_ok(const char *svg)
{
    if (access("/usr/bin/xmllint", X_OK) != 0)
        return -1;
    char path[] = "/tmp/test_flamegraph-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(svg, f);
    fclose(f);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "/usr/bin/xmllint --noout %s 2>&1", path);
    int rc = system(cmd);
    unlink(path);
    return rc == 0;
}

static void assert_valid(const char *svg)
{
    assert_true(well_formed(svg));
    assert_int_not_equal(xmllint_ok(svg), 0);
}

static size_t count_of(const char *s, const char *needle)
{
    size_t n = 0;
    for (; (s = strstr(s, needle)) != NULL; s++)
        n++;
    return n;
}

/* The <g> of the frame whose data-name is the escaped text name. */
static const char *frame_g(const char *svg, const char *name)
{
    char key[512];
    snprintf(key, sizeof key, "data-name=\"%s\"", name);
    const char *p = strstr(svg, key);
    if (p == NULL)
        return NULL;
    while (p > svg && strncmp(p, "<g ", 3) != 0)
        p--;
    return p;
}

/* The value of attribute attr in the element at (or first after) p,
 * before the end of its <g>. */
static const char *attr_in(const char *p, const char *attr, char *out, size_t size)
{
    char key[64];
    snprintf(key, sizeof key, " %s=\"", attr);
    const char *end = strstr(p, "</g>");
    const char *a = strstr(p, key);
    if (a == NULL || (end != NULL && a > end))
        return NULL;
    a += strlen(key);
    snprintf(out, size, "%.*s", (int)strcspn(a, "\""), a);
    return out;
}

static double num_attr(const char *p, const char *attr)
{
    char v[64];
    assert_non_null(attr_in(p, attr, v, sizeof v));
    return atof(v);
}

/* The text shown in the box of the frame at p. */
static void box_text(const char *p, char *out, size_t size)
{
    const char *t = strstr(p, "<text ");
    assert_non_null(t);
    t = strchr(t, '>') + 1;
    snprintf(out, size, "%.*s", (int)(strstr(t, "</text>") - t), t);
}

/* hsl of "#rrggbb": h in degrees, s and l in [0, 1]. */
static void hex_hsl(const char *hex, double *h, double *s, double *l)
{
    unsigned r, g, b;
    assert_int_equal(sscanf(hex, "#%02x%02x%02x", &r, &g, &b), 3);
    double R = r / 255.0, G = g / 255.0, B = b / 255.0;
    double mx = fmax(R, fmax(G, B)), mn = fmin(R, fmin(G, B)), d = mx - mn;
    *l = (mx + mn) / 2;
    *s = d == 0 ? 0 : d / (1 - fabs(2 * *l - 1));
    if (d == 0)
        *h = 0;
    else if (mx == R)
        *h = fmod((G - B) / d + 6, 6) * 60;
    else if (mx == G)
        *h = ((B - R) / d + 2) * 60;
    else
        *h = ((R - G) / d + 4) * 60;
}

static void fill_of(const char *svg, const char *name, char out[16])
{
    const char *g = frame_g(svg, name);
    assert_non_null(g);
    assert_non_null(attr_in(g, "fill", out, 16));
}

/* ---- Tests ---------------------------------------------------------------- */

static void test_split_75_25(void **state)
{
    (void)state;
    struct calltree t;
    assert_int_equal(calltree_init(&t), 0);
    add(&t, 75, "main@app.py:10", "busy@app.py:20", NULL);
    add(&t, 25, "main@app.py:10", "idle@app.py:30", NULL);
    struct profile_meta m = sample_meta();
    char *svg = render(&t, &m);
    assert_valid(svg);

    /* root, main, busy, idle */
    assert_int_equal(count_of(svg, "class=\"f"), 4);
    assert_int_equal(count_of(svg, " data-samples="), 4);
    const char *root = frame_g(svg, "all"), *busy = frame_g(svg, "busy"),
               *idle = frame_g(svg, "idle"), *main_ = frame_g(svg, "main");
    assert_non_null(root);
    assert_non_null(busy);
    assert_non_null(idle);
    double W = num_attr(root, "width");
    assert_true(fabs(W - 1180) < 0.01);
    assert_true(fabs(num_attr(main_, "width") - W) < 0.01);
    assert_true(fabs(num_attr(busy, "width") - 0.75 * W) < 0.01);
    assert_true(fabs(num_attr(idle, "width") - 0.25 * W) < 0.01);
    assert_true(fabs(num_attr(idle, "x") - (num_attr(busy, "x") + 0.75 * W)) < 0.02);
    assert_int_equal((int)num_attr(busy, "data-samples"), 75);
    assert_int_equal((int)num_attr(idle, "data-o"), 75);
    assert_int_equal((int)num_attr(idle, "data-d"), 2);
    assert_int_equal((int)num_attr(busy, "data-line"), 20);
    char v[64];
    assert_string_equal(attr_in(busy, "data-file", v, sizeof v), "app.py");

    /* Root at the bottom: deeper frames are higher up. */
    assert_true(num_attr(root, "y") > num_attr(main_, "y"));
    assert_true(num_attr(main_, "y") > num_attr(busy, "y"));
    assert_int_equal(num_attr(busy, "y"), num_attr(idle, "y"));

    /* Labels and tooltips. */
    char text[256];
    box_text(busy, text, sizeof text);
    assert_string_equal(text, "busy (app.py:20)");
    assert_non_null(strstr(busy, "<title>busy (app.py:20)\n75 samples (75.00%), self 75</title>"));
    box_text(root, text, sizeof text);
    assert_string_equal(text, "all (100 samples)");

    /* The parts the viewer needs. */
    assert_non_null(strstr(svg, "id=\"matched\""));
    assert_non_null(strstr(svg, "id=\"details\""));
    assert_non_null(strstr(svg, "id=\"reset\""));
    assert_non_null(strstr(svg, "id=\"search\""));
    assert_non_null(strstr(svg, "<script><![CDATA["));
    assert_null(strstr(svg, "http://www.w3.org/1999/xlink"));
    assert_int_equal(count_of(svg, "://"), 1); /* only the SVG namespace: nothing to fetch */
    free(svg);
    calltree_free(&t);
}

static void test_title(void **state)
{
    (void)state;
    struct calltree t;
    assert_int_equal(calltree_init(&t), 0);
    add(&t, 3000, "main@app.py:1", NULL);
    struct profile_meta m = sample_meta();
    char *svg = render(&t, &m);
    const char *want = "pytop \u2014 PID 4242 (python3 app.py) \u2014 Python 3.12.1 \u2014 30.0 s, "
                       "3000 samples at 100 Hz";
    char doc_title[512];
    snprintf(doc_title, sizeof doc_title, "<title>%s</title>", want);
    assert_non_null(strstr(svg, doc_title));
    char shown[512];
    snprintf(shown, sizeof shown, "text-anchor=\"middle\">%s</text>", want);
    assert_non_null(strstr(svg, shown));
    assert_non_null(strstr(svg, "achieved 99.5 Hz"));
    free(svg);

    /* Markup in the target is escaped; no meta at all still gives a title. */
    snprintf(m.target, sizeof m.target, "PID 1 (python3 -c 'print(1<2 & 3>2)')");
    svg = render(&t, &m);
    assert_valid(svg);
    assert_non_null(strstr(svg, "(python3 -c 'print(1&lt;2 &amp; 3&gt;2)')"));
    free(svg);
    svg = render(&t, NULL);
    assert_valid(svg);
    assert_non_null(strstr(svg, "<title>pytop profile</title>"));
    free(svg);

    /* What the meta does not say is left out; nothing overflows. */
    m.target[0] = m.python[0] = '\0';
    svg = render(&t, &m);
    assert_non_null(strstr(svg, "<title>pytop \u2014 30.0 s, 3000 samples at 100 Hz</title>"));
    free(svg);
    memset(m.target, 'x', sizeof m.target - 1);
    memset(m.python, 'y', sizeof m.python - 1);
    m.duration = 1e300;
    m.started = 1700000000;
    m.lost = 1;
    m.gil_only = 1;
    svg = render(&t, &m);
    assert_valid(svg);
    assert_non_null(strstr(svg, "1 lost (0.0%)"));
    assert_non_null(strstr(svg, "GIL holder only"));
    free(svg);
    calltree_free(&t);
}

static void test_escaping(void **state)
{
    (void)state;
    struct calltree t;
    assert_int_equal(calltree_init(&t), 0);
    add(&t, 10, "<module>@app.py:1", "<lambda>@a&b.py:2", NULL);
    add(&t, 10, "<module>@app.py:1", "\"quote\"@q'uo\"te.py:3", NULL);
    add(&t, 10, "<module>@app.py:1", "snake_\xf0\x9f\x90\x8d@caf\xc3\xa9.py:4", NULL);
    add(&t, 10, "<module>@app.py:1", "bad\xff\x01name@x.py:5", NULL);
    char *svg = render(&t, NULL);
    assert_valid(svg);

    const char *g = frame_g(svg, "&lt;lambda&gt;");
    assert_non_null(g);
    char v[128], text[256];
    assert_string_equal(attr_in(g, "data-file", v, sizeof v), "a&amp;b.py");
    box_text(g, text, sizeof text);
    assert_string_equal(text, "&lt;lambda&gt; (a&amp;b.py:2)");

    g = frame_g(svg, "&quot;quote&quot;");
    assert_non_null(g);
    assert_string_equal(attr_in(g, "data-file", v, sizeof v), "q'uo&quot;te.py");

    /* UTF-8 survives as UTF-8. */
    g = frame_g(svg, "snake_\xf0\x9f\x90\x8d");
    assert_non_null(g);
    assert_string_equal(attr_in(g, "data-file", v, sizeof v), "caf\xc3\xa9.py");
    box_text(g, text, sizeof text);
    assert_string_equal(text, "snake_\xf0\x9f\x90\x8d (caf\xc3\xa9.py:4)");

    /* What XML cannot hold becomes U+FFFD. */
    assert_non_null(frame_g(svg, "bad\xef\xbf\xbd\xef\xbf\xbdname"));
    free(svg);
    calltree_free(&t);
}

static void test_kinds(void **state)
{
    (void)state;
    struct calltree t;
    uint32_t ids[4];
    assert_int_equal(calltree_init(&t), 0);
    assert_int_equal(
        calltree_frame(&t, CT_PROCESS, "process 4242 (python3 app.py)", "", 0, &ids[0]), 0);
    assert_int_equal(calltree_frame(&t, CT_THREAD, "thread 4243 (MainThread)", "", 0, &ids[1]), 0);
    assert_int_equal(calltree_frame(&t, CT_PYTHON, "main", "app.py", 3, &ids[2]), 0);
    assert_int_equal(calltree_frame(&t, CT_NATIVE, "PyObject_Call", "libpython3.12.so", 0, &ids[3]),
                     0);
    assert_int_equal(calltree_add(&t, ids, 4, 100), 0);
    char *svg = render(&t, NULL);
    assert_valid(svg);

    char v[64], text[256];
    const char *p = frame_g(svg, "process 4242 (python3 app.py)");
    assert_non_null(p);
    assert_string_equal(attr_in(p, "data-kind", v, sizeof v), "process");
    assert_null(attr_in(p, "data-file", v, sizeof v));
    box_text(p, text, sizeof text);
    assert_string_equal(text, "process 4242 (python3 app.py)");
    const char *th = frame_g(svg, "thread 4243 (MainThread)");
    assert_string_equal(attr_in(th, "data-kind", v, sizeof v), "thread");
    const char *nat = frame_g(svg, "PyObject_Call");
    assert_string_equal(attr_in(nat, "data-kind", v, sizeof v), "native");
    assert_string_equal(attr_in(nat, "data-file", v, sizeof v), "libpython3.12.so");
    box_text(nat, text, sizeof text);
    assert_string_equal(text, "PyObject_Call");
    assert_null(attr_in(frame_g(svg, "main"), "data-kind", v, sizeof v));

    /* Each kind its own hue, away from the warm Python families. */
    char fp[16], ft[16], fn[16];
    fill_of(svg, "process 4242 (python3 app.py)", fp);
    fill_of(svg, "thread 4243 (MainThread)", ft);
    fill_of(svg, "PyObject_Call", fn);
    double h, s, l;
    hex_hsl(fp, &h, &s, &l);
    assert_true(h > 190 && h < 230);
    hex_hsl(ft, &h, &s, &l);
    assert_true(h > 160 && h < 190);
    hex_hsl(fn, &h, &s, &l);
    assert_true(h > 240 && h < 290);
    free(svg);
    calltree_free(&t);
}

static void test_deterministic(void **state)
{
    (void)state;
    struct calltree a, b;
    assert_int_equal(calltree_init(&a), 0);
    assert_int_equal(calltree_init(&b), 0);
    /* The same stacks in another order. */
    add(&a, 5, "main@app.py:1", "x@app.py:2", NULL);
    add(&a, 7, "main@app.py:1", "y@app.py:3", "json.loads@json/__init__.py:346", NULL);
    add(&a, 9, "main@app.py:1", "z@app.py:4", NULL);
    add(&b, 9, "main@app.py:1", "z@app.py:4", NULL);
    add(&b, 7, "main@app.py:1", "y@app.py:3", "json.loads@json/__init__.py:346", NULL);
    add(&b, 5, "main@app.py:1", "x@app.py:2", NULL);
    struct profile_meta m = sample_meta();
    char *s1 = render(&a, &m), *s2 = render(&a, &m), *s3 = render(&b, &m);
    assert_string_equal(s1, s2);
    assert_string_equal(s1, s3);

    /* Same function, same colour, in a quite different tree. */
    struct calltree c;
    assert_int_equal(calltree_init(&c), 0);
    add(&c, 1000, "other@other.py:1", "json.loads@json/__init__.py:346", NULL);
    add(&c, 3, "other@other.py:1", "main@app.py:1", NULL);
    char *s4 = render(&c, NULL);
    char f1[16], f4[16];
    fill_of(s1, "json.loads", f1);
    fill_of(s4, "json.loads", f4);
    assert_string_equal(f1, f4);
    fill_of(s1, "main", f1);
    fill_of(s4, "main", f4);
    assert_string_equal(f1, f4);
    free(s1);
    free(s2);
    free(s3);
    free(s4);
    calltree_free(&a);
    calltree_free(&b);
    calltree_free(&c);
}

static void test_colour_families(void **state)
{
    (void)state;
    struct calltree t;
    assert_int_equal(calltree_init(&t), 0);
    const char *frames[] = {
        "app_a@app.py:1",
        "app_b@myapp/views.py:1",
        "app_c@/srv/service/handlers.py:1",
        "std_a@asyncio/events.py:80",
        "std_b@/usr/lib/python3.11/json/decoder.py:1",
        "std_c@<frozen importlib._bootstrap>:1",
        "tp_a@/usr/lib/python3/dist-packages/uvicorn/server.py:1",
        "tp_b@/venv/lib/python3.12/site-packages/starlette/routing.py:1",
    };
    for (size_t i = 0; i < sizeof frames / sizeof *frames; i++)
        add(&t, 10, "root", frames[i], NULL);
    char *svg = render(&t, NULL);
    for (size_t i = 0; i < sizeof frames / sizeof *frames; i++) {
        char name[16], fill[16];
        double h, s, l;
        snprintf(name, sizeof name, "%.*s", (int)strcspn(frames[i], "@"), frames[i]);
        fill_of(svg, name, fill);
        hex_hsl(fill, &h, &s, &l);
        if (name[0] == 'a') /* reds and oranges */
            assert_true(h <= 30 && s > 0.7);
        else if (name[0] == 's') /* muted tans */
            assert_true(h >= 20 && h <= 48 && s < 0.45);
        else /* ambers and yellows */
            assert_true(h >= 36 && h <= 58 && s > 0.7);
    }
    /* Two functions of one module share its hue. */
    add(&t, 10, "root", "std_d@asyncio/base_events.py:1", NULL);
    free(svg);
    svg = render(&t, NULL);
    char f1[16], f2[16];
    double h1, h2, s, l;
    fill_of(svg, "std_a", f1);
    fill_of(svg, "std_d", f2);
    hex_hsl(f1, &h1, &s, &l);
    hex_hsl(f2, &h2, &s, &l);
    assert_true(fabs(h1 - h2) < 1.5);
    free(svg);
    calltree_free(&t);
}

static void test_children_sorted(void **state)
{
    (void)state;
    struct calltree t;
    assert_int_equal(calltree_init(&t), 0);
    add(&t, 10, "main", "zeta", NULL);
    add(&t, 30, "main", "alpha", NULL);
    add(&t, 20, "main", "mu", NULL);
    add(&t, 5, "main", "thread 12", NULL);
    add(&t, 5, "main", "thread 9", NULL);
    char *svg = render(&t, NULL);
    const char *a = strstr(svg, "data-name=\"alpha\""), *m = strstr(svg, "data-name=\"mu\"");
    const char *t9 = strstr(svg, "data-name=\"thread 9\""),
               *t12 = strstr(svg, "data-name=\"thread 12\"");
    const char *z = strstr(svg, "data-name=\"zeta\"");
    assert_true(a && m && t9 && t12 && z);
    assert_true(a < m && m < t9 && t9 < t12 && t12 < z);
    assert_true(num_attr(frame_g(svg, "alpha"), "x") < num_attr(frame_g(svg, "mu"), "x"));
    assert_true(num_attr(frame_g(svg, "thread 12"), "x") < num_attr(frame_g(svg, "zeta"), "x"));
    free(svg);
    calltree_free(&t);
}

static void test_small_frames(void **state)
{
    (void)state;
    struct calltree t;
    assert_int_equal(calltree_init(&t), 0);
    add(&t, 10000, "main", "big", NULL);
    /* 50 children of 1 sample each: under 0.1% alone, 0.5% together. */
    for (int i = 0; i < 50; i++) {
        char name[32];
        snprintf(name, sizeof name, "tiny%d", i);
        add(&t, 1, "main", name, "deeper", NULL);
    }
    /* 3 lone samples under big: dropped altogether. */
    add(&t, 3, "main", "big", "crumb", NULL);
    char *svg = render(&t, NULL);
    assert_valid(svg);
    assert_null(strstr(svg, "data-name=\"tiny"));
    assert_null(strstr(svg, "data-name=\"deeper\""));
    assert_null(strstr(svg, "data-name=\"crumb\""));
    const char *g = frame_g(svg, "(50 small frames)");
    assert_non_null(g);
    assert_int_equal((int)num_attr(g, "data-samples"), 50);
    assert_int_equal((int)num_attr(g, "data-merged"), 50);
    assert_int_equal((int)num_attr(g, "data-o"), 10003); /* after big */
    assert_int_equal(count_of(svg, "class=\"f"), 4);     /* all, main, big, merged */
    free(svg);
    calltree_free(&t);
}

static void test_empty_tree(void **state)
{
    (void)state;
    struct calltree t;
    assert_int_equal(calltree_init(&t), 0);
    char *svg = render(&t, NULL);
    assert_valid(svg);
    assert_int_equal(count_of(svg, "class=\"f"), 1);
    free(svg);
    calltree_free(&t);
}

static void test_write_failure(void **state)
{
    (void)state;
    FILE *f = fopen("/dev/full", "w");
    if (f == NULL)
        skip();
    struct calltree t;
    assert_int_equal(calltree_init(&t), 0);
    add(&t, 1, "main", NULL);
    struct pt_error err = {0};
    assert_int_equal(flamegraph_write(f, &t, NULL, &err), -1);
    assert_int_equal(err.code, PT_E_IO);
    assert_int_equal(err.sys_errno, ENOSPC);
    assert_non_null(strstr(err.msg, "flamegraph"));
    fclose(f);
    calltree_free(&t);
}

#define SNAKE     "\xf0\x9f\x90\x8d" /* U+1F40D, 4 bytes of UTF-8 */
#define SNAKES_6  SNAKE SNAKE SNAKE SNAKE SNAKE SNAKE
#define SNAKES_18 SNAKES_6 SNAKES_6 SNAKES_6

static void test_long_labels_fit(void **state)
{
    (void)state;
    struct calltree t;
    assert_int_equal(calltree_init(&t), 0);
    add(&t, 900, "main", "a_rather_long_function_name_that_cannot_fit@some/module/path.py:1234",
        NULL);
    add(&t, 100, "main", SNAKES_18, NULL);
    add(&t, 3, "main", "w", NULL); /* 0.3%: drawn, no room for text */
    char *svg = render(&t, NULL);
    assert_valid(svg);
    char text[512];
    /* 118 px: (118 - 6) / 7.22 = 15 characters, the last two "..". */
    box_text(frame_g(svg, SNAKES_18), text, sizeof text);
    assert_int_equal(strlen(text), 13 * 4 + 2); /* 13 whole emoji, never half of one */
    assert_string_equal(text + 13 * 4, "..");
    box_text(frame_g(svg, "a_rather_long_function_name_that_cannot_fit"), text, sizeof text);
    assert_string_equal(text,
                        "a_rather_long_function_name_that_cannot_fit (some/module/path.py:1234)");
    const char *w = frame_g(svg, "w");
    const char *w_end = strstr(w, "</g>"), *w_text = strstr(w, "<text");
    assert_true(w_text == NULL || w_text > w_end); /* no room, no <text> */
    free(svg);
    calltree_free(&t);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t rng_state = 88172645463325252ULL;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Write t to a real file; report and return its size and the time. */
static void time_write(const struct calltree *t, const char *what, long *size, double *secs)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    struct profile_meta m = sample_meta();
    struct pt_error err = {0};
    double t0 = now();
    assert_int_equal(flamegraph_write(f, t, &m, &err), 0);
    *secs = now() - t0;
    *size = ftell(f);
    rewind(f);
    char *svg = malloc((size_t)*size + 1);
    assert_int_equal(fread(svg, 1, (size_t)*size, f), (size_t)*size);
    svg[*size] = '\0';
    fclose(f);
    assert_true(well_formed(svg));
    print_message("%s: %ld bytes, %zu frames drawn, written in %.3f s\n", what, *size,
                  count_of(svg, "class=\"f"), *secs);
    free(svg);
}

/* 50,000 distinct frames in 200,000 nodes, deep and bushy; samples skewed
 * so that some paths are hot and most are cold, as in real programs. */
static void test_big_tree(void **state)
{
    (void)state;
    struct calltree t;
    assert_int_equal(calltree_init(&t), 0);
    uint32_t frames[50000];
    for (int i = 0; i < 50000; i++) {
        char name[64], file[64];
        snprintf(name, sizeof name, "func_%d", i);
        snprintf(file, sizeof file, "pkg%d/mod%d.py", i % 97, i % 1013);
        assert_int_equal(calltree_frame(&t, CT_PYTHON, name, file, i % 900 + 1, &frames[i]), 0);
    }
    uint32_t stack[40];
    while (t.nnodes < 200000) {
        int depth = 5 + (int)(rng() % 35);
        for (int d = 0; d < depth; d++) /* low ids near the root: shared prefixes */
            stack[d] = frames[rng() % (d < 3 ? 20 : d < 8 ? 2000 : 50000)];
        uint64_t r = rng() % 1000;
        assert_int_equal(calltree_add(&t, stack, depth, r < 990 ? 1 + r % 3 : 2000 + r), 0);
    }
    assert_true(t.nframes >= 49000);
    long size;
    double secs;
    time_write(&t, "50k frames / 200k nodes", &size, &secs);
    assert_true(size < 4 * 1024 * 1024);
    assert_true(secs < 2.0);
    calltree_free(&t);
}

/* 1,000,000 samples over 10,000 distinct stacks. */
static void test_million_samples(void **state)
{
    (void)state;
    struct calltree t;
    assert_int_equal(calltree_init(&t), 0);
    uint32_t frames[3000];
    for (int i = 0; i < 3000; i++) {
        char name[64];
        snprintf(name, sizeof name, "handler_%d", i);
        assert_int_equal(calltree_frame(&t, CT_PYTHON, name, "app/views.py", i + 1, &frames[i]), 0);
    }
    static uint32_t stacks[10000][24];
    static int depths[10000];
    for (int s = 0; s < 10000; s++) {
        depths[s] = 8 + (int)(rng() % 16);
        for (int d = 0; d < depths[s]; d++)
            stacks[s][d] = frames[rng() % (d < 4 ? 10 : 3000)];
    }
    for (int i = 0; i < 1000000; i++) {
        int s = (int)(rng() % 10000);
        s = (s * (int)(rng() % 10000)) % 10000; /* a skewed choice */
        assert_int_equal(calltree_add(&t, stacks[s], depths[s], 1), 0);
    }
    long size;
    double secs;
    time_write(&t, "1M samples / 10k stacks", &size, &secs);
    assert_true(secs < 1.0);
    calltree_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_75_25),     cmocka_unit_test(test_title),
        cmocka_unit_test(test_escaping),        cmocka_unit_test(test_kinds),
        cmocka_unit_test(test_deterministic),   cmocka_unit_test(test_colour_families),
        cmocka_unit_test(test_children_sorted), cmocka_unit_test(test_small_frames),
        cmocka_unit_test(test_empty_tree),      cmocka_unit_test(test_write_failure),
        cmocka_unit_test(test_long_labels_fit), cmocka_unit_test(test_big_tree),
        cmocka_unit_test(test_million_samples),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
