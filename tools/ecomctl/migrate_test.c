/*  migrate: applying twice is a no-op; a failing migration leaves the database as it was;
    the daily rollup created by the migrations follows fact_order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "ecom_db.h"
#include "migrate.h"
#include "testdb.h"

extern const ecom_embedded_t ecom_migrations[];
extern const size_t ecom_migrations_count;

static PGconn *
s_connect (const char *url)
{
    char err[512];
    PGconn *conn = ecom_db_connect (url, err, sizeof err);
    if (!conn)
        fail_msg ("%s", err);
    return conn;
}

static long long
s_value (PGconn *conn, const char *sql)
{
    char err[512];
    long long value = -1;
    if (ecom_db_query_int64 (conn, sql, &value, err, sizeof err))
        fail_msg ("%s: %s", sql, err);
    return value;
}

static void
test_apply_twice (void **state)
{
    char *url = testdb_create ("migrate_twice");
    assert_non_null (url);
    PGconn *conn = s_connect (url);
    char err[2048];
    assert_true (ecom_migrations_count >= 3);
    assert_int_equal (migrate_apply (conn, ecom_migrations, NULL, err, sizeof err),
                      (int) ecom_migrations_count);
    assert_int_equal (migrate_apply (conn, ecom_migrations, NULL, err, sizeof err), 0);
    assert_int_equal (s_value (conn, "SELECT count(*) FROM schema_migrations"),
                      (long long) ecom_migrations_count);
    assert_int_equal (s_value (conn, "SELECT count(*) FROM information_schema.tables "
                                     "WHERE table_name IN ('dim_customer', 'dim_product', "
                                     "'dim_time', 'fact_order', 'etl_runs', 'etl_rejects', 'users')"),
                      7);
    PQfinish (conn);
    testdb_drop (&url);
}

static void
test_failure_leaves_database_as_it_was (void **state)
{
    const ecom_embedded_t broken[] = {
        {"0001_ok.sql", "CREATE TABLE first_table (x int);"},
        {"0002_bad.sql", "CREATE TABLE second_table (x int); SELEC 1;"},
        {NULL, NULL}};
    char *url = testdb_create ("migrate_fail");
    assert_non_null (url);
    PGconn *conn = s_connect (url);
    char err[2048] = "";
    assert_int_equal (migrate_apply (conn, broken, NULL, err, sizeof err), -1);
    assert_non_null (strstr (err, "0002_bad.sql"));
    assert_non_null (strstr (err, "syntax error"));
    assert_int_equal (s_value (conn, "SELECT count(*) FROM information_schema.tables "
                                     "WHERE table_schema = 'public'"),
                      0);
    /* the connection is still usable and the good migrations apply */
    assert_int_equal (migrate_apply (conn, ecom_migrations, NULL, err, sizeof err),
                      (int) ecom_migrations_count);
    PQfinish (conn);
    testdb_drop (&url);
}

static void
test_rollups_follow_fact_order (void **state)
{
    char *url = testdb_create ("migrate_rollup");
    assert_non_null (url);
    PGconn *conn = s_connect (url);
    char err[2048];
    assert_true (migrate_apply (conn, ecom_migrations, NULL, err, sizeof err) > 0);
    const char *steps[] = {
        "SELECT dim_time_fill('2024-01-01', '2024-03-31');"
        "INSERT INTO dim_customer (customer_id, name, email, city, country) VALUES"
        " ('c1', 'A', 'a@x', 'Paris', 'France'), ('c2', 'B', 'b@x', 'Rome', 'Italy');"
        "INSERT INTO dim_product (product_id, name, category) VALUES ('p1', 'P', 'Books'),"
        " ('p2', 'Q', 'Toys');"
        /* five dates over three months (Jan 1, Jan 18, Feb 4, Feb 21, Mar 9) */
        "INSERT INTO fact_order (order_id, order_date, customer_key, product_key, quantity, unit_price)"
        " SELECT 'o' || g, date '2024-01-01' + (g % 5) * 17, 1 + g % 2, 1 + g % 3 / 2, 1 + g % 3, 9.99"
        " FROM generate_series(1, 200) g",
        "DELETE FROM fact_order WHERE order_id IN ('o1', 'o2', 'o7')",
        "DELETE FROM fact_order WHERE order_date = '2024-01-18'",
        "UPDATE fact_order SET order_date = '2024-01-20', quantity = 7 WHERE order_id LIKE 'o1%'",
        "INSERT INTO fact_order (order_id, order_date, customer_key, product_key, quantity, unit_price)"
        " VALUES ('x1', '2024-01-31', 2, 1, 2, 0.01)",
        /* into groups that exist and groups that do not, a later last_date for some */
        "INSERT INTO fact_order (order_id, order_date, customer_key, product_key, quantity, unit_price)"
        " SELECT 'y' || g, date '2024-01-25' + g, 1 + g % 2, 2 - g % 2, g, 0.5 * g"
        " FROM generate_series(1, 60) g",
        "TRUNCATE fact_order",
    };
    /*  The daily rollup and the query over fact_order it must stay equal to (0002, 0009);
        the monthly rollups of 0004 are gone (0009). */
    const char *const rollups[][2] = {
        {"SELECT date, orders, units, revenue FROM agg_daily_sales",
         "SELECT order_date, count(*), sum(quantity), sum(total_amount) FROM fact_order GROUP BY 1"},
    };
    assert_int_equal (s_value (conn, "SELECT count(*) FROM pg_class WHERE relname IN"
                                     " ('agg_customer_monthly', 'agg_product_monthly')"),
                      0);
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        if (ecom_db_exec (conn, steps[i], err, sizeof err))
            fail_msg ("step %zu: %s", i, err);
        for (size_t r = 0; r < sizeof rollups / sizeof rollups[0]; r++) {
            char sql[1024];
            snprintf (sql, sizeof sql,
                      "SELECT count(*) FROM ((%s EXCEPT %s) UNION ALL (%s EXCEPT %s)) d",
                      rollups[r][0], rollups[r][1], rollups[r][1], rollups[r][0]);
            long long mismatches = s_value (conn, sql);
            if (mismatches != 0)
                fail_msg ("after step %zu, '%s' differs from fact_order in %lld rows", i,
                          rollups[r][0], mismatches);
        }
    }
    assert_int_equal (s_value (conn, "SELECT count(*) FROM agg_daily_sales"), 0);
    PQfinish (conn);
    testdb_drop (&url);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_apply_twice),
        cmocka_unit_test (test_failure_leaves_database_as_it_was),
        cmocka_unit_test (test_rollups_follow_fact_order),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
