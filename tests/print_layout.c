/*
 * tests/print_layout: print pytop's shipped layout table for one CPython
 * minor version, in the format of tests/layout/probe.c, so that
 * tests/check-layouts can diff the two.
 *
 * Usage: print_layout MINOR (e.g. `print_layout 12`). Exit status 1 if
 * pytop has no table for that version, 2 on a usage error.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "python/layout.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: print_layout MINOR\n");
        return 2;
    }
    char *end;
    long minor = strtol(argv[1], &end, 10);
    if (end == argv[1] || *end != '\0' || minor < 0 || minor > 1000) {
        fprintf(stderr, "print_layout: not a minor version: %s\n", argv[1]);
        return 2;
    }
    const struct py_layout *lay = layout_for((int)minor);
    if (lay == NULL) {
        fprintf(stderr, "print_layout: no layout for Python 3.%ld\n", minor);
        return 1;
    }
    layout_print(lay);
    return 0;
}
