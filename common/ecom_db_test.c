/*  ecom_db / ecom_redis: connecting to the test run's servers, and the messages users see
    when a server is unreachable (host and port named, password never shown). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "ecom_db.h"
#include "ecom_redis.h"

static void
test_connect_and_query (void **state)
{
    const char *url = getenv ("DATABASE_URL");
    if (!url)
        fail_msg ("DATABASE_URL is not set: run under tests/harness/run.sh");
    char err[512];
    PGconn *conn = ecom_db_connect (url, err, sizeof err);
    if (!conn)
        fail_msg ("%s", err);
    long long value = 0;
    assert_int_equal (ecom_db_query_int64 (conn, "SELECT 6 * 7", &value, err, sizeof err), 0);
    assert_int_equal (value, 42);
    assert_int_equal (ecom_db_query_int64 (conn, "SELECT 'x'", &value, err, sizeof err), -1);
    assert_non_null (strstr (err, "not an integer"));
    /*  One row of one integer, nothing else. */
    const char *bad[] = {"SELECT NULL::int",
                         "SELECT 1 WHERE false",
                         "SELECT 1 UNION ALL SELECT 2",
                         "SELECT 1, 2",
                         "SELECT ''",
                         "SELECT '9223372036854775808'",
                         "SELECT 1 FROM no_such_table"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        value = 7;
        if (ecom_db_query_int64 (conn, bad[i], &value, err, sizeof err) != -1 || value != 7)
            fail_msg ("%s was read as %lld", bad[i], value);
    }
    assert_non_null (strstr (err, "no_such_table"));
    const char *values[] = {"20", "22"};
    assert_int_equal (ecom_db_query_int64_params (conn, "SELECT $1::bigint + $2::bigint", 2, values,
                                                  &value, err, sizeof err),
                      0);
    assert_int_equal (value, 42);
    assert_int_equal (
        ecom_db_query_int64_params (conn, "SELECT -$1::bigint", 1, values, &value, err, sizeof err),
        0);
    assert_int_equal (value, -20);
    assert_int_equal (ecom_db_query_int64_params (conn, "SELECT $1::int", 1, (const char *[]){"x"},
                                                  &value, err, sizeof err),
                      -1);
    assert_int_equal (ecom_db_exec (conn, "SELEC 1", err, sizeof err), -1);
    assert_non_null (strstr (err, "syntax error"));
    assert_int_equal (ecom_db_ensure (conn), 0);
    PQfinish (conn);
}

/*  ecom_db_int64 reads the cells of a known query: a NULL and a cell outside the result
    are 0. */
static void
test_cells (void **state)
{
    char err[512];
    PGconn *conn = ecom_db_connect (getenv ("DATABASE_URL"), err, sizeof err);
    if (!conn)
        fail_msg ("%s", err);
    PGresult *res = PQexec (conn, "SELECT 9223372036854775807::bigint, NULL::int, -42"
                                  " UNION ALL SELECT 7, 8, 0");
    assert_int_equal (PQresultStatus (res), PGRES_TUPLES_OK);
    assert_true (ecom_db_int64 (res, 0, 0) == 9223372036854775807LL);
    assert_int_equal (ecom_db_int64 (res, 0, 1), 0);
    assert_int_equal (ecom_db_int64 (res, 0, 2), -42);
    assert_int_equal (ecom_db_int64 (res, 1, 1), 8);
    assert_int_equal (ecom_db_int64 (res, 2, 0), 0);
    assert_int_equal (ecom_db_int64 (res, -1, 0), 0);
    assert_int_equal (ecom_db_int64 (res, 1, 3), 0);
    PQclear (res);
    PQfinish (conn);
}

static void
test_unreachable_database (void **state)
{
    char err[512];
    /* Port 1 on loopback: nothing listens there. */
    PGconn *conn = ecom_db_connect ("postgresql://ecom:hunter2@127.0.0.1:1/ecom", err, sizeof err);
    assert_null (conn);
    assert_non_null (strstr (err, "cannot connect to PostgreSQL at 127.0.0.1:1"));
    assert_null (strstr (err, "hunter2"));
    conn = ecom_db_connect ("mysql://x", err, sizeof err);
    assert_null (conn);
    assert_non_null (strstr (err, "DATABASE_URL"));
}

static void
test_redis (void **state)
{
    const char *url = getenv ("REDIS_URL");
    if (!url)
        fail_msg ("REDIS_URL is not set: run under tests/harness/run.sh");
    char err[512];
    redisContext *ctx = ecom_redis_connect (url, 1000, err, sizeof err);
    if (!ctx)
        fail_msg ("%s", err);
    redisReply *reply = redisCommand (ctx, "PING");
    assert_non_null (reply);
    assert_string_equal (reply->str, "PONG");
    freeReplyObject (reply);
    redisFree (ctx);

    ctx = ecom_redis_connect ("redis://:hunter2@127.0.0.1:1/0", 500, err, sizeof err);
    assert_null (ctx);
    assert_non_null (strstr (err, "cannot connect to Redis at 127.0.0.1:1"));
    assert_null (strstr (err, "hunter2"));
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_connect_and_query),
        cmocka_unit_test (test_cells),
        cmocka_unit_test (test_unreachable_database),
        cmocka_unit_test (test_redis),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
