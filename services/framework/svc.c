/*  svc: the service framework (see svc.h).

    The heart of a service is svc_handle(): decode the request, find the op, look the answer
    up in the cache when the op is cacheable, else run the handler and store a 200 answer,
    encode the reply, log one line. svc_main() wraps it in the MDP worker loop, which ends
    when czmq's signal handler sets zsys_interrupted: the loop checks it after each request,
    so a SIGTERM never cuts a request short.

    One thread does everything: the MDP worker has no thread of its own (proto/mdp.h), so a
    request costs no hand-over between threads. The worker heartbeats only while we wait in
    it; a handler waits for PostgreSQL through svc_db, which waits in
    mdp_worker_wait_fd(), so the broker keeps hearing from us during a slow query, and a
    request waiting for the answer another instance computes polls Redis between pauses in
    mdp_worker_wait_fd() too.

    Between batches the loop reads the data version once a second and, when it rose, warms
    the def's views one per turn (svc_warm.h), not sleeping until the run is done. */
#include "svc.h"

#include <assert.h>
#include <czmq.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ecom_log.h"
#include "mdp.h"
#include "mdp_curve.h"
#include "svc_cache.h"
#include "svc_db.h"
#include "svc_warm.h"
#include "svc_snapshot.h"

struct _svc_t {
    const svc_def_t *def;
    mdp_worker_t *worker; /* while svc_main runs: for heartbeats during long work */
    svc_db_t *db;
    svc_cache_t *cache;
    svc_snapshot_t *snapshot; /* the analytics store, when the def asks for one */
    bool standby; /* caches answers from DATABASE_READ_URL, another server than DATABASE_URL */
    proto_writer_t *body;
    char *oom_reply;       /* encoded at start: the answer when memory runs out */
    size_t oom_size;
    svc_warmer_t *warmer;  /* the def's warm runs (made on first use) */
    bool (*cancelled) (void *arg, size_t index); /* svc_main: whether nobody waits for
                                                    request index of a batch any more */
    int64_t warm_check_at; /* when the data version is read next for them (zclock_mono) */
};

struct _svc_ctx_t {
    svc_t *svc;
    const svc_op_t *op;
    const proto_request_t *req;
    int error_status;      /* 0 unless svc_error() was called */
    long long data_version; /* what the answer is computed from (svc_data_version), 0: unsaid */
    char error_code[48];
    char detail[512];
};

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
static int
s_db_version (svc_t *self, long long *version)
{
    PGresult *res = svc_db_query (self->db, "SELECT version FROM data_version WHERE id = 1", 0,
                                  NULL);
    int rc = res && PQntuples (res) == 1 ? 0 : -1;
    if (rc == 0)
        *version = strtoll (PQgetvalue (res, 0, 0), NULL, 10);
    PQclear (res);
    return rc;
}

const store_t *
svc_store (svc_ctx_t *ctx)
{
    svc_t *self = ctx->svc;
    assert (self->snapshot && "svc_store() needs a def with .store = true");
    long long version = 0;
    if (!svc_cache_known_version (self->cache, &version) && s_db_version (self, &version) != 0)
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

/*  ---------------------------------------------------------------------------------------
    The service instance */

/*  Makes a connection error name DATABASE_READ_URL, the variable it came from (libpq's
    and ecom_db_connect's messages say DATABASE_URL or name no variable). */
static void
s_name_read_url (char *err, size_t errlen)
{
    static const char named[] = "DATABASE_URL ";
    char copy[512];
    snprintf (copy, sizeof copy, "%s", err);
    if (strncmp (copy, named, sizeof named - 1) == 0)
        snprintf (err, errlen, "DATABASE_READ_URL %s", copy + sizeof named - 1);
    else
        snprintf (err, errlen, "DATABASE_READ_URL: %s", copy);
}

/*  True when one of def's ops is cacheable. */
static bool
s_caches (const svc_def_t *def)
{
    for (const svc_op_t *op = def->ops; op->op; op++)
        if (op->cacheable)
            return true;
    return false;
}

svc_t *
svc_new (const svc_def_t *def, const ecom_config_t *config, char *err, size_t errlen)
{
    svc_t *self = calloc (1, sizeof *self);
    if (!self) {
        snprintf (err, errlen, "out of memory");
        return NULL;
    }
    self->def = def;
    /*  A read-only service reads DATABASE_READ_URL (a hand-made config may leave it NULL). */
    const char *url = def->read_only && config->database_read_url ? config->database_read_url
                                                                   : config->database_url;
    self->db = svc_db_new (url, err, errlen);
    if (!self->db && strcmp (url, config->database_url) != 0)
        s_name_read_url (err, errlen);
    self->standby = strcmp (url, config->database_url) != 0 && s_caches (def)
                    && config->cache_ttl_seconds > 0;
    if (self->db
        && svc_db_set_statement_timeout (self->db,
                                         svc_statement_timeout_ms (config->request_timeout_ms))
               != 0)
        ecom_warn ("msg=\"cannot set statement_timeout\" reason=\"%s\"", svc_db_error (self->db));
    if (self->db) {
        self->cache = svc_cache_new (config->redis_url, config->cache_ttl_seconds);
        self->body = proto_writer_new ();
        if (def->store && !(self->snapshot = svc_snapshot_new (url)))
            snprintf (err, errlen, "out of memory");
        self->oom_reply = proto_reply_encode_error (500, "internal_error",
                                                    "the service ran out of memory", &self->oom_size);
        if (!self->cache || !self->body || !self->oom_reply)
            snprintf (err, errlen, "out of memory");
    }
    if (!self->db || !self->cache || !self->body || !self->oom_reply
        || (def->store && !self->snapshot))
        svc_destroy (&self);
    return self;
}

void
svc_destroy (svc_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    svc_t *self = *self_p;
    svc_db_destroy (&self->db);
    svc_cache_destroy (&self->cache);
    svc_snapshot_destroy (&self->snapshot);
    proto_writer_destroy (&self->body);
    free (self->oom_reply);
    svc_warmer_destroy (&self->warmer);
    free (self);
    *self_p = NULL;
}

static double
s_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/*  Copies text for a log value: at most 64 bytes of [A-Za-z0-9._:/-], anything else '?'
    (both come from the caller and are not to be trusted). */
static void
s_log_token (char *out, size_t outlen, const char *text)
{
    size_t n = 0;
    if (!text || !*text)
        text = "-";
    for (; *text && n + 1 < outlen && n < 64; text++) {
        char c = *text;
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                     || strchr ("._:/-", c);
        out[n++] = plain ? c : '?';
    }
    out[n] = '\0';
}

static const svc_op_t *
s_find_op (const svc_def_t *def, const char *name)
{
    for (const svc_op_t *op = def->ops; op->op; op++)
        if (strcmp (op->op, name) == 0)
            return op;
    return NULL;
}

/*  Runs the handler of op and encodes its answer. Returns the reply and sets *status and
    *data_version (what the handler said it computed from, svc_data_version; 0: nothing). */
static char *
s_run (svc_t *self, const svc_op_t *op, const proto_request_t *req, int *status, size_t *size,
       long long *data_version)
{
    svc_ctx_t ctx = {.svc = self, .op = op, .req = req};
    proto_writer_reset (self->body);
    int rc = op->fn (&ctx);
    if (rc == SVC_FAILED || rc < 100 || rc > 599) {
        if (rc == SVC_FAILED && svc_db_timed_out (self->db))
            svc_error (&ctx, 504, "gateway_timeout",
                       "the %s service's query outlived its statement timeout (set below "
                       "REQUEST_TIMEOUT_MS: nobody would wait for its answer)",
                       self->def->name);
        else if (svc_db_connected (self->db)) {
            if (rc != SVC_FAILED)
                ecom_error ("msg=\"handler returned an invalid status\" status=%d", rc);
            svc_error (&ctx, 500, "internal_error", "the %s service failed to answer",
                       self->def->name);
        }
        else
            svc_error (&ctx, 503, "unavailable", "the database of the %s service is unavailable",
                       self->def->name);
        rc = ctx.error_status;
    }
    *status = ctx.error_status ? ctx.error_status : rc;
    *data_version = ctx.data_version;
    if (ctx.error_status)
        return proto_reply_encode_error (ctx.error_status, ctx.error_code, ctx.detail, size);
    const char *body = proto_writer_data (self->body);
    size_t body_size = proto_writer_size (self->body);
    char *reply = proto_reply_encode (rc, body, body_size, op->cacheable ? 0 : -1, size);
    if (!reply) {
        ecom_error ("msg=\"handler wrote a body that is not a map\" op=%s", op->op);
        *status = 500;
        return proto_reply_encode_error (500, "internal_error", "the service failed to answer",
                                         size);
    }
    return reply;
}

/*  True when an answer computed from data_version (0: the handler did not say) may be
    stored under a key of key_version: never under a version newer than its data (SPEC §11).
    An answer that does not say is trusted only from a service that reads DATABASE_URL: the
    version Redis holds was committed there before it was published. */
static bool
s_storable (const svc_t *self, long long key_version, long long data_version)
{
    if (data_version > 0)
        return data_version >= key_version;
    return !self->def->read_only;
}

/*  One request of a batch, from decoding to its answer. */
typedef struct {
    double started;
    proto_request_t *req;
    const svc_op_t *op;        /* NULL once answered */
    svc_cache_lookup_t cache;  /* cacheable ops while caching is on */
    bool lookup;               /* cache was looked up */
    size_t leader;             /* the first request of the batch with the same cache key
                                  (itself when none): it computes the answer for them all */
} s_item_t;

/*  Where the answers of a batch go: to answer (arg), each with its log line; or, for a
    view of a warm run, nowhere but into the run's stats. */
typedef struct {
    svc_answer_fn *answer;
    void *arg;
    svc_warm_stats_t *warm;
    bool (*cancelled) (void *arg, size_t index); /* NULL: every request is awaited */
} s_sink_t;

/*  Encodes the answer of a request that is not a known op's (malformed, unknown op). */
static char *
s_refuse (svc_t *self, const s_item_t *item, int *status, size_t *reply_size)
{
    if (!item->req) {
        *status = 400;
        return proto_reply_encode_error (
            400, "bad_request",
            "malformed request: expected a msgpack map {op: string, params: {string: string}}",
            reply_size);
    }
    *status = 404;
    char name[80];
    s_log_token (name, sizeof name, item->req->op);
    char detail[160];
    snprintf (detail, sizeof detail, "the %s service has no op '%s'", self->def->name, name);
    return proto_reply_encode_error (404, "not_found", detail, reply_size);
}

/*  Hands the answer of item to the sink, logs its line and marks it answered. cache_state
    is what the line says: hit, miss, wait (served with the answer another request computed,
    here or at another instance), behind (computed from data older than the version its key
    carries, a standby behind the primary: not cached), off, or - (services/README.md,
    "Caching"). */
static void
s_answer (const s_sink_t *sink, s_item_t *item, size_t index, int status,
          const char *cache_state, char *reply, size_t reply_size)
{
    item->op = NULL;
    if (sink->warm || !sink->answer) { /* a warm run's view: into its stats only */
        free (reply);
        if (!sink->warm)
            return;
        if (status != 200)
            sink->warm->failed++;
        else if (strcmp (cache_state, "behind") == 0)
            sink->warm->behind++;
        else if (strcmp (cache_state, "miss") == 0)
            sink->warm->computed++;
        else
            sink->warm->cached++;
        return;
    }
    if (!ecom_log_enabled (ECOM_LOG_INFO)) {
        sink->answer (sink->arg, index, reply, reply_size);
        return;
    }
    char op_name[80], request_id[80];
    s_log_token (op_name, sizeof op_name, item->req ? item->req->op : NULL);
    s_log_token (request_id, sizeof request_id, item->req ? item->req->request_id : NULL);
    ecom_info ("msg=request op=%s status=%d cache=%s duration_ms=%.2f request_id=%s", op_name,
               status, cache_state, s_now_ms () - item->started, request_id);
    sink->answer (sink->arg, index, reply, reply_size);
}

/*  Answers the requests of leader's group (the leader and the later requests of the batch
    with its key) from a cache entry, with "cache": {"hit": true}. */
static void
s_answer_entry (const s_sink_t *sink, s_item_t *items, size_t count, size_t leader,
                const char *cache_state, const char *value, size_t size)
{
    for (size_t i = leader; i < count; i++) {
        if (!items[i].op || items[i].leader != leader)
            continue;
        size_t reply_size = 0;
        char *reply = proto_reply_encode (200, value, size, 1, &reply_size);
        s_answer (sink, &items[i], i, 200, cache_state, reply, reply_size);
    }
}

/*  The requests one computation answers: leader's group of a batch. */
typedef struct {
    const s_sink_t *sink;
    const s_item_t *items;
    size_t count, leader;
} s_group_t;

/*  svc_db_cancelled_fn: true when nobody waits any more for any request of the group (the
    broker cancelled each: proto/mdp.h's CANCEL), so its query may stop. */
static bool
s_group_unwanted (void *arg)
{
    const s_group_t *group = arg;
    for (size_t i = group->leader; i < group->count; i++)
        if (group->items[i].op && group->items[i].leader == group->leader
            && !group->sink->cancelled (group->sink->arg, i))
            return false;
    return true;
}

/*  Runs the handler of leader, stores a 200 answer under its key (releasing the lock on it
    when locked) and answers the group: the leader computed it (miss, or off without a key),
    the others were served its answer (wait; "hit": true for a 200 that was cached). */
static void
s_compute (svc_t *self, const s_sink_t *sink, s_item_t *items, size_t count, size_t leader,
           bool locked)
{
    s_item_t *item = &items[leader];
    const svc_op_t *op = item->op;
    const char *key = item->cache.key;
    int status;
    size_t reply_size = 0;
    long long data_version = 0;
    s_group_t group = {sink, items, count, leader};
    if (sink->cancelled)
        svc_db_set_cancel_probe (self->db, s_group_unwanted, &group);
    char *reply = s_run (self, op, item->req, &status, &reply_size, &data_version);
    svc_db_set_cancel_probe (self->db, NULL, NULL);
    const char *body = proto_writer_data (self->body);
    size_t body_size = proto_writer_size (self->body);
    bool behind = key && status == 200 && !s_storable (self, item->cache.version, data_version);
    if (locked)
        svc_cache_put_release (self->cache, key, status == 200 && !behind ? body : NULL,
                               body_size);
    else if (key && status == 200 && !behind)
        svc_cache_put (self->cache, key, body, body_size);
    /*  An error answer goes to the others as it is (a copy, taken before it is handed on). */
    char *error = NULL;
    size_t error_size = 0;
    for (size_t i = leader + 1; i < count && status != 200 && reply && !error; i++)
        if (items[i].op && items[i].leader == leader && (error = malloc (reply_size + 1))) {
            memcpy (error, reply, reply_size);
            error_size = reply_size;
        }
    s_answer (sink, item, leader, status,
              !op->cacheable ? "-"
              : !key         ? "off"
              : behind       ? "behind"
                             : "miss",
              reply, reply_size);
    for (size_t i = leader + 1; i < count; i++) {
        if (!items[i].op || items[i].leader != leader)
            continue;
        size_t size = 0;
        char *copy = NULL;
        if (status == 200) /* "hit": true, unless it could not be cached (behind) */
            copy = proto_reply_encode (200, body, body_size, behind ? 0 : 1, &size);
        else if (error && (copy = malloc (error_size + 1))) {
            memcpy (copy, error, error_size);
            size = error_size;
        }
        s_answer (sink, &items[i], i, status, "wait", copy, size);
    }
    free (error);
}

/*  Acts on the claim of leader's key (svc_cache_claim_many): answers the group from the
    entry, computes it (under the lock, or without one when Redis is unavailable), or adds
    the leader to waiting (another instance computes it; a warm run leaves it to that one). */
static void
s_settle (svc_t *self, const s_sink_t *sink, s_item_t *items, size_t count, size_t leader,
          svc_cache_claim_t *claim, size_t *waiting, size_t *waiting_count)
{
    switch (claim->state) {
    case SVC_CACHE_FOUND:
        s_answer_entry (sink, items, count, leader, "wait", claim->value, claim->size);
        break;
    case SVC_CACHE_HELD:
        s_compute (self, sink, items, count, leader, true);
        break;
    case SVC_CACHE_BUSY:
        if (sink->warm) {
            sink->warm->skipped++;
            items[leader].op = NULL;
        }
        else
            waiting[(*waiting_count)++] = leader;
        break;
    case SVC_CACHE_UNAVAILABLE:
        if (sink->warm) {
            sink->warm->failed++; /* nowhere to store it */
            items[leader].op = NULL;
        }
        else
            s_compute (self, sink, items, count, leader, false);
        break;
    }
    free (claim->value);
    claim->value = NULL;
}

/*  A pause of ms that keeps the worker heartbeating (svc_main) or a plain sleep. */
static void
s_pause (svc_t *self, int ms)
{
    if (self->worker)
        mdp_worker_wait_fd (self->worker, -1, 0, ms);
    else
        zclock_sleep (ms);
}

/*  Waits for the keys of the waiting leaders, which other instances compute: claims them
    again every SVC_CACHE_POLL_MS until each is found (answered as wait), won (the holder
    released it without an entry or died: computed here), or SVC_CACHE_LOCK_MS have passed
    (computed here without a lock). */
static void
s_wait (svc_t *self, const s_sink_t *sink, s_item_t *items, size_t count, size_t *waiting,
        size_t waiting_count)
{
    if (waiting_count == 0)
        return;
    svc_cache_claim_t *claims = calloc (waiting_count, sizeof *claims);
    double deadline = s_now_ms () + SVC_CACHE_LOCK_MS;
    while (waiting_count > 0) {
        bool late = !claims || s_now_ms () >= deadline;
        if (!late) {
            s_pause (self, SVC_CACHE_POLL_MS);
            for (size_t k = 0; k < waiting_count; k++)
                claims[k] = (svc_cache_claim_t) {.key = items[waiting[k]].cache.key};
            svc_cache_claim_many (self->cache, claims, waiting_count);
        }
        size_t still = 0;
        for (size_t k = 0; k < waiting_count; k++) {
            if (late)
                s_compute (self, sink, items, count, waiting[k], false);
            else if (claims[k].state == SVC_CACHE_BUSY)
                waiting[still++] = waiting[k];
            else
                s_settle (self, sink, items, count, waiting[k], &claims[k], waiting, &still);
        }
        waiting_count = late ? 0 : still;
    }
    free (claims);
}

/*  svc_handle_batch() with answers going to sink. */
static void
s_batch (svc_t *self, size_t count, const void *const *data, const size_t *sizes,
         const s_sink_t *sink)
{
    s_item_t *items = calloc (count ? count : 1, sizeof *items);
    svc_cache_lookup_t *lookups = calloc (count ? count : 1, sizeof *lookups);
    size_t *waiting = calloc (count ? count : 1, sizeof *waiting);
    if (!items || !lookups || !waiting) {
        for (size_t i = 0; i < count && !sink->warm && sink->answer; i++)
            sink->answer (sink->arg, i, NULL, 0);
        if (sink->warm)
            sink->warm->failed += (int) count;
        free (items);
        free (lookups);
        free (waiting);
        return;
    }
    /*  Decode; refuse what names no op at once; gather the cache lookups. */
    size_t lookup_count = 0;
    bool caching = svc_cache_enabled (self->cache);
    for (size_t i = 0; i < count; i++) {
        s_item_t *item = &items[i];
        item->started = ecom_log_enabled (ECOM_LOG_INFO) ? s_now_ms () : 0; /* for its line */
        item->req = proto_request_decode (data[i], sizes[i]);
        item->op = item->req ? s_find_op (self->def, item->req->op) : NULL;
        item->leader = i;
        if (!item->op) {
            int status;
            size_t reply_size = 0;
            char *reply = s_refuse (self, item, &status, &reply_size);
            s_answer (sink, item, i, status, "-", reply, reply_size);
        }
        else if (item->op->cacheable && caching) {
            item->lookup = true;
            lookups[lookup_count++]
                = (svc_cache_lookup_t) {.op = item->op->op, .declared = item->op->params,
                                        .req = item->req};
        }
    }
    /*  One Redis round trip for every lookup; hits are answered before any handler runs. */
    svc_cache_lookup_many (self->cache, self->db, self->def->name, lookups, lookup_count);
    for (size_t i = 0, next = 0; i < count; i++) {
        s_item_t *item = &items[i];
        if (!item->lookup)
            continue;
        item->cache = lookups[next++];
        if (!item->cache.value)
            continue;
        size_t reply_size = 0;
        char *reply = proto_reply_encode (200, item->cache.value, item->cache.size, 1, &reply_size);
        free (item->cache.value);
        item->cache.value = NULL;
        if (reply)
            s_answer (sink, item, i, 200, "hit", reply, reply_size);
    }
    /*  Identical misses (the same key) are computed once, by the first of them. */
    for (size_t i = 0; i < count; i++)
        for (size_t j = 0; j < i && items[i].op && items[i].cache.key; j++)
            if (items[j].op && items[j].leader == j && items[j].cache.key
                && strcmp (items[j].cache.key, items[i].cache.key) == 0) {
                items[i].leader = j;
                break;
            }
    /*  The rest, one handler at a time; a miss claims its key first, and the keys other
        instances are computing are waited for last. */
    size_t waiting_count = 0;
    for (size_t i = 0; i < count; i++) {
        s_item_t *item = &items[i];
        if (!item->op || item->leader != i)
            continue;
        if (!item->cache.key) {
            if (sink->warm) {
                sink->warm->failed++; /* caching is off or Redis unavailable */
                item->op = NULL;
            }
            else
                s_compute (self, sink, items, count, i, false);
            continue;
        }
        svc_cache_claim_t claim = {.key = item->cache.key};
        svc_cache_claim_many (self->cache, &claim, 1);
        s_settle (self, sink, items, count, i, &claim, waiting, &waiting_count);
    }
    s_wait (self, sink, items, count, waiting, waiting_count);
    for (size_t i = 0; i < count; i++) {
        free (items[i].cache.key);
        proto_request_destroy (&items[i].req);
    }
    free (waiting);
    free (lookups);
    free (items);
}

void
svc_handle_batch (svc_t *self, size_t count, const void *const *data, const size_t *sizes,
                  svc_answer_fn *answer, void *arg)
{
    s_sink_t sink = {.answer = answer, .arg = arg, .cancelled = self->cancelled};
    s_batch (self, count, data, sizes, &sink);
}

/*  ---------------------------------------------------------------------------------------
    Warm runs (svc_warm.h) */

/*  Runs the next view of the warm run through the batch path, counting its outcome. */
static void
s_warm_one (svc_t *self)
{
    svc_warm_stats_t *stats = svc_warmer_stats (self->warmer);
    size_t size = 0;
    char *data = svc_warmer_next (self->warmer, &size);
    if (data) {
        s_sink_t sink = {.warm = stats};
        const void *one[] = {data};
        s_batch (self, 1, one, &size, &sink);
        free (data);
    }
    else
        stats->failed++;
}

/*  For an instance reading a standby: reads the standby's data version into
    *standby_version and raises Redis's to it (a Redis that lost the key while the standby
    lagged was set from the standby: this makes it follow the standby), then sets *version
    to Redis's. Returns 0, or -1. */
static int
s_follow_standby (svc_t *self, long long *standby_version, long long *version)
{
    return s_db_version (self, standby_version) == 0
                   && svc_cache_version_raise (self->cache, *standby_version, version) == 0
               ? 0
               : -1;
}

/*  Reads the data version, when a check is due (force: at once), and starts a warm run
    when it rose, or over when its views were behind and the standby has caught up since.
    An instance reading a standby raises Redis's version to the standby's first
    (s_follow_standby). Returns 0, or -1 when there is neither a warm list nor a standby, or
    the version cannot be read now. */
static int
s_warm_check (svc_t *self, bool force)
{
    bool warms = self->def->warm
                 && (self->warmer || (self->warmer = svc_warmer_new (self->def->warm)));
    if (!warms && !self->standby)
        return -1;
    int64_t now = zclock_mono ();
    if (!force && now < self->warm_check_at)
        return 0;
    self->warm_check_at = now + SVC_WARM_CHECK_MS;
    long long version, standby_version = 0;
    if ((self->standby ? s_follow_standby (self, &standby_version, &version)
                       : svc_cache_version (self->cache, self->db, &version))
        != 0)
        return -1;
    if (warms && !svc_warmer_version (self->warmer, version)) {
        long long behind = svc_warmer_behind (self->warmer);
        if (behind > 0 && standby_version >= behind)
            svc_warmer_again (self->warmer);
    }
    return 0;
}

int
svc_warm (svc_t *self, svc_warm_stats_t *stats)
{
    if (!self->def->warm)
        return 0;
    if (s_warm_check (self, true) != 0)
        return -1;
    if (!svc_warmer_pending (self->warmer))
        return 0;
    do
        s_warm_one (self);
    while (!svc_warmer_advance (self->warmer, stats));
    return 1;
}

/*  Between batches (svc_main): the version checked once a second; one view of a run. */
static void
s_warm_step (svc_t *self)
{
    s_warm_check (self, false);
    if (self->warmer && svc_warmer_pending (self->warmer)) {
        s_warm_one (self);
        svc_warmer_advance (self->warmer, NULL);
    }
}

/*  True while a warm run has views left: svc_main then does not sleep between batches. */
static bool
s_warm_pending (svc_t *self)
{
    return self->warmer && svc_warmer_pending (self->warmer);
}

/*  svc_answer_fn of svc_handle(): keeps the one reply. */
typedef struct {
    char *reply;
    size_t size;
} s_single_t;

static void
s_keep_reply (void *arg, size_t index, char *reply, size_t size)
{
    (void) index;
    s_single_t *single = arg;
    single->reply = reply;
    single->size = size;
}

char *
svc_handle (svc_t *self, const void *data, size_t size, size_t *reply_size)
{
    s_single_t single = {NULL, 0};
    svc_handle_batch (self, 1, &data, &size, s_keep_reply, &single);
    *reply_size = single.size;
    return single.reply;
}

/*  ---------------------------------------------------------------------------------------
    The process */

static void
s_usage (const char *prog, const svc_def_t *def)
{
    printf ("Usage: %s [--help]\n"
            "\n"
            "%s\n"
            "Registers as MDP service '%s' at the broker and answers its ops:",
            prog, def->summary, def->name);
    for (const svc_op_t *op = def->ops; op->op; op++)
        printf (" %s", op->op);
    printf ("\n"
            "\n"
            "Environment (defaults in brackets):\n"
            "  DATABASE_URL       PostgreSQL [postgresql://ecom:ecom@127.0.0.1:5432/ecom]\n"
            "%s"
            "  REDIS_URL          Redis answer cache, optional at run time "
            "[redis://127.0.0.1:6379/0]\n"
            "  BROKER_ENDPOINT    the MDP broker, or several, comma-separated (one\n"
            "                     session each) [tcp://127.0.0.1:5555]\n"
            "  CACHE_TTL_SECONDS  cache entry lifetime, 0 turns caching off [300]\n"
            "  LOG_LEVEL          debug, info, warn or error [info]\n"
            "\n"
            "Stops after the request in hand on SIGTERM or SIGINT.\n",
            def->read_only ? "  DATABASE_READ_URL  the PostgreSQL this service reads, e.g. a "
                             "streaming standby [DATABASE_URL]\n"
                           : "");
}

/*  A batch being served: the requests taken from the worker and where to send answers. */
typedef struct {
    svc_t *svc;
    mdp_worker_t *worker;
    zframe_t *requests[MDP_CREDIT_MAX];
    zframe_t *reply_to[MDP_CREDIT_MAX];
} s_batch_t;

/*  svc_answer_fn of s_serve_batch(): sends the reply at once. */
static void
s_send_reply (void *arg, size_t index, char *reply, size_t size)
{
    s_batch_t *batch = arg;
    /*  A request must be answered even without memory for its reply, or the broker counts
        it against our credit for good. */
    zframe_t *frame = reply ? zframe_new (reply, size)
                            : zframe_new (batch->svc->oom_reply, batch->svc->oom_size);
    free (reply);
    if (frame)
        mdp_worker_send (batch->worker, &batch->reply_to[index], &frame);
    zframe_destroy (&batch->reply_to[index]);
    zframe_destroy (&frame);
}

/*  svc_t's cancelled under svc_main: whether the broker cancelled request index of the
    batch (arg). */
static bool
s_request_cancelled (void *arg, size_t index)
{
    s_batch_t *batch = arg;
    return batch->reply_to[index] && mdp_worker_cancelled (batch->worker, batch->reply_to[index]);
}

/*  Waits up to timeout_ms for a request, takes every other one already waiting (up to
    credit) and answers them as one batch (svc_handle_batch). */
static void
s_serve_batch (svc_t *svc, mdp_worker_t *worker, int credit, int timeout_ms)
{
    s_batch_t batch = {.svc = svc, .worker = worker};
    size_t count = 0;
    zframe_t *request = mdp_worker_recv (worker, timeout_ms, &batch.reply_to[0]);
    while (request) {
        batch.requests[count++] = request;
        request = count < (size_t) credit ? mdp_worker_recv (worker, 0, &batch.reply_to[count])
                                          : NULL;
    }
    if (count == 0)
        return;
    const void *data[MDP_CREDIT_MAX];
    size_t sizes[MDP_CREDIT_MAX];
    for (size_t i = 0; i < count; i++) {
        data[i] = zframe_data (batch.requests[i]);
        sizes[i] = zframe_size (batch.requests[i]);
    }
    svc_handle_batch (svc, count, data, sizes, s_send_reply, &batch);
    for (size_t i = 0; i < count; i++)
        zframe_destroy (&batch.requests[i]);
}

int
svc_main (int argc, char **argv, const svc_def_t *def)
{
    const char *prog = argc > 0 && argv[0] ? strrchr (argv[0], '/') : NULL;
    prog = prog ? prog + 1 : argc > 0 && argv[0] ? argv[0] : def->name;
    for (int i = 1; i < argc; i++) {
        if (strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0) {
            s_usage (prog, def);
            return 0;
        }
        fprintf (stderr, "%s: unknown argument '%s' (try --help)\n", prog, argv[i]);
        return 2;
    }

    char err[512];
    ecom_config_t *config = ecom_config_new (err, sizeof err);
    if (!config) {
        fprintf (stderr, "%s: %s\n", prog, err);
        return 1;
    }
    ecom_log_init (def->name, config->log_level);
    zsys_init (); /* installs the SIGTERM/SIGINT handler before anything slow */

    if (mdp_endpoint_list_check (config->broker_endpoint, err, sizeof err) < 0) {
        fprintf (stderr, "%s: %s\n", prog, err);
        ecom_config_destroy (&config);
        return 2;
    }
    int rc = 1;
    int credit = def->credit <= 0 ? SVC_CREDIT : def->credit > MDP_CREDIT_MAX ? MDP_CREDIT_MAX
                                                                              : def->credit;
    mdp_worker_t *worker = NULL;
    svc_t *svc = svc_new (def, config, err, sizeof err);
    if (svc && svc->snapshot)
        svc_snapshot_reload (svc->snapshot); /* before registering: no request waits for it
                                                (a failure is logged; the first request
                                                tries again) */
    if (!svc)
        ecom_error ("msg=\"cannot start\" reason=\"%s\"", err);
    else if (mdp_curve_use_config (config->curve_dir, NULL, def->name, NULL, err, sizeof err)
             != 0)
        ecom_error ("msg=\"cannot start\" reason=\"%s\"", err);
    else if (def->start && def->start (config) != 0) {
        /* the hook said why, in one line */
    }
    else if (!(worker = mdp_worker_new (config->broker_endpoint, def->name, credit))) {
        ecom_error ("msg=\"cannot start: cannot connect to the brokers\" endpoint=%s",
                    config->broker_endpoint);
        if (def->stop)
            def->stop ();
    }
    else {
        svc_db_set_worker (svc->db, worker);
        svc->worker = worker;
        svc->cancelled = s_request_cancelled;
        ecom_info ("msg=\"ready\" broker=%s cache_ttl_seconds=%d credit=%d",
                   config->broker_endpoint, config->cache_ttl_seconds, credit);
        while (!zsys_interrupted) {
            /*  A second at most between version checks; no sleep while warming. */
            s_serve_batch (svc, worker, credit, s_warm_pending (svc) ? 0 : 1000);
            s_warm_step (svc);
        }
        svc_db_set_worker (svc->db, NULL);
        svc->worker = NULL;
        svc->cancelled = NULL;
        ecom_info ("msg=\"stopping on signal\"");
        if (def->stop)
            def->stop ();
        rc = 0;
    }
    mdp_worker_destroy (&worker);
    svc_destroy (&svc);
    ecom_config_destroy (&config);
    return rc;
}
