/*  ecom_copy: values written with ecom_copy_text / ecom_copy_int / ecom_copy_raw come back
    from PostgreSQL exactly (every byte that COPY's text format escapes, NULL, the integer
    extremes, rows that straddle the 1 MiB buffer), and so do the binary format's (integers,
    "char", text, dates and NUMERICs at their edges, against independently formatted text),
    against the test run's server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecom_copy.h"
#include "ecom_date.h"
#include "ecom_db.h"

static PGconn *
s_connect (void)
{
    const char *url = getenv ("DATABASE_URL");
    if (!url)
        fail_msg ("DATABASE_URL is not set: run under tests/harness/run.sh");
    char err[512];
    PGconn *conn = ecom_db_connect (url, err, sizeof err);
    if (!conn)
        fail_msg ("%s", err);
    PQclear (PQexec (conn, "CREATE TEMP TABLE t (n bigint, v text)"));
    return conn;
}

/*  Every byte 1..255 but the ones a UTF-8 database refuses as text: here all of ASCII. */
static void
test_text_int_null_round_trip (void **state)
{
    PGconn *conn = s_connect ();
    char err[512];
    char ascii[128];
    for (int i = 1; i < 128; i++)
        ascii[i - 1] = (char) i;
    ascii[127] = '\0';
    const char *texts[] = {ascii, "a\\b", "tab\there", "new\nline", "cr\rx", "\\N", "", "\\",
                           "caf\xc3\xa9"};
    const long long ints[] = {0, 7, -1, 1234567890123LL, LLONG_MAX, LLONG_MIN};
    const size_t n_texts = sizeof texts / sizeof texts[0], n_ints = sizeof ints / sizeof ints[0];
    ecom_copy_t *copy = ecom_copy_begin (conn, "COPY t FROM STDIN", err, sizeof err);
    if (!copy)
        fail_msg ("%s", err);
    for (size_t i = 0; i < n_texts; i++) {
        ecom_copy_int (copy, ints[i % n_ints]);
        ecom_copy_raw (copy, "\t", 1);
        ecom_copy_text (copy, texts[i], strlen (texts[i]));
        ecom_copy_raw (copy, "\n", 1);
    }
    ecom_copy_int (copy, -42);
    ecom_copy_raw (copy, "\t", 1);
    ecom_copy_text (copy, NULL, 0);
    ecom_copy_raw (copy, "\n", 1);
    assert_int_equal (ecom_copy_end (&copy, err, sizeof err), (long long) n_texts + 1);
    assert_null (copy);

    PGresult *res = PQexec (conn, "SELECT n, v FROM t");
    assert_int_equal (PQntuples (res), (int) n_texts + 1);
    for (size_t i = 0; i < n_texts; i++) {
        char expected[32];
        snprintf (expected, sizeof expected, "%lld", ints[i % n_ints]);
        assert_string_equal (PQgetvalue (res, (int) i, 0), expected);
        assert_false (PQgetisnull (res, (int) i, 1));
        assert_string_equal (PQgetvalue (res, (int) i, 1), texts[i]);
    }
    assert_string_equal (PQgetvalue (res, (int) n_texts, 0), "-42");
    assert_true (PQgetisnull (res, (int) n_texts, 1));
    PQclear (res);
    PQfinish (conn);
}

/*  Values bigger than the buffer, and many rows: nothing is lost at the 1 MiB edges. */
static void
test_rows_across_the_buffer (void **state)
{
    PGconn *conn = s_connect ();
    char err[512];
    size_t big = 3 * 1024 * 1024 + 17;
    char *value = malloc (big + 1);
    assert_non_null (value);
    for (size_t i = 0; i < big; i++)
        value[i] = "ab\tc\\d\n"[i % 7];
    value[big] = '\0';
    ecom_copy_t *copy = ecom_copy_begin (conn, "COPY t FROM STDIN", err, sizeof err);
    assert_non_null (copy);
    ecom_copy_int (copy, 1);
    ecom_copy_raw (copy, "\t", 1);
    ecom_copy_text (copy, value, big);
    ecom_copy_raw (copy, "\n", 1);
    for (long long n = 2; n <= 200000; n++) {
        ecom_copy_int (copy, n);
        ecom_copy_raw (copy, "\tvalue-", 7);
        ecom_copy_int (copy, n * 3);
        ecom_copy_raw (copy, "\n", 1);
    }
    assert_int_equal (ecom_copy_end (&copy, err, sizeof err), 200000);
    PGresult *res = PQexec (conn, "SELECT v FROM t WHERE n = 1");
    assert_int_equal (PQgetlength (res, 0, 0), (int) big);
    assert_memory_equal (PQgetvalue (res, 0, 0), value, big);
    PQclear (res);
    res = PQexec (conn, "SELECT count(*) FROM t WHERE n > 1 AND v = 'value-' || (n * 3)");
    assert_string_equal (PQgetvalue (res, 0, 0), "199999");
    PQclear (res);
    free (value);

    /*  A COPY the server refuses: the error comes back from begin. */
    assert_null (ecom_copy_begin (conn, "COPY nowhere FROM STDIN", err, sizeof err));
    assert_non_null (strstr (err, "nowhere"));
    PQfinish (conn);
}

/*  The text PostgreSQL prints for cents / 100 with two decimals. */
static void
s_cents_text (long long cents, char *out, size_t size)
{
    unsigned long long magnitude = cents < 0 ? 0ULL - (unsigned long long) cents
                                             : (unsigned long long) cents;
    snprintf (out, size, "%s%llu.%02llu", cents < 0 ? "-" : "", magnitude / 100, magnitude % 100);
}

static void
test_binary_round_trip (void **state)
{
    PGconn *conn = s_connect ();
    char err[512];
    PQclear (PQexec (conn, "CREATE TEMP TABLE b (n bigint, i integer, k \"char\", d date,"
                           " c numeric(12,2), free numeric, v text)"));
    const long long cents[] = {0,       1,         5,           10,           50,
                               99,      100,       101,         12345,        999999,
                               1000000, 100000000, 10000000000, 123456789012, 999999999999,
                               -1,      -12345,    -100};
    const int32_t days[] = {ecom_date_from_ymd (1, 1, 1),       ecom_date_from_ymd (1970, 1, 1),
                            ecom_date_from_ymd (1999, 12, 31),  ecom_date_from_ymd (2000, 1, 1),
                            ecom_date_from_ymd (2024, 2, 29),   ecom_date_from_ymd (9999, 12, 31)};
    const int32_t ints[] = {INT32_MIN, -1, 0, 1, INT32_MAX};
    const int64_t longs[] = {INT64_MIN, -1, 0, 1234567890123LL, INT64_MAX};
    const char *texts[] = {"", "tab\there \\N", "caf\xc3\xa9", NULL};
    const size_t rows = sizeof cents / sizeof cents[0];
    ecom_copy_t *copy = ecom_copy_begin_binary (conn, "COPY b FROM STDIN (FORMAT binary)", err,
                                                sizeof err);
    if (!copy)
        fail_msg ("%s", err);
    for (size_t r = 0; r < rows; r++) {
        const char *text = texts[r % 4];
        ecom_copy_bin_row (copy, 7);
        ecom_copy_bin_int8 (copy, longs[r % 5]);
        ecom_copy_bin_int4 (copy, ints[r % 5]);
        ecom_copy_bin_bytes (copy, "abcdefghijklmnopqrstuvwxyz" + r, 1);
        ecom_copy_bin_date (copy, days[r % 6]);
        ecom_copy_bin_cents (copy, cents[r]);
        ecom_copy_bin_cents (copy, cents[r]);
        if (text)
            ecom_copy_bin_bytes (copy, text, strlen (text));
        else
            ecom_copy_bin_null (copy);
    }
    assert_int_equal (ecom_copy_end (&copy, err, sizeof err), (long long) rows);

    PGresult *res = PQexec (conn, "SELECT n, i, k, d, c, free, v FROM b");
    assert_int_equal (PQntuples (res), (int) rows);
    for (size_t r = 0; r < rows; r++) {
        int row = (int) r;
        char expected[64];
        snprintf (expected, sizeof expected, "%lld", (long long) longs[r % 5]);
        assert_string_equal (PQgetvalue (res, row, 0), expected);
        snprintf (expected, sizeof expected, "%d", ints[r % 5]);
        assert_string_equal (PQgetvalue (res, row, 1), expected);
        snprintf (expected, sizeof expected, "%c", (char) ('a' + r));
        assert_string_equal (PQgetvalue (res, row, 2), expected);
        ecom_date_format (days[r % 6], expected);
        assert_string_equal (PQgetvalue (res, row, 3), expected);
        s_cents_text (cents[r], expected, sizeof expected);
        assert_string_equal (PQgetvalue (res, row, 4), expected);
        assert_string_equal (PQgetvalue (res, row, 5), expected);
        if (texts[r % 4])
            assert_string_equal (PQgetvalue (res, row, 6), texts[r % 4]);
        else
            assert_true (PQgetisnull (res, row, 6));
    }
    PQclear (res);

    /*  A stream the server cannot read (a field longer than its row) fails cleanly. */
    copy = ecom_copy_begin_binary (conn, "COPY b FROM STDIN (FORMAT binary)", err, sizeof err);
    assert_non_null (copy);
    ecom_copy_bin_row (copy, 7);
    ecom_copy_bin_int4 (copy, 1);
    assert_int_equal (ecom_copy_end (&copy, err, sizeof err), -1);
    assert_true (err[0] != '\0');
    PQfinish (conn);
}

/*  Rows spooled while the connection streams another COPY, then sent, then more rows
    streamed directly: all of them arrive, in order; a spool never sent, or sent with a COPY
    the server refuses, fails cleanly. */
static void
test_spool_then_send (void **state)
{
    PGconn *conn = s_connect ();
    char err[512];
    PQclear (PQexec (conn, "CREATE TEMP TABLE direct (n bigint); CREATE TEMP TABLE later (n bigint, t text)"));
    ecom_copy_t *spool = ecom_copy_spool_binary (err, sizeof err);
    assert_non_null (spool);
    ecom_copy_t *copy = ecom_copy_begin_binary (conn, "COPY direct FROM STDIN (FORMAT binary)", err,
                                                sizeof err);
    assert_non_null (copy);
    const long long spooled = 150000; /* about 3 MiB: more than one buffer */
    for (long long i = 0; i < spooled; i++) {
        ecom_copy_bin_row (copy, 1);
        ecom_copy_bin_int8 (copy, i);
        ecom_copy_bin_row (spool, 2);
        ecom_copy_bin_int8 (spool, i);
        ecom_copy_bin_bytes (spool, "spooled", 7);
    }
    assert_int_equal (ecom_copy_end (&copy, err, sizeof err), spooled);
    if (ecom_copy_send (spool, conn, "COPY later FROM STDIN (FORMAT binary)", err, sizeof err))
        fail_msg ("%s", err);
    for (long long i = spooled; i < spooled + 10; i++) {
        ecom_copy_bin_row (spool, 2);
        ecom_copy_bin_int8 (spool, i);
        ecom_copy_bin_bytes (spool, "sent", 4);
    }
    assert_int_equal (ecom_copy_end (&spool, err, sizeof err), spooled + 10);
    PGresult *res = PQexec (conn, "SELECT count(*), sum(n), count(*) FILTER (WHERE t = 'sent'),"
                                  " bool_and(t = CASE WHEN n < 150000 THEN 'spooled' ELSE 'sent' END),"
                                  " (SELECT sum(n) FROM direct) FROM later");
    assert_string_equal (PQgetvalue (res, 0, 0), "150010");
    assert_string_equal (PQgetvalue (res, 0, 1), "11251425045"); /* 0 + ... + 150009 */
    assert_string_equal (PQgetvalue (res, 0, 2), "10");
    assert_string_equal (PQgetvalue (res, 0, 3), "t");
    assert_string_equal (PQgetvalue (res, 0, 4), "11249925000"); /* 0 + ... + 149999 */
    PQclear (res);

    spool = ecom_copy_spool_binary (err, sizeof err);
    assert_non_null (spool);
    err[0] = '\0';
    assert_int_equal (ecom_copy_end (&spool, err, sizeof err), -1);
    assert_true (err[0] != '\0');
    spool = ecom_copy_spool_binary (err, sizeof err);
    assert_non_null (spool);
    err[0] = '\0';
    assert_int_equal (ecom_copy_send (spool, conn, "COPY nowhere FROM STDIN (FORMAT binary)", err,
                                      sizeof err), -1);
    assert_non_null (strstr (err, "nowhere"));
    assert_int_equal (ecom_copy_end (&spool, err, sizeof err), -1);
    assert_int_equal (PQtransactionStatus (conn), PQTRANS_IDLE);
    PQfinish (conn);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_text_int_null_round_trip),
        cmocka_unit_test (test_rows_across_the_buffer),
        cmocka_unit_test (test_binary_round_trip),
        cmocka_unit_test (test_spool_then_send),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
