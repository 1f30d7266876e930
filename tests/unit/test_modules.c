/*
 * tests/unit/test_modules: modules, the dotted module name of a Python
 * file's path (in a library, the standard library, a frozen module, or
 * the program's own, outside any library).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "modules.h"

static void test_module_names_from_paths(void **state)
{
    (void)state;
    const struct {
        const char *path, *module;
    } cases[] = {
        {"sqlalchemy/orm/query.py", "sqlalchemy.orm.query"},
        {"/usr/lib/python3/dist-packages/sqlalchemy/orm/query.py", "sqlalchemy.orm.query"},
        {"/venv/lib/python3.12/site-packages/django/db/__init__.py", "django.db"},
        {"/usr/lib/python3.11/json/encoder.py", "json.encoder"},
        {"asyncio/tasks.py", "asyncio.tasks"},
        {"<frozen importlib._bootstrap>", "importlib._bootstrap"},
        {"./app.py", "app"},
        {"/srv/app/main.py", ""}, /* the program's own, outside any library */
        {"<stdin>", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char m[256];
        module_dotted_name(cases[i].path, m, sizeof m);
        assert_string_equal(m, cases[i].module);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_module_names_from_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
