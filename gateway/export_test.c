/*  export: answers as CSV (SPEC §10), each shape against text written out here by hand:
    kpis one row without its nested objects, a list of rows, cohorts' rows per period with
    the cohort's fields first, RFC 4180 quoting, numbers as the JSON answer has them, null
    as an empty field, an answer without rows (the header alone), and answers of another
    shape refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "export.h"

/*  The CSV of json as op's answer, or NULL (checked against its length). */
static char *
s_csv (const char *op, const char *json)
{
    size_t len = 0;
    char *csv = export_csv (op, json, strlen (json), &len);
    if (csv)
        assert_int_equal (len, strlen (csv));
    return csv;
}

static void
s_expect (const char *op, const char *json, const char *expected)
{
    char *csv = s_csv (op, json);
    assert_non_null (csv);
    assert_string_equal (csv, expected);
    free (csv);
}

static void
test_kpis_one_row (void **state)
{
    s_expect ("kpis",
              "{\"start_date\":\"2025-01-01\",\"end_date\":null,\"total_revenue\":1234.5,"
              "\"total_orders\":7,\"filters\":{\"country\":\"France\"},"
              "\"comparison\":{\"total_orders\":3},\"cache\":{\"hit\":true}}",
              "start_date,end_date,total_revenue,total_orders\r\n"
              "2025-01-01,,1234.5,7\r\n");
}

static void
test_rows_and_quoting (void **state)
{
    s_expect ("top_sellers",
              "{\"metric\":\"revenue\",\"items\":["
              "{\"rank\":1,\"product_id\":\"P,1\",\"name\":\"Say \\\"hi\\\"\",\"revenue\":19.99},"
              "{\"rank\":2,\"product_id\":\"P2\",\"name\":\"two\\nlines\",\"revenue\":0.1},"
              "{\"rank\":3,\"product_id\":\"P3\",\"name\":\"Caf\\u00e9\",\"revenue\":1e21}],"
              "\"cache\":{\"hit\":false}}",
              "rank,product_id,name,revenue\r\n"
              "1,\"P,1\",\"Say \"\"hi\"\"\",19.99\r\n"
              "2,P2,\"two\nlines\",0.1\r\n"
              "3,P3,Caf\xc3\xa9,1e21\r\n");
}

static void
test_cohorts_per_period (void **state)
{
    s_expect ("cohorts",
              "{\"start_date\":\"2025-01-01\",\"cohorts\":["
              "{\"cohort\":\"2025-01-01\",\"customers\":2,\"periods\":["
              "{\"offset\":0,\"active\":2,\"retention\":1.0,\"revenue\":10.0},"
              "{\"offset\":1,\"active\":1,\"retention\":0.5,\"revenue\":3.25}]},"
              "{\"cohort\":\"2025-02-01\",\"customers\":1,\"periods\":["
              "{\"offset\":0,\"active\":1,\"retention\":1.0,\"revenue\":7.0}]}]}",
              "cohort,customers,offset,active,retention,revenue\r\n"
              "2025-01-01,2,0,2,1.0,10.0\r\n"
              "2025-01-01,2,1,1,0.5,3.25\r\n"
              "2025-02-01,1,0,1,1.0,7.0\r\n");
}

static void
test_empty_answers_have_a_header (void **state)
{
    s_expect ("revenue_trends", "{\"granularity\":\"daily\",\"points\":[]}",
              "period,revenue,orders\r\n");
    s_expect ("cohorts", "{\"cohorts\":[]}", "cohort,customers,offset,active,retention,revenue\r\n");
}

static void
test_other_shapes_refused (void **state)
{
    assert_null (s_csv ("segments", "{\"segments\":{}}"));          /* not a list */
    assert_null (s_csv ("segments", "{\"segments\":[1,2]}"));       /* rows not objects */
    assert_null (s_csv ("cohorts", "{\"cohorts\":[{\"cohort\":1}]}")); /* no periods */
    assert_null (s_csv ("kpis", "[1]"));
    assert_null (s_csv ("kpis", "{\"total_orders\":"));             /* not JSON */
    assert_null (s_csv ("list", "{\"results\":[]}"));              /* no export */
    const char *name = NULL;
    assert_true (export_supported ("revenue_breakdown", &name));
    assert_string_equal (name, "revenue-breakdown");
    assert_false (export_supported ("list", NULL));
    assert_false (export_supported (NULL, NULL));
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_kpis_one_row),
        cmocka_unit_test (test_rows_and_quoting),
        cmocka_unit_test (test_cohorts_per_period),
        cmocka_unit_test (test_empty_answers_have_a_header),
        cmocka_unit_test (test_other_shapes_refused),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
