/*  svc_cache_test: the cache key of svc_cache.h (pure: no Redis needed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "svc_cache.h"

static const char *const s_declared[] = {"start_date", "end_date", "granularity", NULL};

/*  Builds the key of a request with the given params (key, value pairs, NULL-ended). */
static char *
s_key (long long version, const char *const *declared, const char *const *pairs)
{
    proto_param_t params[16];
    size_t count = 0;
    for (; pairs && pairs[2 * count]; count++) {
        params[count].key = (char *) pairs[2 * count];
        params[count].value = (char *) pairs[2 * count + 1];
    }
    proto_request_t req = {.op = "revenue_trends", .param_count = count, .params = params};
    char *key = svc_cache_key (version, "kpi", "revenue_trends", declared, &req);
    assert_non_null (key);
    return key;
}

static void
test_shape (void **state)
{
    char *key = s_key (7, s_declared, (const char *[]) {"start_date", "2024-01-01", NULL});
    const char *prefix = "ecom:cache:v7:kpi:revenue_trends:";
    assert_int_equal (strncmp (key, prefix, strlen (prefix)), 0);
    const char *hex = key + strlen (prefix);
    assert_int_equal (strlen (hex), 32);
    assert_int_equal (strspn (hex, "0123456789abcdef"), 32);
    free (key);
}

static void
test_order_does_not_matter (void **state)
{
    char *a = s_key (1, s_declared,
                     (const char *[]) {"start_date", "2024-01-01", "end_date", "2024-02-01",
                                       "granularity", "weekly", NULL});
    char *b = s_key (1, s_declared,
                     (const char *[]) {"granularity", "weekly", "end_date", "2024-02-01",
                                       "start_date", "2024-01-01", NULL});
    const char *const reversed[] = {"granularity", "end_date", "start_date", NULL};
    char *c = s_key (1, reversed,
                     (const char *[]) {"end_date", "2024-02-01", "start_date", "2024-01-01",
                                       "granularity", "weekly", NULL});
    assert_string_equal (a, b);
    assert_string_equal (a, c);
    free (a);
    free (b);
    free (c);
}

static void
test_empty_and_undeclared_are_absent (void **state)
{
    char *none = s_key (1, s_declared, NULL);
    char *empty = s_key (1, s_declared,
                         (const char *[]) {"start_date", "", "granularity", "", NULL});
    char *undeclared = s_key (1, s_declared,
                              (const char *[]) {"foo", "bar", "page", "2", NULL});
    assert_string_equal (none, empty);
    assert_string_equal (none, undeclared);
    char *nothing_declared = s_key (1, NULL, (const char *[]) {"start_date", "2024-01-01", NULL});
    char *nothing_either = s_key (1, NULL, NULL);
    assert_string_equal (nothing_declared, nothing_either);
    free (none);
    free (empty);
    free (undeclared);
    free (nothing_declared);
    free (nothing_either);
}

static void
test_values_and_versions_differ (void **state)
{
    char *a = s_key (1, s_declared, (const char *[]) {"granularity", "daily", NULL});
    char *b = s_key (1, s_declared, (const char *[]) {"granularity", "weekly", NULL});
    char *c = s_key (2, s_declared, (const char *[]) {"granularity", "daily", NULL});
    char *d = s_key (1, s_declared, (const char *[]) {"start_date", "daily", NULL});
    assert_string_not_equal (a, b);
    assert_string_not_equal (a, c);
    assert_string_not_equal (a, d);
    free (a);
    free (b);
    free (c);
    free (d);
}

/*  A value that looks like several params must not collide with those params. */
static void
test_no_ambiguity (void **state)
{
    char *one = s_key (1, s_declared,
                       (const char *[]) {"end_date", "x&start_date=y", NULL});
    char *two = s_key (1, s_declared,
                       (const char *[]) {"end_date", "x", "start_date", "y", NULL});
    char *three = s_key (1, s_declared,
                         (const char *[]) {"end_date", "x10:start_date1:y", NULL});
    assert_string_not_equal (one, two);
    assert_string_not_equal (two, three);
    assert_string_not_equal (one, three);
    free (one);
    free (two);
    free (three);
}

/*  Hostile sizes do not make long keys. */
static void
test_bounded (void **state)
{
    char *big = malloc (PROTO_MAX_STRING + 1);
    memset (big, 'x', PROTO_MAX_STRING);
    big[PROTO_MAX_STRING] = '\0';
    char *key = s_key (123456789012LL, s_declared,
                       (const char *[]) {"start_date", big, "end_date", big, NULL});
    assert_true (strlen (key) < 100);
    free (key);
    free (big);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_shape),
        cmocka_unit_test (test_order_does_not_matter),
        cmocka_unit_test (test_empty_and_undeclared_are_absent),
        cmocka_unit_test (test_values_and_versions_differ),
        cmocka_unit_test (test_no_ambiguity),
        cmocka_unit_test (test_bounded),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
