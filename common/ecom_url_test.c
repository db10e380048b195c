/*  ecom_url: DATABASE_URL / REDIS_URL parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "ecom_url.h"

static void
test_postgres_full (void **state)
{
    char err[256];
    ecom_url_t *url = ecom_url_parse ("postgresql://ecom:s%40cret@db.example:6543/shop?sslmode=disable", err, sizeof err);
    assert_non_null (url);
    assert_string_equal (url->scheme, "postgresql");
    assert_string_equal (url->user, "ecom");
    assert_string_equal (url->password, "s@cret");
    assert_string_equal (url->host, "db.example");
    assert_int_equal (url->port, 6543);
    assert_string_equal (url->path, "shop");
    char where[64];
    ecom_url_describe (url, where, sizeof where);
    assert_string_equal (where, "db.example:6543");
    ecom_url_destroy (&url);
    assert_null (url);
    ecom_url_destroy (&url); /* NULL-safe */
}

static void
test_defaults_and_ipv6 (void **state)
{
    char err[256], where[64];
    ecom_url_t *url = ecom_url_parse ("postgres://[::1]/ecom", err, sizeof err);
    assert_non_null (url);
    assert_string_equal (url->scheme, "postgresql");
    assert_null (url->user);
    assert_null (url->password);
    assert_string_equal (url->host, "::1");
    assert_int_equal (url->port, 5432);
    ecom_url_describe (url, where, sizeof where);
    assert_string_equal (where, "[::1]:5432");
    ecom_url_destroy (&url);

    url = ecom_url_parse ("redis://127.0.0.1", err, sizeof err);
    assert_non_null (url);
    assert_int_equal (url->port, 6379);
    assert_null (url->path);
    ecom_url_destroy (&url);

    url = ecom_url_parse ("redis://:pw@cache:6380/3", err, sizeof err);
    assert_non_null (url);
    assert_null (url->user);
    assert_string_equal (url->password, "pw");
    assert_string_equal (url->host, "cache");
    assert_int_equal (url->port, 6380);
    assert_string_equal (url->path, "3");
    ecom_url_destroy (&url);
}

static void
test_rejects (void **state)
{
    const char *bad[] = {
        "",                                   /* empty */
        "127.0.0.1:5432",                     /* no scheme */
        "mysql://h/db",                       /* unknown scheme */
        "postgresql://",                      /* no host */
        "postgresql://u:p@/db",               /* no host */
        "postgresql://h:0/db",                /* port 0 */
        "postgresql://h:65536/db",            /* port too big */
        "postgresql://h:12ab/db",             /* port not a number */
        "postgresql://h:/db",                 /* empty port */
        "postgresql://u:p%zz@h/db",           /* bad escape */
        "postgresql://u:p%00@h/db",           /* escaped NUL */
        "redis://h/abc",                      /* db not a number */
        "postgresql://[::1/db",               /* unterminated bracket */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[256] = "";
        ecom_url_t *url = ecom_url_parse (bad[i], err, sizeof err);
        if (url)
            fail_msg ("accepted '%s'", bad[i]);
        assert_true (strlen (err) > 0);
    }
}

static void
test_error_never_shows_password (void **state)
{
    char err[256];
    ecom_url_t *url = ecom_url_parse ("postgresql://u:topsecret@h:99999/db", err, sizeof err);
    assert_null (url);
    assert_null (strstr (err, "topsecret"));
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_postgres_full),
        cmocka_unit_test (test_defaults_and_ipv6),
        cmocka_unit_test (test_rejects),
        cmocka_unit_test (test_error_never_shows_password),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
