/*  etl_rollup: the days the reader sums reach agg_daily_sales through daily_sales_add()
    equal to sums worked out here by hand, also when the table was full and its days were
    written out (some of them more than once: PostgreSQL adds them up); a row with a sum
    beyond 64 bits is refused whole (its day does not change). 6,000 orders over 90 days
    through tables of 8 and of 128 days equal the sums of a plain table of the same
    orders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdbool.h>
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
                      c   ? ","
                      : r ? ";"
                          : "",
                      PQgetvalue (res, r, c));
    PQclear (res);
}

static void
test_days_reach_the_rollup (void **state)
{
    char *url = testdb_create ("etl_rollup");
    assert_non_null (url);
    char err[2048];
    PGconn *conn = ecom_db_connect (url, err, sizeof err);
    if (!conn || migrate_apply (conn, ecom_migrations, NULL, err, sizeof err) < 0)
        fail_msg ("%s", err);

    int32_t mar1 = ecom_date_from_ymd (2025, 3, 1), mar9 = ecom_date_from_ymd (2025, 3, 9);
    int32_t mar10 = mar9 + 1;
    etl_rollup_t *rollup = etl_rollup_new (2);
    assert_non_null (rollup);
    assert_int_equal (etl_rollup_add (rollup, mar9, 2, 150), 0);  /* 2 x 1.50 */
    assert_int_equal (etl_rollup_add (rollup, mar1, 1, 1000), 0); /* 1 x 10.00 */
    assert_int_equal (etl_rollup_add (rollup, mar9, 3, 5), 0);    /* 3 x 0.05 */
    assert_int_equal (etl_rollup_spills (rollup), 0);
    /*  a third day does not fit: both are written out, the table starts again */
    assert_int_equal (etl_rollup_add (rollup, mar10, 1, 1), 0); /* 1 x 0.01 */
    assert_int_equal (etl_rollup_spills (rollup), 1);
    assert_int_equal (etl_rollup_add (rollup, mar9, 2, 2), 0); /* 2 x 0.02: again */
    assert_int_equal (etl_rollup_spills (rollup), 1);

    /*  beyond 64 bits (a rollup never applied: the table's NUMERIC(18,2) is smaller):
        1,000,000 x 9,000,000,000,000 cents fits once, not twice, and a product that does
        not fit is refused */
    etl_rollup_t *big = etl_rollup_new (8);
    assert_non_null (big);
    assert_int_equal (etl_rollup_add (big, mar1, 1000000, 9000000000000LL), 0);
    assert_int_equal (etl_rollup_add (big, mar1, 1000000, 9000000000000LL), -1);
    assert_int_equal (etl_rollup_add (big, mar1, 2, INT64_MAX / 2 + 1), -1);
    etl_rollup_destroy (&big);

    PQclear (PQexec (conn, "BEGIN"));
    if (etl_rollup_apply (rollup, conn, err, sizeof err))
        fail_msg ("%s", err);
    PQclear (PQexec (conn, "COMMIT"));
    char rows[1024];
    s_rows (conn, "SELECT date, orders, units, revenue FROM agg_daily_sales ORDER BY date", rows,
            sizeof rows);
    assert_string_equal (rows, "2025-03-01,1,1,10.00;2025-03-09,3,7,3.19;2025-03-10,1,1,0.01");

    /*  A second apply adds to what the table holds (the upsert's merge). */
    etl_rollup_destroy (&rollup);
    rollup = etl_rollup_new (8);
    assert_int_equal (etl_rollup_add (rollup, mar9, 1, 200), 0);
    PQclear (PQexec (conn, "BEGIN"));
    if (etl_rollup_apply (rollup, conn, err, sizeof err))
        fail_msg ("%s", err);
    PQclear (PQexec (conn, "COMMIT"));
    s_rows (conn, "SELECT orders, units, revenue FROM agg_daily_sales WHERE date = '2025-03-09'",
            rows, sizeof rows);
    assert_string_equal (rows, "4,8,5.19");
    etl_rollup_destroy (&rollup);

    etl_rollup_t *dropped = etl_rollup_new (1); /* never applied: its file is dropped */
    assert_int_equal (etl_rollup_add (dropped, mar1, 1, 100), 0);
    assert_int_equal (etl_rollup_add (dropped, mar9, 1, 100), 0);
    assert_int_equal (etl_rollup_spills (dropped), 1);
    etl_rollup_destroy (&dropped);
    PQfinish (conn);
    testdb_drop (&url);
}

/*  6,000 orders over 90 days, into a plain table too: the rollup equals its sums. In date
    order through a table of 8 days (each day written out once), in any order through one
    of 8 (days written out many times, added up by PostgreSQL) and of 128 (never full). */
static void
s_many_days (bool in_date_order, size_t limit)
{
    char *url = testdb_create ("etl_rollup_many");
    assert_non_null (url);
    char err[2048], rows[1024];
    PGconn *conn = ecom_db_connect (url, err, sizeof err);
    if (!conn || migrate_apply (conn, ecom_migrations, NULL, err, sizeof err) < 0)
        fail_msg ("%s", err);
    int32_t mar1 = ecom_date_from_ymd (2025, 3, 1);
    PQclear (PQexec (conn, "CREATE TABLE orders (day date, quantity int, price numeric(12,2))"));
    etl_rollup_t *rollup = etl_rollup_new (limit);
    char sql[256];
    unsigned int seed = 7;
    PQclear (PQexec (conn, "BEGIN"));
    for (int i = 0; i < 6000; i++) {
        seed = seed * 1103515245U + 12345U;
        int32_t day = in_date_order ? mar1 + i * 90 / 6000 : mar1 + (int32_t) (seed >> 8) % 90;
        int32_t quantity = 1 + (int32_t) (seed >> 20) % 5;
        int64_t cents = (int64_t) (seed >> 12) % 100000;
        assert_int_equal (etl_rollup_add (rollup, day, quantity, cents), 0);
        char date[16];
        ecom_date_format (day, date);
        snprintf (sql, sizeof sql, "INSERT INTO orders VALUES ('%s', %d, %lld.%02lld)", date,
                  quantity, (long long) cents / 100, (long long) cents % 100);
        PQclear (PQexec (conn, sql));
    }
    if (limit < 90)
        assert_true (etl_rollup_spills (rollup) >= (in_date_order ? 90 / limit - 1 : 100));
    else
        assert_int_equal (etl_rollup_spills (rollup), 0);
    if (etl_rollup_apply (rollup, conn, err, sizeof err))
        fail_msg ("%s", err);
    PQclear (PQexec (conn, "COMMIT"));
    etl_rollup_destroy (&rollup);
    s_rows (conn,
            "(SELECT date, orders, units, revenue FROM agg_daily_sales"
            " EXCEPT SELECT day, count(*), sum(quantity), sum(quantity * price) FROM orders"
            " GROUP BY day)"
            " UNION ALL (SELECT day, count(*), sum(quantity), sum(quantity * price) FROM orders"
            " GROUP BY day EXCEPT SELECT date, orders, units, revenue FROM agg_daily_sales)",
            rows, sizeof rows);
    assert_string_equal (rows, "");
    PQfinish (conn);
    testdb_drop (&url);
}

static void
test_many_days_in_date_order (void **state)
{
    s_many_days (true, 8);
}

static void
test_many_days_in_any_order (void **state)
{
    s_many_days (false, 8);
    s_many_days (false, 128);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_days_reach_the_rollup),
        cmocka_unit_test (test_many_days_in_date_order),
        cmocka_unit_test (test_many_days_in_any_order),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
