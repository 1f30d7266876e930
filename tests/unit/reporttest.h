/*
 * tests/unit/reporttest.h: a profile loaded from its text in the tests of
 * `pytop report`'s parts (test_load, test_svg, test_analysis, test_html),
 * failing the test with input/load's message when it cannot be read.
 * Include after <cmocka.h>.
 */
#ifndef PYTOP_TESTS_REPORTTEST_H
#define PYTOP_TESTS_REPORTTEST_H

#include <string.h>

#include "error.h"
#include "input/load.h"

static inline void load_ok(const char *text, struct loaded_profile *lp)
{
    struct pt_error err;
    int rc = profile_load_bytes("test", text, strlen(text), lp, &err);
    if (rc != 0)
        fail_msg("%s", err.msg);
}

#endif
