#include "etl_runner.h"

#include "ecom_data_version.h"
#include "ecom_db.h"
#include "ecom_log.h"
#include "etl_load.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct _etl_runner_t {
    char *database_url, *redis_url, *source;
    int schedule_seconds;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool woken, stopping;
    time_t started;
};

/*  Runs sql with text parameters and returns the one integer it selects
    (ecom_db_query_int64_params), or -1 (logged). */
static long long
s_int (PGconn *conn, const char *sql, int n, const char *const *values)
{
    long long value;
    char err[256];
    if (ecom_db_query_int64_params (conn, sql, n, values, &value, err, sizeof err) == 0)
        return value;
    ecom_warn ("msg=\"etl runner query failed\" error=\"%.*s\"", (int) strcspn (err, "\n"), err);
    return -1;
}

long long
etl_runner_fail_orphans (PGconn *conn, char *err, size_t errlen)
{
    PGresult *res = PQexec (conn, "SELECT run_id FROM etl_runs WHERE status = 'running'");
    if (PQresultStatus (res) != PGRES_TUPLES_OK) {
        snprintf (err, errlen, "%s", PQresultErrorMessage (res));
        PQclear (res);
        return -1;
    }
    long long failed = 0;
    for (int i = 0; i < PQntuples (res); i++) {
        const char *values[] = {PQgetvalue (res, i, 0)};
        if (s_int (conn, "SELECT pg_try_advisory_lock(" ETL_LOCK_CLASS ", $1::int)::int", 1, values)
            != 1)
            continue; /* its loader is alive */
        failed += s_int (conn,
                         "WITH failed AS (UPDATE etl_runs SET status = 'failed',"
                         " finished_at = now(),"
                         " error = 'interrupted: the loader stopped during the load;"
                         " nothing of this run was loaded'"
                         " WHERE run_id = $1 AND status = 'running' RETURNING 1)"
                         " SELECT count(*) FROM failed",
                         1, values);
        s_int (conn, "SELECT pg_advisory_unlock(" ETL_LOCK_CLASS ", $1::int)::int", 1, values);
    }
    PQclear (res);
    return failed;
}

/*  Queues a scheduled run when one is due. */
static void
s_schedule (etl_runner_t *self, PGconn *conn)
{
    if (self->schedule_seconds <= 0)
        return;
    char seconds[16], started[24];
    snprintf (seconds, sizeof seconds, "%d", self->schedule_seconds);
    snprintf (started, sizeof started, "%lld", (long long) self->started);
    const char *values[] = {seconds, started};
    long long due = s_int (conn,
                           "SELECT (coalesce(max(queued_at), to_timestamp($2::bigint))"
                           "        + make_interval(secs => $1::int) <= now())::int"
                           " FROM etl_runs WHERE trigger = 'scheduled'",
                           2, values);
    if (due != 1)
        return;
    char task_id[40], err[256];
    if (etl_load_queue (conn, "scheduled", self->source, task_id, err, sizeof err) < 0)
        ecom_warn ("msg=\"cannot queue the scheduled run\" error=\"%s\"", err);
    else
        ecom_info ("msg=\"scheduled run queued\" task_id=%s", task_id);
}

/*  Runs queued runs oldest first until none is left or the runner stops. */
static void
s_run_queue (etl_runner_t *self, PGconn *conn)
{
    while (true) {
        pthread_mutex_lock (&self->lock);
        bool stopping = self->stopping;
        pthread_mutex_unlock (&self->lock);
        if (stopping)
            return;
        PGresult *res = PQexec (conn, "SELECT run_id, source FROM etl_runs"
                                      " WHERE status = 'queued' ORDER BY run_id LIMIT 1");
        if (PQresultStatus (res) != PGRES_TUPLES_OK || PQntuples (res) == 0) {
            PQclear (res);
            return;
        }
        long long run_id = ecom_db_int64 (res, 0, 0);
        char *source = strdup (PQgetvalue (res, 0, 1));
        PQclear (res);
        etl_load_result_t result;
        if (etl_load_run (conn, run_id, source, &result) == 0) {
            ecom_info ("msg=\"etl run succeeded\" task_id=%s rows_read=%lld rows_loaded=%lld"
                       " rows_skipped=%lld rows_rejected=%lld data_version=%lld data_changed=%s",
                       result.task_id, result.rows_read, result.rows_loaded, result.rows_skipped,
                       result.rows_rejected, result.data_version,
                       result.data_changed ? "true" : "false");
            char err[512];
            if (result.data_changed
                && ecom_data_version_publish (self->redis_url, result.data_version, err,
                                              sizeof err))
                ecom_warn ("msg=\"cannot publish the data version\" error=\"%s\"", err);
        }
        else
            ecom_warn ("msg=\"etl run failed\" task_id=%s error=\"%s\"", result.task_id,
                       result.error);
        free (source);
    }
}

static void *
s_thread (void *arg)
{
    etl_runner_t *self = arg;
    PGconn *conn = NULL;
    bool reported = false;
    while (true) {
        pthread_mutex_lock (&self->lock);
        if (self->stopping) {
            pthread_mutex_unlock (&self->lock);
            break;
        }
        pthread_mutex_unlock (&self->lock);

        if (conn && ecom_db_ensure (conn) != 0) {
            PQfinish (conn);
            conn = NULL;
        }
        char err[512];
        if (!conn && !(conn = ecom_db_connect (self->database_url, err, sizeof err))) {
            if (!reported)
                ecom_warn ("msg=\"etl runner waits for the database\" error=\"%s\"", err);
            reported = true;
        }
        if (conn) {
            reported = false;
            etl_runner_fail_orphans (conn, err, sizeof err);
            if (s_int (conn, "SELECT pg_try_advisory_lock(" ETL_LOCK_CLASS ", 0)::int", 0, NULL)
                == 1) {
                s_schedule (self, conn);
                s_run_queue (self, conn);
                s_int (conn, "SELECT pg_advisory_unlock(" ETL_LOCK_CLASS ", 0)::int", 0, NULL);
            }
        }

        pthread_mutex_lock (&self->lock);
        if (!self->woken && !self->stopping) {
            struct timespec until;
            clock_gettime (CLOCK_REALTIME, &until);
            until.tv_sec += 1;
            pthread_cond_timedwait (&self->wake, &self->lock, &until);
        }
        self->woken = false;
        pthread_mutex_unlock (&self->lock);
    }
    PQfinish (conn);
    return NULL;
}

/*  Frees what etl_runner_new allocated (the strings and self; NULL-safe). */
static void
s_free (etl_runner_t *self)
{
    if (!self)
        return;
    free (self->database_url);
    free (self->redis_url);
    free (self->source);
    free (self);
}

etl_runner_t *
etl_runner_new (const ecom_config_t *config, char *err, size_t errlen)
{
    etl_runner_t *self = calloc (1, sizeof *self);
    if (self) {
        self->database_url = strdup (config->database_url);
        self->redis_url = strdup (config->redis_url);
        self->source = strdup (config->etl_source);
    }
    if (!self || !self->database_url || !self->redis_url || !self->source) {
        s_free (self);
        snprintf (err, errlen, "out of memory");
        return NULL;
    }
    self->schedule_seconds = config->etl_schedule_seconds;
    self->started = time (NULL);
    pthread_mutex_init (&self->lock, NULL);
    pthread_cond_init (&self->wake, NULL);
    if (pthread_create (&self->thread, NULL, s_thread, self) != 0) {
        snprintf (err, errlen, "cannot start the ETL runner thread");
        pthread_mutex_destroy (&self->lock);
        pthread_cond_destroy (&self->wake);
        s_free (self);
        return NULL;
    }
    return self;
}

void
etl_runner_wake (etl_runner_t *self)
{
    pthread_mutex_lock (&self->lock);
    self->woken = true;
    pthread_cond_signal (&self->wake);
    pthread_mutex_unlock (&self->lock);
}

void
etl_runner_destroy (etl_runner_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    etl_runner_t *self = *self_p;
    pthread_mutex_lock (&self->lock);
    self->stopping = true;
    pthread_cond_signal (&self->wake);
    pthread_mutex_unlock (&self->lock);
    pthread_join (self->thread, NULL);
    pthread_mutex_destroy (&self->lock);
    pthread_cond_destroy (&self->wake);
    s_free (self);
    *self_p = NULL;
}
