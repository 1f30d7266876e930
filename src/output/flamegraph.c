/*
 * output/flamegraph: the interactive SVG flamegraph. See flamegraph.h.
 *
 * Two passes. layout_build() walks the tree from the root, keeping only
 * the frames wide enough to draw, and lays them out as boxes in depth-first
 * order (so in the file a frame comes before its children, and sample
 * offsets never decrease). The writers then print the header, one <g> per
 * box and the script. Everything a box needs for zooming and searching is
 * in its data attributes in samples, not pixels, so the script can redraw
 * any zoom level exactly; the static drawing works without the script.
 */
#include "config.h"
#include "output/flamegraph.h"
#include "output/collapsed.h"
#include "output/markup.h"
#include "hash.h"
#include "modules.h"
#include "util.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

/* Geometry, in px. Labels use a monospace font, so their width is known. */
#define FG_WIDTH   1200
#define FG_PAD     10
#define FG_PLOT    (FG_WIDTH - 2 * FG_PAD)
#define FG_TOP     64   /* first row of frames */
#define FG_ROW     16   /* row pitch; boxes are one px less */
#define FG_BOTTOM  30   /* room for the details line */
#define FG_CHAR_W  7.22 /* advance of a 12px monospace glyph (0.602 em) */
#define FG_TEXT_X  3.0  /* label inset */
#define FG_TEXT_Y  11   /* label baseline below the box top */
#define FG_MIN_PER 1000 /* frames under 1/1000 of the samples are not drawn */

/* ---- Boxes ------------------------------------------------------------ */

/* What one document draws: a profile, or AFTER of a diff (see
 * flamegraph_write_diff), with the paths only BEFORE had. */
struct fg_doc {
    const struct calltree *t;
    const struct profile_meta *m;
    const struct fg_diff *diff; /* NULL for a plain flamegraph */
    int embedded;
    double delta_scale; /* diff: the change (points) drawn at full colour */
};

struct fg_box {
    uint32_t node;   /* calltree node, CT_NONE for merged small frames */
    uint32_t merged; /* how many nodes a merged box stands for */
    int depth;       /* root 0 */
    int old;         /* a diff's path only BEFORE had: node is BEFORE's */
    uint64_t offset; /* samples left of the box */
    uint64_t samples;
};

struct fg_layout {
    struct fg_box *boxes; /* depth-first, parents before children */
    size_t n, cap;
    int max_depth;
};

struct fg_kid {
    const struct ct_frame *frame;
    uint32_t node;
    int old;
    uint64_t total;
};

/* The tree a box's node is in. */
static const struct calltree *box_tree(const struct fg_doc *doc, int old)
{
    return old ? doc->diff->before : doc->t;
}

/* How wide a node is drawn. */
static uint64_t node_weight(const struct fg_doc *doc, uint32_t node, int old)
{
    if (doc->diff == NULL)
        return doc->t->nodes[node].total;
    if (old)
        return doc->diff->before->nodes[node].total * doc->diff->before_unit;
    return doc->diff->weight[node];
}

/* Children in name order (natural order for the digits of "thread 12"),
 * then file, line and kind, so the order never depends on insertion. */
static int kid_cmp(const void *a, const void *b)
{
    const struct ct_frame *x = ((const struct fg_kid *)a)->frame;
    const struct ct_frame *y = ((const struct fg_kid *)b)->frame;
    int c = strverscmp(x->name, y->name);
    if (c == 0)
        c = strcmp(x->file, y->file);
    if (c == 0)
        c = strcmp(x->src, y->src);
    if (c == 0)
        c = (x->line > y->line) - (x->line < y->line);
    if (c == 0)
        c = (x->kind > y->kind) - (x->kind < y->kind);
    return c;
}

/* The children of one box wide enough to draw, and the narrow ones
 * together. */
struct fg_kids {
    struct fg_kid *v;
    size_t n, cap;
    uint64_t small;
    uint32_t nsmall;
};

/* Add the children of node (of the tree old says) to k; with only_gone,
 * only those AFTER has no path to (a diff's BEFORE twin of an AFTER
 * node). 0 or -1 (out of memory). */
static int kids_add(struct fg_kids *k, const struct fg_doc *doc, uint32_t node, int old,
                    int only_gone, uint64_t min)
{
    const struct calltree *t = box_tree(doc, old);
    for (uint32_t c = t->nodes[node].child; c != CT_NONE; c = t->nodes[c].sibling) {
        if (only_gone && !doc->diff->gone[c])
            continue;
        uint64_t total = node_weight(doc, c, old);
        if (total >= min) {
            if (vec_reserve((void **)&k->v, &k->cap, sizeof *k->v, k->n + 1) != 0)
                return -1;
            k->v[k->n++] = (struct fg_kid){&t->frames[t->nodes[c].frame], c, old, total};
        } else if (total > 0) {
            k->small += total;
            k->nsmall++;
        }
    }
    return 0;
}

/* Lay out the boxes of doc. Each drawn node's children wide enough to
 * draw follow it in name order; the narrower ones, if together wide
 * enough, become one merged box after them. In a diff, the children of
 * an AFTER node are its own and the paths only BEFORE had under its
 * twin; below those, everything is BEFORE's. 0 or -1 (out of memory). */
static int layout_build(struct fg_layout *l, const struct fg_doc *doc)
{
    uint64_t all = node_weight(doc, 0, 0);
    uint64_t min = all / FG_MIN_PER ? all / FG_MIN_PER : 1;
    struct fg_box *stack = NULL;
    struct fg_kids k = {0};
    size_t nstack = 0, stack_cap = 0;
    int rc = -1;

    memset(l, 0, sizeof *l);
    if (vec_reserve((void **)&stack, &stack_cap, sizeof *stack, 1) != 0)
        goto out;
    stack[nstack++] = (struct fg_box){0, 0, 0, 0, 0, all};
    while (nstack > 0) {
        struct fg_box box = stack[--nstack];
        if (vec_reserve((void **)&l->boxes, &l->cap, sizeof *l->boxes, l->n + 1) != 0)
            goto out;
        l->boxes[l->n++] = box;
        if (box.depth > l->max_depth)
            l->max_depth = box.depth;
        if (box.node == CT_NONE || all == 0)
            continue;

        k.n = 0, k.small = 0, k.nsmall = 0;
        if (kids_add(&k, doc, box.node, box.old, 0, min) != 0)
            goto out;
        if (doc->diff != NULL && !box.old && doc->diff->twin[box.node] != CT_NONE &&
            kids_add(&k, doc, doc->diff->twin[box.node], 1, 1, min) != 0)
            goto out;
        qsort(k.v, k.n, sizeof *k.v, kid_cmp);

        /* Push in reverse so that they come out left to right. */
        int big_small = k.small >= min;
        if (vec_reserve((void **)&stack, &stack_cap, sizeof *stack,
                        nstack + k.n + (size_t)big_small) != 0)
            goto out;
        uint64_t end = box.offset;
        for (size_t i = 0; i < k.n; i++)
            end += k.v[i].total;
        if (big_small)
            stack[nstack++] = (struct fg_box){CT_NONE, k.nsmall, box.depth + 1, 0, end, k.small};
        for (size_t i = k.n; i-- > 0;) {
            end -= k.v[i].total;
            stack[nstack++] =
                (struct fg_box){k.v[i].node, 0, box.depth + 1, k.v[i].old, end, k.v[i].total};
        }
    }
    rc = 0;
out:
    free(stack);
    free(k.v);
    if (rc != 0)
        free(l->boxes);
    return rc;
}

/* ---- Text --------------------------------------------------------------- */

static void xml_putn(FILE *out, const char *str, size_t n)
{
    markup_putn(out, str, n, 0);
}

static void xml_puts(FILE *out, const char *s)
{
    markup_puts(out, s, 0);
}

/* The number of bytes of the first max characters of s (all if fewer). */
static size_t utf8_prefix(const char *s, size_t max)
{
    size_t i = 0, chars = 0;
    for (; s[i]; i++)
        if (((unsigned char)s[i] & 0xc0) != 0x80 && chars++ == max)
            break;
    return i;
}

static size_t utf8_count(const char *s)
{
    size_t chars = 0;
    for (; *s; s++)
        chars += ((unsigned char)*s & 0xc0) != 0x80;
    return chars;
}

/* How many label characters a box of width px shows: 0 when fewer than 3
 * fit. The script's place() counts the same way when it redraws. */
static size_t label_room(double width)
{
    double room = (width - 2 * FG_TEXT_X) / FG_CHAR_W;
    return room >= 3 ? (size_t)room : 0;
}

/* Write label cut to max characters, ".." marking a cut. */
static void put_fitted(FILE *out, const char *label, size_t max)
{
    if (utf8_count(label) <= max) {
        xml_puts(out, label);
    } else if (max >= 3) {
        xml_putn(out, label, utf8_prefix(label, max - 2));
        fputs("..", out);
    }
}

/* 1234567 -> "1,234,567". */
static const char *fmt_count(uint64_t v, char buf[32])
{
    char digits[24];
    int n = snprintf(digits, sizeof digits, "%" PRIu64, v), j = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf[j++] = ',';
        buf[j++] = digits[i];
    }
    buf[j] = '\0';
    return buf;
}

/* What a box shows: the full description of a Python frame, the name
 * alone of process, thread and native frames. */
static void frame_label(const struct ct_frame *f, char *buf, size_t size)
{
    if (f->kind == CT_PYTHON)
        calltree_frame_text(f, buf, size);
    else
        snprintf(buf, size, "%s", f->name);
}

/* ---- Colours ------------------------------------------------------------ */

/* A name's place in a colour range, the same in every file. */
static uint32_t colour_hash(const char *s, size_t n)
{
    return (uint32_t)hash_mix(hash_bytes(s, n, HASH_SEED));
}

/* hsl(h, s, l) as "rrggbb". */
static void hsl_hex(double h, double s, double l, char out[7])
{
    double c = (1 - fabs(2 * l - 1)) * s;
    double hp = fmod(h, 360.0) / 60;
    double x = c * (1 - fabs(fmod(hp, 2) - 1));
    double r = 0, g = 0, b = 0;
    if (hp < 1)
        r = c, g = x;
    else if (hp < 2)
        r = x, g = c;
    else if (hp < 3)
        g = c, b = x;
    else if (hp < 4)
        g = x, b = c;
    else if (hp < 5)
        r = x, b = c;
    else
        r = c, b = x;
    double m = l - c / 2;
    snprintf(out, 7, "%02x%02x%02x", (unsigned)lround((r + m) * 255),
             (unsigned)lround((g + m) * 255), (unsigned)lround((b + m) * 255));
}

/* A frame's colour, from its module (hue within its family's range) and
 * its name (a slight change of lightness): the same in every profile. */
static void frame_colour(const struct ct_frame *f, char out[7])
{
    uint32_t name_h = colour_hash(f->name, strlen(f->name));
    double jitter = ((int)(name_h % 7) - 3) * 0.012;
    if (f->kind == CT_PROCESS) {
        hsl_hex(212, 0.32, 0.74 + jitter / 2, out);
        return;
    }
    if (f->kind == CT_THREAD) {
        hsl_hex(178, 0.30, 0.68 + jitter / 2, out);
        return;
    }
    if (f->kind == CT_REQUEST) {
        hsl_hex(140, 0.32, 0.70 + jitter / 2, out);
        return;
    }
    if (f->kind == CT_TASK) {
        hsl_hex(36, 0.45, 0.72 + jitter / 2, out);
        return;
    }
    if (f->kind == CT_NATIVE) {
        double u = (colour_hash(f->file, strlen(f->file)) % 1000) / 1000.0;
        hsl_hex(250 + 30 * u, 0.28, 0.75 + jitter / 2, out);
        return;
    }
    const char *mod;
    size_t len;
    enum module_family fam = module_of(f->file, f->origin, &mod, &len);
    double u = (colour_hash(mod, len) % 1000) / 1000.0;
    switch (fam) {
    case MOD_APP: /* reds and oranges */
        hsl_hex(2 + 26 * u, 0.80, 0.62 + jitter, out);
        break;
    case MOD_THIRD: /* ambers and yellows */
        hsl_hex(38 + 18 * u, 0.85, 0.56 + jitter, out);
        break;
    case MOD_STDLIB: /* muted tans */
        hsl_hex(22 + 24 * u, 0.38, 0.68 + jitter, out);
        break;
    }
}

/* How much of all samples (in points) a node's path gained since BEFORE:
 * shares, not counts, so profiles of different lengths compare. */
static uint64_t box_after(const struct fg_doc *doc, const struct fg_box *b)
{
    return b->old ? 0 : doc->t->nodes[b->node].total;
}

static uint64_t box_before(const struct fg_doc *doc, const struct fg_box *b)
{
    const struct fg_diff *d = doc->diff;
    uint32_t twin = b->old ? b->node : d->twin[b->node];
    return twin == CT_NONE ? 0 : d->before->nodes[twin].total;
}

/* A box's share of all samples after and before, in percent. */
static void box_shares(const struct fg_doc *doc, const struct fg_box *b, double *after,
                       double *before)
{
    uint64_t a_all = doc->t->nodes[0].total, b_all = doc->diff->before->nodes[0].total;
    *after = a_all ? 100.0 * (double)box_after(doc, b) / (double)a_all : 0.0;
    *before = b_all ? 100.0 * (double)box_before(doc, b) / (double)b_all : 0.0;
}

static double box_delta(const struct fg_doc *doc, const struct fg_box *b)
{
    double after, before;
    box_shares(doc, b, &after, &before);
    return after - before;
}

/* Red for a frame that grew, blue for one that shrank, deeper as the
 * change nears scale; nearly white when nothing changed. */
static void delta_colour(double delta, double scale, char out[7])
{
    double i = scale > 0 ? fabs(delta) / scale : 0;
    if (i > 1)
        i = 1;
    hsl_hex(delta >= 0 ? 2 : 218, 0.20 + 0.62 * i, 0.95 - 0.33 * i, out);
}

/* ---- The document ------------------------------------------------------- */

static const char fg_style[] =
    ".pytop-fg text { font-family: \"DejaVu Sans\", Verdana, \"Segoe UI\", Helvetica, sans-serif; "
    "fill: #222; }\n"
    ".pytop-fg .bg { fill: #fbfaf6; }\n"
    ".pytop-fg #title { font-size: 16px; font-weight: bold; }\n"
    ".pytop-fg #sub { font-size: 12px; fill: #666; }\n"
    ".pytop-fg #details, .pytop-fg #matched { font: 12px \"DejaVu Sans Mono\", Menlo, Consolas, "
    "monospace; }\n"
    ".pytop-fg #matched { font-weight: bold; fill: #9c1aa8; }\n"
    ".pytop-fg .btn { cursor: pointer; }\n"
    ".pytop-fg .btn rect { fill: #eeece6; stroke: #b9b5ab; }\n"
    ".pytop-fg .btn:hover rect { fill: #e0ddd4; }\n"
    ".pytop-fg .btn text { font-size: 12px; }\n"
    ".pytop-fg .f { cursor: pointer; }\n"
    ".pytop-fg .f rect { stroke: #fbfaf6; stroke-width: 0.6; rx: 2px; }\n"
    ".pytop-fg .f text { font: 12px \"DejaVu Sans Mono\", Menlo, Consolas, monospace; fill: "
    "#1b1b1b; "
    "pointer-events: none; }\n"
    ".pytop-fg .f:hover rect { stroke: #333; stroke-width: 1; }\n"
    ".pytop-fg .r rect { fill: #d5d2cb; }\n"
    ".pytop-fg .x { cursor: default; }\n"
    ".pytop-fg .x rect { fill: #dcdad5; }\n"
    ".pytop-fg .x text { fill: #555; }\n"
    ".pytop-fg .g rect { stroke: #1d3f8a; stroke-width: 1; stroke-dasharray: 3 2; }\n"
    ".pytop-fg .m rect { fill: #d84ee8; }\n"
    ".pytop-fg .a rect { fill-opacity: 0.45; }\n"
    ".pytop-fg .a text { fill-opacity: 0.6; }\n"
    ".pytop-fg .h { display: none; }\n";

/* The viewer: zoom, search, details, keys and URL parameters. Frames are
 * read once from their data attributes; f.o/f.n/f.d are sample offset,
 * samples and depth, so a zoom is an exact rescaling. */
static const char *const fg_script[] = {
    "(function () {",
    "\"use strict\";",
    "var svg = document.getElementById(\"frames\").ownerSVGElement;",
    "var X0 = +svg.getAttribute(\"data-x0\"), W = +svg.getAttribute(\"data-w\");",
    "/* A diff (pytop diff): widths are data-samples, shares come from",
    " * data-after and data-before against the two profiles' totals. */",
    "var diff = svg.hasAttribute(\"data-diff\");",
    "/* Inline in a page (report -f html), Ctrl-F stays the browser's find. */",
    "var standalone = svg === document.documentElement;",
    "var A = +svg.getAttribute(\"data-after-all\"), B = +svg.getAttribute(\"data-before-all\");",
    "var details = document.getElementById(\"details\");",
    "var matched = document.getElementById(\"matched\");",
    "var hint = details.textContent;",
    "var frames = [].map.call(document.querySelectorAll(\"#frames > g.f\"), function (g) {",
    "  var name = g.getAttribute(\"data-name\"), file = g.getAttribute(\"data-file\");",
    "  var line = +g.getAttribute(\"data-line\");",
    "  var full = file ? name + \" (\" + file + (line > 0 ? \":\" + line : \"\") + \")\" : name;",
    "  var f = { g: g, rect: g.querySelector(\"rect\"), text: g.querySelector(\"text\"),",
    "    o: +g.getAttribute(\"data-o\"), n: +g.getAttribute(\"data-samples\"),",
    "    self: g.getAttribute(\"data-self\"), d: +g.getAttribute(\"data-d\"),",
    "    root: g.classList.contains(\"r\"), merged: g.classList.contains(\"x\"),",
    "    a: +g.getAttribute(\"data-after\"), b: +g.getAttribute(\"data-before\"),",
    "    full: full };",
    "  f.label = f.root ? (diff ? \"all (\" + count(A) + \" samples after, \" + count(B) + \" "
    "before)\"",
    "    : \"all (\" + count(f.n) + \" samples)\")",
    "    : g.hasAttribute(\"data-kind\") ? name : full;",
    "  f.chars = Array.from(f.label);",
    "  return f;",
    "});",
    "var root = frames[0], zoomed = root, regex = null;",
    "var charW = measure();",
    "",
    "function count(n) { return String(n).replace(/\\B(?=(\\d{3})+(?!\\d))/g, \",\"); }",
    "function pct(a, b) { return (b > 0 ? 100 * a / b : 0).toFixed(2) + \"%\"; }",
    "function toggle(id, on) { document.getElementById(id).classList.toggle(\"h\", !on); }",
    "/* \"before 40.00% \u2192 after 20.00% (-20.00 points)\": a and b in samples. */",
    "function change(a, b) {",
    "  var pa = A > 0 ? 100 * a / A : 0, pb = B > 0 ? 100 * b / B : 0, d = pa - pb;",
    "  return \"before \" + pb.toFixed(2) + \"% \\u2192 after \" + pa.toFixed(2) + \"% (\" +",
    "    (d < 0 ? \"-\" : \"+\") + Math.abs(d).toFixed(2) + \" points)\";",
    "}",
    "",
    "/* The advance of one label character in the font the browser chose. */",
    "function measure() {",
    "  var t = document.createElementNS(svg.namespaceURI, \"text\"), w;",
    "  t.textContent = \"MMMMMMMMMMMMMMMMMMMM\";",
    "  t.setAttribute(\"visibility\", \"hidden\");",
    "  root.g.appendChild(t);",
    "  w = t.getComputedTextLength() / 20;",
    "  root.g.removeChild(t);",
    "  return w > 0 ? w : 7.22;",
    "}",
    "",
    "/* Show f at x with width w (px), dimmed when it is an ancestor; its",
    " * label cut to the room, a <text> created when one first fits. */",
    "function place(f, x, w, dim) {",
    "  var n = Math.floor((w - 6) / charW), s = \"\";",
    "  if (n >= 3)",
    "    s = f.chars.length <= n ? f.label : f.chars.slice(0, n - 2).join(\"\") + \"..\";",
    "  f.g.classList.remove(\"h\");",
    "  f.g.classList.toggle(\"a\", dim);",
    "  f.rect.setAttribute(\"x\", x.toFixed(2));",
    "  f.rect.setAttribute(\"width\", w.toFixed(2));",
    "  if (!f.text && s) {",
    "    f.text = document.createElementNS(svg.namespaceURI, \"text\");",
    "    f.text.setAttribute(\"y\", +f.rect.getAttribute(\"y\") + 11);",
    "    f.g.appendChild(f.text);",
    "  }",
    "  if (f.text) {",
    "    f.text.setAttribute(\"x\", (x + 3).toFixed(2));",
    "    if (f.text.textContent !== s) f.text.textContent = s;",
    "  }",
    "}",
    "",
    "/* Make z full width: its descendants scale with it, its ancestors span",
    " * the width dimmed, every other frame hides. */",
    "function zoom(z) {",
    "  var scale = W / z.n;",
    "  zoomed = z;",
    "  frames.forEach(function (f) {",
    "    if (f.d >= z.d && f.o >= z.o && f.o + f.n <= z.o + z.n)",
    "      place(f, X0 + (f.o - z.o) * scale, f.n * scale, false);",
    "    else if (f.d < z.d && f.o <= z.o && z.o + z.n <= f.o + f.n)",
    "      place(f, X0, W, true);",
    "    else",
    "      f.g.classList.add(\"h\");",
    "  });",
    "  toggle(\"reset\", z !== root);",
    "}",
    "",
    "/* Highlight the frames matching re (null clears). A sample counts once",
    " * however many frames of its stack match: the union of the matched",
    " * frames' sample ranges. */",
    "function search(re) {",
    "  var hits = [], covered = 0, end = 0;",
    "  regex = re;",
    "  frames.forEach(function (f) {",
    "    var hit = re !== null && !f.root && !f.merged && re.test(f.full);",
    "    f.g.classList.toggle(\"m\", hit);",
    "    if (hit) hits.push(f);",
    "  });",
    "  hits.sort(function (a, b) { return a.o - b.o || a.d - b.d; });",
    "  var sa = 0, sb = 0;",
    "  hits.forEach(function (f) {",
    "    var from = Math.max(f.o, end), to = f.o + f.n;",
    "    /* Boxes nest or are apart: one that starts past the end so far",
    "     * is outermost, and its before and after count once. */",
    "    if (f.o >= end) { sa += f.a; sb += f.b; }",
    "    if (to > from) { covered += to - from; end = to; }",
    "  });",
    "  matched.textContent = re === null ? \"\"",
    "    : diff ? \"Matched: \" + change(sa, sb)",
    "    : \"Matched: \" + (root.n > 0 ? 100 * covered / root.n : 0).toFixed(1) + \"%\";",
    "  toggle(\"clear\", re !== null);",
    "}",
    "",
    "function searchText(s) {",
    "  if (s === null || s === \"\") { search(null); return; }",
    "  try {",
    "    search(new RegExp(s));",
    "  } catch (e) {",
    "    search(null);",
    "    matched.textContent = \"Bad regular expression: \" + s;",
    "  }",
    "}",
    "",
    "function ask() {",
    "  var s = window.prompt(\"Search frames (regular expression):\", regex ? regex.source : "
    "\"\");",
    "  if (s !== null) searchText(s);",
    "}",
    "",
    "function describe(f) {",
    "  var s = f.root ? \"all\" : f.full;",
    "  if (diff && f.merged) s += \" \\u2014 together \" + pct(f.n, root.n) + \" of the width\";",
    "  else if (diff) s += \" \\u2014 \" + change(f.a, f.b) + (f.a === 0 ? \", only before\" : f.b "
    "=== 0 ? \", new\" : \"\");",
    "  else s += \" \\u2014 \" + count(f.n) + \" samples (\" + pct(f.n, root.n) + \")\";",
    "  if (f.self !== null && !diff) s += \", self \" + count(+f.self);",
    "  if (!diff && zoomed !== root && f.d >= zoomed.d && f.o >= zoomed.o && f.o + f.n <= zoomed.o "
    "+ "
    "zoomed.n)",
    "    s += \", \" + pct(f.n, zoomed.n) + \" of the zoomed frame\";",
    "  var chars = Array.from(s), max = Math.floor((W - 150) / charW);",
    "  return chars.length > max ? chars.slice(0, max - 2).join(\"\") + \"..\" : s;",
    "}",
    "",
    "function frameOf(target) {",
    "  var g = target.closest ? target.closest(\"g\") : null;",
    "  return g && g.classList.contains(\"f\") ? frames[+g.id.slice(1)] : null;",
    "}",
    "",
    "svg.addEventListener(\"click\", function (e) {",
    "  var g = e.target.closest ? e.target.closest(\"g\") : null, f = frameOf(e.target);",
    "  if (!g) return;",
    "  if (g.id === \"reset\") zoom(root);",
    "  else if (g.id === \"search\") ask();",
    "  else if (g.id === \"clear\") search(null);",
    "  else if (f && !f.merged) zoom(f);",
    "});",
    "svg.addEventListener(\"mouseover\", function (e) {",
    "  var f = frameOf(e.target);",
    "  if (f) details.textContent = describe(f);",
    "});",
    "svg.addEventListener(\"mouseout\", function (e) {",
    "  if (frameOf(e.target)) details.textContent = hint;",
    "});",
    "document.addEventListener(\"keydown\", function (e) {",
    "  if (e.key === \"Escape\") {",
    "    if (zoomed !== root) zoom(root); else search(null);",
    "  } else if ((e.key === \"f\" && (e.ctrlKey || e.metaKey) && standalone) || e.key === \"/\") "
    "{",
    "    e.preventDefault();",
    "    ask();",
    "  }",
    "});",
    "",
    "/* ?z=ID zooms on the frame with id fID (\"f12\" or \"12\"), ?s=REGEX searches. */",
    "var params = new URLSearchParams(window.location.search);",
    "var z = params.get(\"z\"), target = z && document.getElementById(/^\\d+$/.test(z) ? \"f\" + z "
    ": z);",
    "zoom(target && target.classList.contains(\"f\") ? frames[+target.id.slice(1)] : root);",
    "if (params.get(\"s\")) searchText(params.get(\"s\"));",
    "})();",
};

/* printf at buf + *n, never past size; *n stays a valid length. */
static void __attribute__((format(printf, 4, 5)))
appendf(char *buf, size_t size, size_t *n, const char *fmt, ...)
{
    va_list ap;
    if (*n + 1 >= size)
        return;
    va_start(ap, fmt);
    int w = vsnprintf(buf + *n, size - *n, fmt, ap);
    va_end(ap);
    if (w > 0)
        *n = *n + (size_t)w < size ? *n + (size_t)w : size - 1;
}

/* "pytop — TARGET — PYTHON — 30.0 s, 3000 samples at 100 Hz", leaving
 * out what m does not say; also the document's <title>. */
static void write_title(FILE *out, const struct fg_doc *doc, char *buf, size_t size)
{
    const struct profile_meta *m = doc->m;
    size_t n = 0;
    appendf(buf, size, &n, "pytop");
    if (doc->diff != NULL) {
        appendf(buf, size, &n, " diff \u2014 %s \u2192 %s", doc->diff->before_name,
                doc->diff->after_name);
    } else if (m == NULL) {
        appendf(buf, size, &n, " profile");
    } else {
        if (m->target[0])
            appendf(buf, size, &n, " \u2014 %s", m->target);
        if (m->python[0])
            appendf(buf, size, &n, " \u2014 %s", m->python);
        /* Other tools' files may not say how long or how fast. */
        if (m->duration > 0)
            appendf(buf, size, &n, " \u2014 %.1f s,", m->duration);
        else
            appendf(buf, size, &n, " \u2014");
        appendf(buf, size, &n, " %" PRIu64 " samples", m->samples);
        if (m->rate > 0)
            appendf(buf, size, &n, " at %g Hz", m->rate);
    }
    fputs("<title>", out);
    xml_puts(out, buf);
    fputs("</title>\n", out);
}

/* How the profile was taken, beyond the title: start, losses, settings. */
static void subtitle(const struct fg_doc *doc, char *buf, size_t size)
{
    const struct profile_meta *m = doc->m;
    size_t n = 0;
    buf[0] = '\0';
    if (doc->diff != NULL) {
        appendf(buf, size, &n,
                "colour: change of share since before, red grew, blue shrank (full at "
                "%.1f points) \u00b7 width: after, dashed: only before",
                doc->delta_scale);
        return;
    }
    if (m == NULL)
        return;
    if (m->started != 0) {
        struct tm tm;
        char when[64];
        localtime_r(&m->started, &tm);
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S %z", &tm);
        appendf(buf, size, &n, "started %s \u00b7 ", when);
    }
    if (m->achieved > 0)
        appendf(buf, size, &n, "achieved %.1f Hz \u00b7 ", m->achieved);
    if (m->lost > 0)
        appendf(buf, size, &n, "%" PRIu64 " lost (%.1f%%) \u00b7 ", m->lost,
                100.0 * (double)m->lost / (double)(m->lost + m->samples));
    appendf(buf, size, &n, "by %s \u00b7 %s", m->by_function ? "function" : "line",
            m->idle ? "idle threads kept" : "idle threads left out");
    if (m->gil_only)
        appendf(buf, size, &n, " \u00b7 GIL holder only");
}

static void write_button(FILE *out, const char *id, int hidden, int x, int width, const char *label)
{
    fprintf(out,
            "<g id=\"%s\" class=\"btn%s\"><rect x=\"%d\" y=\"36\" width=\"%d\" height=\"20\" "
            "rx=\"3\"/><text x=\"%d\" y=\"50\" text-anchor=\"middle\">%s</text></g>\n",
            id, hidden ? " h" : "", x, width, x + width / 2, label);
}

static void write_head(FILE *out, const struct fg_doc *doc, int height)
{
    char title[1024], sub[512];
    if (!doc->embedded)
        fputs("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n", out);
    fprintf(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"pytop-fg\" version=\"1.1\" width=\"%d\" "
        "height=\"%d\" viewBox=\"0 0 %d %d\" data-x0=\"%d\" data-w=\"%d\"",
        FG_WIDTH, height, FG_WIDTH, height, FG_PAD, FG_PLOT);
    if (doc->diff != NULL)
        fprintf(out,
                " data-diff=\"1\" data-after-all=\"%" PRIu64 "\" data-before-all=\"%" PRIu64 "\"",
                doc->t->nodes[0].total, doc->diff->before->nodes[0].total);
    fputs(">\n", out);
    write_title(out, doc, title, sizeof title);
    fprintf(out, "<style><![CDATA[\n%s]]></style>\n", fg_style);
    fputs("<rect class=\"bg\" x=\"0\" y=\"0\" width=\"100%\" height=\"100%\"/>\n", out);
    fprintf(out, "<text id=\"title\" x=\"%d\" y=\"24\" text-anchor=\"middle\">", FG_WIDTH / 2);
    put_fitted(out, title, label_room(FG_PLOT * 0.75)); /* bold sans: ~9.6 px a character */
    fputs("</text>\n", out);
    subtitle(doc, sub, sizeof sub);
    fprintf(out, "<text id=\"sub\" x=\"%d\" y=\"50\" text-anchor=\"middle\">", FG_WIDTH / 2);
    put_fitted(out, sub, label_room((FG_PLOT - 300) * 1.05));
    fputs("</text>\n", out);
    write_button(out, "reset", 1, FG_PAD, 90, "Reset zoom");
    write_button(out, "clear", 1, FG_WIDTH - FG_PAD - 170, 90, "Clear search");
    write_button(out, "search", 0, FG_WIDTH - FG_PAD - 74, 74, "Search\u2026");
}

/* What a box shows: its label, the head of its tooltip, its colour. */
struct fg_words {
    char label[1024];
    char full[1024];
    char colour[7];
};

static void box_words(const struct fg_doc *doc, const struct fg_box *b, struct fg_words *w)
{
    const struct calltree *t = doc->t;
    char num[32], num2[32];
    if (b->node == CT_NONE) {
        fmt_count(b->merged, num);
        snprintf(w->label, sizeof w->label, "(%s small frames)", num);
        snprintf(w->full, sizeof w->full, "%s frames narrower than 0.1%% each", num);
        strcpy(w->colour, "dcdad5");
    } else if (b->node == 0 && doc->diff != NULL) {
        snprintf(w->label, sizeof w->label, "all (%s samples after, %s before)",
                 fmt_count(t->nodes[0].total, num),
                 fmt_count(doc->diff->before->nodes[0].total, num2));
        strcpy(w->full, "all");
        strcpy(w->colour, "d5d2cb");
    } else if (b->node == 0) {
        snprintf(w->label, sizeof w->label, "all (%s samples)", fmt_count(b->samples, num));
        strcpy(w->full, "all");
        strcpy(w->colour, "d5d2cb");
    } else {
        const struct calltree *bt = box_tree(doc, b->old);
        const struct ct_frame *f = &bt->frames[bt->nodes[b->node].frame];
        frame_label(f, w->label, sizeof w->label);
        calltree_frame_text(f, w->full, sizeof w->full);
        if (doc->diff != NULL)
            delta_colour(box_delta(doc, b), doc->delta_scale, w->colour);
        else
            frame_colour(f, w->colour);
    }
}

/* The data attributes scripts read (see flamegraph.h). */
static void write_data(FILE *out, const struct fg_doc *doc, const struct fg_box *b)
{
    const struct calltree *t = box_tree(doc, b->old);
    static const char *const kinds[] = {"python", "process", "thread", "native", "task", "request"};
    char num[32];
    fputs(" data-name=\"", out);
    if (b->node == CT_NONE) {
        fprintf(out, "(%s small frames)\" data-merged=\"%" PRIu32 "\"", fmt_count(b->merged, num),
                b->merged);
    } else if (b->node == 0) {
        fputs("all\"", out);
    } else {
        const struct ct_frame *f = &t->frames[t->nodes[b->node].frame];
        xml_puts(out, f->name);
        fputc('"', out);
        if (f->kind != CT_PYTHON)
            fprintf(out, " data-kind=\"%s\"",
                    f->kind >= 0 && f->kind <= CT_REQUEST ? kinds[f->kind] : "other");
        if (f->kind == CT_PYTHON || f->file[0]) {
            fputs(" data-file=\"", out);
            xml_puts(out, f->file);
            fputc('"', out);
        }
        if (f->src[0]) {
            fputs(" data-src=\"", out);
            xml_puts(out, f->src);
            fputc('"', out);
        }
        if (f->kind == CT_PYTHON || (f->src[0] && f->line > 0))
            fprintf(out, " data-line=\"%d\"", f->line);
    }
    fprintf(out, " data-samples=\"%" PRIu64 "\"", b->samples);
    if (b->node != CT_NONE && !b->old)
        fprintf(out, " data-self=\"%" PRIu64 "\"", t->nodes[b->node].self);
    if (b->node != CT_NONE && doc->diff != NULL)
        fprintf(out, " data-after=\"%" PRIu64 "\" data-before=\"%" PRIu64 "\"", box_after(doc, b),
                box_before(doc, b));
    fprintf(out, " data-o=\"%" PRIu64 "\" data-d=\"%d\"", b->offset, b->depth);
}

/* The tooltip's second line: samples and share, or for a diff the share
 * before and after. */
static void write_tip(FILE *out, const struct fg_doc *doc, const struct fg_box *b, uint64_t all)
{
    char num[32];
    if (doc->diff != NULL && b->node != CT_NONE) {
        double after, before;
        box_shares(doc, b, &after, &before);
        fprintf(out, "\nbefore %.2f%% \u2192 after %.2f%% (%+.2f points)%s", before, after,
                after - before,
                b->old                    ? ", only before"
                : box_before(doc, b) == 0 ? ", new"
                                          : "");
        return;
    }
    fprintf(out, "\n%s samples (%.2f%%)", fmt_count(b->samples, num),
            all ? 100.0 * (double)b->samples / (double)all : 0.0);
    if (b->node != CT_NONE)
        fprintf(out, ", self %s", fmt_count(doc->t->nodes[b->node].self, num));
}

/* One frame: <g> with its data, tooltip, box and (if it fits) label. */
static void write_frame(FILE *out, const struct fg_doc *doc, const struct fg_box *b, size_t id,
                        uint64_t all, int max_depth)
{
    struct fg_words words;
    double x = FG_PAD + (all ? (double)b->offset / (double)all * FG_PLOT : 0);
    double w = all ? (double)b->samples / (double)all * FG_PLOT : FG_PLOT;
    int y = FG_TOP + (max_depth - b->depth) * FG_ROW;

    box_words(doc, b, &words);
    fprintf(out, "<g id=\"f%zu\" class=\"f%s\"", id,
            b->node == CT_NONE ? " x"
            : b->node == 0     ? " r"
            : b->old           ? " g"
                               : "");
    write_data(out, doc, b);
    fputs("><title>", out);
    xml_puts(out, words.full);
    write_tip(out, doc, b, all);
    fprintf(out, "</title><rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\" fill=\"#%s\"/>", x,
            y, w, FG_ROW - 1, words.colour);
    /* No <text> where no label fits (most boxes of a big profile): the
     * script adds one when a zoom makes room. */
    size_t room = label_room(w);
    if (room > 0) {
        fprintf(out, "<text x=\"%.2f\" y=\"%d\">", x + FG_TEXT_X, y + FG_TEXT_Y);
        put_fitted(out, words.label, room);
        fputs("</text>", out);
    }
    fputs("</g>\n", out);
}

static void write_tail(FILE *out, int height)
{
    fprintf(out,
            "<text id=\"details\" x=\"%d\" y=\"%d\">Hover a frame for details \u00b7 click to "
            "zoom \u00b7 Esc resets \u00b7 Ctrl-F or / searches</text>\n",
            FG_PAD, height - 10);
    fprintf(out, "<text id=\"matched\" x=\"%d\" y=\"%d\" text-anchor=\"end\"></text>\n",
            FG_WIDTH - FG_PAD, height - 10);
    fputs("<script><![CDATA[\n", out);
    for (size_t i = 0; i < sizeof fg_script / sizeof *fg_script; i++) {
        fputs(fg_script[i], out);
        fputc('\n', out);
    }
    fputs("]]></script>\n</svg>\n", out);
}

/* The lines of text, sorted (in place): the tree's order depends on the
 * order its stacks came in, the file must not. */
static int line_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *sorted_lines(char *text, size_t len, size_t *out_len)
{
    size_t n = 0, cap = 0;
    char **lines = NULL;
    for (char *p = text; p < text + len;) {
        char *nl = memchr(p, '\n', (size_t)(text + len - p));
        if (nl != NULL)
            *nl = '\0';
        if (vec_reserve((void **)&lines, &cap, sizeof *lines, n + 1) != 0) {
            free(lines);
            return NULL;
        }
        lines[n++] = p;
        p = nl ? nl + 1 : text + len;
    }
    if (n > 1)
        qsort(lines, n, sizeof *lines, line_cmp);
    char *out = malloc(len + 1);
    size_t o = 0;
    for (size_t i = 0; out != NULL && i < n; i++) {
        size_t l = strlen(lines[i]);
        memcpy(out + o, lines[i], l);
        o += l;
        out[o++] = '\n';
    }
    free(lines);
    *out_len = o;
    return out;
}

/* The profile itself, for `pytop report` and `pytop diff` to read back:
 * its folded stacks (output/collapsed), sorted, deflated (zlib) and in
 * base64, in a <metadata> element whose attributes carry what the meta
 * says. Compressed, a profile of many stacks costs the file little more:
 * its lines repeat their callers. Browsers ignore the element. */
static int write_profile_data(FILE *out, const struct calltree *t, const struct profile_meta *m,
                              struct pt_error *err)
{
    char *text = NULL, *sorted = NULL, *b64 = NULL;
    unsigned char *z = NULL;
    size_t len = 0, slen = 0;
    FILE *mem = open_memstream(&text, &len);
    if (mem == NULL)
        return pt_error_set(err, PT_E_NOMEM, "out of memory writing the flamegraph");
    int rc = collapsed_write(mem, t, err);
    if (fclose(mem) != 0 && rc == 0)
        rc = pt_error_set(err, PT_E_NOMEM, "out of memory writing the flamegraph");
    uLongf zlen = 0;
    if (rc == 0 && (sorted = sorted_lines(text, len, &slen)) != NULL) {
        zlen = compressBound((uLong)slen);
        z = malloc(zlen);
        if (z != NULL && compress2(z, &zlen, (const Bytef *)sorted, (uLong)slen, 6) == Z_OK)
            b64 = malloc(base64_encoded_size(zlen, 1));
    }
    if (rc == 0 && b64 == NULL)
        rc = pt_error_set(err, PT_E_NOMEM, "out of memory writing the flamegraph");
    if (rc == 0) {
        base64_encode(z, zlen, b64, 1);
        fputs("<metadata id=\"pytop-profile\" data-format=\"folded+zlib+base64\"", out);
        if (m != NULL) {
            fputs(" data-target=\"", out);
            xml_puts(out, m->target);
            fputs("\" data-python=\"", out);
            xml_puts(out, m->python);
            fprintf(out, "\" data-started=\"%lld\" data-duration=\"%.3f\" data-rate=\"%.3f\"",
                    (long long)m->started, m->duration, m->rate);
        }
        fprintf(out, " data-size=\"%zu\">\n%s</metadata>\n", slen, b64);
    }
    free(text);
    free(sorted);
    free(z);
    free(b64);
    return rc;
}

/* The change drawn at full colour: the largest among the boxes drawn,
 * and at least 1 point, so that noise stays pale when nothing moved. */
static double delta_scale(const struct fg_doc *doc, const struct fg_layout *l)
{
    double max = 1.0;
    for (size_t i = 0; i < l->n; i++) {
        const struct fg_box *b = &l->boxes[i];
        if (b->node != CT_NONE && b->node != 0 && fabs(box_delta(doc, b)) > max)
            max = fabs(box_delta(doc, b));
    }
    return max;
}

static int write_doc(FILE *out, struct fg_doc *doc, struct pt_error *err)
{
    const struct calltree *t = doc->t;
    struct fg_layout l;
    if (layout_build(&l, doc) != 0)
        return pt_error_set(err, PT_E_NOMEM, "out of memory writing the flamegraph");
    int height = FG_TOP + (l.max_depth + 1) * FG_ROW + FG_BOTTOM;
    uint64_t all = node_weight(doc, 0, 0);
    if (doc->diff != NULL)
        doc->delta_scale = delta_scale(doc, &l);

    errno = 0;
    write_head(out, doc, height);
    /* A diff is a view of two profiles, not one, and a page that embeds
     * the drawing is not read back: neither carries the profile (for a
     * big one, its text, sorted and compressed, costs the most). */
    if (doc->diff == NULL && !doc->embedded && write_profile_data(out, t, doc->m, err) != 0) {
        free(l.boxes);
        return -1;
    }
    fputs("<g id=\"frames\">\n", out);
    for (size_t i = 0; i < l.n && !ferror(out); i++)
        write_frame(out, doc, &l.boxes[i], i, all, l.max_depth);
    fputs("</g>\n", out);
    write_tail(out, height);
    free(l.boxes);

    if (fflush(out) != 0 || ferror(out)) {
        int e = errno ? errno : EIO;
        return pt_error_sys(err, PT_E_IO, e, "cannot write the flamegraph: %s", strerror(e));
    }
    return 0;
}

int flamegraph_write(FILE *out, const struct calltree *t, const struct profile_meta *m,
                     struct pt_error *err)
{
    struct fg_doc doc = {t, m, NULL, 0, 0};
    return write_doc(out, &doc, err);
}

int flamegraph_write_embedded(FILE *out, const struct calltree *t, const struct profile_meta *m,
                              struct pt_error *err)
{
    struct fg_doc doc = {t, m, NULL, 1, 0};
    return write_doc(out, &doc, err);
}

int flamegraph_write_diff(FILE *out, const struct calltree *t, const struct fg_diff *d,
                          const struct profile_meta *m, struct pt_error *err)
{
    struct fg_doc doc = {t, m, d, 0, 0};
    return write_doc(out, &doc, err);
}
