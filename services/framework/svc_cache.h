/*  svc_cache: the Redis answer cache of a service (services/README.md, "Caching").

    Keys:   ecom:cache:v<data version>:<service>:<op>:<32 hex digits>
            the hex digits are BLAKE2b-128 of the op's declared parameters that the request
            gives, sorted by name, each written as "<len>:<name><len>:<value>" (so hostile
            values can neither collide with others nor make keys long).
    Values: the encoded reply body without its "cache" pair; TTL = CACHE_TTL_SECONDS.
    Version: Redis key ecom:data_version (ECOM_DATA_VERSION_KEY), the mirror of PostgreSQL's
            data_version row that the ETL publishes after each load. When the key is absent
            (or not a number) it is read from PostgreSQL and set; after every reconnect that
            ends an outage it is read from PostgreSQL again and raised to it (never lowered:
            a version only grows, ecom_data_version_publish() does the same).
    Outage: Redis down is not an error: every call answers "unavailable" (the caller computes
            from PostgreSQL), the outage is logged once, and a reconnect is tried at most once
            per SVC_CACHE_RETRY_MS (at once only after the server closed the connection: a
            restart). A connection is trusted once a PING answers within SVC_CACHE_TIMEOUT_MS,
            so a hung Redis costs an instance one such wait per SVC_CACHE_RETRY_MS at most.
    Locks:  ecom:lock:<key> while one instance computes a miss, so that identical misses at
            several instances compute once (svc_cache_claim_many, below). */
#ifndef SVC_CACHE_H
#define SVC_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "ecom_data_version.h"
#include "envelope.h"
#include "svc_db.h"

#define SVC_CACHE_VERSION_KEY ECOM_DATA_VERSION_KEY
#define SVC_CACHE_KEY_PREFIX "ecom:cache:v"
#define SVC_CACHE_RETRY_MS 1000
/*  Connect and command timeout: a hung Redis costs a request at most this much. */
#define SVC_CACHE_TIMEOUT_MS 250

typedef struct _svc_cache_t svc_cache_t;

/*  Creates the cache for redis_url with entries living ttl_seconds; 0 disables caching (no
    connection is made). Tries to connect once now; Redis being down is fine (logged).
    Returns NULL only when out of memory. */
svc_cache_t *svc_cache_new (const char *redis_url, int ttl_seconds);

/*  Closes the connection and nulls the caller's pointer. NULL-safe. */
void svc_cache_destroy (svc_cache_t **self_p);

/*  True when caching is on (a TTL above 0), whether or not Redis is up right now. */
bool svc_cache_enabled (svc_cache_t *self);

/*  Sets *version to the current data version (see above; db answers when Redis has none).
    Returns 0, or -1 when caching is off, Redis is unavailable or no version can be read. */
int svc_cache_version (svc_cache_t *self, svc_db_t *db, long long *version);

/*  Raises the Redis version to floor (never lowers it), then sets *version to what Redis
    holds. For an instance reading a standby (DATABASE_READ_URL, SPEC §11), with the
    standby's version: when Redis lost the key while the standby lagged, it was set from the
    standby, and only this makes it follow the standby when it catches up. Returns 0, or -1
    when caching is off or Redis is unavailable. */
int svc_cache_version_raise (svc_cache_t *self, long long floor, long long *version);

/*  Returns a copy (free()) of the value stored under key and sets *size, or NULL on a miss
    or when Redis is unavailable. */
char *svc_cache_get (svc_cache_t *self, const char *key, size_t *size);

/*  Stores data/size under key with the TTL. Returns true when Redis took it; failures are
    logged (an outage once) and otherwise ignored. */
bool svc_cache_put (svc_cache_t *self, const char *key, const char *data, size_t size);

/*  ---------------------------------------------------------------------------------------
    One computation per miss across instances

    An instance that misses on key claims it before computing: SET SVC_CACHE_LOCK_PREFIX<key>
    <its token> NX PX SVC_CACHE_LOCK_MS and, in the same pipeline, GET key (another instance
    may have stored the entry since the lookup; it stores before it releases, so a lock won
    after a release always sees the entry). The holder computes, then stores the answer and
    releases the lock in one pipeline (svc_cache_put_release: SET, then delete the lock only
    while it still holds this cache's token, so a lock that expired and was taken by another
    is left alone). An instance that finds the lock held waits, claiming again every
    SVC_CACHE_POLL_MS: it gets the entry once the holder stored it, or the lock once the
    holder released it without an entry (an error answer) or died (the lock expires). */
#define SVC_CACHE_LOCK_PREFIX "ecom:lock:"
/*  The lock's lifetime, and so the longest a waiter waits before it computes itself. */
#define SVC_CACHE_LOCK_MS 5000
/*  How often a waiter claims again. */
#define SVC_CACHE_POLL_MS 5

typedef enum {
    SVC_CACHE_HELD,        /* the lock is ours: compute, then svc_cache_put_release() */
    SVC_CACHE_FOUND,       /* the entry is there: value and size are set */
    SVC_CACHE_BUSY,        /* another instance holds the lock: claim again later */
    SVC_CACHE_UNAVAILABLE  /* caching off or Redis unavailable: compute without a lock */
} svc_cache_claim_state_t;

/*  One key's claim in svc_cache_claim_many(). */
typedef struct {
    const char *key;               /* in: the entry's key, as a lookup set it */
    svc_cache_claim_state_t state; /* out */
    char *value;                   /* out: FOUND: a copy of the entry (free()), else NULL */
    size_t size;                   /* out: the entry's size */
} svc_cache_claim_t;

/*  Claims count keys in one Redis round trip (see above); a lock won on a key whose entry
    is already there is released again (one more round trip) and the claim is FOUND. */
void svc_cache_claim_many (svc_cache_t *self, svc_cache_claim_t *claims, size_t count);

/*  Stores data/size under key with the TTL (unless data is NULL: an answer not to cache)
    and releases this cache's lock on key, if it still holds it; one round trip. Failures
    are logged (an outage once) and otherwise ignored: a lock not released expires. Returns
    true when data was stored (Redis answered the pipeline). */
bool svc_cache_put_release (svc_cache_t *self, const char *key, const char *data, size_t size);

/*  The token this cache writes into the locks it takes: 32 hex digits, random per cache. */
const char *svc_cache_token (const svc_cache_t *self);

/*  One request's lookup in svc_cache_lookup_many(). */
typedef struct {
    const char *op;                 /* in: the op */
    const char *const *declared;    /* in: its declared parameters (svc_cache_key()) */
    const proto_request_t *req;     /* in: the request */
    char *key;                      /* out: its cache key (free()), NULL when caching is off
                                       or Redis unavailable */
    long long version;              /* out: the data version key carries (with key) */
    char *value;                    /* out: a copy of the entry (free()), NULL on a miss */
    size_t size;                    /* out: the entry's size */
} svc_cache_lookup_t;

/*  Looks up the cached answers of count requests for service's ops in one Redis round trip
    (a pipeline: GET of the data version, then MGET of every entry under the version read
    last time; the hits count only when the version is still that one, else a second MGET
    under the new version), setting each lookup's key and, for a hit, its value. When no
    version was read yet, Redis holds none, or a resync is due, it is taken from db, as by
    svc_cache_version(), at the cost of more round trips. */
void svc_cache_lookup_many (svc_cache_t *self, svc_db_t *db, const char *service,
                            svc_cache_lookup_t *lookups, size_t count);

/*  Builds the cache key (see above) of a request for service's op at data version, over the
    parameters named in declared (NULL-terminated; order does not matter; NULL means none).
    Parameters the request gives but the op does not declare are ignored. Returns a new
    string (free()), or NULL when out of memory. */
char *svc_cache_key (long long version, const char *service, const char *op,
                     const char *const *declared, const proto_request_t *req);

/*  Sets *version to the data version the last lookup used and returns true; false when
    none is known (caching off, Redis down, nothing looked up yet). */
bool svc_cache_known_version (const svc_cache_t *self, long long *version);

#endif
