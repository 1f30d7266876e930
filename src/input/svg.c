/*
 * input/svg: reading the folded stacks out of a pytop flamegraph. See
 * svg.h.
 *
 * The stacks are base64 of zlib of the folded text, its length in
 * data-size (bounded: a damaged file cannot make pytop allocate without
 * end). The attributes are XML-escaped: &, <, >, " and the control
 * characters as numeric references, which is all that is undone here.
 */
#include "config.h"
#include "input/svg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "output/collapsed.h"
#include "util.h"

#define OPEN_TAG "<metadata id=\"pytop-profile\""

/* The largest folded text pytop takes from a flamegraph. */
#define TEXT_MAX (1ul << 30)

static const char *find(const char *data, size_t size, const char *what)
{
    return memmem(data, size, what, strlen(what));
}

int svg_has_profile(const char *data, size_t size)
{
    return find(data, size, OPEN_TAG) != NULL;
}

/* Undo the XML escapes of [s, end) into out (which has room: the text
 * only gets shorter). Returns the length written, or -1 on an unknown
 * or broken reference. */
static long unescape(const char *s, const char *end, char *out)
{
    char *o = out;
    while (s < end) {
        if (*s != '&') {
            *o++ = *s++;
            continue;
        }
        const char *semi = memchr(s, ';', (size_t)(end - s));
        if (semi == NULL || semi - s > 10)
            return -1;
        size_t n = (size_t)(semi - s + 1);
        if (n == 5 && memcmp(s, "&amp;", 5) == 0)
            *o++ = '&';
        else if (n == 4 && memcmp(s, "&lt;", 4) == 0)
            *o++ = '<';
        else if (n == 4 && memcmp(s, "&gt;", 4) == 0)
            *o++ = '>';
        else if (n == 6 && memcmp(s, "&quot;", 6) == 0)
            *o++ = '"';
        else if (s[1] == '#') {
            char *stop;
            long v = strtol(s + 2, &stop, 10);
            if (stop != semi || v <= 0 || v > 127)
                return -1; /* the writer only writes control characters so */
            *o++ = (char)v;
        } else {
            return -1;
        }
        s = semi + 1;
    }
    return (long)(o - out);
}

/* The value of attribute name in the tag [tag, end), unescaped into buf. */
static void attribute(const char *tag, const char *end, const char *name, char *buf, size_t size)
{
    char key[64];
    snprintf(key, sizeof key, " %s=\"", name);
    buf[0] = '\0';
    const char *at = memmem(tag, (size_t)(end - tag), key, strlen(key));
    if (at == NULL)
        return;
    at += strlen(key);
    const char *q = memchr(at, '"', (size_t)(end - at));
    if (q == NULL || (size_t)(q - at) >= size)
        return;
    long n = unescape(at, q, buf);
    buf[n < 0 ? 0 : n] = '\0';
}

int svg_read(const char *data, size_t size, struct calltree *t, struct profile_meta *m,
             struct pt_error *err)
{
    const char *open = find(data, size, OPEN_TAG);
    /* pytop's own drawings that carry no profile (see output/flamegraph.h)
     * get a line that says where the profile is. */
    if (open == NULL && find(data, size, "class=\"pytop-fg\"") != NULL &&
        find(data, size, " data-diff=\"1\"") != NULL)
        return pt_error_set(err, PT_E_IO,
                            "a differential flamegraph (pytop diff) holds no profile: read the "
                            "two profiles it compares");
    if (open == NULL && find(data, size, "<html") != NULL &&
        find(data, size, "class=\"pytop-fg\"") != NULL)
        return pt_error_set(err, PT_E_IO,
                            "a pytop report page (HTML) holds no profile: read the profile it "
                            "reports on");
    if (open == NULL)
        return pt_error_set(err, PT_E_IO,
                            "an SVG without pytop's profile data (only flamegraphs "
                            "pytop writes carry their stacks)");
    const char *stop = data + size;
    const char *tag_end = memchr(open, '>', (size_t)(stop - open));
    const char *close = tag_end ? find(tag_end, (size_t)(stop - tag_end), "</metadata>") : NULL;
    if (close == NULL)
        return pt_error_set(err, PT_E_IO,
                            "a pytop flamegraph cut short (its profile data does "
                            "not end)");
    char buf[600];
    attribute(open, tag_end, "data-target", m->target, sizeof m->target);
    attribute(open, tag_end, "data-python", m->python, sizeof m->python);
    attribute(open, tag_end, "data-started", buf, sizeof buf);
    m->started = (time_t)atoll(buf);
    attribute(open, tag_end, "data-duration", buf, sizeof buf);
    m->duration = atof(buf);
    attribute(open, tag_end, "data-rate", buf, sizeof buf);
    m->rate = atof(buf);

    attribute(open, tag_end, "data-size", buf, sizeof buf);
    unsigned long long want = strtoull(buf, NULL, 10);
    attribute(open, tag_end, "data-format", buf, sizeof buf);
    if (strcmp(buf, "folded+zlib+base64") != 0 || want > TEXT_MAX)
        return pt_error_set(err, PT_E_IO,
                            "a pytop flamegraph whose profile data is in a form "
                            "this pytop does not read");
    const char *body = tag_end + 1;
    size_t blen = (size_t)(close - body);
    unsigned char *z = malloc(blen / 4 * 3 + 4);
    char *text = malloc(want + 1);
    long zlen = z ? base64_decode(body, blen, z) : -1;
    uLongf got = (uLongf)want;
    int rc;
    if (z == NULL || text == NULL)
        rc = pt_error_set(err, PT_E_NOMEM, "out of memory reading a flamegraph");
    else if (zlen < 0 || uncompress((Bytef *)text, &got, z, (uLong)zlen) != Z_OK || got != want)
        rc = pt_error_set(err, PT_E_IO, "a pytop flamegraph whose profile data is damaged");
    else {
        FILE *in = got > 0 ? fmemopen(text, got, "r") : fopen("/dev/null", "r");
        rc = in == NULL ? pt_error_set(err, PT_E_NOMEM, "out of memory reading a flamegraph")
                        : collapsed_read(in, t, err);
        if (in != NULL)
            fclose(in);
    }
    free(z);
    free(text);
    return rc;
}
