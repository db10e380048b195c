/*  svc_cache: the Redis answer cache of a service; see svc_cache.h for the scheme.

    The connection has two states. Up: commands go to Redis; a command that fails on the
    connection (Redis stopped, restarted, network gone) drops it, logs the outage once and
    makes the cache down. Down: every call answers "unavailable" at once, except that the
    first call after SVC_CACHE_RETRY_MS tries to reconnect. A connection is trusted only once
    a PING came back within SVC_CACHE_TIMEOUT_MS: the kernel completes the handshake of a
    stopped (SIGSTOP'd, hung) Redis, so a connect alone proves nothing. A loss by timeout
    (a hung Redis) waits out SVC_CACHE_RETRY_MS before the next attempt, so a hung Redis
    costs each instance at most one SVC_CACHE_TIMEOUT_MS wait per SVC_CACHE_RETRY_MS, not
    one per batch; a loss of any other kind (the server closed the connection: a restart)
    may reconnect at once. A reconnect that ends an outage re-reads the data version from
    PostgreSQL, since an ETL load may have bumped it while Redis could not hear about it. */
#include "svc_cache.h"

#include <errno.h>
#include <stdarg.h>
#include <hiredis/hiredis.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ecom_db.h"
#include "ecom_log.h"
#include "ecom_redis.h"
#include "envelope.h"

struct _svc_cache_t {
    char *url;
    int ttl;
    redisContext *redis; /* NULL while down */
    bool down;           /* an outage is in progress (and was logged) */
    bool resync;         /* re-read the data version from PostgreSQL before trusting Redis */
    int64_t retry_at_ms; /* the next reconnect attempt, monotonic ms; 0: now */
    long long version;   /* the data version Redis held when last read */
    bool version_known;  /* version is set */
    char token[33];      /* written into the locks this cache takes (random, hex) */
};

static int64_t
s_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*  Copies text into out with double quotes made single, for a quoted log value. */
static void
s_log_safe (char *out, size_t outlen, const char *text)
{
    size_t n = 0;
    for (; text && *text && n + 1 < outlen; text++)
        out[n++] = *text == '"' || *text == '\n' ? '\'' : *text;
    out[n] = '\0';
}

/*  A new string (free()) formatted as printf would, or NULL when out of memory. */
static char *s_strdup_printf (const char *format, ...) __attribute__ ((format (printf, 1, 2)));
static char *
s_strdup_printf (const char *format, ...)
{
    va_list args;
    va_start (args, format);
    int len = vsnprintf (NULL, 0, format, args);
    va_end (args);
    char *text = len >= 0 ? malloc ((size_t) len + 1) : NULL;
    if (text) {
        va_start (args, format);
        vsnprintf (text, (size_t) len + 1, format, args);
        va_end (args);
    }
    return text;
}

/*  Returns the live connection, reconnecting when one is due; NULL while Redis is down. */
static redisContext *
s_connection (svc_cache_t *self)
{
    if (self->redis)
        return self->redis;
    int64_t now = s_now_ms ();
    if (now < self->retry_at_ms)
        return NULL;
    self->retry_at_ms = now + SVC_CACHE_RETRY_MS;
    char err[256];
    self->redis = ecom_redis_connect (self->url, SVC_CACHE_TIMEOUT_MS, err, sizeof err);
    if (self->redis) {
        /*  A stopped Redis accepts connections (the kernel answers the handshake): only a
            PONG proves it is serving. */
        redisReply *pong = redisCommand (self->redis, "PING");
        if (!pong || pong->type == REDIS_REPLY_ERROR) {
            snprintf (err, sizeof err, "no answer to PING within %d ms: %s", SVC_CACHE_TIMEOUT_MS,
                      pong ? pong->str : self->redis->errstr);
            redisFree (self->redis);
            self->redis = NULL;
        }
        if (pong)
            freeReplyObject (pong);
    }
    if (!self->redis) {
        if (!self->down) {
            char reason[256];
            s_log_safe (reason, sizeof reason, err);
            ecom_warn ("msg=\"Redis unavailable, answering from PostgreSQL until it returns\" "
                       "reason=\"%s\"",
                       reason);
        }
        self->down = true;
        return NULL;
    }
    if (self->down) {
        ecom_info ("msg=\"Redis is reachable again, caching resumes\"");
        self->resync = true;
    }
    self->down = false;
    return self->redis;
}

/*  True when the connection's error is a command timeout (a hung Redis): hiredis reports
    an I/O error with the text of EAGAIN. */
static bool
s_timed_out (const redisContext *redis)
{
    return redis->err == REDIS_ERR_IO
           && (strcmp (redis->errstr, strerror (EAGAIN)) == 0
               || strcmp (redis->errstr, strerror (ETIMEDOUT)) == 0
               || strstr (redis->errstr, "imed out") != NULL);
}

/*  Drops a connection that failed, logging the start of an outage. After a timeout (a hung
    Redis) the next attempt waits SVC_CACHE_RETRY_MS; after any other loss (a restarted
    Redis closed the connection) the next call may reconnect at once. */
static void
s_lost (svc_cache_t *self)
{
    char reason[256];
    s_log_safe (reason, sizeof reason, self->redis->errstr);
    bool timed_out = s_timed_out (self->redis);
    if (!self->down)
        ecom_warn ("msg=\"Redis connection lost, answering from PostgreSQL until it returns\" "
                   "reason=\"%s\"",
                   reason);
    redisFree (self->redis);
    self->redis = NULL;
    self->down = true;
    self->retry_at_ms = timed_out ? s_now_ms () + SVC_CACHE_RETRY_MS : 0;
}

/*  Runs a command; returns its reply (freeReplyObject), or NULL when Redis is down, the
    connection failed (now down) or Redis answered an error (logged). */
static redisReply *
s_command (svc_cache_t *self, const char *format, ...)
{
    redisContext *redis = s_connection (self);
    if (!redis)
        return NULL;
    va_list args;
    va_start (args, format);
    redisReply *reply = redisvCommand (redis, format, args);
    va_end (args);
    if (!reply) {
        s_lost (self);
        return NULL;
    }
    if (reply->type == REDIS_REPLY_ERROR) {
        char reason[256];
        s_log_safe (reason, sizeof reason, reply->str);
        ecom_warn ("msg=\"Redis refused a command\" reason=\"%s\"", reason);
        freeReplyObject (reply);
        return NULL;
    }
    return reply;
}

/*  True when reply is a string holding a well-formed entry: one msgpack map that proto can
    serve as a reply body. Anyone who can write to Redis could plant a value under a cache
    key; a malformed one is logged and treated as absent (a miss, computed and stored over). */
static bool
s_entry_ok (const redisReply *reply)
{
    if (reply->type != REDIS_REPLY_STRING)
        return false;
    if (proto_body_valid (reply->str, reply->len))
        return true;
    ecom_warn ("msg=\"malformed cache entry treated as a miss\" bytes=%zu", reply->len);
    return false;
}

/*  A copy (free()) of a string reply's bytes and its size, or NULL for anything else (and
    for a malformed entry, s_entry_ok). */
static char *
s_reply_copy (const redisReply *reply, size_t *size)
{
    if (!s_entry_ok (reply))
        return NULL;
    char *value = malloc (reply->len ? reply->len : 1);
    if (value) {
        memcpy (value, reply->str, reply->len);
        *size = reply->len;
    }
    return value;
}

svc_cache_t *
svc_cache_new (const char *redis_url, int ttl_seconds)
{
    svc_cache_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->url = strdup (redis_url ? redis_url : "");
    if (!self->url) {
        free (self);
        return NULL;
    }
    self->ttl = ttl_seconds > 0 ? ttl_seconds : 0;
    unsigned char random[16];
    if (sodium_init () < 0) {
        free (self->url);
        free (self);
        return NULL;
    }
    randombytes_buf (random, sizeof random);
    sodium_bin2hex (self->token, sizeof self->token, random, sizeof random);
    if (self->ttl > 0)
        s_connection (self);
    return self;
}

void
svc_cache_destroy (svc_cache_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    svc_cache_t *self = *self_p;
    if (self->redis)
        redisFree (self->redis);
    free (self->url);
    free (self);
    *self_p = NULL;
}

bool
svc_cache_enabled (svc_cache_t *self)
{
    return self->ttl > 0;
}

/*  Parses a whole decimal integer. Returns 0, or -1 for anything else. */
static int
s_parse_version (const char *text, size_t len, long long *version)
{
    char buf[32];
    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy (buf, text, len);
    buf[len] = '\0';
    char *end;
    errno = 0;
    long long value = strtoll (buf, &end, 10);
    if (errno || *end != '\0')
        return -1;
    *version = value;
    return 0;
}

/*  Reads the data version from PostgreSQL. Returns 0, or -1 (logged). */
static int
s_version_from_db (svc_db_t *db, long long *version)
{
    PGresult *res = svc_db_query (db, "SELECT version FROM data_version WHERE id = 1", 0, NULL);
    if (!res)
        return -1;
    char err[256];
    int rc = ecom_db_result_int64 (NULL, res, version, err, sizeof err);
    if (rc != 0)
        ecom_error ("msg=\"data_version has no row with id 1\" error=\"%s\"", err);
    PQclear (res);
    return rc;
}

/*  Raises the Redis version key to pg_version (ecom_data_version_raise_script, as
    ecom_data_version_publish() does: so a slow writer never moves it back) and sets
    *version to what Redis holds afterwards. Returns 0, or -1. */
static int
s_version_raise (svc_cache_t *self, long long pg_version, long long *version)
{
    redisReply *reply = s_command (self, "EVAL %s 1 %s %lld", ecom_data_version_raise_script,
                                   SVC_CACHE_VERSION_KEY, pg_version);
    if (!reply)
        return -1;
    int rc =
        reply->type == REDIS_REPLY_STRING ? s_parse_version (reply->str, reply->len, version) : -1;
    freeReplyObject (reply);
    return rc;
}

/*  Raises the Redis version key to PostgreSQL's (s_version_raise). Returns 0, or -1. */
static int
s_version_sync (svc_cache_t *self, svc_db_t *db, long long *version)
{
    long long pg_version;
    return s_version_from_db (db, &pg_version) == 0
                   && s_version_raise (self, pg_version, version) == 0
               ? 0
               : -1;
}

int
svc_cache_version (svc_cache_t *self, svc_db_t *db, long long *version)
{
    if (self->ttl == 0 || !s_connection (self))
        return -1;
    if (self->resync) {
        if (s_version_sync (self, db, version) != 0)
            return -1;
        self->resync = false;
        self->version = *version;
        self->version_known = true;
        return 0;
    }
    redisReply *reply = s_command (self, "GET %s", SVC_CACHE_VERSION_KEY);
    if (!reply)
        return -1;
    int rc =
        reply->type == REDIS_REPLY_STRING ? s_parse_version (reply->str, reply->len, version) : -1;
    freeReplyObject (reply);
    /* Absent (first use of this Redis) or not a number: taken from PostgreSQL. */
    if (rc != 0 && s_version_sync (self, db, version) != 0)
        return -1;
    self->version = *version;
    self->version_known = true;
    return 0;
}

int
svc_cache_version_raise (svc_cache_t *self, long long floor, long long *version)
{
    if (self->ttl == 0 || !s_connection (self) || s_version_raise (self, floor, version) != 0)
        return -1;
    self->resync = false;
    self->version = *version;
    self->version_known = true;
    return 0;
}

char *
svc_cache_get (svc_cache_t *self, const char *key, size_t *size)
{
    if (self->ttl == 0)
        return NULL;
    redisReply *reply = s_command (self, "GET %s", key);
    if (!reply)
        return NULL;
    char *value = s_reply_copy (reply, size);
    freeReplyObject (reply);
    return value;
}

bool
svc_cache_put (svc_cache_t *self, const char *key, const char *data, size_t size)
{
    if (self->ttl == 0)
        return false;
    redisReply *reply = s_command (self, "SET %s %b EX %d", key, data, size, self->ttl);
    bool stored = reply && reply->type != REDIS_REPLY_ERROR;
    if (reply)
        freeReplyObject (reply);
    return stored;
}

/*  ---------------------------------------------------------------------------------------
    One computation per miss across instances (svc_cache.h) */

static redisReply *s_pipelined_reply (svc_cache_t *self);

/*  Deletes KEYS[1] only while it holds ARGV[1]: a lock is released by its holder alone. */
static const char s_release_script[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end "
    "return 0";

const char *
svc_cache_token (const svc_cache_t *self)
{
    return self->token;
}

/*  Queues the release of this cache's lock on key. Returns 0, or -1 when out of memory. */
static int
s_append_release (svc_cache_t *self, const char *key)
{
    return redisAppendCommand (self->redis, "EVAL %s 1 " SVC_CACHE_LOCK_PREFIX "%s %s",
                               s_release_script, key, self->token)
                   == REDIS_OK
               ? 0
               : -1;
}

/*  Reads count pipelined replies, logging any error reply (the caller has nothing to do
    about one). Returns 0, or -1 when the connection failed (now down). */
static int
s_drain (svc_cache_t *self, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        redisReply *reply = s_pipelined_reply (self);
        if (!reply)
            return -1;
        if (reply->type == REDIS_REPLY_ERROR) {
            char reason[256];
            s_log_safe (reason, sizeof reason, reply->str);
            ecom_warn ("msg=\"Redis refused a command\" reason=\"%s\"", reason);
        }
        freeReplyObject (reply);
    }
    return 0;
}

void
svc_cache_claim_many (svc_cache_t *self, svc_cache_claim_t *claims, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        claims[i].state = SVC_CACHE_UNAVAILABLE;
        claims[i].value = NULL;
        claims[i].size = 0;
    }
    if (count == 0 || self->ttl == 0 || !s_connection (self))
        return;
    size_t queued = 0;
    for (; queued < count; queued++)
        if (redisAppendCommand (self->redis, "SET " SVC_CACHE_LOCK_PREFIX "%s %s NX PX %d",
                                claims[queued].key, self->token, SVC_CACHE_LOCK_MS)
                != REDIS_OK
            || redisAppendCommand (self->redis, "GET %s", claims[queued].key) != REDIS_OK)
            break;
    if (queued < count) {
        s_lost (self); /* out of memory halfway through the pipeline: it is unusable */
        return;
    }
    size_t found_held = 0; /* locks won on keys whose entry is there: released below */
    for (size_t i = 0; i < count; i++) {
        redisReply *lock = s_pipelined_reply (self);
        redisReply *entry = lock ? s_pipelined_reply (self) : NULL;
        if (!entry) {
            freeReplyObject (lock);
            for (size_t k = 0; k < count; k++) {
                free (claims[k].value);
                claims[k] =
                    (svc_cache_claim_t){.key = claims[k].key, .state = SVC_CACHE_UNAVAILABLE};
            }
            return; /* the connection failed: down now */
        }
        bool won = lock->type == REDIS_REPLY_STATUS;
        bool busy = lock->type == REDIS_REPLY_NIL;
        if (entry->type == REDIS_REPLY_STRING && s_entry_ok (entry)) {
            claims[i].value = s_reply_copy (entry, &claims[i].size);
            claims[i].state = claims[i].value ? SVC_CACHE_FOUND : SVC_CACHE_UNAVAILABLE;
            if (won && s_append_release (self, claims[i].key) == 0)
                found_held++;
        }
        else if (won || busy)
            claims[i].state = won ? SVC_CACHE_HELD : SVC_CACHE_BUSY;
        else if (lock->type == REDIS_REPLY_ERROR || entry->type == REDIS_REPLY_ERROR) {
            /*  Refused (say a full Redis): this one is computed without a lock. */
            char reason[256];
            s_log_safe (reason, sizeof reason,
                        lock->type == REDIS_REPLY_ERROR ? lock->str : entry->str);
            ecom_warn ("msg=\"Redis refused a command\" reason=\"%s\"", reason);
        }
        freeReplyObject (lock);
        freeReplyObject (entry);
    }
    (void) s_drain (self, found_held);
}

bool
svc_cache_put_release (svc_cache_t *self, const char *key, const char *data, size_t size)
{
    if (self->ttl == 0 || !s_connection (self))
        return false;
    size_t queued = 0;
    if (data) {
        if (redisAppendCommand (self->redis, "SET %s %b EX %d", key, data, size, self->ttl)
            != REDIS_OK)
            return false; /* out of memory: nothing queued */
        queued++;
    }
    if (s_append_release (self, key) != 0) {
        if (queued)
            s_lost (self); /* the SET is queued but its pipeline cannot be completed */
        return false;
    }
    return s_drain (self, queued + 1) == 0 && queued;
}

/*  ---------------------------------------------------------------------------------------
    Keys */

static int
s_compare_names (const void *a, const void *b)
{
    return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/*  Feeds "<len>:<text>" into the hash. */
static void
s_hash_field (crypto_generichash_state *state, const char *text)
{
    char len[24];
    int n = snprintf (len, sizeof len, "%zu:", strlen (text));
    crypto_generichash_update (state, (const unsigned char *) len, (unsigned long long) n);
    crypto_generichash_update (state, (const unsigned char *) text, strlen (text));
}

/*  Writes the 32 hex digits of the request's key hash (see svc_cache.h) into hex.
    Returns 0, or -1 when out of memory. */
static int
s_key_hash (const char *const *declared, const proto_request_t *req, char hex[33])
{
    if (sodium_init () < 0)
        return -1;
    size_t count = 0;
    while (declared && declared[count])
        count++;
    const char **names = malloc ((count ? count : 1) * sizeof *names);
    if (!names)
        return -1;
    if (count)
        memcpy (names, declared, count * sizeof *names);
    qsort (names, count, sizeof *names, s_compare_names);

    crypto_generichash_state state;
    unsigned char digest[16];
    crypto_generichash_init (&state, NULL, 0, sizeof digest);
    for (size_t i = 0; i < count; i++) {
        if (i > 0 && strcmp (names[i], names[i - 1]) == 0)
            continue; /* declared twice: counts once */
        const char *value = proto_request_param (req, names[i]);
        if (!value)
            continue;
        s_hash_field (&state, names[i]);
        s_hash_field (&state, value);
    }
    crypto_generichash_final (&state, digest, sizeof digest);
    free (names);
    sodium_bin2hex (hex, 33, digest, sizeof digest);
    return 0;
}

/*  The key of an entry from its parameters' hash (the one format of every cache key). */
static char *
s_key_of_hash (long long version, const char *service, const char *op, const char hex[33])
{
    return s_strdup_printf (SVC_CACHE_KEY_PREFIX "%lld:%s:%s:%s", version, service, op, hex);
}

char *
svc_cache_key (long long version, const char *service, const char *op, const char *const *declared,
               const proto_request_t *req)
{
    char hex[33];
    if (s_key_hash (declared, req, hex) != 0)
        return NULL;
    return s_key_of_hash (version, service, op, hex);
}

/*  ---------------------------------------------------------------------------------------
    Lookups in one round trip */

/*  The version a reply holds when it is one in canonical decimal form (what
    svc_cache_key() writes): 0, else -1. */
static int
s_version_reply (const redisReply *reply, long long *version)
{
    char canonical[32];
    return reply->type == REDIS_REPLY_STRING
                   && s_parse_version (reply->str, reply->len, version) == 0
                   && (size_t) snprintf (canonical, sizeof canonical, "%lld", *version)
                          == reply->len
                   && memcmp (canonical, reply->str, reply->len) == 0
               ? 0
               : -1;
}

/*  Sets each lookup's key for version from its hash (hex[i]). Returns 0, or -1 when out of
    memory. */
static int
s_lookup_keys (svc_cache_lookup_t *lookups, size_t count, char (*hex)[33], long long version,
               const char *service)
{
    for (size_t i = 0; i < count; i++) {
        free (lookups[i].key);
        lookups[i].key = s_key_of_hash (version, service, lookups[i].op, hex[i]);
        if (!lookups[i].key)
            return -1;
        lookups[i].version = version;
    }
    return 0;
}

/*  Queues an MGET of every lookup's key on redis. Returns 0, or -1. */
static int
s_append_mget (redisContext *redis, svc_cache_lookup_t *lookups, size_t count)
{
    const char **argv = malloc ((count + 1) * sizeof *argv);
    if (!argv)
        return -1;
    argv[0] = "MGET";
    for (size_t i = 0; i < count; i++)
        argv[i + 1] = lookups[i].key;
    int rc = redisAppendCommandArgv (redis, (int) count + 1, argv, NULL);
    free (argv);
    return rc == REDIS_OK ? 0 : -1;
}

/*  The next pipelined reply, or NULL when the connection failed (now down). */
static redisReply *
s_pipelined_reply (svc_cache_t *self)
{
    void *reply = NULL;
    if (redisGetReply (self->redis, &reply) != REDIS_OK || !reply) {
        s_lost (self);
        return NULL;
    }
    return reply;
}

/*  Copies the hits of an MGET reply into the lookups. Returns 0, or -1 when the reply is
    not an MGET's answer for them (logged when it is an error). */
static int
s_take_hits (const redisReply *reply, svc_cache_lookup_t *lookups, size_t count)
{
    if (reply->type == REDIS_REPLY_ERROR) {
        char reason[256];
        s_log_safe (reason, sizeof reason, reply->str);
        ecom_warn ("msg=\"Redis refused a command\" reason=\"%s\"", reason);
    }
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != count)
        return -1;
    for (size_t i = 0; i < count; i++)
        lookups[i].value = s_reply_copy (reply->element[i], &lookups[i].size);
    return 0;
}

/*  The fast way, one round trip: GET the version and, in the same pipeline, MGET every
    entry under the version read last time. When the version is still that one (the
    common case), the entries are those of the current version: answered. When it moved
    (a data load since), a second MGET under the new version. Returns 0 when answered
    (keys and hits set), 1 when the long way must be taken (no version known yet, or Redis
    holds none or one not in canonical form), -1 when Redis is unavailable. */
static int
s_lookup_pipelined (svc_cache_t *self, const char *service, svc_cache_lookup_t *lookups,
                    size_t count)
{
    if (!self->version_known)
        return 1;
    redisContext *redis = s_connection (self);
    if (!redis)
        return -1;
    char (*hex)[33] = malloc (count * sizeof *hex);
    int rc = -1;
    if (!hex)
        goto done;
    for (size_t i = 0; i < count; i++)
        if (s_key_hash (lookups[i].declared, lookups[i].req, hex[i]) != 0)
            goto done;
    if (s_lookup_keys (lookups, count, hex, self->version, service) != 0
        || redisAppendCommand (redis, "GET %s", SVC_CACHE_VERSION_KEY) != REDIS_OK)
        goto done; /* out of memory: nothing queued */
    if (s_append_mget (redis, lookups, count) != 0) {
        s_lost (self); /* out of memory with the GET queued: the pipeline is unusable */
        goto done;
    }
    redisReply *version_reply = s_pipelined_reply (self);
    redisReply *entries = version_reply ? s_pipelined_reply (self) : NULL;
    long long version = 0;
    if (!entries)
        rc = -1; /* the connection failed: down now */
    else if (s_version_reply (version_reply, &version) != 0)
        rc = 1;
    else if (version == self->version)
        rc = s_take_hits (entries, lookups, count);
    else {
        /*  A load bumped the version since we last looked: the entries read are of the
            old one. Look again under the new keys. */
        self->version = version;
        rc = -1;
        if (s_lookup_keys (lookups, count, hex, version, service) == 0
            && s_append_mget (redis, lookups, count) == 0) {
            redisReply *fresh = s_pipelined_reply (self);
            if (fresh)
                rc = s_take_hits (fresh, lookups, count);
            freeReplyObject (fresh);
        }
    }
    freeReplyObject (version_reply);
    freeReplyObject (entries);
done:
    if (rc != 0)
        for (size_t i = 0; i < count; i++) {
            free (lookups[i].key);
            free (lookups[i].value);
            lookups[i].key = lookups[i].value = NULL;
            lookups[i].size = 0;
        }
    free (hex);
    return rc;
}

void
svc_cache_lookup_many (svc_cache_t *self, svc_db_t *db, const char *service,
                       svc_cache_lookup_t *lookups, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        lookups[i].key = lookups[i].value = NULL;
        lookups[i].size = 0;
        lookups[i].version = 0;
    }
    if (count == 0 || self->ttl == 0 || !s_connection (self))
        return;
    if (!self->resync && s_lookup_pipelined (self, service, lookups, count) != 1)
        return;
    /*  A resync is due, no version was read yet, or Redis holds none or one not in
        canonical form: the long way, which takes it from PostgreSQL when needed. */
    long long version;
    if (svc_cache_version (self, db, &version) != 0)
        return;
    for (size_t i = 0; i < count; i++) {
        lookups[i].key =
            svc_cache_key (version, service, lookups[i].op, lookups[i].declared, lookups[i].req);
        lookups[i].version = version;
        if (lookups[i].key)
            lookups[i].value = svc_cache_get (self, lookups[i].key, &lookups[i].size);
    }
}

bool
svc_cache_known_version (const svc_cache_t *self, long long *version)
{
    if (!self || !self->version_known || !self->redis)
        return false;
    *version = self->version;
    return true;
}
