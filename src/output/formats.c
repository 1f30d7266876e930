/*
 * output/formats: the profile formats pytop writes. See formats.h.
 */
#include "config.h"
#include "output/formats.h"

#include <string.h>

#include "output/collapsed.h"
#include "output/flamegraph.h"
#include "output/pprof.h"
#include "output/speedscope.h"

int format_by_name(const char *name, enum profile_format *f)
{
    if (!strcmp(name, "flamegraph") || !strcmp(name, "svg"))
        *f = FORMAT_FLAMEGRAPH;
    else if (!strcmp(name, "collapsed") || !strcmp(name, "folded"))
        *f = FORMAT_COLLAPSED;
    else if (!strcmp(name, "speedscope"))
        *f = FORMAT_SPEEDSCOPE;
    else if (!strcmp(name, "pprof"))
        *f = FORMAT_PPROF;
    else
        return -1;
    return 0;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

enum profile_format format_of_path(const char *path)
{
    if (ends_with(path, ".txt") || ends_with(path, ".folded") || ends_with(path, ".collapsed"))
        return FORMAT_COLLAPSED;
    if (ends_with(path, ".json"))
        return FORMAT_SPEEDSCOPE;
    if (ends_with(path, ".pb.gz"))
        return FORMAT_PPROF;
    return FORMAT_FLAMEGRAPH;
}

int format_write(FILE *fp, const void *arg, struct pt_error *err)
{
    const struct profile_file *pf = arg;
    switch (pf->format) {
    case FORMAT_COLLAPSED:
        return collapsed_write(fp, pf->tree, err);
    case FORMAT_SPEEDSCOPE:
        return speedscope_write(fp, pf->tree, pf->meta, err);
    case FORMAT_PPROF:
        return pprof_write(fp, pf->tree, pf->meta, err);
    case FORMAT_FLAMEGRAPH:
        break;
    }
    return flamegraph_write(fp, pf->tree, pf->meta, err);
}
