/*  seed: determinism, counts, shape of the data, refusal to overwrite. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "ecom_date.h"
#include "ecom_db.h"
#include "migrate.h"
#include "seed.h"
#include "testdb.h"

extern const ecom_embedded_t ecom_migrations[];

/*  A digest of every star row, in a fixed order. */
static const char s_digest_sql[] =
    "SELECT md5(string_agg(t, E'\\n' ORDER BY t)) FROM ("
    " SELECT format('c|%s|%s|%s|%s|%s|%s', customer_key, customer_id, name, email, city, country) t FROM dim_customer"
    " UNION ALL SELECT format('p|%s|%s|%s|%s', product_key, product_id, name, category) FROM dim_product"
    " UNION ALL SELECT format('o|%s|%s|%s|%s|%s|%s', order_id, order_date, customer_key, product_key, quantity, unit_price) FROM fact_order"
    ") rows";

/*  Rows that differ between the daily rollup the seed writes and the same sums grouped
    from fact_order: 0 when they match. */
static const char s_rollup_mismatch_sql[] =
    "WITH d AS (SELECT order_date AS date, count(*) AS orders, sum(quantity) AS units,"
    "                  sum(total_amount) AS revenue FROM fact_order GROUP BY 1)"
    " SELECT count(*) FROM ((SELECT * FROM d EXCEPT SELECT date, orders, units, revenue"
    "                        FROM agg_daily_sales)"
    "                       UNION ALL (SELECT date, orders, units, revenue FROM agg_daily_sales"
    "                                  EXCEPT SELECT * FROM d)) x";

static PGconn *
s_migrated (char **url_p, const char *prefix)
{
    *url_p = testdb_create (prefix);
    assert_non_null (*url_p);
    char err[2048];
    PGconn *conn = ecom_db_connect (*url_p, err, sizeof err);
    if (!conn)
        fail_msg ("%s", err);
    if (migrate_apply (conn, ecom_migrations, NULL, err, sizeof err) < 0)
        fail_msg ("%s", err);
    return conn;
}

static char *
s_text (PGconn *conn, const char *sql)
{
    PGresult *res = PQexec (conn, sql);
    if (PQresultStatus (res) != PGRES_TUPLES_OK)
        fail_msg ("%s", PQresultErrorMessage (res));
    char *text = strdup (PQgetisnull (res, 0, 0) ? "" : PQgetvalue (res, 0, 0));
    PQclear (res);
    return text;
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

static char *
s_seed_digest (uint64_t random_seed, seed_counts_t *counts)
{
    char *url;
    PGconn *conn = s_migrated (&url, "seed_digest");
    seed_options_t o;
    seed_options_default (&o);
    o.customers = 120;
    o.products = 40;
    o.orders = 3000;
    o.days = 60;
    o.random_seed = random_seed;
    char err[2048];
    if (seed_run (conn, &o, NULL, NULL, counts, NULL, err, sizeof err))
        fail_msg ("%s", err);
    char *digest = s_text (conn, s_digest_sql);
    PQfinish (conn);
    testdb_drop (&url);
    return digest;
}

static void
test_same_seed_same_rows (void **state)
{
    seed_counts_t a, b, c;
    char *first = s_seed_digest (7, &a);
    char *second = s_seed_digest (7, &b);
    char *other = s_seed_digest (8, &c);
    assert_string_equal (first, second);
    assert_string_not_equal (first, other);
    /* The rows of these options, pinned: a change to what the generator draws changes this
       digest. Set it anew only once the shape tests below pass on the new rows. */
    assert_string_equal (first, "6ab2d1bc0affea5fbf0d059a7fbbe8fb");
    assert_int_equal (a.customers, 120);
    assert_int_equal (a.products, 40);
    assert_int_equal (a.dates, 60);
    assert_int_equal (a.orders, 3000);
    free (first);
    free (second);
    free (other);
}

static void
test_defaults_counts_and_shape (void **state)
{
    char *url;
    PGconn *conn = s_migrated (&url, "seed_defaults");
    seed_options_t o;
    seed_options_default (&o);
    assert_int_equal (o.customers, 0); /* derived from the orders */
    assert_int_equal (o.products, 0);
    assert_int_equal (o.orders, 50000);
    assert_int_equal (o.days, 730);
    seed_counts_t counts;
    long long version = 0;
    char err[2048];
    if (seed_run (conn, &o, NULL, NULL, &counts, &version, err, sizeof err))
        fail_msg ("%s", err);
    assert_int_equal (counts.customers, 16666); /* one per three orders */
    assert_int_equal (counts.products, 100);    /* one per 500 orders */
    assert_int_equal (counts.dates, 730);
    assert_int_equal (counts.orders, 50000);
    assert_int_equal (version, 2); /* the migration starts at 1; the seed bumped it */
    /* every order inside the 730 days ending 2025-12-31 */
    assert_int_equal (s_value (conn, "SELECT count(*) FROM fact_order "
                                     "WHERE order_date NOT BETWEEN date '2025-12-31' - 729 AND '2025-12-31'"),
                      0);
    /* a few customers buy often: the top 1% of customers place over a tenth of orders */
    long long top = s_value (conn, "SELECT sum(n) FROM (SELECT count(*) n FROM fact_order "
                                   "GROUP BY customer_key ORDER BY n DESC LIMIT 166) t");
    assert_true (top > 50000 / 10);
    /* a few products sell most: the top 10% of products bring over a third of revenue */
    long long top_revenue = s_value (conn, "SELECT sum(r)::bigint FROM (SELECT sum(total_amount) r "
                                           "FROM fact_order GROUP BY product_key ORDER BY r DESC LIMIT 10) t");
    long long revenue = s_value (conn, "SELECT sum(total_amount)::bigint FROM fact_order");
    assert_true (top_revenue * 3 > revenue);
    /* realistic values */
    assert_int_equal (s_value (conn, "SELECT count(*) FROM dim_customer WHERE email !~ '^[a-z]+\\.[a-z]+[0-9]+@[a-z.]+$'"), 0);
    assert_int_equal (s_value (conn, "SELECT count(DISTINCT category) FROM dim_product"), 8);
    assert_int_equal (s_value (conn, "SELECT count(*) FROM fact_order WHERE quantity NOT BETWEEN 1 AND 5 OR unit_price <= 0"), 0);
    /* the daily rollup the seed wrote itself is the sums of the orders; every index of
       fact_order is there again (the migrations' count) and valid */
    assert_int_equal (s_value (conn, s_rollup_mismatch_sql), 0);
    assert_int_equal (s_value (conn, "SELECT count(*) FROM pg_index WHERE indrelid IN"
                                     " ('fact_order'::regclass, 'agg_daily_sales'::regclass)"
                                     " AND indisvalid"),
                      5);
    assert_int_equal (s_value (conn, "SELECT count(*) FROM pg_index WHERE indrelid IN"
                                     " ('fact_order'::regclass, 'agg_daily_sales'::regclass)"
                                     " AND indisprimary"),
                      2);
    PQfinish (conn);
    testdb_drop (&url);
}

/*  Customers buy like a real shop's: most once, some twice, a few very often. Checked with
    SQL on what was loaded, at the default ratio of customers to orders, with few customers
    (many orders each) and with more customers than buy. */
static void
test_buyers_like_a_real_shop (void **state)
{
    char *url;
    PGconn *conn = s_migrated (&url, "seed_buyers");
    static const long customers[] = {0, 1000, 30000}; /* 0: the default, 10,000 */
    for (size_t i = 0; i < sizeof customers / sizeof customers[0]; i++) {
        seed_options_t o;
        seed_options_default (&o);
        o.orders = 30000;
        o.customers = customers[i];
        o.reset = true;
        seed_counts_t counts;
        char err[2048];
        if (seed_run (conn, &o, NULL, NULL, &counts, NULL, err, sizeof err))
            fail_msg ("%s", err);
        assert_int_equal (counts.customers, customers[i] ? customers[i] : 10000);
        assert_int_equal (counts.orders, 30000);
        PQclear (PQexec (conn, "DROP TABLE IF EXISTS buyers;"
                               "CREATE TEMP TABLE buyers AS SELECT customer_key, count(*) n,"
                               " max(order_date) - min(order_date) span"
                               " FROM fact_order GROUP BY customer_key"));
        long long buyers = s_value (conn, "SELECT count(*) FROM buyers");
        long long once = s_value (conn, "SELECT count(*) FROM buyers WHERE n = 1");
        long long twice = s_value (conn, "SELECT count(*) FROM buyers WHERE n = 2");
        /* 55-65 % of the customers who ordered ordered once; once or twice: most */
        assert_true (once * 100 >= buyers * 55 && once * 100 <= buyers * 65);
        assert_true ((once + twice) * 100 >= buyers * 70);
        /* a few very often: the top 1 % of buyers place over a tenth of the orders */
        long long top = s_value (conn, "SELECT sum(n) FROM (SELECT n FROM buyers ORDER BY n DESC"
                                       " LIMIT (SELECT count(*) / 100 FROM buyers)) t");
        assert_true (top * 10 > 30000);
        /* buyers place 2.5 orders or more on average: all of the default's customers buy,
           of 30,000 customers at most 12,000 */
        if (customers[i] == 0)
            assert_int_equal (buyers, 10000);
        else
            assert_true (buyers <= (customers[i] < 12000 ? customers[i] : 12000));
        /* a repeat buyer's orders fall anywhere in the 730 days */
        assert_true (s_value (conn, "SELECT avg(span)::bigint FROM buyers WHERE n > 1") > 150);
    }
    PQfinish (conn);
    testdb_drop (&url);
}

static void
test_refuses_existing_data_unless_reset (void **state)
{
    char *url;
    PGconn *conn = s_migrated (&url, "seed_reset");
    seed_options_t o;
    seed_options_default (&o);
    o.customers = 10;
    o.products = 5;
    o.orders = 100;
    o.days = 10;
    char err[2048];
    if (seed_run (conn, &o, NULL, NULL, NULL, NULL, err, sizeof err))
        fail_msg ("%s", err);
    o.orders = 50;
    assert_int_equal (seed_run (conn, &o, NULL, NULL, NULL, NULL, err, sizeof err), -1);
    assert_non_null (strstr (err, "--reset"));
    assert_int_equal (s_value (conn, "SELECT count(*) FROM fact_order"), 100);
    o.reset = true;
    seed_counts_t counts;
    if (seed_run (conn, &o, NULL, NULL, &counts, NULL, err, sizeof err))
        fail_msg ("%s", err);
    assert_int_equal (counts.orders, 50);
    assert_int_equal (s_value (conn, "SELECT sum(orders) FROM agg_daily_sales"), 50);
    assert_int_equal (s_value (conn, s_rollup_mismatch_sql), 0);
    /* rollup rows left behind with no orders (a store out of step) fail the seed whole */
    PQclear (PQexec (conn, "ALTER TABLE fact_order DISABLE TRIGGER USER;"
                           "TRUNCATE fact_order, dim_customer, dim_product;"
                           "ALTER TABLE fact_order ENABLE TRIGGER USER"));
    assert_true (s_value (conn, "SELECT count(*) FROM agg_daily_sales") > 0);
    o.reset = false;
    assert_int_equal (seed_run (conn, &o, NULL, NULL, NULL, NULL, err, sizeof err), -1);
    assert_int_equal (s_value (conn, "SELECT count(*) FROM fact_order"), 0);
    PQfinish (conn);
    testdb_drop (&url);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_same_seed_same_rows),
        cmocka_unit_test (test_defaults_counts_and_shape),
        cmocka_unit_test (test_buyers_like_a_real_shop),
        cmocka_unit_test (test_refuses_existing_data_unless_reset),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
