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
        {"GET", "/api/v1/customers/", "customer", "list", true, true},
        {"GET", "/api/v1/products/", "product", "list", true, true},
        {"GET", "/api/v1/etl/runs/0b7c1d2e-0000-4000-8000-000000000001/rejects/", "etl", "rejects",
         true, true},
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

/*  A route with a parameter: one or more bytes without '/' fill it; the rest must match. */
static void
test_path_parameter (void **state)
{
    bool known;
    char allow[64];
    const char *path = "/api/v1/etl/runs/abc-1/rejects/";
    const route_t *r = s_match ("GET", path, &known, allow);
    assert_non_null (r);
    const char *name, *value;
    size_t nlen, vlen;
    assert_true (routes_path_param (r, path, strlen (path), &name, &nlen, &value, &vlen));
    assert_int_equal (nlen, 7);
    assert_memory_equal (name, "task_id", 7);
    assert_int_equal (vlen, 5);
    assert_memory_equal (value, "abc-1", 5);
    assert_null (s_match ("GET", "/api/v1/etl/runs//rejects/", &known, allow));
    assert_false (known);
    assert_null (s_match ("GET", "/api/v1/etl/runs/a/b/rejects/", &known, allow));
    assert_null (s_match ("GET", "/api/v1/etl/runs/a/rejects", &known, allow));
    assert_null (s_match ("GET", "/api/v1/etl/runs/a/reject/", &known, allow));
    assert_null (s_match ("POST", path, &known, allow));
    assert_true (known);
    assert_string_equal (allow, "GET");
    /*  A route without a parameter has none. */
    r = s_match ("GET", "/api/v1/orders/", &known, allow);
    assert_false (routes_path_param (r, "/api/v1/orders/", 15, &name, &nlen, &value, &vlen));
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_spec_routes),
        cmocka_unit_test (test_not_found_and_not_allowed),
        cmocka_unit_test (test_path_parameter),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
