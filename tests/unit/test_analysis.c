/*
 * tests/unit/test_analysis: report/analysis, the shares and advice of
 * `pytop report` on small profiles whose answers are worked out by hand:
 * shares by innermost frame and on the path, the hottest paths, and
 * blocking calls on an event loop.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "reporttest.h"

#include "input/load.h"
#include "report/analysis.h"
#include "report/category.h"

static void test_shares_by_innermost_and_on_the_path(void **state)
{
    (void)state;
    struct loaded_profile lp;
    /* 10 samples: 5 in a query (2 of them in the app's own handler
     * line), 2 in json, 1 waiting in select, 2 in native code. */
    load_ok("main (app.py:1);handler (app.py:5);Query.all (sqlalchemy/orm/query.py:10) 3\n"
            "main (app.py:1);handler (app.py:5) 2\n"
            "main (app.py:1);handler (app.py:6);dumps (json/__init__.py:231) 2\n"
            "main (app.py:1);EpollSelector.select (selectors.py:468) 1\n"
            "main (app.py:1);handler (app.py:7);memcpy (libc.so.6) 2\n",
            &lp);
    struct category_table *ct = category_table_new();
    struct report r;
    assert_int_equal(report_compute(&lp.tree, ct, &r), 0);
    assert_int_equal(r.samples, 10);
    assert_int_equal(r.own[CAT_DATABASE], 3);
    assert_int_equal(r.own[CAT_APP], 2);
    assert_int_equal(r.own[CAT_SERIALIZATION], 2);
    assert_int_equal(r.own[CAT_WAITING], 1);
    assert_int_equal(r.own[CAT_NATIVE], 2);
    assert_int_equal(r.total[CAT_APP], 10);
    assert_int_equal(r.total[CAT_EVENT_LOOP], 1);
    /* Database (30%) and serialization (20%) pass their thresholds. */
    assert_int_equal(r.nadvice, 2);
    assert_non_null(strstr(r.advice[0].text, "Database: 30.0%"));
    assert_non_null(strstr(r.advice[0].text, "Start at Query.all (sqlalchemy/orm/query.py:10)"));
    assert_non_null(strstr(r.advice[1].text, "Serialization: 20.0%"));
    /* The hottest path first: the query, 3 samples. */
    assert_true(r.npaths == 5);
    assert_int_equal(lp.tree.nodes[r.paths[0]].self, 3);
    assert_string_equal(r.by_own[0].stat->name, "Query.all");
    assert_int_equal(r.by_own[0].cat, CAT_DATABASE);
    report_free(&r);
    category_table_free(ct);
    loaded_profile_free(&lp);
}

static void test_blocking_call_on_an_event_loop_is_advised(void **state)
{
    (void)state;
    struct loaded_profile lp;
    load_ok("run (asyncio/runners.py:44);BaseEventLoop._run_once (asyncio/base_events.py:1909);"
            "handler (app.py:9);Session.get (requests/sessions.py:600) 8\n"
            "run (asyncio/runners.py:44);BaseEventLoop._run_once (asyncio/base_events.py:1890);"
            "EpollSelector.select (selectors.py:468) 92\n",
            &lp);
    struct category_table *ct = category_table_new();
    struct report r;
    assert_int_equal(report_compute(&lp.tree, ct, &r), 0);
    assert_int_equal(r.blocking_loop, 8);
    assert_int_equal(r.own[CAT_WAITING], 92);
    assert_int_equal(r.nadvice, 1);
    assert_non_null(strstr(r.advice[0].text, "Blocking calls on an event loop: 8.0%"));
    assert_non_null(strstr(r.advice[0].text, "Session.get (requests/sessions.py:600)"));
    report_free(&r);
    category_table_free(ct);
    loaded_profile_free(&lp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shares_by_innermost_and_on_the_path),
        cmocka_unit_test(test_blocking_call_on_an_event_loop_is_advised),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
