#include "etl_load.h"

#include "ecom_data_version.h"
#include "ecom_db.h"
#include "ecom_embedded.h"
#include "ecom_indexes.h"
#include "ecom_utf8.h"
#include "etl_csv.h"
#include "etl_surrogate_keys.h"
#include "etl_direct.h"
#include "etl_rising_ids.h"
#include "etl_rollup.h"
#include "etl_row.h"
#include "etl_stage.h"

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define S_JOB "orders_csv"

/*  Runs a statement with text parameters and no result rows, or, without parameters, one
    or more statements. Returns 0, or -1 with err. */
static int
s_exec (PGconn *conn, const char *sql, int n, const char *const *values, char *err,
        size_t errlen)
{
    PGresult *res = n ? PQexecParams (conn, sql, n, NULL, values, NULL, NULL, 0) : PQexec (conn, sql);
    ExecStatusType status = PQresultStatus (res);
    int rc = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK ? 0 : -1;
    if (rc) {
        ecom_db_error (res, err, errlen);
    }
    PQclear (res);
    return rc;
}

/*  Like s_exec for a statement without parameters and result rows; returns the rows it
    wrote (inserted or updated), or -1 with err. */
static long long
s_rows_written (PGconn *conn, const char *sql, char *err, size_t errlen)
{
    PGresult *res = PQexec (conn, sql);
    long long rows = -1;
    if (PQresultStatus (res) == PGRES_COMMAND_OK)
        rows = strtoll (PQcmdTuples (res), NULL, 10);
    else
        ecom_db_error (res, err, errlen);
    PQclear (res);
    return rows;
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
        run_id = ecom_db_int64 (res, 0, 0);
        snprintf (task_id, 40, "%s", PQgetvalue (res, 0, 1));
    }
    else {
        ecom_db_error (res, err, errlen);
        if (!err[0]) /* no result at all (a lost connection): the reason is the connection's */
            snprintf (err, errlen, "%.*s", (int) strcspn (PQerrorMessage (conn), "\n"),
                      PQerrorMessage (conn));
    }
    PQclear (res);
    return run_id;
}

/*  The load's SQL files (services/etl/load/, compiled in by ecom_embed). */
extern const ecom_embedded_t etl_load_sql[];

/*  The text of load/name (always there: the build embeds every file of the folder). */
static const char *
s_sql (const char *name)
{
    const char *text = ecom_embedded_find (etl_load_sql, name);
    assert (text);
    return text;
}

/*  A dimension's staged attribute rows go in by an upsert (load/customers_upsert.sql:
    unchanged rows left alone) or, into an empty dimension (a first load), by a plain
    insert with the dimension's indexes dropped before and built again after
    (ecom_indexes): its primary key and unique id, a third of their upkeep row by row for
    hundreds of thousands of customers. */
static const char *const s_dim_upsert_file[2] = {"customers_upsert.sql", "products_upsert.sql"};
static const char *const s_dim_insert_file[2] = {"customers_insert.sql", "products_insert.sql"};
static const char *const s_dim_empty_sql[2] = {
    "SELECT (NOT EXISTS (SELECT FROM dim_customer))::int",
    "SELECT (NOT EXISTS (SELECT FROM dim_product))::int"};
static const char *const s_dim_table[2] = {"'dim_customer'", "'dim_product'"};

/*  Upserts dimension d's staged attribute rows. Returns the rows inserted or changed, or
    -1 with err. */
static long long
s_upsert_dim (PGconn *conn, int d, char *err, size_t errlen)
{
    long long empty;
    if (ecom_db_query_int64 (conn, s_dim_empty_sql[d], &empty, err, errlen))
        return -1;
    if (!empty)
        return s_rows_written (conn, s_sql (s_dim_upsert_file[d]), err, errlen);
    long long rows = -1;
    if (ecom_indexes_drop (conn, "etl_dim_indexes", s_dim_table[d], false, err, errlen) == 0
        && (rows = s_rows_written (conn, s_sql (s_dim_insert_file[d]), err, errlen)) >= 0
        && ecom_indexes_build (conn, "etl_dim_indexes", err, errlen))
        rows = -1;
    return rows;
}

/*  The planner's statistics of the dimensions, which may have just grown from nothing (it
    would take them for a few rows and join a million orders to them by nested loops), and
    of the staged orders when they repeat ids (the number of distinct ones, which the
    DISTINCT ON yields; without it the planner guesses 200). */
static const char s_analyze_sql[] = "ANALYZE dim_customer, dim_product";
static const char s_analyze_repeats_sql[] = "ANALYZE dim_customer, dim_product, etl_stage_orders";

/*  How many orders fact_order holds, counted up to $1 (the file's, estimated): fewer than
    the load brings means the bulk path (below). */
static const char s_fact_rows_sql[] =
    "SELECT count(*) FROM (SELECT FROM fact_order LIMIT $1::bigint) f";

/*  The staged orders when their ids repeat: the first occurrence of each (load/orders.sql). */
static const char s_staged_first_sql[] =
    "(SELECT DISTINCT ON (order_id) * FROM etl_stage_orders ORDER BY order_id, line)";

/*  The bulk path, for a load bigger than the table (a first load, a backfill): adding
    index entries one row at a time costs three times more than building the indexes
    afterwards from sorted runs. Every index of fact_order (its primary key included) is
    dropped, remembered by its definition, and built again after the insert, all inside
    the load's transaction (ecom_indexes): a failed load leaves them as they were. The
    price: the DROP holds fact_order exclusively until the commit, so queries that read
    fact_order wait for the load's last seconds (agg_daily_sales stays readable). The
    anti-join then has no index: hash joins only
    (fact_order is the smaller side, by the choice of path). */
static const char s_bulk_begin_sql[] =
    "SET LOCAL maintenance_work_mem = '256MB';"
    "SET LOCAL enable_nestloop = off;"
    "SET LOCAL enable_mergejoin = off;";

static const char s_bulk_end_sql[] =
    "RESET enable_nestloop; RESET enable_mergejoin; RESET maintenance_work_mem;";

/*  Writes template into out with its two "%s" replaced by parts[0] and parts[1].
    Returns 0, or -1 when it has not exactly two or the result does not fit. */
static int
s_fill (const char *template, const char *const parts[2], char *out, size_t size)
{
    size_t used = 0;
    int filled = 0;
    for (const char *t = template; *t;) {
        const char *text = t;
        size_t len = 1;
        if (t[0] == '%' && t[1] == 's') {
            if (filled == 2)
                return -1;
            text = parts[filled++];
            len = strlen (text);
            t += 2;
        }
        else
            t++;
        if (size - used <= len)
            return -1;
        memcpy (out + used, text, len);
        used += len;
    }
    out[used] = '\0';
    return filled == 2 ? 0 : -1;
}

/*  Inserts the staged orders that are new (load/orders.sql, a template: the staged orders
    and how the anti-join probes, filled here). Returns how many, or -1 with err. */
static long long
s_insert_orders (PGconn *conn, const char *run, const etl_stage_summary_t *staged, bool bulk,
                 char *err, size_t errlen)
{
    char sql[4096];
    const char *parts[2] = {staged->ids_increasing ? "etl_stage_orders" : s_staged_first_sql,
                            bulk ? "" : " OFFSET 0"};
    if (s_fill (s_sql ("orders.sql"), parts, sql, sizeof sql)) {
        snprintf (err, errlen, "load/orders.sql: not a template of two %%s that fits");
        return -1;
    }
    const char *run_param[] = {run};
    PGresult *res = PQexecParams (conn, sql, 1, NULL, run_param, NULL, NULL, 0);
    long long loaded = -1;
    if (PQresultStatus (res) == PGRES_COMMAND_OK)
        loaded = strtoll (PQcmdTuples (res), NULL, 10);
    else {
        ecom_db_error (res, err, errlen);
    }
    PQclear (res);
    return loaded;
}

/*  Whether the load takes the bulk path (see s_bulk_begin_sql): when fact_order holds fewer
    orders than the file, whose rows are counted as its size over the first record's
    length. Returns 1 or 0, or -1 with err. */
static int
s_bulk (PGconn *conn, FILE *file, size_t first_len, char *err, size_t errlen)
{
    struct stat st;
    long long rows = fstat (fileno (file), &st) == 0 ? (long long) st.st_size : 0;
    rows /= (long long) (first_len < 16 ? 16 : first_len + 1);
    char estimate[24];
    snprintf (estimate, sizeof estimate, "%lld", rows);
    const char *count_param[] = {estimate};
    long long present;
    if (ecom_db_query_int64_params (conn, s_fact_rows_sql, 1, count_param, &present, err, errlen))
        return -1;
    return present < rows;
}

/*  Records the run as failed (its own transaction: the load's was rolled back). */
static void
s_fail (PGconn *conn, etl_load_result_t *result)
{
    char run[24], err[256];
    snprintf (run, sizeof run, "%lld", result->run_id);
    const char *values[] = {run, result->error};
    s_exec (conn, s_sql ("failed.sql"), 2, values, err, sizeof err);
}

/*  What one load's reading leaves for its set-wise steps. */
typedef struct {
    etl_stage_summary_t staged;
    long long direct;  /* orders written straight into fact_order */
    bool bulk;         /* fact_order's indexes were dropped, to be built again */
} s_read_t;

/*  The reader of one load: each valid row goes straight into fact_order (etl_direct) while
    it can, or else to the staging table, like every row after it; a stage begun without
    the connection (it is busy with the direct COPY) is sent when the direct one ends. */
typedef struct {
    PGconn *conn;
    etl_stage_t *stage;
    etl_direct_t *direct;  /* NULL once ended */
    etl_rollup_t *rollup;  /* the direct orders' days, until the direct COPY ends */
    etl_surrogate_keys_t *keys;
    s_read_t *read;
    char *err;
    size_t errlen;
} s_reader_t;

/*  The days of the direct orders the reader holds: 16,384 (45 years), 480 KiB (etl_rollup);
    beyond, they are written out to a file. */
#define S_ROLLUP_DAYS 16384

/*  Ends the direct COPY, adds its days to agg_daily_sales (the insert trigger left them to
    the reader, which summed them) and sends the stage. Returns 0, or -1 with err. */
static int
s_end_direct (s_reader_t *self)
{
    long long rows = etl_direct_end (&self->direct, self->err, self->errlen);
    int rc = rows < 0
             || s_exec (self->conn, "SET LOCAL ecom.rollups_added_by_writer = off", 0, NULL,
                        self->err, self->errlen)
             || etl_rollup_apply (self->rollup, self->conn, self->err, self->errlen)
             || etl_stage_send (self->stage, self->conn, self->err, self->errlen);
    etl_rollup_destroy (&self->rollup);
    self->read->direct = rows;
    return rc ? -1 : 0;
}

/*  Routes one valid row. Returns 0, or -1 with err. */
static int
s_route (s_reader_t *self, const etl_csv_record_t *record, const etl_row_values_t *values)
{
    bool direct = self->direct
                  && etl_direct_takes (self->direct, record->fields[ETL_ORDER_ID],
                                       record->lengths[ETL_ORDER_ID]);
    int32_t customer = etl_surrogate_keys_get (self->keys, ETL_DIM_CUSTOMER,
                                         record->fields[ETL_CUSTOMER_ID],
                                         record->lengths[ETL_CUSTOMER_ID], direct);
    int32_t product = etl_surrogate_keys_get (self->keys, ETL_DIM_PRODUCT,
                                        record->fields[ETL_PRODUCT_ID],
                                        record->lengths[ETL_PRODUCT_ID], direct);
    if (direct && customer && product
        && etl_rollup_add (self->rollup, values->order_day, values->quantity, values->cents) == 0) {
        if (etl_direct_row (self->direct, record, values, customer, product)) {
            snprintf (self->err, self->errlen, "out of memory");
            return -1;
        }
    }
    else {
        if (self->direct && s_end_direct (self))
            return -1;
        etl_stage_order (self->stage, record, values);
    }
    etl_stage_dimensions (self->stage, record, values, customer, product);
    return 0;
}

/*  Starts the direct COPY, its rows above after (the table's largest order_id, or NULL
    when it is empty). Returns 0, or -1 with err. */
static int
s_begin_direct (s_reader_t *self, long long run_id, const PGresult *max)
{
    bool empty = PQgetisnull (max, 0, 0);
    self->rollup = etl_rollup_new (S_ROLLUP_DAYS);
    if (!self->rollup) {
        snprintf (self->err, self->errlen, "out of memory");
        return -1;
    }
    if (s_exec (self->conn, "SET LOCAL ecom.rollups_added_by_writer = on", 0, NULL, self->err,
                self->errlen))
        return -1;
    self->direct = etl_direct_begin (self->conn, run_id, empty ? NULL : PQgetvalue (max, 0, 0),
                                     empty ? 0 : (size_t) PQgetlength (max, 0, 0), self->err,
                                     self->errlen);
    return self->direct ? 0 : -1;
}

/*  The customers' ids (their key map) and their attributes (the stage's cache) share
    S_CUSTOMER_BUDGET: the cache takes what the catalogue read into the map leaves beyond
    room for S_NEW_IDS bytes of new ids (about 500,000 of 7 bytes), between 4 and 16 MiB,
    and the map's bound becomes the rest. A first load (no catalogue) gets a 16 MiB cache
    (a million orders of 283,000 customers stage 381,000 customer rows instead of 582,000
    with 6 MiB), a load into a million customers 4 MiB and room for 200,000 new ones.
    Returns the cache's bytes. */
#define S_CUSTOMER_BUDGET ((size_t) 22 << 20)
#define S_NEW_IDS ((size_t) 6 << 20)
#define S_CACHE_MIN ((size_t) 4 << 20)
#define S_CACHE_MAX ((size_t) 16 << 20)

static size_t
s_customer_cache (etl_surrogate_keys_t *keys)
{
    size_t held = etl_surrogate_keys_held (keys, ETL_DIM_CUSTOMER);
    size_t cache = held + S_NEW_IDS + S_CACHE_MIN <= S_CUSTOMER_BUDGET
                       ? S_CUSTOMER_BUDGET - held - S_NEW_IDS
                       : S_CACHE_MIN;
    if (cache > S_CACHE_MAX)
        cache = S_CACHE_MAX;
    etl_surrogate_keys_cap (keys, ETL_DIM_CUSTOMER, S_CUSTOMER_BUDGET - cache);
    return cache;
}

/*  Whether the first record's order may go straight into fact_order: its order_id above
    the table's largest (max), or the table empty. A record without fields is given the
    benefit of the doubt. */
static bool
s_first_is_new (const etl_csv_record_t *record, const PGresult *max)
{
    if (PQgetisnull (max, 0, 0) || record->field_count < ETL_ORDER_ID + 1)
        return true;
    etl_rising_ids_t loaded = {0};
    bool after = etl_rising_ids_keep (&loaded, PQgetvalue (max, 0, 0),
                                      (size_t) PQgetlength (max, 0, 0))
                     != 0
                 || etl_rising_ids_after (&loaded, record->fields[ETL_ORDER_ID],
                                        record->lengths[ETL_ORDER_ID]);
    etl_rising_ids_clear (&loaded);
    return after;
}

/*  Before the first order: the largest order_id loaded, the keys' maps when the first
    record's order can go straight into fact_order (else no order does: each one after it
    would have to be above it), the choice of the bulk path (its indexes dropped), the
    direct COPY when the keys are mapped, and the stage (spooled while the direct COPY holds
    the connection). Returns 0, or -1 with err. */
static int
s_begin (s_reader_t *self, FILE *file, const etl_csv_record_t *first, long long run_id)
{
    PGresult *max = PQexec (self->conn, "SELECT max(order_id) FROM fact_order");
    int rc = -1;
    if (PQresultStatus (max) != PGRES_TUPLES_OK)
        ecom_db_error (max, self->err, self->errlen);
    else if (!(first && s_first_is_new (first, max))
             || etl_surrogate_keys_map (self->keys, self->conn, self->err, self->errlen) == 0) {
        size_t first_len = first ? first->raw_len : 0;
        int bulk = s_bulk (self->conn, file, first_len, self->err, self->errlen);
        self->read->bulk = bulk == 1;
        if (bulk >= 0
            && !(bulk
                 && (s_exec (self->conn, s_bulk_begin_sql, 0, NULL, self->err, self->errlen)
                     || ecom_indexes_drop (self->conn, "etl_fact_indexes", "'fact_order'",
                                           false, self->err, self->errlen))))
            rc = etl_surrogate_keys_mapped (self->keys) ? s_begin_direct (self, run_id, max) : 0;
    }
    PQclear (max);
    if (rc == 0)
        self->stage = etl_stage_begin (self->direct ? NULL : self->conn,
                                       s_customer_cache (self->keys), self->err, self->errlen);
    return self->stage ? 0 : -1;
}

/*  Reads the records after the header: the keys first (etl_surrogate_keys), then, after the
    first record (its length estimates the file's rows, its order_id says whether the
    keys' maps will serve), s_begin, then every record.
    Returns 0, or -1 with result->error. */
static int
s_read (PGconn *conn, FILE *file, etl_csv_t *csv, long long run_id, etl_load_result_t *result,
        s_read_t *read)
{
    char *err = result->error;
    size_t errlen = sizeof result->error;
    s_reader_t self = {.conn = conn, .keys = etl_surrogate_keys_load (conn, err, errlen),
                       .read = read, .err = err, .errlen = errlen};
    if (!self.keys)
        return -1;
    etl_csv_record_t record;
    int rc = etl_csv_next (csv, &record);
    int failed = s_begin (&self, file, rc == 1 ? &record : NULL, run_id) != 0;
    for (; !failed && rc == 1; rc = etl_csv_next (csv, &record)) {
        result->rows_read++;
        etl_row_values_t values;
        char reason[256];
        const char *why = etl_row_check (&record, &values, reason, sizeof reason);
        if (why) {
            result->rows_rejected++;
            etl_stage_reject (self.stage, &record, why);
        }
        else
            failed = s_route (&self, &record, &values);
    }
    int read_errno = errno;
    char ignored[256]; /* what ending a stream says after the first failure */
    if (self.direct && failed)
        etl_direct_end (&self.direct, ignored, sizeof ignored);
    else if (self.direct)
        failed = s_end_direct (&self);
    if (self.stage
        && etl_stage_end (&self.stage, &read->staged, failed ? ignored : err,
                          failed ? sizeof ignored : errlen) < 0)
        failed = 1;
    if (!failed && etl_surrogate_keys_save (self.keys, conn, err, errlen))
        failed = 1;
    etl_surrogate_keys_destroy (&self.keys);
    etl_rollup_destroy (&self.rollup);
    if (!failed && rc < 0) {
        snprintf (err, errlen, "cannot read the file: %s", strerror (read_errno));
        failed = 1;
    }
    return failed ? -1 : 0;
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
    /*  A loader killed mid-statement leaves its backend running that statement, holding
        the run's lock, until the backend notices the client is gone: by default only when
        it next writes to it (up to seconds later). Checked every 250 ms instead, the run is
        marked failed within a second of the next runner looking. */
    if (s_exec (conn, "SET client_connection_check_interval = 250", 0, NULL, lock_err,
                sizeof lock_err)) {
        snprintf (result->error, sizeof result->error, "%s", lock_err);
        return -1;
    }
    if (s_exec (conn, "SELECT pg_advisory_lock(" ETL_LOCK_CLASS ", $1::int)", 1, run_param,
                lock_err, sizeof lock_err)) {
        snprintf (result->error, sizeof result->error, "%s", lock_err);
        return -1;
    }
    int rc = s_load (conn, run_id, run, path, result);
    s_exec (conn, "SELECT pg_advisory_unlock(" ETL_LOCK_CLASS ", $1::int)", 1, run_param,
            lock_err, sizeof lock_err);
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
                  ecom_utf8_text_valid (header.raw, header.raw_len) ? header.raw : "(not UTF-8)");
    if (result->error[0]) {
        etl_csv_destroy (&csv);
        if (file)
            fclose (file);
        s_fail (conn, result);
        return -1;
    }

    char *err = result->error;
    size_t errlen = sizeof result->error;
    long long version = -1, customers = 0, products = 0, dates = 0;
    s_read_t read = {0};
    bool ok = s_exec (conn, "BEGIN", 0, NULL, err, errlen) == 0
              && s_exec (conn, "SELECT pg_advisory_xact_lock(hashtext('ecommerce-analytics:etl'))",
                         0, NULL, err, errlen)
                     == 0
              /* the sorts and hashes of one load of a million rows stay in memory; no JIT:
                 each statement of a load runs once, so compiling its expressions (0.1 s for
                 the insert of 100,000 orders into a loaded table) is never paid back */
              && s_exec (conn, "SET LOCAL work_mem = '256MB'; SET LOCAL jit = off", 0, NULL, err,
                         errlen)
                     == 0
              && s_exec (conn, etl_stage_create_sql, 0, NULL, err, errlen) == 0
              && s_read (conn, file, csv, run_id, result, &read) == 0
              && s_exec (conn, s_sql ("rejects.sql"), 1, run_param, err, errlen) == 0
              && ecom_db_query_int64 (conn, s_sql ("dates.sql"), &dates, err, errlen) == 0
              && (customers = s_upsert_dim (conn, 0, err, errlen)) >= 0
              && (products = s_upsert_dim (conn, 1, err, errlen)) >= 0;
    long long inserted = 0;
    if (ok && read.staged.orders > 0)
        ok = s_exec (conn, read.staged.ids_increasing ? s_analyze_sql : s_analyze_repeats_sql, 0,
                     NULL, err, errlen)
                 == 0
             && (inserted = s_insert_orders (conn, run, &read.staged, read.bulk, err, errlen)) >= 0;
    if (ok && read.bulk)
        ok = ecom_indexes_build (conn, "etl_fact_indexes", err, errlen) == 0
             && s_exec (conn, s_bulk_end_sql, 0, NULL, err, errlen) == 0;
    result->rows_loaded = read.direct + inserted;
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
        /*  The version moves only when the data did (SPEC §6: the next answer must show a
            change; a load that changed nothing leaves every cached answer valid). */
        result->data_changed = result->rows_loaded > 0 || customers > 0 || products > 0;
        ok = s_exec (conn, s_sql ("success.sql"), 5, values, err, errlen) == 0
             && (version = result->data_changed ? ecom_data_version_bump (conn, err, errlen)
                                                : ecom_data_version_read (conn, err, errlen))
                    > 0
             && s_exec (conn, "COMMIT", 0, NULL, err, errlen) == 0;
    }
    if (!ok) {
        PQclear (PQexec (conn, "ROLLBACK"));
        result->rows_loaded = result->rows_skipped = 0;
        result->data_changed = false;
        if (!err[0])
            snprintf (err, errlen, "the load failed");
        s_fail (conn, result);
        return -1;
    }
    result->data_version = version;
    return 0;
}
