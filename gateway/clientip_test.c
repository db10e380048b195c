/*  clientip: the client behind a trusted proxy; X-Forwarded-For ignored from anyone else,
    and from a trusted proxy when its last entry is not an address; the TRUSTED_PROXIES
    list's checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "clientip.h"

/*  clientip_resolve() with forwarded as a C string (NULL: no header). */
static const char *
s_resolve (const clientip_t *c, const char *peer, const char *forwarded)
{
    static char out[CLIENTIP_ADDR_MAX + 1];
    clientip_resolve (c, peer, forwarded, forwarded ? strlen (forwarded) : 0, out, sizeof out);
    return out;
}

static void
test_trusts_none_by_default (void **state)
{
    char err[128];
    const char *lists[] = {NULL, ""};
    for (int i = 0; i < 2; i++) {
        clientip_t *c = clientip_new (lists[i], err, sizeof err);
        assert_non_null (c);
        assert_int_equal (clientip_trusted_count (c), 0);
        assert_string_equal (s_resolve (c, "10.0.0.1", "192.0.2.7"), "10.0.0.1");
        assert_string_equal (s_resolve (c, "127.0.0.1", "192.0.2.7"), "127.0.0.1");
        clientip_destroy (&c);
        assert_null (c);
    }
    clientip_destroy (NULL);
}

static void
test_forwarded_only_from_a_trusted_proxy (void **state)
{
    char err[128];
    clientip_t *c = clientip_new ("10.0.0.5, 2001:db8::1", err, sizeof err);
    assert_non_null (c);
    assert_int_equal (clientip_trusted_count (c), 2);
    /*  The last entry is the one the proxy appended: the earlier ones are the client's say. */
    assert_string_equal (s_resolve (c, "10.0.0.5", "192.0.2.7"), "192.0.2.7");
    assert_string_equal (s_resolve (c, "10.0.0.5", "1.2.3.4, 192.0.2.7"), "192.0.2.7");
    assert_string_equal (s_resolve (c, "10.0.0.5", "1.2.3.4,2001:DB8:0::9 "), "2001:db8::9");
    assert_string_equal (s_resolve (c, "2001:db8:0::1", "198.51.100.2"), "198.51.100.2");
    /*  Not a trusted peer: the header is ignored. */
    assert_string_equal (s_resolve (c, "10.0.0.6", "192.0.2.7"), "10.0.0.6");
    assert_string_equal (s_resolve (c, "::ffff:10.0.0.5", "192.0.2.7"), "::ffff:10.0.0.5");
    /*  A trusted proxy without a usable last entry: keyed on the proxy itself. */
    assert_string_equal (s_resolve (c, "10.0.0.5", NULL), "10.0.0.5");
    assert_string_equal (s_resolve (c, "10.0.0.5", ""), "10.0.0.5");
    assert_string_equal (s_resolve (c, "10.0.0.5", "192.0.2.7, unknown"), "10.0.0.5");
    assert_string_equal (s_resolve (c, "10.0.0.5", "192.0.2.7,"), "10.0.0.5");
    assert_string_equal (s_resolve (c, "10.0.0.5", "192.0.2.7:443"), "10.0.0.5");
    char longest[200];
    memset (longest, '1', sizeof longest - 1);
    longest[sizeof longest - 1] = 0;
    assert_string_equal (s_resolve (c, "10.0.0.5", longest), "10.0.0.5");
    assert_string_equal (s_resolve (c, "unknown", "192.0.2.7"), "unknown");
    clientip_destroy (&c);
}

static void
test_bad_lists (void **state)
{
    char err[128];
    const char *bad[] = {"10.0.0.5,",  ",10.0.0.5", "10.0.0.5,,10.0.0.6", "10.0.0.0/8", "proxy",
                         "10.0.0.256", "1,2,3"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = 0;
        if (clientip_new (bad[i], err, sizeof err))
            fail_msg ("'%s' was accepted", bad[i]);
        assert_non_null (strstr (err, "TRUSTED_PROXIES"));
    }
    char many[400] = "";
    for (int i = 0; i <= CLIENTIP_PROXIES_MAX; i++)
        snprintf (many + strlen (many), sizeof many - strlen (many), "%s10.0.0.%d", i ? "," : "",
                  i + 1);
    assert_null (clientip_new (many, err, sizeof err));
    assert_non_null (strstr (err, "more than"));
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_trusts_none_by_default),
        cmocka_unit_test (test_forwarded_only_from_a_trusted_proxy),
        cmocka_unit_test (test_bad_lists),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
