/*
 * input/speedscope: speedscope JSON into a calltree. See speedscope.h.
 *
 * The JSON is parsed with jansson; every index and number is checked
 * before use: a broken file is refused with a message, never trusted.
 */
#include "config.h"
#include "input/speedscope.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Samples of one stack, from weights in a unit of time: no more. */
#define COUNT_MAX 1000000000.0

static int bad(struct pt_error *err, const char *why)
{
    return pt_error_set(err, PT_E_IO, "not a speedscope profile pytop can read: %s", why);
}

static int starts_tagged(const char *s, const char *word)
{
    size_t n = strlen(word);
    return strncmp(s, word, n) == 0 && s[n] >= '0' && s[n] <= '9';
}

/* The kind of a shared frame: with a Python file a Python frame, with a
 * library a native one; without a file pytop's process, thread and task
 * frames, else a frame known by its name alone. */
static int frame_kind(const char *name, const char *file)
{
    size_t n = strlen(file);
    if (n > 0)
        return (n > 3 && strcmp(file + n - 3, ".py") == 0) || file[0] == '<' || strchr(file, '/')
                   ? CT_PYTHON
                   : CT_NATIVE;
    if (starts_tagged(name, "process "))
        return CT_PROCESS;
    if (starts_tagged(name, "thread "))
        return CT_THREAD;
    if (strncmp(name, "task ", 5) == 0)
        return CT_TASK;
    if (strncmp(name, "request ", 8) == 0)
        return CT_REQUEST;
    return CT_PYTHON;
}

static int intern_frames(json_t *frames, struct calltree *t, uint32_t **ids, size_t *n,
                         struct pt_error *err)
{
    *n = json_array_size(frames);
    *ids = calloc(*n + 1, sizeof **ids);
    if (*ids == NULL)
        return pt_error_set(err, PT_E_NOMEM, "out of memory reading a speedscope profile");
    for (size_t i = 0; i < *n; i++) {
        json_t *f = json_array_get(frames, i);
        const char *name = json_string_value(json_object_get(f, "name"));
        const char *file = json_string_value(json_object_get(f, "file"));
        const char *library = json_string_value(json_object_get(f, "library"));
        json_t *line = json_object_get(f, "line");
        if (!json_is_object(f) || name == NULL)
            return bad(err, "a frame without a name");
        long long l = json_is_integer(line) ? json_integer_value(line) : 0;
        if (file == NULL)
            file = "";
        /* pytop's native frame with its source: the file is the source. */
        int native = library != NULL && library[0] != '\0' && file[0] != '\0';
        if (calltree_frame_src(t, native ? CT_NATIVE : frame_kind(name, file), name,
                               native ? library : file, native ? file : "",
                               l > 0 && l < 10000000 ? (int)l : 0, &(*ids)[i]) != 0)
            return pt_error_set(err, PT_E_NOMEM, "out of memory reading a speedscope profile");
    }
    return 0;
}

/* A root frame for one of several profiles: pytop names each after its
 * process, py-spy each after its thread ("Thread 42 ..."). */
static int profile_root(struct calltree *t, const char *name, uint32_t *id)
{
    char text[512];
    int kind = CT_THREAD;
    if (starts_tagged(name, "process "))
        kind = CT_PROCESS, snprintf(text, sizeof text, "%s", name);
    else if (strncmp(name, "Thread ", 7) == 0)
        snprintf(text, sizeof text, "thread %s", name + 7);
    else
        snprintf(text, sizeof text, "thread %s", name);
    return calltree_frame(t, kind, text, "", 0, id);
}

/* The weight of one sample: the smallest positive weight of the file. */
static double unit_weight(json_t *profiles)
{
    double least = 0;
    size_t i, j;
    json_t *p, *w;
    json_array_foreach(profiles, i, p)
    {
        json_array_foreach(json_object_get(p, "weights"), j, w)
        {
            double v = json_number_value(w);
            if (v > 0 && (least == 0 || v < least))
                least = v;
        }
    }
    return least;
}

static int read_profile(json_t *p, const uint32_t *ids, size_t nids, int rooted, double unit,
                        struct calltree *t, struct profile_meta *m, struct pt_error *err)
{
    json_t *samples = json_object_get(p, "samples"), *weights = json_object_get(p, "weights");
    if (!json_is_array(samples) || !json_is_array(weights) ||
        json_array_size(samples) != json_array_size(weights))
        return bad(err, "a sampled profile whose samples and weights do not pair up");
    const char *name = json_string_value(json_object_get(p, "name"));
    uint32_t *stack = NULL;
    size_t cap = 0;
    int rc = 0;
    uint32_t root = CT_NONE;
    if (rooted && profile_root(t, name ? name : "?", &root) != 0)
        return pt_error_set(err, PT_E_NOMEM, "out of memory reading a speedscope profile");
    for (size_t i = 0; i < json_array_size(samples) && rc == 0; i++) {
        json_t *s = json_array_get(samples, i);
        double w = json_number_value(json_array_get(weights, i));
        size_t depth = json_array_size(s), n = 0;
        if (!json_is_array(s) || !(w >= 0) || depth > 1000000) {
            rc = bad(err, "a sample that is not a list of frame indices with a weight");
            break;
        }
        double c = unit > 0 ? floor(w / unit + 0.5) : w;
        if (c > COUNT_MAX) {
            rc = bad(err, "a sample weight too large");
            break;
        }
        if (vec_reserve((void **)&stack, &cap, sizeof *stack, depth + 1) != 0) {
            rc = pt_error_set(err, PT_E_NOMEM, "out of memory reading a speedscope profile");
            break;
        }
        if (root != CT_NONE)
            stack[n++] = root;
        for (size_t k = 0; k < depth && rc == 0; k++) {
            json_t *x = json_array_get(s, k);
            long long v = json_is_integer(x) ? json_integer_value(x) : -1;
            if (v < 0 || (size_t)v >= nids)
                rc = bad(err, "a sample names a frame that does not exist");
            else
                stack[n++] = ids[v];
        }
        if (rc == 0 && c > 0 && calltree_add(t, stack, (int)n, (uint64_t)c) != 0)
            rc = pt_error_set(err, PT_E_NOMEM, "out of memory reading a speedscope profile");
        if (rc == 0)
            m->samples += (uint64_t)c;
    }
    free(stack);
    /* A profile in seconds says how long it covered. */
    const char *unit_name = json_string_value(json_object_get(p, "unit"));
    double start = json_number_value(json_object_get(p, "startValue"));
    double end = json_number_value(json_object_get(p, "endValue"));
    if (rc == 0 && unit_name && strcmp(unit_name, "seconds") == 0 && end - start > m->duration)
        m->duration = end - start;
    return rc;
}

int speedscope_read(const char *data, size_t size, struct calltree *t, struct profile_meta *m,
                    char *exporter, size_t exporter_size, struct pt_error *err)
{
    json_error_t jerr;
    json_t *root = json_loadb(data, size, 0, &jerr);
    if (root == NULL) {
        char why[200];
        snprintf(why, sizeof why, "invalid JSON at line %d: %s", jerr.line, jerr.text);
        return bad(err, why);
    }
    int rc = 0;
    uint32_t *ids = NULL;
    size_t nids = 0;
    json_t *frames = json_object_get(json_object_get(root, "shared"), "frames");
    json_t *profiles = json_object_get(root, "profiles");
    const char *ex = json_string_value(json_object_get(root, "exporter"));
    const char *name = json_string_value(json_object_get(root, "name"));
    snprintf(exporter, exporter_size, "%s", ex ? ex : "");
    if (!json_is_array(frames) || !json_is_array(profiles)) {
        rc = bad(err, "no shared.frames or no profiles");
        goto out;
    }
    if ((rc = intern_frames(frames, t, &ids, &nids, err)) != 0)
        goto out;
    size_t sampled = 0, i;
    json_t *p;
    json_array_foreach(profiles, i, p)
    {
        const char *type = json_string_value(json_object_get(p, "type"));
        sampled += type != NULL && strcmp(type, "sampled") == 0;
    }
    if (sampled == 0) {
        rc = bad(err, "no sampled profile (pytop reads sampled profiles, not evented ones)");
        goto out;
    }
    const char *unit = NULL;
    json_array_foreach(profiles, i, p)
    {
        if (unit == NULL)
            unit = json_string_value(json_object_get(p, "unit"));
    }
    /* Counts as they are, or durations of one sample each. */
    double one = unit == NULL || strcmp(unit, "none") == 0 ? 0 : unit_weight(profiles);
    static const struct {
        const char *unit;
        double per_second;
    } units[] = {
        {"seconds", 1}, {"milliseconds", 1e3}, {"microseconds", 1e6}, {"nanoseconds", 1e9}};
    for (size_t u = 0; one > 0 && u < sizeof units / sizeof units[0]; u++)
        if (strcmp(unit, units[u].unit) == 0 && m->rate == 0)
            m->rate = units[u].per_second / one; /* one sample's weight: the period */
    json_array_foreach(profiles, i, p)
    {
        const char *type = json_string_value(json_object_get(p, "type"));
        if (type == NULL || strcmp(type, "sampled") != 0)
            continue;
        if ((rc = read_profile(p, ids, nids, sampled > 1, one, t, m, err)) != 0)
            break;
    }
    if (rc == 0 && name != NULL && m->target[0] == '\0')
        snprintf(m->target, sizeof m->target, "%s", name);
out:
    free(ids);
    json_decref(root);
    return rc;
}
