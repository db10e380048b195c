/*  svc_db: a service's PostgreSQL connection. It survives a lost connection: a query that
    fails because the server went away is retried once on a fresh connection (reset), and a
    connection found down before a query is reset first. Queries are parameterised, results
    are text.

    Queries and resets run asynchronously (libpq's PQsendQueryParams / PQconsumeInput /
    PQisBusy / PQgetResult, PQresetStart / PQresetPoll). With a worker attached
    (svc_db_set_worker) every wait for the server happens in mdp_worker_wait_fd(), so the
    service keeps heartbeating to the broker during a query of any length; without one it
    is a plain poll(). */
#ifndef SVC_DB_H
#define SVC_DB_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "mdp.h"

/*  The longest a reset (a reconnect) may take before it counts as failed. */
#define SVC_DB_CONNECT_TIMEOUT_MS 5000

typedef struct _svc_db_t svc_db_t;

/*  Connects to url (a DATABASE_URL). Returns NULL with a one-line reason in err when the
    server cannot be reached or refuses the login. */
svc_db_t *svc_db_new (const char *url, char *err, size_t errlen);

/*  Closes the connection and nulls the caller's pointer. NULL-safe. */
void svc_db_destroy (svc_db_t **self_p);

/*  Makes every later wait for the server go through mdp_worker_wait_fd (worker), so its
    heartbeats flow while a query runs; NULL detaches. The worker must outlive its use
    here and belong to the thread that runs the queries. */
void svc_db_set_worker (svc_db_t *self, mdp_worker_t *worker);

/*  Asked while a query runs, when the worker hears that a request was cancelled
    (mdp_worker_wait_fd's MDP_WAIT_CANCEL): true when nobody waits any more for the query
    in flight. */
typedef bool (svc_db_cancelled_fn) (void *arg);

/*  Installs fn (NULL: none) for the queries that follow: when it says nobody waits, the
    query in flight is cancelled in PostgreSQL (PQcancel) and fails at once, with
    svc_db_cancelled() true. */
void svc_db_set_cancel_probe (svc_db_t *self, svc_db_cancelled_fn *fn, void *arg);

/*  True when the last failed query was cancelled because nobody waited for it. */
bool svc_db_cancelled (svc_db_t *self);

/*  Runs sql with nparams text parameters ($1..$n; a NULL value is SQL NULL) and returns its
    result (free with PQclear). A failure that comes from a lost connection is retried once
    after a reset. A signal does not cut a query short (the request in hand is finished).
    Returns NULL on failure, with the reason in the log and in svc_db_error(). */
PGresult *svc_db_query (svc_db_t *self, const char *sql, int nparams,
                        const char *const *values);

/*  Makes every statement of this connection (now and after each reset) end with an error
    after ms (PostgreSQL's statement_timeout; 0: the server's default). svc_new() sets it
    below REQUEST_TIMEOUT_MS (svc_statement_timeout_ms()), so no query outlives the caller
    waiting for it at the gateway. Returns 0, or -1 when the SET failed. */
int svc_db_set_statement_timeout (svc_db_t *self, int ms);

/*  True when the last failed query was cancelled by the statement timeout. */
bool svc_db_timed_out (svc_db_t *self);

/*  Resets the connection when libpq knows it is bad (a query failed on it). Returns 0 when
    it is usable, -1 when PostgreSQL is unreachable (logged once per outage, the reason in
    svc_db_error()). For code that runs its own statements on svc_db_conn(). */
int svc_db_ready (svc_db_t *self);

/*  Records the failure of a statement run on svc_db_conn() (reason: the error text, or
    NULL for the connection's): the reason goes to svc_db_error() and, at error level, to
    the log. Returns true when the connection was lost (the caller may svc_db_ready() and
    retry once), false for an SQL error (retrying would fail the same way). */
bool svc_db_failed (svc_db_t *self, const char *reason);

/*  True when the connection is up (as far as libpq knows after the last call). */
bool svc_db_connected (svc_db_t *self);

/*  The reason of the last failed query, or "" after a success. */
const char *svc_db_error (svc_db_t *self);

/*  The underlying connection, for code that needs libpq directly (it is in nonblocking
    mode; PQexec and friends still block as usual). Never NULL. */
PGconn *svc_db_conn (svc_db_t *self);

#endif
