/*
 * tests/unit/test_requests: the request tracker's bookkeeping: when a request
 * ends and how long it lasted, which endpoint it counts under, what a
 * slow one carries to watch, and the endpoint table's figures.
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

#include "requests.h"

#define MS 1000000ULL /* nanoseconds */

static struct py_request req(uint64_t key, const char *path)
{
    struct py_request r = {key, "GET", "", ""};
    snprintf(r.path, sizeof r.path, "%s", path);
    return r;
}

/* One pass over pid at t ms in which each of the n requests is seen
 * once (running or not), then the pass ends whole. */
static void pass(struct requests *rq, pid_t pid, uint64_t t, const struct py_request *r,
                 const char *const *endpoint, const int *running, int n)
{
    static const uint32_t frames[] = {7, 8, 9};
    requests_begin(rq, pid, t * MS);
    for (int i = 0; i < n; i++)
        requests_seen(rq, pid, &r[i], endpoint[i], running[i], frames, 3);
    requests_end(rq, pid, 1, (unsigned)n);
}

static const struct rq_row *row(const struct rq_table *t, const char *name)
{
    for (int i = 0; i < t->n; i++)
        if (strcmp(t->rows[i].name, name) == 0)
            return &t->rows[i];
    return NULL;
}

static void test_a_request_lasts_from_its_first_sample_to_its_last(void **state)
{
    (void)state;
    struct requests rq;
    struct pt_error err;
    assert_int_equal(requests_init(&rq, 0.5, 1, &err), 0);
    struct py_request r = req(0x1000, "/wait");
    const char *ep[] = {"GET /wait"};
    int idle[] = {0}, busy[] = {1};
    /* Seen at 0, 10, ... 600 ms: 610 ms in flight, 600 ms observed. */
    for (uint64_t t = 0; t <= 600; t += 10)
        pass(&rq, 42, t, &r, ep, t < 100 ? busy : idle, 1);
    struct rq_table tab;
    assert_int_equal(requests_table(&rq, &tab, &err), 0);
    assert_int_equal(tab.n, 1);
    assert_int_equal(tab.rows[0].in_flight, 1);
    assert_int_equal(tab.rows[0].requests, 0);
    rq_table_free(&tab);
    /* A pass that was not whole ends nothing. */
    requests_begin(&rq, 42, 610 * MS);
    requests_end(&rq, 42, 0, 0);
    assert_null(requests_take_done(&rq));
    pass(&rq, 42, 620, NULL, NULL, NULL, 0);
    struct rq_done *d = requests_take_done(&rq);
    assert_non_null(d);
    assert_float_equal(d->duration, 0.6, 1e-9);
    assert_int_equal(d->pid, 42);
    assert_string_equal(d->path, "/wait");
    assert_string_equal(d->endpoint, "GET /wait");
    assert_int_equal(d->wall, 61);
    assert_int_equal(d->cpu, 10);
    /* 61 samples on one stack: two records (running, then waiting)
     * would need a change of stack; the same stack is one record. */
    size_t pos = 0;
    const uint32_t *frames;
    int n;
    uint32_t cpu, wall, total = 0;
    int records = 0;
    while (rq_done_next(d, &pos, &frames, &n, &cpu, &wall)) {
        assert_int_equal(n, 3);
        assert_int_equal(frames[2], 9);
        total += wall;
        records++;
    }
    assert_int_equal(records, 1);
    assert_int_equal(total, 61);
    rq_done_free(d);
    assert_int_equal(requests_table(&rq, &tab, &err), 0);
    const struct rq_row *w = row(&tab, "GET /wait");
    assert_non_null(w);
    assert_int_equal(w->requests, 1);
    assert_int_equal(w->in_flight, 0);
    assert_int_equal(w->slow, 1);
    assert_float_equal(w->p50, 0.6, 1e-9);
    assert_float_equal(w->max, 0.6, 1e-9);
    rq_table_free(&tab);
    requests_free(&rq);
}

static void test_a_reused_address_is_a_new_request(void **state)
{
    (void)state;
    struct requests rq;
    struct pt_error err;
    assert_int_equal(requests_init(&rq, 0.5, 0, &err), 0);
    /* The same object address serves /users/1 and then /users/2: two
     * requests, one endpoint, even with no pass between them. */
    struct py_request a = req(0x2000, "/users/1"), b = req(0x2000, "/users/2");
    const char *ep[] = {"GET /users/{id}"};
    int busy[] = {1};
    pass(&rq, 7, 0, &a, ep, busy, 1);
    pass(&rq, 7, 10, &a, ep, busy, 1);
    pass(&rq, 7, 20, &b, ep, busy, 1);
    pass(&rq, 7, 30, NULL, NULL, NULL, 0);
    struct rq_table tab;
    assert_int_equal(requests_table(&rq, &tab, &err), 0);
    assert_int_equal(tab.n, 1);
    assert_int_equal(tab.rows[0].requests, 2);
    assert_int_equal(tab.rows[0].cpu, 3);
    assert_float_equal(tab.rows[0].max, 0.01, 1e-9);
    assert_null(requests_take_done(&rq)); /* no stacks kept, nothing slow */
    rq_table_free(&tab);
    requests_free(&rq);
}

static void test_a_matched_route_takes_the_request_along(void **state)
{
    (void)state;
    struct requests rq;
    struct pt_error err;
    assert_int_equal(requests_init(&rq, 0, 0, &err), 0);
    struct py_request r = req(0x3000, "/users/5");
    const char *before[] = {"GET /users/{id}"}, *after[] = {"GET /users/{user_id}"};
    int busy[] = {1};
    pass(&rq, 7, 0, &r, before, busy, 1);
    pass(&rq, 7, 10, &r, after, busy, 1);
    struct rq_table tab;
    assert_int_equal(requests_table(&rq, &tab, &err), 0);
    const struct rq_row *old = row(&tab, "GET /users/{id}"),
                        *now = row(&tab, "GET /users/{user_id}");
    assert_non_null(now);
    assert_int_equal(now->cpu, 2);
    assert_int_equal(now->in_flight, 1);
    assert_true(old == NULL || (old->cpu == 0 && old->in_flight == 0));
    rq_table_free(&tab);
    requests_free(&rq);
}

static void test_requests_of_a_process_that_exits_end(void **state)
{
    (void)state;
    struct requests rq;
    struct pt_error err;
    assert_int_equal(requests_init(&rq, 0.05, 1, &err), 0);
    struct py_request r[2] = {req(0x10, "/a"), req(0x20, "/b")};
    const char *ep[] = {"GET /a", "GET /b"};
    int busy[] = {1, 0};
    for (uint64_t t = 0; t <= 100; t += 10) {
        pass(&rq, 1, t, &r[0], ep, busy, 1);
        pass(&rq, 2, t, &r[1], ep + 1, busy + 1, 1);
    }
    requests_process_gone(&rq, 1);
    struct rq_done *d = requests_take_done(&rq);
    assert_non_null(d);
    assert_int_equal(d->pid, 1);
    assert_true(d->ended_by_exit);
    assert_float_equal(d->duration, 0.1, 1e-9);
    rq_done_free(d);
    assert_null(requests_take_done(&rq)); /* pid 2's request goes on */
    struct rq_table tab;
    assert_int_equal(requests_table(&rq, &tab, &err), 0);
    assert_int_equal(tab.in_flight, 1);
    assert_int_equal(tab.wall, 22);
    assert_int_equal(tab.cpu_all, 22);
    rq_table_free(&tab);
    requests_free(&rq);
}

static void test_endpoints_past_the_limit_share_one_row(void **state)
{
    (void)state;
    struct requests *rq = malloc(sizeof *rq);
    struct pt_error err;
    assert_int_equal(requests_init(rq, 0, 0, &err), 0);
    int busy[] = {1};
    for (int i = 0; i < RQ_ENDPOINTS + 10; i++) {
        char path[32], name[40];
        snprintf(path, sizeof path, "/scan%d", i);
        snprintf(name, sizeof name, "GET %s", path);
        struct py_request r = req(0x100 + (uint64_t)i * 16, path);
        const char *ep[] = {name};
        pass(rq, 3, (uint64_t)i * 10, &r, ep, busy, 1);
    }
    struct rq_table tab;
    assert_int_equal(requests_table(rq, &tab, &err), 0);
    assert_int_equal(tab.n, RQ_ENDPOINTS + 1);
    const struct rq_row *other = row(&tab, RQ_OTHER);
    assert_non_null(other);
    assert_int_equal(other->requests + (uint64_t)other->in_flight, 10);
    rq_table_free(&tab);
    requests_free(rq);
    free(rq);
}

static void test_percentiles_by_nearest_rank(void **state)
{
    (void)state;
    double v[20];
    for (int i = 0; i < 20; i++)
        v[i] = i + 1;
    assert_float_equal(rq_percentile(v, 20, 0.50), 10, 0);
    assert_float_equal(rq_percentile(v, 20, 0.95), 19, 0);
    assert_float_equal(rq_percentile(v, 1, 0.95), 1, 0);
    assert_float_equal(rq_percentile(v, 0, 0.5), 0, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_request_lasts_from_its_first_sample_to_its_last),
        cmocka_unit_test(test_a_reused_address_is_a_new_request),
        cmocka_unit_test(test_a_matched_route_takes_the_request_along),
        cmocka_unit_test(test_requests_of_a_process_that_exits_end),
        cmocka_unit_test(test_endpoints_past_the_limit_share_one_row),
        cmocka_unit_test(test_percentiles_by_nearest_rank),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
