/*
 * input/load: telling a saved profile's format from its bytes and
 * reading it. See load.h.
 *
 * The first bytes decide: gzip, or a protobuf that decodes as a Profile,
 * is pprof, '{' is
 * speedscope JSON, an XML declaration or <svg a flamegraph SVG (pytop's
 * carries its folded stacks), text of "frames COUNT" lines folded
 * stacks (pytop's, py-spy's, austin's, Tachyon's, flamegraph.pl's: the
 * folded reader knows each one's frames). Anything else is refused with
 * what it looks like.
 */
#include "config.h"
#include "input/load.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/speedscope.h"
#include "input/svg.h"
#include "output/collapsed.h"
#include "output/pprof.h"
#include "util.h"

static int refuse(struct pt_error *err, const char *what, const char *why)
{
    return pt_error_set(err, PT_E_IO, "%s: %s", what, why);
}

/* What binary bytes are, for the message that refuses them. */
static const char *binary_kind(const unsigned char *d, size_t n)
{
    if (n >= 3 && d[0] == 0xff && d[1] == 0xd8 && d[2] == 0xff)
        return "a JPEG image, not a profile";
    if (n >= 8 && memcmp(d, "\x89PNG", 4) == 0)
        return "a PNG image, not a profile";
    if (n >= 4 && memcmp(d, "%PDF", 4) == 0)
        return "a PDF document, not a profile";
    if (n >= 4 && memcmp(d,
                         "\x7f"
                         "ELF",
                         4) == 0)
        return "an executable (ELF), not a profile";
    return "binary data, not a profile pytop reads (folded stacks, speedscope, pprof, or "
           "pytop's flamegraph SVG)";
}

static int is_control(unsigned char c)
{
    return c < 0x20 && c != '\n' && c != '\r' && c != '\t';
}

/* Whether the first line is text: the file is then taken for folded
 * stacks, whatever damage later lines may hold. */
static int is_text(const unsigned char *d, size_t n)
{
    for (size_t i = 0; i < n && i < 65536 && d[i] != '\n'; i++)
        if (is_control(d[i]))
            return 0;
    return 1;
}

/* The lines of data[0..size) holding bytes no text has (a tool that
 * wrote a frame name it read while it changed: Tachyon has been seen
 * to), dropped into a copy (NULL if none), counted in *skipped. */
static char *without_damaged_lines(const char *data, size_t size, size_t *skipped)
{
    char *copy = NULL;
    size_t o = 0;
    *skipped = 0;
    for (size_t at = 0; at < size;) {
        const char *nl = memchr(data + at, '\n', size - at);
        size_t end = nl ? (size_t)(nl - data) + 1 : size;
        int bad = 0;
        for (size_t i = at; i < end && !bad; i++)
            bad = is_control((unsigned char)data[i]);
        if (bad && copy == NULL) {
            if ((copy = malloc(size + 1)) == NULL) {
                *skipped = 1; /* NULL with lines to skip: out of memory */
                return NULL;
            }
            memcpy(copy, data, at);
            o = at;
        }
        if (bad)
            (*skipped)++;
        else if (copy != NULL)
            memcpy(copy + o, data + at, end - at), o += end - at;
        at = end;
    }
    if (copy != NULL)
        copy[o] = '\0';
    return copy;
}

/* austin's header ("# austin: 3.7.0", "# interval: 10000" µs, "# mode:
 * wall", and at the end "# duration: N" µs) into m. 1 if it is austin's;
 * *interval gets its sampling interval (µs, 0 if not said). */
static int austin_meta(const char *text, struct profile_meta *m, double *interval)
{
    int austin = 0;
    *interval = 0;
    for (const char *line = text; line != NULL && *line; line = strchr(line, '\n')) {
        if (*line == '\n')
            line++;
        if (line[0] != '#')
            continue;
        double v;
        if (strncmp(line, "# austin:", 9) == 0)
            austin = 1;
        else if (sscanf(line, "# interval: %lf", &v) == 1 && v > 0)
            m->rate = 1e6 / v, *interval = v;
        else if (sscanf(line, "# duration: %lf", &v) == 1 && v > 0)
            m->duration = v / 1e6;
    }
    return austin;
}

/* Which tool wrote folded stacks, from the first frame of a line. */
static const char *folded_dialect(const char *text, int austin)
{
    if (austin)
        return "austin folded stacks";
    const char *line = text;
    while (line != NULL && (*line == '#' || *line == '\n'))
        line = (line = strchr(line, '\n')) ? line + 1 : NULL;
    if (line == NULL)
        return "folded stacks";
    if (strncmp(line, "tid:", 4) == 0)
        return "Tachyon folded stacks";
    if (line[0] == 'P' && line[1] >= '0' && line[1] <= '9')
        return "austin folded stacks";
    if (strncmp(line, "thread (", 8) == 0 ||
        (strncmp(line, "process ", 8) == 0 && strstr(line, ":\"") != NULL &&
         strstr(line, ":\"") < strchr(line, ';')))
        return "py-spy folded stacks"; /* thread (0x7F...), process N:"cmd" */
    if (strncmp(line, "process ", 8) == 0 || strncmp(line, "thread ", 7) == 0 ||
        strncmp(line, "task ", 5) == 0)
        return "pytop folded stacks";
    return "folded stacks";
}

/* austin's counts in its time modes are microseconds spent in the stack,
 * not samples: rewrite each line's count as samples (its time over the
 * interval, at least 1), in place (the text only gets shorter). */
static void austin_counts_to_samples(char *text, double interval)
{
    char *w = text;
    for (char *line = text; *line;) {
        char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char *blank = line[0] == '#' ? NULL : memrchr(line, ' ', len);
        if (blank != NULL) {
            double us = strtod(blank + 1, NULL);
            unsigned long long n = (unsigned long long)(us / interval + 0.5);
            size_t head = (size_t)(blank - line);
            memmove(w, line, head);
            w += head;
            w += sprintf(w, " %llu", n > 0 ? n : 1ULL);
        } else {
            memmove(w, line, len);
            w += len;
        }
        if (end == NULL)
            break;
        *w++ = '\n';
        line = end + 1;
    }
    *w = '\0';
}

/* data is NUL-terminated at size (see load.h): read in place, but for
 * austin's counts, rewritten in a copy. */
static int load_folded(const char *what, const char *data, size_t size, struct loaded_profile *lp,
                       struct pt_error *err)
{
    char *copy = without_damaged_lines(data, size, &lp->skipped);
    if (copy == NULL && lp->skipped > 0)
        return pt_error_set(err, PT_E_NOMEM, "out of memory reading %s", what);
    if (copy != NULL) {
        data = copy;
        size = strlen(copy);
    }
    double interval;
    int austin = austin_meta(data, &lp->meta, &interval);
    snprintf(lp->format, sizeof lp->format, "%s", folded_dialect(data, austin));
    if (austin && interval > 0 && strstr(data, "# mode: memory") == NULL) {
        if (copy == NULL && (copy = malloc(size + 1)) == NULL)
            return pt_error_set(err, PT_E_NOMEM, "out of memory reading %s", what);
        if (copy != data)
            memcpy(copy, data, size + 1);
        austin_counts_to_samples(copy, interval);
        data = copy;
        size = strlen(copy);
    }
    /* A read-only stream: fmemopen("r") never writes its buffer. */
    FILE *in = fmemopen((char *)data, size, "r");
    int rc;
    if (in == NULL) {
        rc = pt_error_set(err, PT_E_NOMEM, "out of memory reading %s", what);
    } else {
        rc = collapsed_read(in, &lp->tree, err);
        fclose(in);
        if (rc != 0)
            pt_error_prefix(err, "%s", what);
    }
    free(copy);
    return rc;
}

int profile_load_bytes(const char *what, const char *data, size_t size, struct loaded_profile *lp,
                       struct pt_error *err)
{
    memset(lp, 0, sizeof *lp);
    if (calltree_init(&lp->tree) != 0)
        return pt_error_set(err, PT_E_NOMEM, "out of memory reading %s", what);
    const unsigned char *d = (const unsigned char *)data;
    size_t lead = 0;
    while (lead < size && (d[lead] == ' ' || d[lead] == '\n' || d[lead] == '\r' || d[lead] == '\t'))
        lead++;
    if (lead == size)
        return refuse(err, what, size == 0 ? "an empty file" : "only blank space, no profile");
    int rc;
    if (pprof_detect(data, size)) {
        rc = pprof_read(data, size, &lp->tree, &lp->meta, err);
        if (rc != 0)
            pt_error_prefix(err, "%s", what);
        snprintf(lp->format, sizeof lp->format, "pprof");
    } else if (d[lead] == '{') {
        char exporter[64];
        rc = speedscope_read(data, size, &lp->tree, &lp->meta, exporter, sizeof exporter, err);
        if (rc != 0)
            pt_error_prefix(err, "%s", what);
        snprintf(lp->format, sizeof lp->format, "speedscope%s%.40s%s", exporter[0] ? " (" : "",
                 exporter, exporter[0] ? ")" : "");
    } else if (size - lead > 5 &&
               (strncmp(data + lead, "<?xml", 5) == 0 || strncmp(data + lead, "<svg", 4) == 0 ||
                strncmp(data + lead, "<!DOCTYPE", 9) == 0)) {
        rc = svg_read(data, size, &lp->tree, &lp->meta, err);
        if (rc != 0)
            pt_error_prefix(err, "%s", what);
        snprintf(lp->format, sizeof lp->format, "pytop flamegraph (SVG)");
    } else if (!is_text(d, size)) {
        rc = refuse(err, what, binary_kind(d, size));
    } else {
        rc = load_folded(what, data, size, lp, err);
    }
    if (rc == 0 && lp->tree.nodes[0].total == 0)
        rc = refuse(err, what, "a profile with no samples");
    if (rc == 0) {
        lp->meta.samples = lp->tree.nodes[0].total;
        if (lp->meta.target[0] == '\0')
            snprintf(lp->meta.target, sizeof lp->meta.target, "%s", what);
    }
    return rc;
}

int profile_load(const char *path, struct loaded_profile *lp, struct pt_error *err)
{
    size_t len = 0;
    char *data = read_file(strcmp(path, "-") == 0 ? "/dev/stdin" : path, &len);
    if (data == NULL) {
        memset(lp, 0, sizeof *lp);
        return pt_error_sys(err, PT_E_IO, errno, "cannot read %s: %s", path, strerror(errno));
    }
    int rc = profile_load_bytes(path, data, len, lp, err);
    free(data);
    return rc;
}

void loaded_profile_free(struct loaded_profile *lp)
{
    if (lp->tree.nodes != NULL)
        calltree_free(&lp->tree);
    memset(lp, 0, sizeof *lp);
}
