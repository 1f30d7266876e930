/*
 * tests/tools/write_profiles: folded stacks on stdin -> a profile file on stdout,
 * through the same writers `pytop record` uses. A helper of
 * tests/integration/test_speedscope_format.py, not a test itself.
 *
 *   write_profiles -f collapsed|speedscope [-r RATE] [-n NAME] < stacks.txt
 *
 * RATE (samples per second, default 0: unknown) and NAME (the target's
 * description) fill the profile's metadata. The locale comes from the
 * environment, as in pytop (whose UI sets it), so that tests can check
 * the files do not depend on it.
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calltree.h"
#include "error.h"
#include "output/collapsed.h"
#include "output/meta.h"
#include "output/speedscope.h"

static int usage(void)
{
    fprintf(stderr, "usage: write_profiles -f collapsed|speedscope [-r RATE] [-n NAME] < STACKS\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *format = NULL;
    struct profile_meta m;
    memset(&m, 0, sizeof m);
    setlocale(LC_ALL, "");
    int opt;
    while ((opt = getopt(argc, argv, "f:r:n:")) != -1) {
        switch (opt) {
        case 'f':
            format = optarg;
            break;
        case 'r':
            m.rate = strtod(optarg, NULL);
            break;
        case 'n':
            snprintf(m.target, sizeof m.target, "%s", optarg);
            break;
        default:
            return usage();
        }
    }
    if (format == NULL || optind != argc ||
        (strcmp(format, "collapsed") != 0 && strcmp(format, "speedscope") != 0))
        return usage();

    struct calltree t;
    struct pt_error err;
    pt_error_clear(&err);
    if (calltree_init(&t) != 0) {
        fprintf(stderr, "write_profiles: out of memory\n");
        return 1;
    }
    int rc = collapsed_read(stdin, &t, &err);
    if (rc == 0) {
        m.samples = t.nodes[0].total;
        if (strcmp(format, "collapsed") == 0)
            rc = collapsed_write(stdout, &t, &err);
        else
            rc = speedscope_write(stdout, &t, &m, &err);
    }
    if (rc != 0)
        fprintf(stderr, "write_profiles: %s\n", err.msg);
    calltree_free(&t);
    return rc != 0;
}
