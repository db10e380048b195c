/*  engine: the store loaded from a real, migrated and seeded database answers kpis, trends,
    RFM segments and top sellers exactly as independent SQL over fact_order computes them,
    for ranges over all the data, inside it, across its ends and outside it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecom_date.h"
#include "ecom_db.h"
#include "engine_rfm.h"
#include "engine_top.h"
#include "engine_totals.h"
#include "migrate.h"
#include "seed.h"
#include "store.h"
#include "testdb.h"

extern const ecom_embedded_t ecom_migrations[];

static PGconn *s_conn;
static char *s_url;
static store_t *s_store;

static void
s_ok (const char *sql)
{
    char err[1024];
    if (ecom_db_exec (s_conn, sql, err, sizeof err))
        fail_msg ("%s: %s", sql, err);
}

/*  Runs sql with the range as $1, $2 and returns its result (checked). */
static PGresult *
s_rows (const char *sql, int32_t start, int32_t end)
{
    char a[11], b[11];
    ecom_date_format (start, a);
    ecom_date_format (end, b);
    const char *values[] = {a, b};
    PGresult *res = PQexecParams (s_conn, sql, 2, NULL, values, NULL, NULL, 0);
    if (PQresultStatus (res) != PGRES_TUPLES_OK)
        fail_msg ("%s: %s", sql, PQresultErrorMessage (res));
    return res;
}

static long long
s_at (PGresult *res, int row, int col)
{
    return strtoll (PQgetvalue (res, row, col), NULL, 10);
}

static int
s_setup (void **state)
{
    (void) state;
    char err[2048];
    s_url = testdb_create ("engine");
    assert_non_null (s_url);
    s_conn = ecom_db_connect (s_url, err, sizeof err);
    if (!s_conn || migrate_apply (s_conn, ecom_migrations, NULL, err, sizeof err) < 0)
        fail_msg ("%s", err);
    seed_options_t options;
    seed_options_default (&options);
    options.orders = 30000;
    options.customers = 4000;
    options.products = 120;
    options.days = 400;
    seed_counts_t counts;
    if (seed_run (s_conn, &options, NULL, NULL, &counts, NULL, err, sizeof err) != 0)
        fail_msg ("%s", err);
    /*  Edge rows: a free order, ids that sort differently as bytes than as numbers. */
    s_ok ("INSERT INTO dim_customer (customer_id, name, email, city, country)"
          " VALUES ('~late', 'N', 'n@x', 'X', 'Y'), ('0first', 'N', 'n@x', 'X', 'Y');"
          "INSERT INTO dim_product (product_id, name, category) VALUES ('P-free', 'F', 'Free');"
          "INSERT INTO fact_order (order_id, order_date, customer_key, product_key, quantity,"
          " unit_price) SELECT 'x' || g || c.customer_id, DATE '2025-06-15' + g, c.customer_key, p.product_key,"
          " 3, 0 FROM generate_series(0, 2) g, dim_customer c, dim_product p"
          " WHERE c.customer_id IN ('~late', '0first') AND p.product_id = 'P-free';"
          /*  revenue beyond 2^32 cents for one customer (RFM's M then sorts otherwise) */
          "INSERT INTO fact_order (order_id, order_date, customer_key, product_key, quantity,"
          " unit_price) SELECT 'big', DATE '2025-03-20', c.customer_key, p.product_key, 1,"
          " 45000000.00 FROM dim_customer c, dim_product p"
          " WHERE c.customer_id = '~late' AND p.product_id = 'P-free'");
    s_store = store_load (s_conn, NULL, err, sizeof err);
    if (!s_store)
        fail_msg ("%s", err);
    return 0;
}

static int
s_teardown (void **state)
{
    (void) state;
    store_destroy (&s_store);
    PQfinish (s_conn);
    testdb_drop (&s_url);
    return 0;
}

/*  The ranges every answer is checked over. */
static void
s_ranges (int32_t ranges[][2], size_t *count)
{
    const store_t *s = s_store;
    int32_t june = ecom_date_from_ymd (2025, 6, 1);
    int32_t r[][2] = {{s->first_day, s->last_day},          /* all the data */
                      {s->first_day - 40, s->last_day + 9}, /* beyond both ends */
                      {june, ecom_date_from_ymd (2025, 6, 30)},
                      {ecom_date_from_ymd (2025, 3, 17), ecom_date_from_ymd (2025, 9, 12)},
                      {june + 16, june + 16},               /* one day */
                      {s->last_day + 1, s->last_day + 30},  /* after the data: nothing */
                      /* before the seed: nothing, or after test_refresh a few customers */
                      {ecom_date_from_ymd (2023, 1, 1), ecom_date_from_ymd (2023, 8, 31)}};
    memcpy (ranges, r, sizeof r);
    *count = sizeof r / sizeof r[0];
}

static void
test_store_matches_tables (void **state)
{
    (void) state;
    PGresult *res = s_rows ("SELECT count(*), (SELECT count(*) FROM dim_customer),"
                            " (SELECT count(*) FROM dim_product), min(order_date) - $1::date,"
                            " max(order_date) - $2::date FROM fact_order",
                            0, 0);
    assert_int_equal (s_store->orders, s_at (res, 0, 0));
    assert_int_equal (s_store->customers, s_at (res, 0, 1));
    assert_int_equal (s_store->products, s_at (res, 0, 2));
    assert_int_equal (s_store->first_day, s_at (res, 0, 3));
    assert_int_equal (s_store->last_day, s_at (res, 0, 4));
    PQclear (res);
}

static void
test_totals (void **state)
{
    (void) state;
    int32_t ranges[16][2];
    size_t count;
    s_ranges (ranges, &count);
    for (size_t i = 0; i < count; i++) {
        PGresult *res = s_rows (
            "SELECT count(*), coalesce(sum(quantity), 0), coalesce(sum(total_amount) * 100, 0),"
            " count(DISTINCT customer_key),"
            " coalesce(round(sum(total_amount) / nullif(count(*), 0), 2) * 100, 0)"
            " FROM fact_order WHERE order_date BETWEEN $1 AND $2",
            ranges[i][0], ranges[i][1]);
        engine_totals_t t;
        assert_int_equal (engine_totals (s_store, ranges[i][0], ranges[i][1], &t), 0);
        assert_int_equal (t.orders, s_at (res, 0, 0));
        assert_int_equal (t.units, s_at (res, 0, 1));
        assert_int_equal (t.cents, s_at (res, 0, 2));
        assert_int_equal (t.customers, s_at (res, 0, 3));
        assert_int_equal (t.average_cents, s_at (res, 0, 4));
        PQclear (res);
    }
}

static void
test_trend (void **state)
{
    (void) state;
    static const char *const units[] = {"day", "week", "month"};
    int32_t start = ecom_date_from_ymd (2025, 1, 15), end = ecom_date_from_ymd (2025, 5, 20);
    for (int u = 0; u < 3; u++) {
        char sql[512];
        snprintf (sql, sizeof sql,
                  "SELECT p::date - DATE '1970-01-01', coalesce(count(f.*), 0),"
                  " coalesce(sum(f.total_amount) * 100, 0)"
                  " FROM generate_series(date_trunc('%s', $1::date), $2::date, '1 %s') p"
                  " LEFT JOIN fact_order f ON date_trunc('%s', f.order_date) = p"
                  " AND f.order_date BETWEEN $1 AND $2 GROUP BY p ORDER BY p",
                  units[u], units[u], units[u]);
        PGresult *res = s_rows (sql, start, end);
        size_t n = (size_t) PQntuples (res);
        engine_point_t *points = calloc (n, sizeof *points);
        engine_trend (s_store, start, end, (engine_unit_t) u, points, n);
        for (size_t i = 0; i < n; i++) {
            assert_int_equal (points[i].period, s_at (res, (int) i, 0));
            assert_int_equal (points[i].orders, s_at (res, (int) i, 1));
            assert_int_equal (points[i].cents, s_at (res, (int) i, 2));
        }
        free (points);
        PQclear (res);
    }
}

/*  SPEC §6's RFM over fact_order, written out independently of the engine. */
static const char s_rfm_sql[] =
    "WITH rfm AS (SELECT f.customer_key, $2::date - max(f.order_date) AS recency,"
    "   count(*) AS frequency, sum(f.total_amount) AS monetary FROM fact_order f"
    "   WHERE f.order_date BETWEEN $1 AND $2 GROUP BY 1),"
    " scored AS (SELECT r.*, ntile(5) OVER (ORDER BY recency DESC, c.customer_id) AS r,"
    "   ntile(5) OVER (ORDER BY frequency, c.customer_id) AS f,"
    "   ntile(5) OVER (ORDER BY monetary, c.customer_id) AS m"
    "   FROM rfm r JOIN dim_customer c USING (customer_key)),"
    " labelled AS (SELECT CASE WHEN r >= 4 AND f >= 4 AND m >= 4 THEN 1 WHEN f >= 4 THEN 2"
    "   WHEN r >= 4 AND f >= 2 THEN 3 WHEN r >= 4 THEN 4 WHEN r <= 2 AND f >= 3 THEN 5"
    "   WHEN r <= 2 THEN 6 ELSE 7 END AS s, * FROM scored)"
    " SELECT g, count(l.s), coalesce(round(count(l.s) / nullif(sum(count(l.s)) OVER (), 0), 4)"
    "   * 10000, 0), coalesce(round(avg(recency), 2) * 100, 0),"
    "   coalesce(round(avg(frequency), 2) * 100, 0), coalesce(round(avg(monetary), 2) * 100, 0)"
    " FROM generate_series(1, 7) g LEFT JOIN labelled l ON l.s = g GROUP BY g ORDER BY g";

static void
test_rfm (void **state)
{
    (void) state;
    int32_t ranges[16][2];
    size_t count;
    s_ranges (ranges, &count);
    for (size_t i = 0; i < count; i++) {
        PGresult *res = s_rows (s_rfm_sql, ranges[i][0], ranges[i][1]);
        engine_rfm_t rfm;
        assert_int_equal (engine_rfm (s_store, ranges[i][0], ranges[i][1], ranges[i][1], &rfm), 0);
        long long total = 0;
        for (int s = 0; s < ENGINE_SEGMENTS; s++) {
            const engine_segment_t *seg = &rfm.segments[s];
            assert_int_equal (seg->customers, s_at (res, s, 1));
            assert_int_equal (seg->share_e4, s_at (res, s, 2));
            assert_int_equal (seg->recency_e2, s_at (res, s, 3));
            assert_int_equal (seg->frequency_e2, s_at (res, s, 4));
            assert_int_equal (seg->monetary_cents, s_at (res, s, 5));
            total += seg->customers;
        }
        assert_int_equal (rfm.total_customers, total);
        PQclear (res);
    }
}

static void
test_top (void **state)
{
    (void) state;
    int32_t ranges[16][2];
    size_t count;
    s_ranges (ranges, &count);
    for (size_t i = 0; i < count; i++)
        for (int by_units = 0; by_units < 2; by_units++) {
            char sql[512];
            snprintf (sql, sizeof sql,
                      "SELECT p.product_id, count(*), sum(f.quantity), sum(f.total_amount) * 100"
                      " FROM fact_order f JOIN dim_product p USING (product_key)"
                      " WHERE f.order_date BETWEEN $1 AND $2 GROUP BY p.product_id"
                      " ORDER BY %s DESC, p.product_id LIMIT 100",
                      by_units ? "sum(f.quantity)" : "sum(f.total_amount)");
            PGresult *res = s_rows (sql, ranges[i][0], ranges[i][1]);
            engine_top_t items[100];
            size_t n;
            assert_int_equal (engine_top (s_store, ranges[i][0], ranges[i][1], by_units, 100,
                                          items, &n),
                              0);
            assert_int_equal (n, PQntuples (res));
            for (size_t k = 0; k < n; k++) {
                assert_string_equal (s_store->product_id[items[k].product],
                                     PQgetvalue (res, (int) k, 0));
                assert_int_equal (items[k].orders, s_at (res, (int) k, 1));
                assert_int_equal (items[k].units, s_at (res, (int) k, 2));
                assert_int_equal (items[k].cents, s_at (res, (int) k, 3));
            }
            PQclear (res);
        }
}

/*  A store refreshed after a load reads only the load's orders and answers like a store
    loaded from scratch; orders that are not a load's (a seed) make it read everything. */
static void
test_refresh (void **state)
{
    /*  An ETL-like load: new customers whose ids sort between the old ones (every number
        after them moves), a changed country, a new product, orders before the first and
        after the last day. */
    s_ok ("INSERT INTO dim_customer (customer_id, name, email, city, country)"
          " VALUES ('C00001a', 'N', 'n@x', 'X', 'Z'), ('~late0', 'N', 'n@x', 'X', 'Z');"
          "UPDATE dim_customer SET country = 'Elsewhere' WHERE customer_id = '0first';"
          "INSERT INTO dim_product (product_id, name, category) VALUES ('P-new', 'N', 'New');"
          "INSERT INTO fact_order (order_id, order_date, customer_key, product_key, quantity,"
          " unit_price, etl_run_id) SELECT 'r' || g, DATE '2023-01-01' + g * 97,"
          " (SELECT customer_key FROM dim_customer ORDER BY customer_id OFFSET g % 7 LIMIT 1),"
          " (SELECT product_key FROM dim_product WHERE product_id = 'P-new'), 1 + g % 3, 9.99,"
          " 7 FROM generate_series(0, 12) g;"
          "INSERT INTO fact_order (order_id, order_date, customer_key, product_key, quantity,"
          " unit_price, etl_run_id) SELECT 'r-new-' || c.customer_id, DATE '2025-07-01',"
          " c.customer_key, 1, 2, 5.00, 8 FROM dim_customer c"
          " WHERE c.customer_id IN ('C00001a', '~late0')");
    char err[1024];
    store_t *refreshed = store_load (s_conn, s_store, err, sizeof err);
    if (!refreshed)
        fail_msg ("%s", err);
    assert_int_equal (refreshed->refreshed_orders, 15);
    assert_int_equal (refreshed->etl_run_max, 8);
    store_destroy (&s_store);
    s_store = refreshed;
    test_store_matches_tables (state);
    test_totals (state);
    test_trend (state);
    test_rfm (state);
    test_top (state);
    /*  Orders that no run loaded: the refresh cannot find them, so it reads everything. */
    s_ok ("INSERT INTO fact_order (order_id, order_date, customer_key, product_key, quantity,"
          " unit_price) VALUES ('seeded', DATE '2025-05-05', 1, 1, 1, 1.00)");
    refreshed = store_load (s_conn, s_store, err, sizeof err);
    if (!refreshed)
        fail_msg ("%s", err);
    assert_int_equal (refreshed->refreshed_orders, refreshed->orders);
    store_destroy (&s_store);
    s_store = refreshed;
    test_totals (state);
    test_rfm (state);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_store_matches_tables),
        cmocka_unit_test (test_totals),
        cmocka_unit_test (test_trend),
        cmocka_unit_test (test_rfm),
        cmocka_unit_test (test_top),
        cmocka_unit_test (test_refresh),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
