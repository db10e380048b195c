#include "etl_load.h"

#include "ecom_copy.h"
#include "ecom_data_version.h"
#include "ecom_db.h"
#include "etl_csv.h"
#include "etl_row.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_JOB "orders_csv"

/*  Runs a statement with text parameters and no result rows. Returns 0, or -1 with err. */
static int
s_exec (PGconn *conn, const char *sql, int n, const char *const *values, char *err,
        size_t errlen)
{
    PGresult *res = PQexecParams (conn, sql, n, NULL, values, NULL, NULL, 0);
    ExecStatusType status = PQresultStatus (res);
    int rc = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK ? 0 : -1;
    if (rc) {
        snprintf (err, errlen, "%s", PQresultErrorMessage (res));
        err[strcspn (err, "\n")] = '\0';
    }
    PQclear (res);
    return rc;
}

/*  Like s_exec for a statement returning one integer. Returns it, or -1 with err. */
static long long
s_int (PGconn *conn, const char *sql, int n, const char *const *values, char *err,
       size_t errlen)
{
    PGresult *res = PQexecParams (conn, sql, n, NULL, values, NULL, NULL, 0);
    long long value = -1;
    if (PQresultStatus (res) == PGRES_TUPLES_OK && PQntuples (res) == 1)
        value = PQgetisnull (res, 0, 0) ? 0 : strtoll (PQgetvalue (res, 0, 0), NULL, 10);
    else {
        snprintf (err, errlen, "%s", PQresultErrorMessage (res));
        err[strcspn (err, "\n")] = '\0';
    }
    PQclear (res);
    return value;
}

long long
etl_load_queue (PGconn *conn, const char *trigger, const char *source, char task_id[40],
                char *err, size_t errlen)
{
    const char *values[] = {S_JOB, trigger, source};
    PGresult *res = PQexecParams (conn,
                                  "INSERT INTO etl_runs (task_id, job, trigger, status, source)"
                                  " VALUES (gen_random_uuid(), $1, $2, 'queued', $3)"
                                  " RETURNING run_id, task_id",
                                  3, NULL, values, NULL, NULL, 0);
    long long run_id = -1;
    if (PQresultStatus (res) == PGRES_TUPLES_OK && PQntuples (res) == 1) {
        run_id = strtoll (PQgetvalue (res, 0, 0), NULL, 10);
        snprintf (task_id, 40, "%s", PQgetvalue (res, 0, 1));
    }
    else {
        snprintf (err, errlen, "%s", PQresultErrorMessage (res));
        err[strcspn (err, "\n")] = '\0';
    }
    PQclear (res);
    return run_id;
}

/*  Appends a rejected record: line, reason, raw text (bytes that are not UTF-8 shown as
    \xNN so the text can be stored), and NULL typed columns. */
static void
s_stage_reject (ecom_copy_t *copy, const etl_csv_record_t *record, const char *reason)
{
    ecom_copy_printf (copy, "%lld\t", record->line);
    ecom_copy_text (copy, reason, strlen (reason));
    ecom_copy_printf (copy, "\t");
    if (etl_row_utf8_valid (record->raw, record->raw_len))
        ecom_copy_text (copy, record->raw, record->raw_len);
    else {
        for (size_t i = 0; i < record->raw_len; i++) {
            unsigned char c = (unsigned char) record->raw[i];
            if (c >= 0x80 || c == 0)
                ecom_copy_printf (copy, "\\\\x%02x", c);
            else
                ecom_copy_text (copy, record->raw + i, 1);
        }
    }
    ecom_copy_printf (copy, "\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\n");
}

/*  Appends a valid record: line, NULL reason and raw, then the 12 fields. */
static void
s_stage_row (ecom_copy_t *copy, const etl_csv_record_t *record)
{
    ecom_copy_printf (copy, "%lld\t\\N\t\\N", record->line);
    for (size_t i = 0; i < ETL_ROW_FIELDS; i++) {
        ecom_copy_printf (copy, "\t");
        ecom_copy_text (copy, record->fields[i], record->lengths[i]);
    }
    ecom_copy_printf (copy, "\n");
}

/*  The set-wise part of the load, on the staged rows. */
static const char s_stage_sql[] =
    "CREATE TEMP TABLE etl_stage ("
    "  line bigint NOT NULL, reason text, raw text,"
    "  order_id text COLLATE \"C\", order_date date, customer_id text COLLATE \"C\","
    "  customer_name text, customer_email text, customer_city text, customer_country text,"
    "  product_id text COLLATE \"C\", product_name text, product_category text,"
    "  quantity integer, unit_price numeric(12,2)) ON COMMIT DROP";

static const char s_rejects_sql[] =
    "INSERT INTO etl_rejects (run_id, line_number, raw, reason)"
    " SELECT $1, line, raw, reason FROM etl_stage WHERE reason IS NOT NULL";

static const char s_dates_sql[] =
    "SELECT count(dim_time_fill(d, d)) FROM"
    " (SELECT DISTINCT order_date AS d FROM etl_stage WHERE reason IS NULL) dates";

static const char s_customers_sql[] =
    "INSERT INTO dim_customer AS c (customer_id, name, email, city, country)"
    " SELECT DISTINCT ON (customer_id) customer_id, customer_name, customer_email,"
    "        customer_city, customer_country"
    " FROM etl_stage WHERE reason IS NULL ORDER BY customer_id, line DESC"
    " ON CONFLICT (customer_id) DO UPDATE"
    " SET name = EXCLUDED.name, email = EXCLUDED.email, city = EXCLUDED.city,"
    "     country = EXCLUDED.country, updated_at = now()"
    " WHERE (c.name, c.email, c.city, c.country)"
    "       IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.email, EXCLUDED.city, EXCLUDED.country)";

static const char s_products_sql[] =
    "INSERT INTO dim_product AS p (product_id, name, category)"
    " SELECT DISTINCT ON (product_id) product_id, product_name, product_category"
    " FROM etl_stage WHERE reason IS NULL ORDER BY product_id, line DESC"
    " ON CONFLICT (product_id) DO UPDATE"
    " SET name = EXCLUDED.name, category = EXCLUDED.category, updated_at = now()"
    " WHERE (p.name, p.category) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.category)";

static const char s_orders_sql[] =
    "WITH loaded AS ("
    " INSERT INTO fact_order (order_id, order_date, customer_key, product_key, quantity,"
    "                         unit_price, etl_run_id)"
    " SELECT s.order_id, s.order_date, c.customer_key, p.product_key, s.quantity,"
    "        s.unit_price, $1"
    " FROM (SELECT DISTINCT ON (order_id) order_id, order_date, customer_id, product_id,"
    "              quantity, unit_price"
    "       FROM etl_stage WHERE reason IS NULL ORDER BY order_id, line) s"
    " JOIN dim_customer c ON c.customer_id = s.customer_id"
    " JOIN dim_product p ON p.product_id = s.product_id"
    /* loads are serialized by the advisory lock, so a plain anti-join is safe, and cheaper
       than ON CONFLICT's speculative insertion */
    " WHERE NOT EXISTS (SELECT 1 FROM fact_order f WHERE f.order_id = s.order_id)"
    " RETURNING 1)"
    " SELECT count(*) FROM loaded";

static const char s_success_sql[] =
    "UPDATE etl_runs SET status = 'success', finished_at = now(), rows_read = $2,"
    " rows_loaded = $3, rows_skipped = $4, rows_rejected = $5, error = NULL"
    " WHERE run_id = $1";

/*  Records the run as failed (its own transaction: the load's was rolled back). */
static void
s_fail (PGconn *conn, etl_load_result_t *result)
{
    char run[24], err[256];
    snprintf (run, sizeof run, "%lld", result->run_id);
    const char *values[] = {run, result->error};
    s_exec (conn,
            "UPDATE etl_runs SET status = 'failed', finished_at = now(), error = $2"
            " WHERE run_id = $1",
            2, values, err, sizeof err);
}

/*  Streams the records after the header into the staging table. Returns 0, or -1 with
    result->error. */
static int
s_stage (PGconn *conn, etl_csv_t *csv, etl_load_result_t *result)
{
    ecom_copy_t *copy = ecom_copy_begin (conn, "COPY etl_stage FROM STDIN", result->error,
                                         sizeof result->error);
    if (!copy)
        return -1;
    etl_csv_record_t record;
    char reason[256];
    int rc;
    while ((rc = etl_csv_next (csv, &record)) == 1) {
        result->rows_read++;
        const char *why = etl_row_check (&record, reason, sizeof reason);
        if (why) {
            result->rows_rejected++;
            s_stage_reject (copy, &record, why);
        }
        else
            s_stage_row (copy, &record);
    }
    if (rc < 0) {
        ecom_copy_end (&copy, result->error, sizeof result->error);
        snprintf (result->error, sizeof result->error, "cannot read the file: %s",
                  strerror (errno));
        return -1;
    }
    return ecom_copy_end (&copy, result->error, sizeof result->error) < 0 ? -1 : 0;
}

static int s_load (PGconn *conn, long long run_id, const char *run, const char *path,
                   etl_load_result_t *result);

int
etl_load_run (PGconn *conn, long long run_id, const char *path, etl_load_result_t *result)
{
    memset (result, 0, sizeof *result);
    result->run_id = run_id;
    char run[24];
    snprintf (run, sizeof run, "%lld", run_id);
    const char *run_param[] = {run};
    /*  The loader of a run holds a session advisory lock on its id from before it is marked
        running until it ends: a `running` run whose lock is free has lost its loader
        (etl_runner_fail_orphans). */
    char lock_err[256];
    if (s_exec (conn, "SELECT pg_advisory_lock(4242, $1::int)", 1, run_param, lock_err,
                sizeof lock_err)) {
        snprintf (result->error, sizeof result->error, "%s", lock_err);
        return -1;
    }
    int rc = s_load (conn, run_id, run, path, result);
    s_exec (conn, "SELECT pg_advisory_unlock(4242, $1::int)", 1, run_param, lock_err,
            sizeof lock_err);
    return rc;
}

/*  etl_load_run() under the run's lock. */
static int
s_load (PGconn *conn, long long run_id, const char *run, const char *path,
        etl_load_result_t *result)
{
    const char *run_param[] = {run};
    PGresult *res = PQexecParams (conn,
                                  "UPDATE etl_runs SET status = 'running', started_at = now()"
                                  " WHERE run_id = $1 AND status = 'queued' RETURNING task_id",
                                  1, NULL, run_param, NULL, NULL, 0);
    bool marked = PQresultStatus (res) == PGRES_TUPLES_OK && PQntuples (res) == 1;
    if (marked)
        snprintf (result->task_id, sizeof result->task_id, "%s", PQgetvalue (res, 0, 0));
    PQclear (res);
    if (!marked) {
        snprintf (result->error, sizeof result->error, "run %lld is not queued", run_id);
        return -1;
    }

    FILE *file = fopen (path, "rb");
    etl_csv_t *csv = file ? etl_csv_new (file, ETL_ROW_FIELDS) : NULL;
    etl_csv_record_t header;
    int got = csv ? etl_csv_next (csv, &header) : -1;
    if (!file)
        snprintf (result->error, sizeof result->error, "cannot open %s: %s", path,
                  strerror (errno));
    else if (got < 0)
        snprintf (result->error, sizeof result->error, "cannot read %s: %s", path,
                  strerror (errno));
    else if (got == 0)
        snprintf (result->error, sizeof result->error, "%s is empty: no header row", path);
    else if (!etl_row_is_header (&header))
        snprintf (result->error, sizeof result->error,
                  "the header does not match order_id,order_date,customer_id,customer_name,"
                  "customer_email,customer_city,customer_country,product_id,product_name,"
                  "product_category,quantity,unit_price: got '%.120s'",
                  etl_row_utf8_valid (header.raw, header.raw_len) ? header.raw : "(not UTF-8)");
    if (result->error[0]) {
        etl_csv_destroy (&csv);
        if (file)
            fclose (file);
        s_fail (conn, result);
        return -1;
    }

    char *err = result->error;
    size_t errlen = sizeof result->error;
    long long version = -1;
    bool ok = s_exec (conn, "BEGIN", 0, NULL, err, errlen) == 0
              && s_exec (conn, "SELECT pg_advisory_xact_lock(hashtext('ecommerce-analytics:etl'))",
                         0, NULL, err, errlen)
                     == 0
              && s_exec (conn, s_stage_sql, 0, NULL, err, errlen) == 0
              && s_stage (conn, csv, result) == 0
              && s_exec (conn, s_rejects_sql, 1, run_param, err, errlen) == 0
              && s_int (conn, s_dates_sql, 0, NULL, err, errlen) >= 0
              && s_exec (conn, s_customers_sql, 0, NULL, err, errlen) == 0
              && s_exec (conn, s_products_sql, 0, NULL, err, errlen) == 0
              && (result->rows_loaded = s_int (conn, s_orders_sql, 1, run_param, err, errlen))
                     >= 0;
    etl_csv_destroy (&csv);
    fclose (file);
    if (ok) {
        long long valid = result->rows_read - result->rows_rejected;
        result->rows_skipped = valid - result->rows_loaded;
        char counts[4][24];
        snprintf (counts[0], 24, "%lld", result->rows_read);
        snprintf (counts[1], 24, "%lld", result->rows_loaded);
        snprintf (counts[2], 24, "%lld", result->rows_skipped);
        snprintf (counts[3], 24, "%lld", result->rows_rejected);
        const char *values[] = {run, counts[0], counts[1], counts[2], counts[3]};
        ok = s_exec (conn, s_success_sql, 5, values, err, errlen) == 0
             && (version = ecom_data_version_bump (conn, err, errlen)) > 0
             && s_exec (conn, "COMMIT", 0, NULL, err, errlen) == 0;
    }
    if (!ok) {
        PQclear (PQexec (conn, "ROLLBACK"));
        result->rows_loaded = result->rows_skipped = 0;
        if (!err[0])
            snprintf (err, errlen, "the load failed");
        s_fail (conn, result);
        return -1;
    }
    result->data_version = version;
    return 0;
}
