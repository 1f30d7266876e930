/*
 * Tests of profile: counts of the whole run and of the window of the last
 * seconds, reset, and the achieved rate.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "calltree.h"
#include "profile.h"

static void test_profile_counts_and_window(void **state)
{
    (void)state;
    struct profile p;
    struct pt_error err;
    assert_int_equal(profile_init(&p, &err), 0);
    uint32_t m, w, h;
    profile_frame(&p, CT_PYTHON, "main", "app.py", "", 1, CT_ORIGIN_APP, 1, &m);
    profile_frame(&p, CT_PYTHON, "work", "app.py", "", 5, CT_ORIGIN_APP, 4, &w);
    profile_frame(&p, CT_PYTHON, "helper", "app.py", "", 9, CT_ORIGIN_APP, 8, &h);
    uint32_t s1[] = {m, w}, s2[] = {m, w, h};
    /* Seconds 0..11: s1 every second, s2 only in seconds 10 and 11. */
    for (int64_t sec = 0; sec < 12; sec++) {
        profile_add(&p, s1, 2, sec);
        if (sec >= 10)
            for (int k = 0; k < 3; k++)
                profile_add(&p, s2, 3, sec);
    }
    struct calltree all, win;
    struct profile_stats st;
    assert_int_equal(profile_snapshot(&p, &all, &win, 11, 2, &st, &err), 0);
    assert_int_equal(st.samples, 18);
    assert_int_equal(all.nodes[0].total, 18);
    uint32_t nm = calltree_child(&all, 0, m), nw = calltree_child(&all, nm, w);
    assert_int_equal(all.nodes[nw].total, 18);
    assert_int_equal(all.nodes[nw].self, 12);
    /* The last 2 seconds: s1 twice, s2 six times. */
    assert_int_equal(win.nodes[0].total, 8);
    uint32_t wm = calltree_child(&win, 0, m), ww = calltree_child(&win, wm, w);
    assert_int_equal(win.nodes[ww].self, 2);
    assert_int_equal(win.nodes[calltree_child(&win, ww, h)].self, 6);
    calltree_free(&all);
    calltree_free(&win);

    profile_reset(&p);
    assert_int_equal(profile_snapshot(&p, &all, NULL, 11, 0, &st, &err), 0);
    assert_int_equal(all.nodes[0].total, 0);
    assert_int_equal(st.samples, 0);
    calltree_free(&all);
    profile_add(&p, s2, 3, 12);
    assert_int_equal(profile_snapshot(&p, &all, NULL, 12, 0, &st, &err), 0);
    assert_int_equal(all.nodes[0].total, 1);
    calltree_free(&all);
    profile_free(&p);
}

/* The window's buckets are reused as seconds pass: a second that left the
 * window counts no more, whatever bucket held it. */
static void test_window_forgets_old_seconds(void **state)
{
    (void)state;
    struct profile p;
    struct pt_error err;
    assert_int_equal(profile_init(&p, &err), 0);
    uint32_t m;
    profile_frame(&p, CT_PYTHON, "main", "app.py", "", 1, CT_ORIGIN_APP, 1, &m);
    for (int64_t sec = 0; sec < 3 * PROFILE_WINDOW; sec++)
        for (int64_t k = 0; k <= sec; k++)
            profile_add(&p, &m, 1, sec);
    struct calltree win;
    int64_t now = 3 * PROFILE_WINDOW - 1;
    assert_int_equal(profile_snapshot(&p, NULL, &win, now, PROFILE_WINDOW, NULL, &err), 0);
    /* Seconds now-9..now: (now - 9 + 1) + ... + (now + 1) samples. */
    uint64_t want = 0;
    for (int64_t sec = now - PROFILE_WINDOW + 1; sec <= now; sec++)
        want += (uint64_t)sec + 1;
    assert_int_equal(win.nodes[calltree_child(&win, 0, m)].self, want);
    calltree_free(&win);
    /* More than the window asked for is the window. */
    assert_int_equal(profile_snapshot(&p, NULL, &win, now, 1000, NULL, &err), 0);
    assert_int_equal(win.nodes[calltree_child(&win, 0, m)].self, want);
    calltree_free(&win);
    profile_free(&p);
}

/* n ticks span n - 1 periods: the rate every view and file shows. */
static void test_achieved_rate(void **state)
{
    (void)state;
    struct profile p;
    struct pt_error err;
    assert_int_equal(profile_init(&p, &err), 0);
    struct profile_stats st;
    assert_int_equal(profile_snapshot(&p, NULL, NULL, 0, 0, &st, &err), 0);
    assert_true(profile_achieved_rate(&st) == 0);
    for (int i = 0; i <= 100; i++)
        profile_tick(&p, i / 100.0, 1, 0);
    assert_int_equal(profile_snapshot(&p, NULL, NULL, 0, 0, &st, &err), 0);
    assert_int_equal(st.ticks, 101);
    assert_true(profile_achieved_rate(&st) > 99.999 && profile_achieved_rate(&st) < 100.001);
    profile_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_profile_counts_and_window),
        cmocka_unit_test(test_window_forgets_old_seconds),
        cmocka_unit_test(test_achieved_rate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
