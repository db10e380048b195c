/*  etl_rollup: the groups the reader sums reach the three rollups through rollups_add()
    equal to sums worked out here by hand, also when the table was full and its groups were
    written out (some of them more than once: PostgreSQL adds them up); a row with a sum
    beyond 64 bits is refused whole (none of its groups changes). Thousands of customer
    months through a table of 64 groups equal the sums of a plain table of the same
    orders. */
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
    etl_rollup_t *rollup = etl_rollup_new (5);
    assert_non_null (rollup);
    /*  groups: day Mar 9, customer 7's March, product 3's March */
    assert_int_equal (etl_rollup_add (rollup, mar9, 7, 3, 2, 150), 0);  /* 2 x 1.50 */
    /*  + day Mar 1 (4 groups) */
    assert_int_equal (etl_rollup_add (rollup, mar1, 7, 3, 1, 1000), 0); /* 1 x 10.00 */
    assert_int_equal (etl_rollup_spills (rollup), 0);
    /*  2 new groups do not fit the 1 left: the groups are written out, the table starts
        again with day Mar 9, customer 8's March, product 4's March */
    assert_int_equal (etl_rollup_add (rollup, mar9, 8, 4, 3, 5), 0);    /* 3 x 0.05 */
    assert_int_equal (etl_rollup_spills (rollup), 1);
    /*  3 new ones: written out again; then one more fits */
    assert_int_equal (etl_rollup_add (rollup, mar1, 7, 3, 1, 1), 0);    /* 1 x 0.01 */
    assert_int_equal (etl_rollup_add (rollup, mar9, 7, 3, 2, 2), 0);    /* 2 x 0.02 */
    assert_int_equal (etl_rollup_spills (rollup), 2);

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
    if (etl_rollup_apply (rollup, conn, false, err, sizeof err))
        fail_msg ("%s", err);
    PQclear (PQexec (conn, "COMMIT"));
    char rows[1024];
    s_rows (conn, "SELECT date, orders, units, revenue FROM agg_daily_sales ORDER BY date", rows,
            sizeof rows);
    assert_string_equal (rows, "2025-03-01,2,2,10.01;2025-03-09,3,7,3.19");
    s_rows (conn, "SELECT customer_key, month, orders, revenue, last_date FROM agg_customer_monthly"
                  " ORDER BY customer_key", rows, sizeof rows);
    assert_string_equal (rows, "7,2025-03-01,4,13.05,2025-03-09;8,2025-03-01,1,0.15,2025-03-09");
    s_rows (conn, "SELECT product_key, month, orders, units, revenue FROM agg_product_monthly"
                  " ORDER BY product_key", rows, sizeof rows);
    assert_string_equal (rows, "3,2025-03-01,4,6,13.05;4,2025-03-01,1,3,0.15");

    /*  A second apply adds to what the rollups hold (the upserts' merge), also when nobody
        else can write them (they are not empty: no plain inserts). */
    etl_rollup_destroy (&rollup);
    rollup = etl_rollup_new (8);
    assert_int_equal (etl_rollup_add (rollup, mar9, 7, 4, 1, 200), 0);
    PQclear (PQexec (conn, "BEGIN"));
    if (etl_rollup_apply (rollup, conn, true, err, sizeof err))
        fail_msg ("%s", err);
    PQclear (PQexec (conn, "COMMIT"));
    s_rows (conn, "SELECT orders, units, revenue FROM agg_daily_sales WHERE date = '2025-03-09'",
            rows, sizeof rows);
    assert_string_equal (rows, "4,8,5.19");
    s_rows (conn, "SELECT orders, units, revenue FROM agg_product_monthly WHERE product_key = 4",
            rows, sizeof rows);
    assert_string_equal (rows, "2,4,2.15");
    s_rows (conn, "SELECT orders, revenue, last_date FROM agg_customer_monthly ORDER BY customer_key",
            rows, sizeof rows);
    assert_string_equal (rows, "5,15.05,2025-03-09;1,0.15,2025-03-09");
    etl_rollup_destroy (&rollup);

    etl_rollup_t *dropped = etl_rollup_new (64); /* never applied: its file is dropped */
    assert_int_equal (etl_rollup_add (dropped, mar1, 1, 1, 1, 100), 0);
    etl_rollup_destroy (&dropped);
    PQfinish (conn);
    testdb_drop (&url);
}

/*  6,000 orders of 1,500 customers and 40 products over 90 days, into a plain table too:
    the rollups equal its sums. In date order, through a table of 2,048 groups (a month
    makes about 1,200): the months before are written out, none twice (nothing to add up).
    In any order, through a table of 64 groups, written out about a hundred times: groups
    repeat, and PostgreSQL adds them up. */
static void
s_many_groups (bool in_date_order)
{
    char *url = testdb_create (in_date_order ? "etl_rollup_ordered" : "etl_rollup_random");
    assert_non_null (url);
    char err[2048], rows[1024];
    PGconn *conn = ecom_db_connect (url, err, sizeof err);
    if (!conn || migrate_apply (conn, ecom_migrations, NULL, err, sizeof err) < 0)
        fail_msg ("%s", err);
    int32_t mar1 = ecom_date_from_ymd (2025, 3, 1);
    PQclear (PQexec (conn, "CREATE TABLE orders (day date, customer int, product int,"
                           " quantity int, price numeric(12,2))"));
    etl_rollup_t *rollup = etl_rollup_new (in_date_order ? 2048 : 64);
    char sql[256];
    unsigned int seed = 7;
    PQclear (PQexec (conn, "BEGIN"));
    for (int i = 0; i < 6000; i++) {
        seed = seed * 1103515245U + 12345U;
        int32_t day = in_date_order ? mar1 + i * 90 / 6000 : mar1 + (int32_t) (seed >> 8) % 90;
        int32_t customer = 1 + (int32_t) ((seed >> 4) % 1500), product = 1 + (int32_t) (seed % 40);
        int32_t quantity = 1 + (int32_t) (seed >> 20) % 5;
        int64_t cents = (int64_t) (seed >> 12) % 100000;
        assert_int_equal (etl_rollup_add (rollup, day, customer, product, quantity, cents), 0);
        char date[16];
        ecom_date_format (day, date);
        snprintf (sql, sizeof sql, "INSERT INTO orders VALUES ('%s', %d, %d, %d, %lld.%02lld)",
                  date, customer, product, quantity, (long long) cents / 100,
                  (long long) cents % 100);
        PQclear (PQexec (conn, sql));
    }
    assert_true (etl_rollup_spills (rollup) >= (in_date_order ? 1 : 50));
    assert_int_equal (etl_rollup_repeats (rollup), !in_date_order);
    /*  As a first load on the bulk path (the rollups empty, held): in date order, the groups
        copied straight into the rollups, their indexes built again; in any order, added up
        and upserted. */
    if (etl_rollup_apply (rollup, conn, true, err, sizeof err))
        fail_msg ("%s", err);
    PQclear (PQexec (conn, "COMMIT"));
    etl_rollup_destroy (&rollup);
    static const char *const checks[] = {
        "SELECT date, orders, units, revenue FROM agg_daily_sales"
        " EXCEPT SELECT day, count(*), sum(quantity), sum(quantity * price) FROM orders GROUP BY day",
        "SELECT customer_key, month, orders, revenue, last_date FROM agg_customer_monthly"
        " EXCEPT SELECT customer, date_trunc('month', day)::date, count(*), sum(quantity * price),"
        " max(day) FROM orders GROUP BY 1, 2",
        "SELECT product_key, month, orders, units, revenue FROM agg_product_monthly"
        " EXCEPT SELECT product, date_trunc('month', day)::date, count(*), sum(quantity),"
        " sum(quantity * price) FROM orders GROUP BY 1, 2"};
    for (size_t c = 0; c < 3; c++) {
        s_rows (conn, checks[c], rows, sizeof rows);
        assert_string_equal (rows, "");
    }
    s_rows (conn, "SELECT (SELECT count(*) FROM agg_customer_monthly) ="
                  " (SELECT count(DISTINCT (customer, date_trunc('month', day))) FROM orders)",
            rows, sizeof rows);
    assert_string_equal (rows, "t");
    s_rows (conn, "SELECT count(*) FROM pg_indexes WHERE tablename IN ('agg_daily_sales',"
                  " 'agg_customer_monthly', 'agg_product_monthly') AND indexdef LIKE '%UNIQUE%'",
            rows, sizeof rows);
    assert_string_equal (rows, "3");
    PQfinish (conn);
    testdb_drop (&url);
}

static void
test_many_groups_in_date_order (void **state)
{
    s_many_groups (true);
}

static void
test_many_groups_in_any_order (void **state)
{
    s_many_groups (false);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_groups_reach_the_rollups),
        cmocka_unit_test (test_many_groups_in_date_order),
        cmocka_unit_test (test_many_groups_in_any_order),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
