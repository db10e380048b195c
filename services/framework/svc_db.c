/*  svc_db: a service's PostgreSQL connection, reset and retried once after a loss.

    Everything that waits for the server (sending a query, its results, a reset) waits in
    s_wait(): through the service's MDP worker when one is attached, so the broker hears
    our heartbeats while a slow query runs (the worker has no thread of its own), else in
    poll(). */
#include "svc_db.h"

#include <czmq.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecom_db.h"
#include "ecom_log.h"

struct _svc_db_t {
    PGconn *conn;
    mdp_worker_t *worker;  /* waits go through it when set */
    bool down;        /* the last attempt found the server unreachable: logged once */
    bool timed_out;   /* the last query was cancelled by statement_timeout */
    svc_db_cancelled_fn *cancelled_fn; /* nobody waits for the query in flight? */
    void *cancelled_arg;
    bool querying;    /* a query is in flight (s_exec) */
    bool cancel_sent; /* and was cancelled because nobody waits (PQcancel sent) */
    bool cancelled;   /* the last failed query was that one */
    int statement_timeout_ms; /* set on every (re)connection; 0: the server's default */
    char error[256];  /* reason of the last failure, one line, no double quotes */
};

static PGresult *s_exec (svc_db_t *self, const char *sql, int nparams, const char *const *values);
static PGresult *s_collect (svc_db_t *self);

/*  Sets the session's statement_timeout (after a connect or reset). Returns 0 or -1. */
static int
s_apply_timeout (svc_db_t *self)
{
    if (self->statement_timeout_ms <= 0)
        return 0;
    char sql[64];
    snprintf (sql, sizeof sql, "SET statement_timeout = %d", self->statement_timeout_ms);
    PGresult *res = s_exec (self, sql, 0, NULL);
    int rc = PQresultStatus (res) == PGRES_COMMAND_OK ? 0 : -1;
    PQclear (res);
    return rc;
}

/*  Copies text into out as one log-safe line: newlines become spaces, double quotes become
    single quotes, trailing blanks go. */
static void
s_one_line (char *out, size_t outlen, const char *text)
{
    size_t n = 0;
    for (; text && *text && n + 1 < outlen; text++) {
        char c = *text;
        out[n++] = c == '\n' || c == '\r' || c == '\t' ? ' ' : c == '"' ? '\'' : c;
    }
    while (n > 0 && out[n - 1] == ' ')
        n--;
    out[n] = '\0';
}

svc_db_t *
svc_db_new (const char *url, char *err, size_t errlen)
{
    PGconn *conn = ecom_db_connect (url, err, errlen);
    if (!conn)
        return NULL;
    svc_db_t *self = calloc (1, sizeof *self);
    if (!self) {
        PQfinish (conn);
        snprintf (err, errlen, "out of memory");
        return NULL;
    }
    self->conn = conn;
    PQsetnonblocking (conn, 1);
    return self;
}

void
svc_db_destroy (svc_db_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    svc_db_t *self = *self_p;
    PQfinish (self->conn);
    free (self);
    *self_p = NULL;
}

/*  Cancels the query in flight when the probe says nobody waits for it (once). */
static void
s_cancel_if_unwanted (svc_db_t *self)
{
    if (!self->querying || self->cancel_sent || !self->cancelled_fn
        || !self->cancelled_fn (self->cancelled_arg))
        return;
    self->cancel_sent = true;
    char why[256] = "";
    PGcancel *cancel = PQgetCancel (self->conn);
    if (!cancel || !PQcancel (cancel, why, sizeof why))
        ecom_warn ("msg=\"cannot cancel a query nobody waits for\" reason=\"%s\"", why);
    PQfreeCancel (cancel);
}

/*  Waits until the connection's socket is ready for events (ZMQ_POLLIN / ZMQ_POLLOUT) or
    deadline (monotonic ms, INT64_MAX: none) passes, heartbeating through the worker when
    there is one. Signals do not end the wait. Returns 1 when ready, 0 at the deadline,
    -1 when the connection has no socket. */
static int
s_wait (svc_db_t *self, short events, int64_t deadline)
{
    int fd = PQsocket (self->conn);
    if (fd < 0)
        return -1;
    for (;;) {
        int64_t now = zclock_mono ();
        if (now >= deadline)
            return 0;
        int timeout = deadline == INT64_MAX ? -1
                      : deadline - now > INT_MAX ? INT_MAX
                                                 : (int) (deadline - now);
        int rc;
        if (self->worker) {
            rc = mdp_worker_wait_fd (self->worker, fd, events, timeout);
            if (rc == MDP_WAIT_CANCEL) {
                s_cancel_if_unwanted (self);
                continue;
            }
        }
        else {
            struct pollfd item = {fd,
                                  (short) (((events & ZMQ_POLLIN) ? POLLIN : 0)
                                           | ((events & ZMQ_POLLOUT) ? POLLOUT : 0)),
                                  0};
            rc = poll (&item, 1, timeout);
            rc = rc > 0 ? 1 : rc;
        }
        if (rc != -1)
            return rc;
        /*  -1: a signal. The request in hand is finished all the same; the service loop
            sees zsys_interrupted afterwards. */
    }
}

/*  Reconnects with PQresetStart/PQresetPoll, waiting at most SVC_DB_CONNECT_TIMEOUT_MS.
    Returns true when the connection is usable again. */
static bool
s_reset (svc_db_t *self)
{
    if (!PQresetStart (self->conn))
        return false;
    int64_t deadline = zclock_mono () + SVC_DB_CONNECT_TIMEOUT_MS;
    PostgresPollingStatusType state = PGRES_POLLING_WRITING;
    while (state == PGRES_POLLING_READING || state == PGRES_POLLING_WRITING) {
        if (s_wait (self, state == PGRES_POLLING_READING ? ZMQ_POLLIN : ZMQ_POLLOUT, deadline)
            != 1)
            return false;
        state = PQresetPoll (self->conn);
    }
    if (state != PGRES_POLLING_OK || PQstatus (self->conn) != CONNECTION_OK)
        return false;
    PQsetnonblocking (self->conn, 1);
    return true;
}

void
svc_db_set_worker (svc_db_t *self, mdp_worker_t *worker)
{
    self->worker = worker;
}

/*  Resets a connection that libpq reports as bad. Returns 0 when it is usable, -1 (logged
    once per outage) when the server is still unreachable. */
static int
s_ensure (svc_db_t *self)
{
    if (PQstatus (self->conn) == CONNECTION_OK)
        return 0;
    if (s_reset (self) && s_apply_timeout (self) == 0) {
        if (self->down)
            ecom_info ("msg=\"PostgreSQL is reachable again\"");
        self->down = false;
        return 0;
    }
    char reason[200];
    s_one_line (reason, sizeof reason, PQerrorMessage (self->conn));
    if (!reason[0])
        snprintf (reason, sizeof reason, "no answer within %d ms", SVC_DB_CONNECT_TIMEOUT_MS);
    snprintf (self->error, sizeof self->error, "PostgreSQL unavailable: %s", reason);
    if (!self->down)
        ecom_error ("msg=\"%s\"", self->error);
    self->down = true;
    return -1;
}

/*  Sends the query and collects its result (the first error if any, else the last
    result). Returns NULL when the query could not be sent or the connection failed on
    the way (the reason is in PQerrorMessage). */
static PGresult *
s_exec (svc_db_t *self, const char *sql, int nparams, const char *const *values)
{
    PGconn *conn = self->conn;
    if (!PQsendQueryParams (conn, sql, nparams, NULL, values, NULL, NULL, 0))
        return NULL;
    self->querying = true;
    self->cancel_sent = false;
    PGresult *result = s_collect (self);
    self->querying = false;
    return result;
}

/*  The results of the query sent on self's connection (see s_exec). */
static PGresult *
s_collect (svc_db_t *self)
{
    PGconn *conn = self->conn;
    int flushed;
    while ((flushed = PQflush (conn)) == 1) {
        /*  Read-ready too: the server may be answering already. */
        if (s_wait (self, ZMQ_POLLIN | ZMQ_POLLOUT, INT64_MAX) != 1 || !PQconsumeInput (conn))
            return NULL;
    }
    if (flushed == -1)
        return NULL;
    PGresult *result = NULL;
    for (;;) {
        while (PQisBusy (conn)) {
            if (s_wait (self, ZMQ_POLLIN, INT64_MAX) != 1 || !PQconsumeInput (conn)) {
                PQclear (result);
                return NULL;
            }
        }
        PGresult *next = PQgetResult (conn);
        if (!next)
            break;
        if (result && PQresultStatus (result) == PGRES_FATAL_ERROR)
            PQclear (next);
        else {
            PQclear (result);
            result = next;
        }
    }
    return result;
}

PGresult *
svc_db_query (svc_db_t *self, const char *sql, int nparams, const char *const *values)
{
    if (self->cancelled_fn && self->cancelled_fn (self->cancelled_arg)) {
        self->cancelled = true; /* nobody waits already: not even sent */
        snprintf (self->error, sizeof self->error, "query cancelled: nobody waits");
        return NULL;
    }
    for (int attempt = 0; attempt < 2; attempt++) {
        if (s_ensure (self) != 0)
            return NULL;
        PGresult *res = s_exec (self, sql, nparams, values);
        ExecStatusType status = PQresultStatus (res);
        if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
            self->error[0] = '\0';
            self->timed_out = self->cancelled = false;
            return res;
        }
        const char *state = res ? PQresultErrorField (res, PG_DIAG_SQLSTATE) : NULL;
        bool canceled = state && strcmp (state, "57014") == 0; /* query_canceled */
        self->cancelled = canceled && self->cancel_sent;
        self->timed_out = canceled && !self->cancel_sent;
        char reason[200];
        s_one_line (reason, sizeof reason,
                    res ? PQresultErrorMessage (res) : PQerrorMessage (self->conn));
        PQclear (res);
        snprintf (self->error, sizeof self->error, "query failed: %s", reason);
        if (self->cancelled) {
            ecom_info ("msg=\"query cancelled: nobody waits for its answer\"");
            return NULL;
        }
        if (PQstatus (self->conn) != CONNECTION_BAD) {
            ecom_error ("msg=\"%s\"", self->error);
            return NULL; /* an SQL error: retrying would fail the same way */
        }
        ecom_warn ("msg=\"PostgreSQL connection lost, resetting\" reason=\"%s\"", reason);
    }
    ecom_error ("msg=\"%s\"", self->error);
    return NULL;
}

int
svc_db_set_statement_timeout (svc_db_t *self, int ms)
{
    self->statement_timeout_ms = ms > 0 ? ms : 0;
    return PQstatus (self->conn) == CONNECTION_OK ? s_apply_timeout (self) : 0;
}

void
svc_db_set_cancel_probe (svc_db_t *self, svc_db_cancelled_fn *fn, void *arg)
{
    self->cancelled_fn = fn;
    self->cancelled_arg = arg;
}

bool
svc_db_cancelled (svc_db_t *self)
{
    return self->cancelled;
}

bool
svc_db_timed_out (svc_db_t *self)
{
    return self->timed_out;
}

int
svc_db_ready (svc_db_t *self)
{
    return s_ensure (self);
}

bool
svc_db_failed (svc_db_t *self, const char *reason)
{
    char line[200];
    s_one_line (line, sizeof line, reason && *reason ? reason : PQerrorMessage (self->conn));
    if (!line[0])
        snprintf (line, sizeof line, "no reason given by libpq");
    bool lost = PQstatus (self->conn) == CONNECTION_BAD;
    snprintf (self->error, sizeof self->error, "%s: %s",
              lost ? "PostgreSQL connection lost" : "query failed", line);
    if (lost)
        ecom_warn ("msg=\"PostgreSQL connection lost, resetting\" reason=\"%s\"", line);
    else
        ecom_error ("msg=\"%s\"", self->error);
    return lost;
}

bool
svc_db_connected (svc_db_t *self)
{
    return PQstatus (self->conn) == CONNECTION_OK;
}

const char *
svc_db_error (svc_db_t *self)
{
    return self->error;
}

PGconn *
svc_db_conn (svc_db_t *self)
{
    return self->conn;
}
