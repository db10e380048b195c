/*  etl_rollup: the groups the reader sums reach the three rollups through rollups_add()
    equal to sums worked out here by hand; a row that needs a group beyond the bound, or a
    sum beyond 64 bits, is refused whole (none of its groups changes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecom_date.h"
#include "ecom_db.h"
#include "etl_rollup.h"
#include "migrate.h"
#include "testdb.h"

extern const ecom_embedded_t ecom_migrations[];

/*  The rows of sql as one text, rows joined by ';' and columns by ','. */
static void
s_rows (PGconn *conn, const char *sql, char *out, size_t size)
{
    PGresult *res = PQexec (conn, sql);
    if (PQresultStatus (res) != PGRES_TUPLES_OK)
        fail_msg ("%s", PQresultErrorMessage (res));
    out[0] = '\0';
    for (int r = 0; r < PQntuples (res); r++)
        for (int c = 0; c < PQnfields (res); c++)
            snprintf (out + strlen (out), size - strlen (out), "%s%s",
                      c ? "," : r ? ";" : "", PQgetvalue (res, r, c));
    PQclear (res);
}

static void
test_groups_reach_the_rollups (void **state)
{
    char *url = testdb_create ("etl_rollup");
    assert_non_null (url);
    char err[2048];
    PGconn *conn = ecom_db_connect (url, err, sizeof err);
    if (!conn || migrate_apply (conn, ecom_migrations, NULL, err, sizeof err) < 0)
        fail_msg ("%s", err);

    int32_t mar1 = ecom_date_from_ymd (2025, 3, 1), mar9 = ecom_date_from_ymd (2025, 3, 9);
    int32_t apr2 = ecom_date_from_ymd (2025, 4, 2);
    etl_rollup_t *rollup = etl_rollup_new (5);
    assert_non_null (rollup);
    /*  groups: day Mar 9, customer 7's March, product 3's March */
    assert_int_equal (etl_rollup_add (rollup, mar9, 7, 3, 2, 150), 0);  /* 2 x 1.50 */
    /*  + day Mar 1 (4 groups) */
    assert_int_equal (etl_rollup_add (rollup, mar1, 7, 3, 1, 1000), 0); /* 1 x 10.00 */
    /*  + product 4's March (5 groups) */
    assert_int_equal (etl_rollup_add (rollup, mar9, 7, 4, 3, 5), 0);    /* 3 x 0.05 */
    /*  a 6th group: refused, and nothing of the row is added (day Mar 9 stays as it is) */
    assert_int_equal (etl_rollup_add (rollup, mar9, 8, 3, 1, 100), -1);
    assert_int_equal (etl_rollup_add (rollup, apr2, 7, 3, 1, 100), -1);

    /*  beyond 64 bits (a rollup never applied: the tables' NUMERIC(18,2) is smaller):
        1,000,000 x 9,000,000,000,000 cents fits once, not twice, and a product that does
        not fit is refused */
    etl_rollup_t *big = etl_rollup_new (8);
    assert_non_null (big);
    assert_int_equal (etl_rollup_add (big, mar1, 7, 3, 1000000, 9000000000000LL), 0);
    assert_int_equal (etl_rollup_add (big, mar1, 7, 3, 1000000, 9000000000000LL), -1);
    assert_int_equal (etl_rollup_add (big, mar1, 7, 3, 2, INT64_MAX / 2 + 1), -1);
    etl_rollup_destroy (&big);

    PQclear (PQexec (conn, "BEGIN"));
    if (etl_rollup_apply (rollup, conn, err, sizeof err))
        fail_msg ("%s", err);
    PQclear (PQexec (conn, "COMMIT"));
    char rows[1024];
    s_rows (conn, "SELECT date, orders, units, revenue FROM agg_daily_sales ORDER BY date", rows,
            sizeof rows);
    assert_string_equal (rows, "2025-03-01,1,1,10.00;2025-03-09,2,5,3.15");
    s_rows (conn, "SELECT customer_key, month, orders, revenue, last_date FROM agg_customer_monthly",
            rows, sizeof rows);
    assert_string_equal (rows, "7,2025-03-01,3,13.15,2025-03-09");
    s_rows (conn, "SELECT product_key, month, orders, units, revenue FROM agg_product_monthly"
                  " ORDER BY product_key", rows, sizeof rows);
    assert_string_equal (rows, "3,2025-03-01,2,3,13.00;4,2025-03-01,1,3,0.15");

    /*  A second apply adds to what the rollups hold (the upserts' merge). */
    etl_rollup_destroy (&rollup);
    rollup = etl_rollup_new (8);
    assert_int_equal (etl_rollup_add (rollup, mar9, 7, 4, 1, 200), 0);
    PQclear (PQexec (conn, "BEGIN"));
    if (etl_rollup_apply (rollup, conn, err, sizeof err))
        fail_msg ("%s", err);
    PQclear (PQexec (conn, "COMMIT"));
    s_rows (conn, "SELECT orders, units, revenue FROM agg_daily_sales WHERE date = '2025-03-09'",
            rows, sizeof rows);
    assert_string_equal (rows, "3,6,5.15");
    s_rows (conn, "SELECT orders, units, revenue FROM agg_product_monthly WHERE product_key = 4",
            rows, sizeof rows);
    assert_string_equal (rows, "2,4,2.15");
    s_rows (conn, "SELECT orders, revenue, last_date FROM agg_customer_monthly", rows, sizeof rows);
    assert_string_equal (rows, "4,15.15,2025-03-09");
    etl_rollup_destroy (&rollup);
    PQfinish (conn);
    testdb_drop (&url);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_groups_reach_the_rollups),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
