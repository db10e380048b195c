/*  etl_surrogate_keys: the reader's keys match the dimensions', new ids are numbered above every
    key in use (also above keys inserted explicitly, past the identity sequence), the
    sequences move past the keys given, other writers wait while a load holds the keys, a
    catalogue of 140,000 customers is mapped, and one beyond the maps' bound (262,144
    products) gets no maps. Against a real, migrated database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecom_db.h"
#include "etl_surrogate_keys.h"
#include "migrate.h"
#include "testdb.h"

extern const ecom_embedded_t ecom_migrations[];

static void
s_ok (PGconn *conn, const char *sql)
{
    char err[1024];
    if (ecom_db_exec (conn, sql, err, sizeof err))
        fail_msg ("%s: %s", sql, err);
}

static long long
s_int (PGconn *conn, const char *sql)
{
    char err[1024];
    long long value = -1;
    if (ecom_db_query_int64 (conn, sql, &value, err, sizeof err))
        fail_msg ("%s: %s", sql, err);
    return value;
}

static int32_t
s_get (etl_surrogate_keys_t *keys, etl_dim_t dim, const char *id, bool assign)
{
    return etl_surrogate_keys_get (keys, dim, id, strlen (id), assign);
}

static void
test_keys (void **state)
{
    char *url = testdb_create ("etl_surrogate_keys");
    assert_non_null (url);
    char err[2048];
    PGconn *conn = ecom_db_connect (url, err, sizeof err);
    PGconn *other = ecom_db_connect (url, err, sizeof err);
    if (!conn || !other || migrate_apply (conn, ecom_migrations, NULL, err, sizeof err) < 0)
        fail_msg ("%s", err);
    /*  customers 1, 2 and 10 with explicit keys (the sequence has not moved); products
        from the sequence (1, 2) */
    s_ok (conn, "INSERT INTO dim_customer (customer_key, customer_id, name, email, city, country)"
                " VALUES (1, 'c1', 'A', 'a@x', 'X', 'Y'), (2, 'c2', 'B', 'b@x', 'X', 'Y'),"
                "        (10, 'c10', 'C', 'c@x', 'X', 'Y');"
                "INSERT INTO dim_product (product_id, name, category)"
                " VALUES ('p1', 'P', 'K'), ('p2', 'Q', 'K')");

    s_ok (conn, "BEGIN");
    etl_surrogate_keys_t *keys = etl_surrogate_keys_load (conn, err, sizeof err);
    if (!keys)
        fail_msg ("%s", err);
    assert_false (etl_surrogate_keys_mapped (keys)); /* not yet read */
    assert_int_equal (s_get (keys, ETL_DIM_CUSTOMER, "c10", true), 0);
    if (etl_surrogate_keys_map (keys, conn, err, sizeof err))
        fail_msg ("%s", err);
    assert_true (etl_surrogate_keys_mapped (keys));
    assert_int_equal (s_get (keys, ETL_DIM_CUSTOMER, "c10", false), 10);
    assert_int_equal (s_get (keys, ETL_DIM_CUSTOMER, "c2", true), 2);
    assert_int_equal (s_get (keys, ETL_DIM_PRODUCT, "p2", false), 2);
    assert_int_equal (s_get (keys, ETL_DIM_CUSTOMER, "new", false), 0);
    assert_int_equal (s_get (keys, ETL_DIM_CUSTOMER, "new", true), 11); /* above key 10 */
    assert_int_equal (s_get (keys, ETL_DIM_CUSTOMER, "new", false), 11);
    assert_int_equal (s_get (keys, ETL_DIM_CUSTOMER, "new2", true), 12);
    assert_int_equal (s_get (keys, ETL_DIM_PRODUCT, "p3", true), 3);
    assert_int_equal (s_get (keys, ETL_DIM_PRODUCT, "p2", true), 2);

    /*  Another writer waits while the load holds the dimensions; a reader does not. */
    s_ok (other, "SET lock_timeout = '200ms'");
    assert_int_equal (s_int (other, "SELECT count(*) FROM dim_customer"), 3);
    assert_int_equal (ecom_db_exec (other,
                                    "INSERT INTO dim_product (product_id, name, category)"
                                    " VALUES ('late', 'L', 'K')",
                                    err, sizeof err),
                      -1);
    assert_non_null (strstr (err, "lock timeout"));

    if (etl_surrogate_keys_save (keys, conn, err, sizeof err))
        fail_msg ("%s", err);
    etl_surrogate_keys_destroy (&keys);
    assert_null (keys);
    s_ok (conn, "COMMIT");
    /*  Plain inserts now get keys after the ones the reader gave. */
    assert_int_equal (s_int (conn,
                             "INSERT INTO dim_customer (customer_id, name, email, city, country)"
                             " VALUES ('after', 'D', 'd@x', 'X', 'Y') RETURNING customer_key"),
                      13);
    assert_int_equal (s_int (conn, "INSERT INTO dim_product (product_id, name, category)"
                                   " VALUES ('after', 'R', 'K') RETURNING product_key"),
                      4);

    /*  140,000 customers, beyond the old bound (131,072): mapped, every key as the table's,
        new ids numbered after them. */
    s_ok (conn, "INSERT INTO dim_customer (customer_id, name, email, city, country)"
                " SELECT 'big' || g, 'N', 'n@x', 'X', 'Y' FROM generate_series(1, 140000) g");
    s_ok (conn, "ANALYZE dim_customer");
    s_ok (conn, "BEGIN");
    keys = etl_surrogate_keys_load (conn, err, sizeof err);
    if (!keys || etl_surrogate_keys_map (keys, conn, err, sizeof err))
        fail_msg ("%s", err);
    assert_true (etl_surrogate_keys_mapped (keys));
    PGresult *res = PQexec (conn, "SELECT customer_id, customer_key FROM dim_customer");
    assert_int_equal (PQntuples (res), 140004);
    for (int r = 0; r < PQntuples (res); r++)
        assert_int_equal (s_get (keys, ETL_DIM_CUSTOMER, PQgetvalue (res, r, 0), false),
                          strtol (PQgetvalue (res, r, 1), NULL, 10));
    PQclear (res);
    long long top = s_int (conn, "SELECT max(customer_key) FROM dim_customer");
    assert_int_equal (s_get (keys, ETL_DIM_CUSTOMER, "newer", true), top + 1);
    etl_surrogate_keys_destroy (&keys);
    s_ok (conn, "ROLLBACK");

    /*  A catalogue beyond the bound (262,145 products of 262,144) gets no maps: nothing
        resolves. */
    s_ok (conn, "INSERT INTO dim_product (product_id, name, category)"
                " SELECT 'big' || g, 'N', 'K' FROM generate_series(1, 262142) g");
    s_ok (conn, "BEGIN");
    keys = etl_surrogate_keys_load (conn, err, sizeof err);
    if (!keys || etl_surrogate_keys_map (keys, conn, err, sizeof err))
        fail_msg ("%s", err);
    assert_false (etl_surrogate_keys_mapped (keys));
    assert_int_equal (s_get (keys, ETL_DIM_CUSTOMER, "c1", true), 0);
    assert_int_equal (s_get (keys, ETL_DIM_PRODUCT, "p1", true), 0);
    etl_surrogate_keys_destroy (&keys);
    s_ok (conn, "ROLLBACK");
    /*  One product less: at the bound, mapped. */
    s_ok (conn, "DELETE FROM dim_product WHERE product_id = 'big1'");
    s_ok (conn, "BEGIN");
    keys = etl_surrogate_keys_load (conn, err, sizeof err);
    if (!keys || etl_surrogate_keys_map (keys, conn, err, sizeof err))
        fail_msg ("%s", err);
    assert_true (etl_surrogate_keys_mapped (keys));
    assert_int_equal (s_get (keys, ETL_DIM_PRODUCT, "p2", false), 2);
    assert_true (s_get (keys, ETL_DIM_PRODUCT, "big262142", false) > 0);
    etl_surrogate_keys_destroy (&keys);
    s_ok (conn, "ROLLBACK");
    PQfinish (other);
    PQfinish (conn);
    testdb_drop (&url);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_keys),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
