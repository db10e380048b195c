/*  routes: the table of SPEC §6 and the 404/405 distinction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "routes.h"

static const route_t *
s_match (const char *method, const char *path, bool *known, char *allow)
{
    return routes_match (method, strlen (method), path, strlen (path), known, allow, 64);
}

static void
test_spec_routes (void **state)
{
    struct {
        const char *method, *path, *service, *op;
        bool auth, retry;
    } expected[] = {
        {"GET", "/api/v1/kpis/", "kpi", "kpis", false, true},
        {"GET", "/api/v1/revenue/trends/", "kpi", "revenue_trends", false, true},
        {"GET", "/api/v1/customers/segments/", "customer", "segments", false, true},
        {"GET", "/api/v1/products/top-sellers/", "product", "top_sellers", false, true},
        {"GET", "/api/v1/orders/", "orders", "list", true, true},
        {"GET", "/api/v1/etl/status/", "etl", "status", true, true},
        {"POST", "/api/v1/etl/trigger/", "etl", "trigger", true, false},
        {"POST", "/api/v1/auth/token/", "auth", "token", false, false},
        {"POST", "/api/v1/auth/token/refresh/", "auth", "token_refresh", false, false},
    };
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
        bool known;
        char allow[64];
        const route_t *r = s_match (expected[i].method, expected[i].path, &known, allow);
        assert_non_null (r);
        assert_int_equal (r->kind, ROUTE_RPC);
        assert_string_equal (r->service, expected[i].service);
        assert_string_equal (r->op, expected[i].op);
        assert_int_equal (r->auth, expected[i].auth);
        assert_int_equal (r->retry, expected[i].retry);
        /*  Only the token routes take a body and are throttled after failures. */
        bool token = strcmp (expected[i].service, "auth") == 0;
        assert_int_equal (r->body, token);
        assert_int_equal (r->throttled, token);
        assert_string_equal (routes_service_of (expected[i].path, strlen (expected[i].path)),
                             expected[i].service);
    }
    bool known;
    const route_t *r = s_match ("GET", "/healthz", &known, NULL);
    assert_non_null (r);
    assert_int_equal (r->kind, ROUTE_HEALTHZ);
    /*  /healthz lists every service a route goes to. */
    const char *services[] = {"kpi", "product", "customer", "orders", "auth", "etl"};
    size_t n = 0;
    for (; routes_services[n]; n++)
        assert_string_equal (routes_services[n], services[n]);
    assert_int_equal (n, 6);
}

static void
test_not_found_and_not_allowed (void **state)
{
    bool known = true;
    char allow[64];
    assert_null (s_match ("GET", "/api/v1/kpis", &known, allow));
    assert_false (known);
    assert_null (s_match ("GET", "/api/v1/kpis/x", &known, allow));
    assert_false (known);
    assert_null (s_match ("get", "/api/v1/kpis/", &known, allow));
    assert_true (known);
    assert_null (s_match ("DELETE", "/api/v1/kpis/", &known, allow));
    assert_true (known);
    assert_string_equal (allow, "GET");
    assert_null (s_match ("GET", "/api/v1/etl/trigger/", &known, allow));
    assert_true (known);
    assert_string_equal (allow, "POST");
    assert_string_equal (routes_service_of ("/nope", 5), "-");
    assert_string_equal (routes_service_of ("/healthz", 8), "gateway");
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_spec_routes),
        cmocka_unit_test (test_not_found_and_not_allowed),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
