/*  metrics: counting by route, method and status with bounded labels; the histogram's
    cumulative buckets; cache results; the exposition text. (The format is checked with
    real parsers in tests/e2e/test_api_docs.py.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metrics.h"

static void
s_observe (metrics_t *m, const char *method, const char *path, int status, double seconds,
           const char *cache)
{
    metrics_observe (m, method, strlen (method), path, strlen (path), status, seconds, cache);
}

/*  The number of lines of text that contain needle. */
static int
s_lines_with (const char *text, const char *needle)
{
    int n = 0;
    const char *line = text;
    while (*line) {
        const char *end = strchr (line, '\n');
        size_t len = end ? (size_t) (end - line) : strlen (line);
        char buf[512];
        snprintf (buf, sizeof buf, "%.*s", (int) len, line);
        if (strstr (buf, needle))
            n++;
        line += len + (end ? 1 : 0);
    }
    return n;
}

static void
s_has_line (const char *text, const char *line)
{
    char want[512];
    snprintf (want, sizeof want, "\n%s\n", line);
    if (!strstr (text, want))
        fail_msg ("missing line: %s\n%s", line, text);
}

static void
test_counts_by_route_method_and_status (void **state)
{
    metrics_t *m = metrics_new (NULL);
    assert_non_null (m);
    s_observe (m, "GET", "/api/v1/kpis/", 200, 0.0005, "MISS");
    s_observe (m, "GET", "/api/v1/kpis/", 200, 0.003, "HIT");
    s_observe (m, "GET", "/api/v1/kpis/", 400, 20.0, NULL);
    s_observe (m, "POST", "/api/v1/kpis/", 405, 0.0001, NULL);
    s_observe (m, "GET", "/api/docs/swagger-ui.css", 200, 0.002, NULL);
    s_observe (m, "GET", "/api/docs/", 200, 0.002, NULL);
    s_observe (m, "BREW", "/api/v1/orders/", 0, 0.5, NULL);
    size_t len = 0;
    char *text = metrics_render (m, 3, &len);
    assert_non_null (text);
    assert_int_equal (len, strlen (text));
    s_has_line (text, "ecom_http_requests_total{route=\"/api/v1/kpis/\",method=\"GET\","
                      "status=\"200\"} 2");
    s_has_line (text, "ecom_http_requests_total{route=\"/api/v1/kpis/\",method=\"GET\","
                      "status=\"400\"} 1");
    s_has_line (text, "ecom_http_requests_total{route=\"/api/v1/kpis/\",method=\"POST\","
                      "status=\"405\"} 1");
    /* Every Swagger UI asset counts under its folder's route. */
    s_has_line (text, "ecom_http_requests_total{route=\"/api/docs/\",method=\"GET\","
                      "status=\"200\"} 2");
    /* An unknown method is "other"; a request the client left is 499. */
    s_has_line (text, "ecom_http_requests_total{route=\"/api/v1/orders/\",method=\"other\","
                      "status=\"499\"} 1");
    /* Histogram, every method of the route: 0.0001, 0.0005, 0.003, 20 s. Cumulative
       buckets, +Inf = count, sum. */
    s_has_line (text, "ecom_http_request_duration_seconds_bucket{route=\"/api/v1/kpis/\","
                      "le=\"0.001\"} 2");
    s_has_line (text, "ecom_http_request_duration_seconds_bucket{route=\"/api/v1/kpis/\","
                      "le=\"0.0025\"} 2");
    s_has_line (text, "ecom_http_request_duration_seconds_bucket{route=\"/api/v1/kpis/\","
                      "le=\"0.005\"} 3");
    s_has_line (text, "ecom_http_request_duration_seconds_bucket{route=\"/api/v1/kpis/\","
                      "le=\"10\"} 3");
    s_has_line (text, "ecom_http_request_duration_seconds_bucket{route=\"/api/v1/kpis/\","
                      "le=\"+Inf\"} 4");
    s_has_line (text, "ecom_http_request_duration_seconds_count{route=\"/api/v1/kpis/\"} 4");
    s_has_line (text, "ecom_http_request_duration_seconds_sum{route=\"/api/v1/kpis/\"} 20.0036");
    s_has_line (text, "ecom_http_requests_in_flight 3");
    s_has_line (text, "ecom_cache_requests_total{service=\"kpi\",result=\"hit\"} 1");
    s_has_line (text, "ecom_cache_requests_total{service=\"kpi\",result=\"miss\"} 1");
    assert_int_equal (s_lines_with (text, "service=\"product\",result="), 0);
    s_has_line (text, "ecom_service_workers{service=\"etl\"} 0");
    s_has_line (text, "# TYPE ecom_http_request_duration_seconds histogram");
    /* 13 bounds + +Inf per route label. */
    assert_int_equal (s_lines_with (text, "route=\"/api/v1/kpis/\",le="), 14);
    free (text);
    metrics_destroy (&m);
    assert_null (m);
    metrics_destroy (&m);
}

static void
test_unknown_paths_share_one_label (void **state)
{
    metrics_t *m = metrics_new (NULL);
    char path[64];
    for (int i = 0; i < 5000; i++) {
        snprintf (path, sizeof path, "/random/%d", i);
        s_observe (m, "GET", path, 404, 0.0001, NULL);
    }
    s_observe (m, "GET", "/api/v1/kpis", 404, 0.0001, NULL); /* no trailing slash */
    s_observe (m, "GET", "/api/docs", 404, 0.0001, NULL);    /* not below /api/docs/ */
    s_observe (m, "GET", "/metricsx", 404, 0.0001, NULL);
    size_t len;
    char *text = metrics_render (m, 1, &len);
    s_has_line (text, "ecom_http_requests_total{route=\"unmatched\",method=\"GET\","
                      "status=\"404\"} 5003");
    assert_int_equal (s_lines_with (text, "ecom_http_requests_total{"), 1);
    assert_int_equal (s_lines_with (text, "/random/"), 0);
    free (text);
    metrics_destroy (&m);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_counts_by_route_method_and_status),
        cmocka_unit_test (test_unknown_paths_share_one_label),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
