/*  ecom-etl: the ETL service (MDP service "etl"), behind GET /api/v1/etl/status/,
    POST /api/v1/etl/trigger/ (SPEC §6) and GET /api/v1/etl/runs/{task_id}/rejects/
    (SPEC §10). The load itself is etl_load (shared with
    `ecomctl load-csv`); etl_runner runs it in a background thread, so status answers while a
    load runs. Every route is protected: the gateway has verified the caller's token.

    status:  {schedule_seconds, next_run_at, runs: [{task_id, job, trigger, status,
              started_at, finished_at, rows_read, rows_loaded, rows_skipped, rows_rejected,
              error}]}, newest first; limit default 20, clamped to 1..100.
    trigger: 202 {task_id, status: "queued"}; the source is always ETL_SOURCE.
    rejects: {count, next, previous, results: [{line, reason, raw}]}, a page of the run's
             rejected rows in line order (rejects.sql), paginated like the order list
             (svc_page); a task_id that names no run (or is no UUID) is 404. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ecom_db.h"
#include "etl_load.h"
#include "etl_runner.h"
#include "svc.h"
#include "svc_page.h"

extern const ecom_embedded_t etl_sql[];

static etl_runner_t *s_runner;
static const ecom_config_t *s_config;
static time_t s_started;

static int
s_start (const ecom_config_t *config)
{
    char err[256];
    s_config = config;
    s_started = time (NULL);
    s_runner = etl_runner_new (config, err, sizeof err);
    if (!s_runner)
        fprintf (stderr, "ecom-etl: %s\n", err);
    return s_runner ? 0 : -1;
}

static void
s_stop (void)
{
    etl_runner_destroy (&s_runner);
}

/*  Writes a text column, or nil when it is NULL. */
static void
s_text (proto_writer_t *body, PGresult *res, int row, int column)
{
    proto_writer_str (body, PQgetisnull (res, row, column) ? NULL : PQgetvalue (res, row, column));
}

static int
s_status (svc_ctx_t *ctx)
{
    long limit;
    int rc = svc_param_clamped (ctx, "limit", 20, 1, 100, &limit);
    if (rc)
        return rc;
    char limit_text[16], schedule[16], started[24];
    snprintf (limit_text, sizeof limit_text, "%ld", limit);
    snprintf (schedule, sizeof schedule, "%d", s_config->etl_schedule_seconds);
    snprintf (started, sizeof started, "%lld", (long long) s_started);
    const char *next_params[] = {schedule, started};
    PGresult *next =
        s_config->etl_schedule_seconds > 0 ? svc_query (ctx, "next_run.sql", 2, next_params) : NULL;
    if (s_config->etl_schedule_seconds > 0 && !next)
        return SVC_FAILED;
    const char *params[] = {limit_text};
    PGresult *runs = svc_query (ctx, "status.sql", 1, params);
    if (!runs) {
        PQclear (next);
        return SVC_FAILED;
    }
    proto_writer_t *body = svc_body (ctx);
    proto_writer_map (body, 3);
    proto_writer_str (body, "schedule_seconds");
    proto_writer_int (body, s_config->etl_schedule_seconds);
    proto_writer_str (body, "next_run_at");
    if (next)
        s_text (body, next, 0, 0);
    else
        proto_writer_nil (body);
    proto_writer_str (body, "runs");
    proto_writer_array (body, (uint32_t) PQntuples (runs));
    static const char *const names[] = {"task_id",      "job",           "trigger",   "status",
                                        "started_at",   "finished_at",   "rows_read", "rows_loaded",
                                        "rows_skipped", "rows_rejected", "error"};
    for (int i = 0; i < PQntuples (runs); i++) {
        proto_writer_map (body, 11);
        for (int c = 0; c < 11; c++) {
            proto_writer_str (body, names[c]);
            if (c >= 6 && c <= 9)
                proto_writer_int (body, ecom_db_int64 (runs, i, c));
            else
                s_text (body, runs, i, c);
        }
    }
    PQclear (next);
    PQclear (runs);
    return 200;
}

static int
s_trigger (svc_ctx_t *ctx)
{
    char task_id[40], err[256];
    bool queued = false;
    /*  Like svc_query(): a connection that a PostgreSQL restart broke is reset first, and a
        statement that fails because the connection was lost on the way is tried once more. */
    for (int attempt = 0; attempt < 2 && !queued; attempt++) {
        PGconn *conn = svc_conn_ready (ctx);
        if (!conn)
            return svc_error (ctx, 503, "unavailable",
                              "cannot queue the run: the database is unreachable");
        queued =
            etl_load_queue (conn, "manual", s_config->etl_source, task_id, err, sizeof err) >= 0;
        if (!queued && !svc_conn_failed (ctx, err))
            return svc_error (ctx, 500, "internal_error", "cannot queue the run");
    }
    if (!queued)
        return svc_error (ctx, 503, "unavailable", "cannot queue the run: the database is down");
    etl_runner_wake (s_runner);
    proto_writer_t *body = svc_body (ctx);
    proto_writer_map (body, 2);
    proto_writer_str (body, "task_id");
    proto_writer_str (body, task_id);
    proto_writer_str (body, "status");
    proto_writer_str (body, "queued");
    return 202;
}

/*  True when text is a UUID in its canonical form (8-4-4-4-12 hex digits, either case). */
static bool
s_is_uuid (const char *text)
{
    if (strlen (text) != 36)
        return false;
    for (int i = 0; i < 36; i++)
        if (i == 8 || i == 13 || i == 18 || i == 23 ? text[i] != '-'
                                                    : !isxdigit ((unsigned char) text[i]))
            return false;
    return true;
}

static int
s_rejects (svc_ctx_t *ctx)
{
    if (!svc_sub (ctx))
        return svc_error (ctx, 401, "unauthorized", "the rejected rows need an access token");
    const char *task = svc_param (ctx, "task_id");
    svc_page_t page;
    int rc = svc_page_read (ctx, &page);
    if (rc != 0)
        return rc;
    if (!task || !s_is_uuid (task))
        return svc_error (ctx, 404, "not_found", "no ETL run has this task_id");
    char offset[32], size[16];
    snprintf (offset, sizeof offset, "%lld", page.offset);
    snprintf (size, sizeof size, "%lld", page.size);
    const char *values[] = {task, offset, size};
    PGresult *res = svc_query (ctx, "rejects.sql", 3, values);
    if (!res)
        return SVC_FAILED;
    if (PQntuples (res) == 0) {
        PQclear (res);
        return svc_error (ctx, 404, "not_found", "no ETL run has this task_id");
    }
    long long count = ecom_db_int64 (res, 0, 0);
    int rows = PQgetisnull (res, 0, 1) ? 0 : PQntuples (res);
    rc = svc_page_check (ctx, &page, count, "rejected rows");
    if (rc != 0) {
        PQclear (res);
        return rc;
    }
    char path[80];
    snprintf (path, sizeof path, "/api/v1/etl/runs/%s/rejects/", task);
    svc_page_write (ctx, &page, count, (uint32_t) rows, path, SVC_PARAMS ("page_size"));
    proto_writer_t *body = svc_body (ctx);
    for (int i = 0; i < rows; i++) {
        proto_writer_map (body, 3);
        proto_writer_str (body, "line");
        proto_writer_int (body, ecom_db_int64 (res, i, 1));
        proto_writer_str (body, "reason");
        s_text (body, res, i, 2);
        proto_writer_str (body, "raw");
        s_text (body, res, i, 3);
    }
    PQclear (res);
    return 200;
}

static const svc_op_t s_ops[] = {{"status", s_status, false, SVC_PARAMS ("limit")},
                                 {"trigger", s_trigger, false, NULL},
                                 {.op = "rejects",
                                  .fn = s_rejects,
                                  .cacheable = false,
                                  .params = SVC_PARAMS ("task_id", "page", "page_size")},
                                 {NULL, NULL, false, NULL}};

static const svc_def_t s_def = {.name = "etl",
                                .summary =
                                    "the ETL service: CSV order loads on a schedule and on demand",
                                .ops = s_ops,
                                .sql = etl_sql,
                                .start = s_start,
                                .stop = s_stop,
                                .credit = 1}; /* few requests, nothing to batch: plain MDP/0.1 */

int
main (int argc, char **argv)
{
    return svc_main (argc, argv, &s_def);
}
