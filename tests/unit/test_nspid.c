/*
 * tests/unit/test_nspid: remote/nspid, process ids inside and outside a
 * PID namespace, run in this test's own namespaces: ids are the same
 * inside, the process is in no container (proc/container) and shares its
 * network namespace with its parent.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "proc/container.h"
#include "remote/nspid.h"

/* This test runs in pytop's own namespaces: its ids are the same inside,
 * it is in no container, and a child shares its network namespace. */
static void test_own_namespaces(void **state)
{
    (void)state;
    assert_int_equal(nspid_inner(getpid(), 0), getpid());
    assert_int_equal(nspid_inner(getpid(), getpid()), getpid());
    struct nspid_map m = {0};
    assert_int_equal(nspid_map_read(&m, getpid()), 0);
    assert_int_equal(nspid_map_host(&m, getpid()), getpid());
    assert_int_equal(nspid_map_host(&m, -5), 0);
    nspid_map_free(&m);
    struct container c;
    assert_int_equal(container_of(getpid(), &c), 0);
    assert_int_equal(c.nspid, 0);
    pid_t both[2] = {getpid(), getppid()};
    assert_int_equal(container_netns_count(both, 2), 1);
    pid_t none[1] = {999999999};
    assert_int_equal(container_netns_count(none, 1), 0);
    assert_int_equal(nspid_inner(999999999, 0), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_own_namespaces),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
