/*  svc_ctx: what a handler asks of the framework (svc.h, "For handlers"): its parameters,
    queries, the analytics store, errors, and work on a thread of its own. */
#include "svc_internal.h"

#include <assert.h>
#include <czmq.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "ecom_db.h"
#include "ecom_log.h"

/*  ---------------------------------------------------------------------------------------
    For handlers */

const char *
svc_param (svc_ctx_t *ctx, const char *name)
{
#ifndef NDEBUG
    bool declared = false;
    for (const char *const *p = ctx->op->params; p && *p; p++)
        declared = declared || strcmp (*p, name) == 0;
    assert (declared && "an op reads only the params it declares (they make its cache key)");
#endif
    return proto_request_param (ctx->req, name);
}

int
svc_param_clamped (svc_ctx_t *ctx, const char *name, long fallback, long min, long max,
                   long *value)
{
    const char *text = svc_param (ctx, name);
    *value = fallback;
    if (!text)
        return 0;
    const char *digits = text + (*text == '+' || *text == '-');
    if (!*digits || strspn (digits, "0123456789") != strlen (digits))
        return svc_error (ctx, 400, "bad_request",
                          "%s must be a whole number (it is clamped to %ld..%ld)", name, min,
                          max);
    long n = 0;
    for (const char *p = digits; *p && n <= max; p++)
        n = n * 10 + (*p - '0'); /* stops growing past max: no overflow */
    if (*text == '-')
        n = -n;
    *value = n < min ? min : n > max ? max : n;
    return 0;
}

typedef struct {
    int (*fn) (void *);
    void *arg;
    int result;
    int done_fd;
} s_blocking_t;

static void *
s_blocking_thread (void *data)
{
    s_blocking_t *job = data;
    job->result = job->fn (job->arg);
    uint64_t one = 1;
    ssize_t n = write (job->done_fd, &one, sizeof one);
    (void) n; /* an eventfd write of 1 cannot fail short of overflow */
    return NULL;
}

int
svc_run_blocking (svc_ctx_t *ctx, int (*fn) (void *), void *arg)
{
    mdp_worker_t *worker = ctx->svc->worker;
    s_blocking_t job = {fn, arg, 0, worker ? eventfd (0, EFD_CLOEXEC) : -1};
    pthread_t thread;
    if (job.done_fd < 0 || pthread_create (&thread, NULL, s_blocking_thread, &job) != 0) {
        if (job.done_fd >= 0)
            close (job.done_fd);
        return fn (arg); /* no worker (in-process tests) or no thread: just run it */
    }
    /*  Wait for the result, heartbeating; a signal does not cut the work short. */
    while (mdp_worker_wait_fd (worker, job.done_fd, ZMQ_POLLIN, 1000) != 1)
        ;
    pthread_join (thread, NULL);
    close (job.done_fd);
    return job.result;
}

const char *
svc_sub (svc_ctx_t *ctx)
{
    return ctx->req->sub;
}

const char *
svc_base_url (svc_ctx_t *ctx)
{
    return ctx->req->base_url;
}

proto_writer_t *
svc_body (svc_ctx_t *ctx)
{
    return ctx->svc->body;
}

PGresult *
svc_query (svc_ctx_t *ctx, const char *file, int nparams, const char *const *values)
{
    const char *sql = ctx->svc->def->sql ? ecom_embedded_find (ctx->svc->def->sql, file) : NULL;
    assert (sql && "svc_query names an SQL file the service embeds");
    if (!sql)
        return NULL;
    return svc_db_query (ctx->svc->db, sql, nparams, values);
}

PGconn *
svc_conn (svc_ctx_t *ctx)
{
    return svc_db_conn (ctx->svc->db);
}

int
svc_statement_timeout_ms (int request_timeout_ms)
{
    if (request_timeout_ms <= 0)
        return 0; /* none known (a config made by hand): the server's default */
    int margin = request_timeout_ms / 10 < 1000 ? request_timeout_ms / 10 : 1000;
    return request_timeout_ms - margin; /* >= 1: the margin is below a tenth or 1 s */
}

PGconn *
svc_conn_ready (svc_ctx_t *ctx)
{
    return svc_db_ready (ctx->svc->db) == 0 ? svc_db_conn (ctx->svc->db) : NULL;
}

bool
svc_conn_failed (svc_ctx_t *ctx, const char *reason)
{
    return svc_db_failed (ctx->svc->db, reason);
}

/*  The data version in PostgreSQL (when no cache lookup told it). Returns 0 or -1. */
int
svc_read_db_version (svc_t *self, long long *version)
{
    PGresult *res = svc_db_query (self->db, "SELECT version FROM data_version WHERE id = 1", 0,
                                  NULL);
    int rc = res && PQntuples (res) == 1 ? 0 : -1;
    if (rc == 0)
        *version = ecom_db_int64 (res, 0, 0);
    PQclear (res);
    return rc;
}

const store_t *
svc_store (svc_ctx_t *ctx)
{
    svc_t *self = ctx->svc;
    assert (self->snapshot && "svc_store() needs a def with .store = true");
    long long version = 0;
    if (!svc_cache_known_version (self->cache, &version) && svc_read_db_version (self, &version) != 0)
        return NULL;
    const store_t *store = svc_snapshot_current (self->snapshot, version);
    if (!store) {
        int rc = svc_run_blocking (ctx, svc_snapshot_reload, self->snapshot);
        svc_snapshot_asked (self->snapshot, version);
        store = rc == 0 ? svc_snapshot_store (self->snapshot) : NULL;
    }
    if (store)
        svc_data_version (ctx, store->version);
    return store;
}

void
svc_data_version (svc_ctx_t *ctx, long long version)
{
    ctx->data_version = version;
}

int
svc_error (svc_ctx_t *ctx, int status, const char *code, const char *format, ...)
{
    ctx->error_status = status;
    snprintf (ctx->error_code, sizeof ctx->error_code, "%s", code);
    va_list args;
    va_start (args, format);
    vsnprintf (ctx->detail, sizeof ctx->detail, format, args);
    va_end (args);
    return status;
}
