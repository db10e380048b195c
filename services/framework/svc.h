/*  svc: the service framework. A service is a handler table plus its SQL files:

        static int s_kpis (svc_ctx_t *ctx) { ... }
        static const svc_op_t s_ops[] = {
            {"kpis", s_kpis, true, SVC_PARAMS ("start_date", "end_date")},
            {NULL}
        };
        static const svc_def_t s_def = {"kpi", "KPI service", s_ops, kpi_sql};
        int main (int argc, char **argv) { return svc_main (argc, argv, &s_def); }

    svc_main() does the rest: --help and argument errors, configuration, logging, the
    PostgreSQL connection (reset after a loss), the Redis cache (optional at run time), the
    MDP worker loop, decoding requests and encoding replies, caching, one log line per
    request, and a clean exit on SIGTERM/SIGINT after the request in hand.

    A handler reads its parameters with svc_param(), runs the service's embedded SQL with
    svc_query(), writes the reply body (one map) into svc_body() and returns the HTTP status;
    for an error it returns svc_error (ctx, 400, "bad_request", "...") instead. Returning
    SVC_FAILED (after a failed query) answers 503 when the database is down, else 500. */
#ifndef SVC_H
#define SVC_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "ecom_config.h"
#include "ecom_embedded.h"
#include "envelope.h"
#include "store.h"

typedef struct _svc_ctx_t svc_ctx_t;

/*  Handles one request. Returns the HTTP status of the answer, or SVC_FAILED. */
typedef int (svc_handler_fn) (svc_ctx_t *ctx);

#define SVC_FAILED (-1)

typedef struct {
    const char *op;             /* the op name of SPEC §7; NULL ends the table */
    svc_handler_fn *fn;
    bool cacheable;             /* 200 answers are cached (an analytics read) */
    const char *const *params;  /* the parameters the op reads (SVC_PARAMS), NULL: none.
                                   They alone make up its cache key. */
} svc_op_t;

/*  A NULL-terminated list of parameter names, usable in a static table. */
#define SVC_PARAMS(...) ((const char *const[]) {__VA_ARGS__, NULL})

/*  A view computed ahead after each data load (svc_def_t.warm): a request of op with these
    parameters, exactly as a client sends it (the dashboard's, say). */
typedef struct {
    const char *op;             /* NULL ends the list */
    const char *const *params;  /* name, value, name, value, ... (SVC_PARAMS), NULL: none */
} svc_warm_t;

/*  A list of views to warm, usable in a static table:
    SVC_WARM ({"kpis", NULL}, {"revenue_trends", SVC_PARAMS ("granularity", "monthly")}) */
#define SVC_WARM(...) ((const svc_warm_t[]) {__VA_ARGS__, {NULL, NULL}})

typedef struct {
    const char *name;           /* MDP service name, e.g. "kpi"; also the log's service */
    const char *summary;        /* one line for --help */
    const svc_op_t *ops;        /* ends with {NULL} */
    const ecom_embedded_t *sql; /* the service's SQL files (ecom_embed), may be NULL */
    /* Optional (SVC_WARM): cacheable views each instance computes and caches in the
       background whenever the data version rises (svc_warm), so that the first of them
       after a load is a hit. */
    const svc_warm_t *warm;
    /* Optional: the service's own start, the one place it reads its configuration: called
       once the configuration is read and the connections are up, before the instance
       registers at the brokers (e.g. to start a background thread or take a key);
       non-zero (after one line on stderr saying why) stops the service with exit
       status 1. */
    int (*start) (const ecom_config_t *config);
    /* Optional: called after the last request, before the service exits. */
    void (*stop) (void);
    /* How many requests an instance takes from the broker at once (its MDP credit,
       1..MDP_CREDIT_MAX); 0 means SVC_CREDIT. 1 suits ops that hold the instance long
       (a password hash): their queue then waits at the broker, for any instance. */
    int credit;
    /* The ops compute from the analytics store (svc_store), which the instance then keeps
       in memory at the current data version. */
    bool store;
    /* The service only reads the database: its connections (queries and the store) go to
       DATABASE_READ_URL (a streaming standby, say; SPEC §11), and a cacheable answer is
       stored only when it says which data version it was computed from (svc_store() does;
       an SQL answer calls svc_data_version()). Without it: DATABASE_URL (etl, auth). */
    bool read_only;
} svc_def_t;

/*  The default credit: an instance takes up to this many requests at once and answers
    them as one batch (svc_handle_batch): their cache lookups in one Redis round trip, the
    hits at once, then the others one at a time. */
#define SVC_CREDIT 32

/*  ---------------------------------------------------------------------------------------
    For handlers */

/*  The value of parameter name, or NULL when it is absent or empty. name must be one of
    the op's declared params (checked by assert): the cache key covers exactly those. */
const char *svc_param (svc_ctx_t *ctx, const char *name);

/*  Reads the optional whole-number parameter name (declared like any param): absent gives
    fallback; a whole number (an optional sign, then decimal digits, however many) is
    clamped to min..max; anything else answers 400 naming the parameter. Returns 0 and sets
    *value, or the status to answer. */
int svc_param_clamped (svc_ctx_t *ctx, const char *name, long fallback, long min, long max,
                       long *value);

/*  Runs fn (arg) on a helper thread and returns its result, while the worker goes on
    heartbeating: for CPU-heavy work (a password hash) that could otherwise outlast the
    broker's liveness window and get the instance purged with the request in hand. Without a
    worker (in-process tests) it simply calls fn. */
int svc_run_blocking (svc_ctx_t *ctx, int (*fn) (void *), void *arg);

/*  The caller's verified identity (JWT subject) for protected ops, or NULL. */
const char *svc_sub (svc_ctx_t *ctx);

/*  The scheme and authority the HTTP client used ("http://host:port", no path), as the
    gateway puts it in the request, for absolute links in an answer; NULL when absent (an
    internal caller). Validated by proto (printable ASCII, bounded). Not part of the cache
    key: an op that writes it into a body must not be cacheable. */
const char *svc_base_url (svc_ctx_t *ctx);

/*  The writer for the reply body. A 2xx answer writes exactly one map into it; the
    framework adds "cache" for cacheable ops. */
proto_writer_t *svc_body (svc_ctx_t *ctx);

/*  Runs the service's embedded SQL file called file (it must exist) with nparams text
    parameters (NULL is SQL NULL). Returns the result (PQclear it), or NULL when the query
    failed (logged); the handler then returns SVC_FAILED. */
PGresult *svc_query (svc_ctx_t *ctx, const char *file, int nparams, const char *const *values);

/*  The analytics store (services/engine/store.h) at the request's data version or newer,
    loaded first when the instance has none or an older one (on a helper thread: the
    instance keeps heartbeating). The def must set store. NULL when it cannot be loaded
    (logged); the handler then returns SVC_FAILED. When the server has nothing as new (a
    standby behind the primary), an older store: its version is the answer's
    (svc_data_version), so that answer is not cached under the newer one. */
const store_t *svc_store (svc_ctx_t *ctx);

/*  Tells the framework the data version the answer in hand is computed from, read in the
    same snapshot as its data (a column `(SELECT version FROM data_version WHERE id = 1)` of
    the answer's one statement, say); svc_store() does it for the store. A cacheable answer
    is stored only under a data version no newer than this one (SPEC §11: a standby behind
    the primary computes from older data than the version Redis announces); a read_only
    service's answer that never says is not stored at all. */
void svc_data_version (svc_ctx_t *ctx, long long version);

/*  The PostgreSQL connection, for what svc_query() does not cover. */
PGconn *svc_conn (svc_ctx_t *ctx);

/*  The statement_timeout of a service's queries for a gateway REQUEST_TIMEOUT_MS: a tenth
    less (at most 1 s less), so a query is cancelled by PostgreSQL before the gateway gives
    up on its caller; the request then answers 504 gateway_timeout. 0 (none) for 0. */
int svc_statement_timeout_ms (int request_timeout_ms);

/*  svc_conn() after a reset when libpq knows the connection is bad (as svc_query() does
    before each query), or NULL when PostgreSQL is unreachable (logged). */
PGconn *svc_conn_ready (svc_ctx_t *ctx);

/*  Tells the framework that a statement run on svc_conn_ready() failed with reason (NULL:
    the connection's error). Logs it at error level, or at warn as a lost connection; returns
    true when the connection was lost: call svc_conn_ready() and retry once. */
bool svc_conn_failed (svc_ctx_t *ctx, const char *reason);

/*  Records an error answer {"error": code, "detail": <formatted>} and returns status, so a
    handler writes `return svc_error (ctx, 400, "bad_request", "...", ...);`. */
int svc_error (svc_ctx_t *ctx, int status, const char *code, const char *format, ...)
    __attribute__ ((format (printf, 4, 5)));

/*  ---------------------------------------------------------------------------------------
    A service instance without the MDP loop: what svc_main() runs, usable from tests. */

typedef struct _svc_t svc_t;

/*  Connects to PostgreSQL (required: NULL with a one-line reason in err when it cannot) and
    to Redis (optional) as config says, for the service def (which must outlive it). */
svc_t *svc_new (const svc_def_t *def, const ecom_config_t *config, char *err, size_t errlen);

/*  Closes the connections and nulls the caller's pointer. NULL-safe. */
void svc_destroy (svc_t **self_p);

/*  Handles one request body (an encoded envelope request, trusted in no way) and returns the
    encoded reply (free()) of *size bytes; logs one line. Never fails but for lack of memory
    (NULL). */
char *svc_handle (svc_t *self, const void *data, size_t size, size_t *reply_size);

/*  Receives the reply (malloc(), now the callee's; NULL when out of memory) to request
    index of a batch. */
typedef void (svc_answer_fn) (void *arg, size_t index, char *reply, size_t size);

/*  Handles count requests (encoded envelope requests, trusted in no way) as one batch:
    requests for no known op are answered first, then cache hits (looked up in one round
    trip), then the rest one handler at a time, each answer handed to answer as soon as it
    is ready; logs one line per request. Identical misses (one cache key) run the handler
    once, and a miss first claims its key's Redis lock (svc_cache_claim_many): when another
    instance is computing the same answer, the request waits for it, after the batch's other
    work, polling Redis (and heartbeating under svc_main) for at most SVC_CACHE_LOCK_MS. */
void svc_handle_batch (svc_t *self, size_t count, const void *const *data, const size_t *sizes,
                       svc_answer_fn *answer, void *arg);

/*  What one warm run did (svc_warm). */
typedef struct {
    long long version;   /* the data version it warmed */
    int views;           /* the def's warm list's length */
    int computed;        /* computed here and stored */
    int cached;          /* found cached already (a request, an earlier run, another instance) */
    int skipped;         /* being computed by another instance (its lock held): left to it */
    int failed;          /* answered with an error (not cached) */
    double duration_ms;
    int behind;          /* computed from data older than the version (a standby that lags,
                            svc_data_version): not cached; the run is done over once the
                            standby has the version */
} svc_warm_stats_t;

/*  Warms the def's views when the data version has risen since the last run (or none ran
    yet): each goes through the normal lookup, cross-instance lock, compute and store path,
    without a request log line; one line for the run (msg="cache warmed"). Returns 1 after a
    run with *stats set, 0 when there was nothing to do (no warm list, the version has not
    risen), -1 when no version could be read (caching off, Redis unavailable). svc_main does
    the same between batches, one view at a time, checking the version once a second. */
int svc_warm (svc_t *self, svc_warm_stats_t *stats);

/*  The whole service process: see the comment at the top. Returns the exit status: 0 after
    SIGTERM/SIGINT or --help, 2 for bad arguments, 1 when it cannot start. */
int svc_main (int argc, char **argv, const svc_def_t *def);

#endif
