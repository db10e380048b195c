/*  svc_batch: answering requests (svc_handle, svc_handle_batch): decode, find the op, the
    cache looked up for a batch at once, identical misses computed once (across instances
    through the cache's lock), the handler run, the answer stored and handed on with its log
    line; and the warm runs (svc_warm.h), which go through the same path. */
#include "svc_internal.h"

#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ecom_log.h"

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
    bool stored = false;
    if (locked)
        stored = svc_cache_put_release (self->cache, key, status == 200 && !behind ? body : NULL,
                                        body_size);
    else if (key && status == 200 && !behind)
        stored = svc_cache_put (self->cache, key, body, body_size);
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
        if (status == 200) /* "hit": true when the answer is in the cache now */
            copy = proto_reply_encode (200, body, body_size, stored ? 1 : 0, &size);
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
    return svc_read_db_version (self, standby_version) == 0
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

void
svc_warm_next (svc_t *self)
{
    s_warm_check (self, false);
    if (self->warmer && svc_warmer_pending (self->warmer)) {
        s_warm_one (self);
        svc_warmer_advance (self->warmer, NULL);
    }
}

bool
svc_warm_running (svc_t *self)
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
