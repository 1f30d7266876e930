/*
 * tests/unit/test_request: how python/request names an endpoint: the route
 * template when the framework matched one, the template an earlier
 * request of the same path matched, else the path with its ids as {id}.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "python/request.h"
#include "util.h"

static const char *endpoint(const struct pyreq_state *st, const char *method, const char *path,
                            const char *route)
{
    static char buf[2 * PYREQ_TEXT];
    struct py_request r = {1, "", "", ""};
    snprintf(r.method, sizeof r.method, "%s", method);
    snprintf(r.path, sizeof r.path, "%s", path);
    snprintf(r.route, sizeof r.route, "%s", route);
    pyreq_endpoint(st, &r, buf, sizeof buf);
    return buf;
}

static void test_ids_in_paths(void **state)
{
    (void)state;
    static struct pyreq_state st; /* large: not on the stack */
    pyreq_init(&st);
    const struct {
        const char *path, *want;
    } cases[] = {
        {"/users/1", "GET /users/{id}"},
        {"/users/1234567/orders/42", "GET /users/{id}/orders/{id}"},
        {"/files/5f2a9c1b7e", "GET /files/{id}"},                   /* hex */
        {"/x/123e4567-e89b-12d3-a456-426614174000", "GET /x/{id}"}, /* uuid */
        {"/x/123e4567-e89b-12d3-a456-42661417400", "GET /x/123e4567-e89b-12d3-a456-42661417400"},
        {"/menu/cafe", "GET /menu/cafe"},         /* a word */
        {"/beef/deadbeef", "GET /beef/deadbeef"}, /* no digit */
        {"/", "GET /"},
        {"/health/", "GET /health/"},
        {"", "GET "},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_string_equal(endpoint(&st, "GET", cases[i].path, ""), cases[i].want);
    pyreq_free(&st);
}

static void test_route_templates_win(void **state)
{
    (void)state;
    static struct pyreq_state st;
    pyreq_init(&st);
    assert_string_equal(endpoint(&st, "POST", "/users/7", "/users/{user_id}"),
                        "POST /users/{user_id}");
    /* Nothing learned yet: the path's shape. */
    assert_string_equal(endpoint(&st, "GET", "/users/8", ""), "GET /users/{id}");
    st.routes = calloc(PYREQ_ROUTES, sizeof *st.routes); /* pyreq_free frees it */
    assert_non_null(st.routes);
    strcpy(st.routes[0].path, "GET /users/{id}");
    strcpy(st.routes[0].route, "/users/<int:user_id>");
    st.nroutes = 1;
    assert_string_equal(endpoint(&st, "GET", "/users/9", ""), "GET /users/<int:user_id>");
    /* Another method is another endpoint. */
    assert_string_equal(endpoint(&st, "DELETE", "/users/9", ""), "DELETE /users/{id}");
    pyreq_free(&st);
}

/* Names by address: found once added, none for a name too long to keep
 * whole, none past the table's size. */
static void test_names_by_address(void **state)
{
    (void)state;
    static struct addr_names m; /* large: not on the stack */
    memset(&m, 0, sizeof m);
    assert_null(addr_names_find(&m, 0x1000));
    addr_names_add(&m, 0x1000, "/users/{user_id}");
    addr_names_add(&m, 0x2000, "path");
    assert_string_equal(addr_names_find(&m, 0x1000), "/users/{user_id}");
    assert_string_equal(addr_names_find(&m, 0x2000), "path");
    char longer[ADDR_NAME_LEN + 8];
    memset(longer, 'x', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    addr_names_add(&m, 0x3000, longer);
    assert_null(addr_names_find(&m, 0x3000));
    for (uint64_t a = 0; a < 2 * ADDR_NAMES_MAX; a++)
        addr_names_add(&m, 0x10000 + a, "n");
    assert_int_equal(m.n, ADDR_NAMES_MAX);
    assert_non_null(addr_names_find(&m, 0x10000));
    assert_null(addr_names_find(&m, 0x10000 + ADDR_NAMES_MAX));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ids_in_paths),
        cmocka_unit_test(test_route_templates_win),
        cmocka_unit_test(test_names_by_address),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
