/*  throttle: lockout after repeated failures, recovery, success clearing the count, attempts
    in flight, separate addresses, bounded memory with eviction of the least recently seen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "throttle.h"

/*  One attempt from addr at now that ends failed or succeeded. Returns throttle_check's
    answer (0: it was let through). */
static int
s_attempt (throttle_t *t, const char *addr, double now, bool failed)
{
    int wait = throttle_check (t, addr, now);
    if (wait == 0) {
        throttle_begin (t, addr, now);
        throttle_end (t, addr, failed, !failed, now);
    }
    return wait;
}

static void
test_lockout_and_recovery (void **state)
{
    throttle_t *t = throttle_new (16, 5, 300);
    assert_non_null (t);
    for (int i = 0; i < 5; i++)
        assert_int_equal (s_attempt (t, "10.0.0.1", 100 + i, true), 0);
    /*  Locked for 300 s from the fifth failure (at 104): until 404. */
    assert_int_equal (throttle_check (t, "10.0.0.1", 105), 299);
    assert_int_equal (throttle_check (t, "10.0.0.1", 403.5), 1);
    assert_int_equal (throttle_check (t, "10.0.0.2", 105), 0); /* another address */
    /*  After the lockout the count starts again. */
    assert_int_equal (throttle_check (t, "10.0.0.1", 404), 0);
    for (int i = 0; i < 4; i++)
        assert_int_equal (s_attempt (t, "10.0.0.1", 404 + i, true), 0);
    assert_int_equal (throttle_check (t, "10.0.0.1", 408), 0);
    throttle_destroy (&t);
    assert_null (t);
    throttle_destroy (&t);
}

static void
test_window_and_success (void **state)
{
    throttle_t *t = throttle_new (16, 5, 60);
    /*  Four failures, then the window passes: they are forgotten. */
    for (int i = 0; i < 4; i++)
        s_attempt (t, "a", i, true);
    for (int i = 0; i < 4; i++)
        assert_int_equal (s_attempt (t, "a", 61 + i, true), 0);
    assert_int_equal (throttle_check (t, "a", 65), 0);
    /*  A success clears the count: four more failures do not lock. */
    assert_int_equal (s_attempt (t, "a", 66, false), 0);
    for (int i = 0; i < 4; i++)
        assert_int_equal (s_attempt (t, "a", 67 + i, true), 0);
    assert_int_equal (throttle_check (t, "a", 71), 0);
    /*  Other answers (say 400, 503) neither count nor clear. */
    throttle_begin (t, "a", 72);
    throttle_end (t, "a", false, false, 72);
    assert_int_equal (s_attempt (t, "a", 73, true), 0);
    assert_int_equal (throttle_check (t, "a", 74), 59);
    throttle_destroy (&t);
}

static void
test_inflight_counts (void **state)
{
    throttle_t *t = throttle_new (16, 5, 300);
    /*  Five attempts in flight at once: a sixth waits for them. */
    for (int i = 0; i < 5; i++) {
        assert_int_equal (throttle_check (t, "b", 1), 0);
        throttle_begin (t, "b", 1);
    }
    assert_int_equal (throttle_check (t, "b", 1), 1);
    /*  They succeed: the address is free again. */
    for (int i = 0; i < 5; i++)
        throttle_end (t, "b", false, true, 2);
    assert_int_equal (throttle_check (t, "b", 2), 0);
    /*  An end for an address never seen is ignored. */
    throttle_end (t, "nobody", true, false, 3);
    assert_int_equal (throttle_check (t, "nobody", 3), 0);
    throttle_destroy (&t);
}

static void
test_bounded_memory (void **state)
{
    throttle_t *t = throttle_new (8, 5, 300);
    for (int i = 0; i < 5; i++)
        s_attempt (t, "victim", i, true);
    assert_true (throttle_check (t, "victim", 10) > 0);
    /*  A thousand other addresses: the table never grows past 8 entries ... */
    char addr[32];
    for (int i = 0; i < 1000; i++) {
        snprintf (addr, sizeof addr, "192.0.2.%d", i);
        s_attempt (t, addr, 20 + i, true);
        assert_true (throttle_size (t) <= 8);
    }
    /*  ... and the least recently seen entries went first (the victim's among them). */
    assert_int_equal (throttle_check (t, "victim", 1100), 0);
    /*  An over-long address is cut, not overflowed. */
    char longest[200];
    memset (longest, '1', sizeof longest - 1);
    longest[sizeof longest - 1] = '\0';
    for (int i = 0; i < 5; i++)
        s_attempt (t, longest, 2000 + i, true);
    assert_true (throttle_check (t, longest, 2010) > 0);
    throttle_destroy (&t);
    assert_null (throttle_new (0, 5, 1));
    assert_null (throttle_new (1, 0, 1));
    assert_null (throttle_new (1, 1, 0));
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_lockout_and_recovery), cmocka_unit_test (test_window_and_success),
        cmocka_unit_test (test_inflight_counts), cmocka_unit_test (test_bounded_memory)};
    return cmocka_run_group_tests (tests, NULL, NULL);
}
