/*
 * tests/unit/test_container: proc/container, the words of the header
 * for each thing a container may say (its name, the PID inside).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "proc/container.h"
#include "util.h"

/* The header's words for each thing a container may say. */
static void test_container_format(void **state)
{
    (void)state;
    char buf[64];
    struct container c = {.nspid = 1};
    str_copy(c.name, sizeof c.name, "web-1");
    container_format(&c, buf, sizeof buf);
    assert_string_equal(buf, "PID 1 in web-1");
    c.nspid = 0;
    container_format(&c, buf, sizeof buf);
    assert_string_equal(buf, "in web-1");
    c.nspid = 7;
    c.name[0] = '\0';
    container_format(&c, buf, sizeof buf);
    assert_string_equal(buf, "PID 7");
    c.nspid = 0;
    container_format(&c, buf, sizeof buf);
    assert_string_equal(buf, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_container_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
