/*  query: decoding and every rejection of query.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "query.h"

static query_t *
s_parse (const char *raw, char *err)
{
    return query_new (raw, strlen (raw), err, 256);
}

static void
test_decodes (void **state)
{
    char err[256];
    query_t *q = s_parse ("a=1&b=x%20y+z&&c&d=%C3%A9t%c3%A9&e=", err);
    assert_non_null (q);
    assert_int_equal (query_count (q), 5);
    assert_string_equal (query_name (q, 0), "a");
    assert_string_equal (query_get (q, "a"), "1");
    assert_string_equal (query_get (q, "b"), "x y z");
    assert_string_equal (query_get (q, "c"), "");
    assert_string_equal (query_get (q, "d"), "\xC3\xA9t\xC3\xA9");
    assert_string_equal (query_get (q, "e"), "");
    assert_null (query_get (q, "zz"));
    query_destroy (&q);
    assert_null (q);
    query_destroy (&q); /* NULL-safe */
}

static void
test_empty (void **state)
{
    char err[256];
    query_t *q = query_new (NULL, 0, err, sizeof err);
    assert_non_null (q);
    assert_int_equal (query_count (q), 0);
    query_destroy (&q);
}

static void
test_rejects (void **state)
{
    const char *bad[] = {
        "a=%",         "a=%4",   "a=%zz", "a=%4g",    "%=1",         "a=1&a=2",        "a=&a=",
        "=1",          "a=%00",  "a=%C3", "a=%C3%28", "a=%ED%A0%80", "a=%F4%90%80%80", "a=%C0%AF",
        "a=%E0%80%AF", "a=\xFF", "%FF=1",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[256] = "";
        query_t *q = s_parse (bad[i], err);
        if (q)
            fail_msg ("accepted %s", bad[i]);
        assert_true (strlen (err) > 0);
    }
}

static void
test_messages (void **state)
{
    char err[256];
    assert_null (s_parse ("limit=1&limit=2", err));
    assert_non_null (strstr (err, "'limit'"));
    assert_null (s_parse ("x=%zz", err));
    assert_non_null (strstr (err, "percent-escape"));
    assert_null (s_parse ("x=%FF", err));
    assert_non_null (strstr (err, "UTF-8"));
}

static void
test_limits (void **state)
{
    char err[256];
    char raw[QUERY_MAX_LENGTH + 16];
    memset (raw, 'a', sizeof raw);
    raw[0] = 'k';
    raw[1] = '=';
    assert_null (query_new (raw, QUERY_MAX_LENGTH + 1, err, sizeof err));
    assert_non_null (strstr (err, "longer"));
    /* a value just over its limit */
    assert_null (query_new (raw, QUERY_MAX_VALUE + 3, err, sizeof err));
    /* a name over its limit */
    memset (raw, 'n', QUERY_MAX_NAME + 1);
    assert_null (query_new (raw, QUERY_MAX_NAME + 1, err, sizeof err));
    /* too many parameters */
    char many[1024];
    size_t used = 0;
    for (int i = 0; i <= QUERY_MAX_PARAMS; i++)
        used += (size_t) snprintf (many + used, sizeof many - used, "p%d=1&", i);
    assert_null (s_parse (many, err));
    assert_non_null (strstr (err, "parameters"));
}

static void
test_add (void **state)
{
    char err[256];
    query_t *q = s_parse ("a=1", err);
    assert_int_equal (query_add (q, "b", 1, "2", 1, err, sizeof err), 0);
    assert_int_equal (query_add (q, "a", 1, "3", 1, err, sizeof err), -1);
    assert_int_equal (query_add (q, "c", 1, "x\0y", 3, err, sizeof err), -1);
    assert_string_equal (query_get (q, "b"), "2");
    query_destroy (&q);
}

static void
test_add_json (void **state)
{
    (void) state;
    char err[256];
    query_t *q = s_parse ("a=1", err);
    static const char good[] = "{\"username\": \"ana\", \"password\": \"p\\u00e4ss\"}";
    assert_int_equal (query_add_json (q, good, sizeof good - 1, err, sizeof err), 0);
    assert_string_equal (query_get (q, "username"), "ana");
    assert_string_equal (query_get (q, "password"), "p\xc3\xa4ss");
    static const char *const bad[][2] = {
        {"{\"a\": \"2\"}", "more than once"}, {"[\"x\"]", "JSON object"},
        {"{\"n\": 5}", "must be a string"},   {"{\"x\": \"1\", \"x\": \"2\"}", "not valid JSON"},
        {"{\"x\": \"1\"", "not valid JSON"},  {"{\"s\": \"\\u0000\"}", "not valid JSON"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_int_equal (query_add_json (q, bad[i][0], strlen (bad[i][0]), err, sizeof err), -1);
        if (!strstr (err, bad[i][1]))
            fail_msg ("%s: %s", bad[i][0], err);
    }
    query_destroy (&q);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_decodes),  cmocka_unit_test (test_empty),
        cmocka_unit_test (test_rejects),  cmocka_unit_test (test_messages),
        cmocka_unit_test (test_limits),   cmocka_unit_test (test_add),
        cmocka_unit_test (test_add_json),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
