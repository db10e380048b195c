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
#include "engine_breakdown.h"
#include "engine_cohorts.h"
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

/*  The filters every answer is checked under: none, a country, a category, both, and a
    value no row has (set up after seeding: the commonest country and category). */
#define S_FILTERS 5
static char s_country[128], s_category[128];
static const char *s_filter_values[S_FILTERS][2];
/*  The filter being checked ($3, $4 of every query). */
static const char *s_f_country, *s_f_category;

/*  The orders under the current filter, for every query below. */
#define S_F                                                                                        \
    "WITH f AS (SELECT o.order_date, o.customer_key, o.product_key, o.quantity,"                   \
    " o.total_amount FROM fact_order o JOIN dim_customer c USING (customer_key)"                   \
    " JOIN dim_product p USING (product_key) WHERE ($3::text IS NULL OR c.country = $3)"           \
    " AND ($4::text IS NULL OR p.category = $4)) "

static engine_filter_t
s_filter (void)
{
    return engine_filter (s_store, s_f_country, s_f_category);
}

static void
s_ok (const char *sql)
{
    char err[1024];
    if (ecom_db_exec (s_conn, sql, err, sizeof err))
        fail_msg ("%s: %s", sql, err);
}

/*  Runs sql with the range as $1, $2 and the filter as $3, $4 and returns its result
    (checked). */
static PGresult *
s_rows (const char *sql, int32_t start, int32_t end)
{
    char a[11], b[11];
    ecom_date_format (start, a);
    ecom_date_format (end, b);
    const char *values[] = {a, b, s_f_country, s_f_category};
    PGresult *res = PQexecParams (s_conn, sql, 4, NULL, values, NULL, NULL, 0);
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
    s_ok (
        "INSERT INTO dim_customer (customer_id, name, email, city, country)"
        " VALUES ('~late', 'N', 'n@x', 'X', 'Y'), ('0first', 'N', 'n@x', 'X', 'Y'),"
        "        ('0never', 'N', 'n@x', 'X', 'Y');" /* a customer without orders */
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
    PGresult *res = PQexec (s_conn, "SELECT (SELECT country FROM dim_customer GROUP BY 1"
                                    " ORDER BY count(*) DESC, 1 LIMIT 1), (SELECT category FROM"
                                    " dim_product GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1)");
    snprintf (s_country, sizeof s_country, "%s", PQgetvalue (res, 0, 0));
    snprintf (s_category, sizeof s_category, "%s", PQgetvalue (res, 0, 1));
    PQclear (res);
    const char *filters[S_FILTERS][2] = {{NULL, NULL},
                                         {s_country, NULL},
                                         {NULL, s_category},
                                         {s_country, s_category},
                                         {"Atlantis", NULL}};
    memcpy (s_filter_values, filters, sizeof filters);
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
                      {june + 16, june + 16},              /* one day */
                      {s->last_day + 1, s->last_day + 30}, /* after the data: nothing */
                      /* before the seed: nothing, or after test_refresh a few customers */
                      {ecom_date_from_ymd (2023, 1, 1), ecom_date_from_ymd (2023, 8, 31)}};
    memcpy (ranges, r, sizeof r);
    *count = sizeof r / sizeof r[0];
}

static void
test_store_matches_tables (void **state)
{
    (void) state;
    s_f_country = s_f_category = NULL;
    PGresult *res = s_rows ("SELECT count(*), (SELECT count(*) FROM dim_customer),"
                            " (SELECT count(*) FROM dim_product), min(order_date) - $1::date,"
                            " max(order_date) - $2::date, $3::text, $4::text FROM fact_order",
                            0, 0);
    assert_int_equal (s_store->orders, s_at (res, 0, 0));
    assert_int_equal (s_store->customers, s_at (res, 0, 1));
    assert_int_equal (s_store->products, s_at (res, 0, 2));
    assert_int_equal (s_store->first_day, s_at (res, 0, 3));
    assert_int_equal (s_store->last_day, s_at (res, 0, 4));
    PQclear (res);
}

/*  Runs check (range, filter) for every range and filter. */
static void
s_each (void (*check) (int32_t start, int32_t end))
{
    int32_t ranges[16][2] = {{0}};
    size_t count;
    s_ranges (ranges, &count);
    for (int f = 0; f < S_FILTERS; f++) {
        s_f_country = s_filter_values[f][0];
        s_f_category = s_filter_values[f][1];
        for (size_t i = 0; i < count; i++)
            check (ranges[i][0], ranges[i][1]);
    }
    s_f_country = s_f_category = NULL;
}

static void
s_check_totals (int32_t start, int32_t end)
{
    PGresult *res = s_rows (
        S_F ", firsts AS (SELECT customer_key, min(order_date) AS first FROM f GROUP BY 1)"
            " SELECT count(*), coalesce(sum(quantity), 0), coalesce(sum(total_amount) * 100, 0),"
            " count(DISTINCT customer_key),"
            " coalesce(round(sum(total_amount) / nullif(count(*), 0), 2) * 100, 0),"
            " (SELECT count(*) FROM firsts WHERE first BETWEEN $1 AND $2)"
            " FROM f WHERE order_date BETWEEN $1 AND $2",
        start, end);
    engine_filter_t filter = s_filter ();
    engine_totals_t t;
    assert_int_equal (engine_totals (s_store, start, end, &filter, &t), 0);
    assert_int_equal (t.orders, s_at (res, 0, 0));
    assert_int_equal (t.units, s_at (res, 0, 1));
    assert_int_equal (t.cents, s_at (res, 0, 2));
    assert_int_equal (t.customers, s_at (res, 0, 3));
    assert_int_equal (t.average_cents, s_at (res, 0, 4));
    assert_int_equal (t.new_customers, s_at (res, 0, 5));
    PQclear (res);
}

static void
test_totals (void **state)
{
    (void) state;
    s_each (s_check_totals);
}

static void
s_check_trend (int32_t start, int32_t end)
{
    static const char *const units[] = {"day", "week", "month"};
    for (int u = 0; u < 3; u++) {
        char sql[1024];
        snprintf (sql, sizeof sql,
                  S_F "SELECT p::date - DATE '1970-01-01', count(f.order_date),"
                      " coalesce(sum(f.total_amount) * 100, 0)"
                      " FROM generate_series(date_trunc('%s', $1::date), $2::date, '1 %s') p"
                      " LEFT JOIN f ON date_trunc('%s', f.order_date) = p"
                      " AND f.order_date BETWEEN $1 AND $2 GROUP BY p ORDER BY p",
                  units[u], units[u], units[u]);
        PGresult *res = s_rows (sql, start, end);
        size_t n = (size_t) PQntuples (res);
        engine_point_t *points = calloc (n ? n : 1, sizeof *points);
        engine_filter_t filter = s_filter ();
        assert_int_equal (engine_trend (s_store, start, end, (engine_unit_t) u, &filter, points, n),
                          0);
        for (size_t i = 0; i < n; i++) {
            assert_int_equal (points[i].period, s_at (res, (int) i, 0));
            assert_int_equal (points[i].orders, s_at (res, (int) i, 1));
            assert_int_equal (points[i].cents, s_at (res, (int) i, 2));
        }
        free (points);
        PQclear (res);
    }
}

static void
test_trend (void **state)
{
    (void) state;
    s_f_country = s_f_category = NULL;
    s_check_trend (ecom_date_from_ymd (2025, 1, 15), ecom_date_from_ymd (2025, 5, 20));
    for (int f = 0; f < S_FILTERS; f++) {
        s_f_country = s_filter_values[f][0];
        s_f_category = s_filter_values[f][1];
        s_check_trend (ecom_date_from_ymd (2025, 2, 27), ecom_date_from_ymd (2025, 7, 3));
    }
    s_f_country = s_f_category = NULL;
}

/*  SPEC §6's RFM over fact_order, written out independently of the engine. */
static const char s_rfm_sql[] =
    S_F ", rfm AS (SELECT f.customer_key, $2::date - max(f.order_date) AS recency,"
        "   count(*) AS frequency, sum(f.total_amount) AS monetary FROM f"
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
s_check_rfm (int32_t start, int32_t end)
{
    PGresult *res = s_rows (s_rfm_sql, start, end);
    engine_filter_t filter = s_filter ();
    engine_rfm_t rfm;
    assert_int_equal (engine_rfm (s_store, start, end, end, &filter, &rfm), 0);
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

static void
test_rfm (void **state)
{
    (void) state;
    s_each (s_check_rfm);
}

static void
s_check_top (int32_t start, int32_t end)
{
    for (int by_units = 0; by_units < 2; by_units++) {
        char sql[1024];
        snprintf (sql, sizeof sql,
                  S_F "SELECT p.product_id, count(*), sum(f.quantity), sum(f.total_amount) * 100"
                      " FROM f JOIN dim_product p USING (product_key)"
                      " WHERE f.order_date BETWEEN $1 AND $2 GROUP BY p.product_id"
                      " ORDER BY %s DESC, p.product_id LIMIT 100",
                  by_units ? "sum(f.quantity)" : "sum(f.total_amount)");
        PGresult *res = s_rows (sql, start, end);
        engine_filter_t filter = s_filter ();
        engine_top_t items[100];
        size_t n;
        assert_int_equal (engine_top (s_store, start, end, &filter, by_units, 100, items, &n), 0);
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

static void
test_top (void **state)
{
    (void) state;
    s_each (s_check_top);
}

/*  The group key as the engine names it: country, category, or "city|country". */
static void
s_group_name (engine_by_t by, uint32_t key, char *out, size_t size)
{
    if (by == ENGINE_BY_CITY) {
        const char *city, *country;
        size_t city_len, country_len;
        store_city_name (s_store, key, &city, &city_len, &country, &country_len);
        snprintf (out, size, "%.*s|%.*s", (int) city_len, city, (int) country_len, country);
    }
    else
        snprintf (out, size, "%s",
                  store_dict_text (
                      by == ENGINE_BY_COUNTRY ? s_store->countries : s_store->categories, key));
}

static void
s_check_breakdown (int32_t start, int32_t end)
{
    static const char *const keys[] = {"c.country", "p.category", "c.city || '|' || c.country"};
    static const char *const order[] = {"c.country COLLATE \"C\"", "p.category COLLATE \"C\"",
                                        "c.city COLLATE \"C\", c.country COLLATE \"C\""};
    for (int by = 0; by < 3; by++) {
        char sql[1536];
        snprintf (sql, sizeof sql,
                  S_F "SELECT %s, sum(f.total_amount) * 100, count(*), sum(f.quantity),"
                      " count(DISTINCT f.customer_key) FROM f JOIN dim_customer c USING"
                      " (customer_key) JOIN dim_product p USING (product_key)"
                      " WHERE f.order_date BETWEEN $1 AND $2 GROUP BY %s ORDER BY 2 DESC, %s",
                  keys[by], by == 2 ? "c.city, c.country" : keys[by], order[by]);
        PGresult *res = s_rows (sql, start, end);
        engine_filter_t filter = s_filter ();
        engine_group_t items[100], total;
        size_t n;
        assert_int_equal (engine_breakdown (s_store, start, end, &filter, (engine_by_t) by, 100,
                                            items, &n, &total),
                          0);
        size_t rows = (size_t) PQntuples (res);
        assert_int_equal (n, rows < 100 ? rows : 100);
        long long orders = 0;
        for (size_t k = 0; k < rows; k++) {
            if (k < n) {
                char name[512];
                s_group_name ((engine_by_t) by, items[k].key, name, sizeof name);
                assert_string_equal (name, PQgetvalue (res, (int) k, 0));
                assert_int_equal (items[k].cents, s_at (res, (int) k, 1));
                assert_int_equal (items[k].orders, s_at (res, (int) k, 2));
                assert_int_equal (items[k].units, s_at (res, (int) k, 3));
                assert_int_equal (items[k].customers, s_at (res, (int) k, 4));
            }
            orders += s_at (res, (int) k, 2);
        }
        assert_int_equal (total.orders, orders);
        PQclear (res);
    }
}

static void
test_breakdown (void **state)
{
    (void) state;
    s_each (s_check_breakdown);
}

static void
s_check_cohorts (int32_t start, int32_t end)
{
    if (start > end || engine_months (start, end) > ENGINE_MAX_COHORTS)
        return;
    PGresult *res = s_rows (
        S_F ", firsts AS (SELECT customer_key, min(order_date) AS first FROM f GROUP BY 1),"
            " members AS (SELECT customer_key, date_trunc('month', first)::date AS cohort"
            "   FROM firsts WHERE first <= $2 AND date_trunc('month', first)"
            "   BETWEEN date_trunc('month', $1::date) AND date_trunc('month', $2::date))"
            " SELECT m.cohort - DATE '1970-01-01', date_trunc('month', f.order_date)::date"
            "   - DATE '1970-01-01', count(DISTINCT f.customer_key), sum(f.total_amount) * 100,"
            "   (SELECT count(*) FROM members m2 WHERE m2.cohort = m.cohort)"
            " FROM members m JOIN f USING (customer_key) WHERE f.order_date <= $2"
            " GROUP BY m.cohort, 2 ORDER BY 1, 2",
        start, end);
    engine_filter_t filter = s_filter ();
    engine_cohorts_t grid;
    assert_int_equal (engine_cohorts (s_store, start, end, &filter, &grid), 0);
    long long cells = 0, members = 0;
    for (size_t r = 0; r < grid.cohorts; r++) {
        members += grid.customers[r];
        for (size_t k = 0; k + r < grid.cohorts; k++)
            cells += grid.active[r * grid.cohorts + k] != 0;
    }
    long long sql_members = 0;
    int32_t previous = INT32_MIN;
    for (int row = 0; row < PQntuples (res); row++) {
        int32_t cohort = (int32_t) s_at (res, row, 0), month = (int32_t) s_at (res, row, 1);
        size_t r = (size_t) engine_months (grid.first_month, cohort) - 1;
        size_t k = (size_t) engine_months (cohort, month) - 1;
        assert_int_equal (grid.active[r * grid.cohorts + k], s_at (res, row, 2));
        assert_int_equal (grid.cents[r * grid.cohorts + k], s_at (res, row, 3));
        assert_int_equal (grid.customers[r], s_at (res, row, 4));
        if (cohort != previous)
            sql_members += s_at (res, row, 4);
        previous = cohort;
    }
    assert_int_equal (cells, PQntuples (res));
    assert_int_equal (members, sql_members);
    engine_cohorts_free (&grid);
    PQclear (res);
}

static void
test_cohorts (void **state)
{
    (void) state;
    s_each (s_check_cohorts);
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
    if (!refreshed) {
        fail_msg ("%s", err);
        return;
    }
    assert_int_equal (refreshed->refreshed_orders, 15);
    assert_int_equal (refreshed->etl_run_max, 8);
    store_destroy (&s_store);
    s_store = refreshed;
    test_store_matches_tables (state);
    test_totals (state);
    test_trend (state);
    test_rfm (state);
    test_top (state);
    test_breakdown (state);
    test_cohorts (state);
    /*  The customer whose country changed counts under its new country alone. */
    s_f_country = "Elsewhere";
    s_check_totals (s_store->first_day, s_store->last_day);
    s_f_country = NULL;
    /*  Orders that no run loaded: the refresh cannot find them, so it reads everything. */
    s_ok ("INSERT INTO fact_order (order_id, order_date, customer_key, product_key, quantity,"
          " unit_price) VALUES ('seeded', DATE '2025-05-05', 1, 1, 1, 1.00)");
    refreshed = store_load (s_conn, s_store, err, sizeof err);
    if (!refreshed) {
        fail_msg ("%s", err);
        return;
    }
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
        cmocka_unit_test (test_breakdown),
        cmocka_unit_test (test_cohorts),
        cmocka_unit_test (test_refresh),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
