/*
 * tests/unit/test_category: report/category, the categories of `pytop
 * report`: modules matched by their longest known name, waiting by
 * function and blocking by module, and a user's file that extends and
 * overrides the built-in table.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "calltree.h"
#include "report/category.h"

static void test_categories_by_longest_module(void **state)
{
    (void)state;
    struct category_table *ct = category_table_new();
    assert_non_null(ct);
    assert_int_equal(category_of(ct, CT_PYTHON, "django/db/models/query.py"), CAT_DATABASE);
    assert_int_equal(category_of(ct, CT_PYTHON, "django/views/generic/base.py"), CAT_FRAMEWORK);
    assert_int_equal(category_of(ct, CT_PYTHON, "http/client.py"), CAT_HTTP_CLIENT);
    assert_int_equal(category_of(ct, CT_PYTHON, "http/cookies.py"), CAT_STDLIB);
    assert_int_equal(category_of(ct, CT_PYTHON, "json/encoder.py"), CAT_SERIALIZATION);
    assert_int_equal(category_of(ct, CT_PYTHON, "logging/__init__.py"), CAT_LOGGING);
    assert_int_equal(category_of(ct, CT_PYTHON, "asyncio/base_events.py"), CAT_EVENT_LOOP);
    assert_int_equal(category_of(ct, CT_PYTHON, "uvicorn/protocols/http/h11_impl.py"), CAT_SERVER);
    assert_int_equal(category_of(ct, CT_PYTHON, "<frozen importlib._bootstrap>"), CAT_STDLIB);
    assert_int_equal(category_of(ct, CT_PYTHON, "slow_app.py"), CAT_APP);
    /* A module whose name only starts like a known one is not it. */
    assert_int_equal(category_of(ct, CT_PYTHON, "jsonschema_tools/check.py"), CAT_APP);
    assert_int_equal(category_of(ct, CT_NATIVE, "libc.so.6"), CAT_NATIVE);
    /* Waiting is by function; blocking by module. */
    assert_true(category_waits(ct, "EpollSelector.select", "selectors.py"));
    assert_true(category_waits(ct, "select", "selectors.py")); /* 3.8-3.10: no class */
    assert_true(category_waits(ct, "sleep", "asyncio/tasks.py"));
    assert_false(category_waits(ct, "EpollSelector.register", "selectors.py"));
    assert_false(category_waits(ct, "sleep", "myapp/tasks.py"));
    assert_true(category_blocks(ct, "requests/sessions.py"));
    assert_false(category_blocks(ct, "httpx/_client.py"));
    category_table_free(ct);
}

static char *write_temp(const char *text)
{
    char *path = strdup("/tmp/pytop-test-categories-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void test_a_users_file_extends_and_overrides(void **state)
{
    (void)state;
    struct category_table *ct = category_table_new();
    struct pt_error err;
    char *path = write_temp("# ours\ndatabase mydriver\ncache json.encoder\n");
    assert_int_equal(category_table_load(ct, path, &err), 0);
    assert_int_equal(category_of(ct, CT_PYTHON, "mydriver/conn.py"), CAT_DATABASE);
    assert_int_equal(category_of(ct, CT_PYTHON, "json/encoder.py"), CAT_CACHE); /* the later line */
    assert_int_equal(category_of(ct, CT_PYTHON, "json/decoder.py"), CAT_SERIALIZATION);
    unlink(path);
    free(path);

    path = write_temp("database ok\nspeed fast_things\n");
    assert_int_equal(category_table_load(ct, path, &err), -1);
    assert_int_equal(err.code, PT_E_USAGE);
    assert_non_null(strstr(err.msg, ":2: unknown category 'speed'"));
    unlink(path);
    free(path);
    category_table_free(ct);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_categories_by_longest_module),
        cmocka_unit_test(test_a_users_file_extends_and_overrides),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
