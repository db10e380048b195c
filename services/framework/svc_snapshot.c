#include "svc_snapshot.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ecom_data_version.h"
#include "ecom_db.h"
#include "ecom_log.h"

struct _svc_snapshot_t {
    char *url;
    PGconn *conn; /* NULL until the first load, or after a failed connect */
    store_t *store;
    long long asked; /* the version the last load was for (svc_snapshot_asked) */
    double asked_at; /* when it ended, monotonic ms */
    long long kept;  /* the store version last logged as kept at info level */
};

svc_snapshot_t *
svc_snapshot_new (const char *database_url)
{
    svc_snapshot_t *self = calloc (1, sizeof *self);
    if (self && !(self->url = strdup (database_url)))
        svc_snapshot_destroy (&self);
    return self;
}

void
svc_snapshot_destroy (svc_snapshot_t **self_p)
{
    svc_snapshot_t *self = *self_p;
    if (!self)
        return;
    store_destroy (&self->store);
    if (self->conn)
        PQfinish (self->conn);
    free (self->url);
    free (self);
    *self_p = NULL;
}

static double s_now_ms (void);

const store_t *
svc_snapshot_current (const svc_snapshot_t *self, long long version)
{
    if (!self->store)
        return NULL;
    if (self->store->version >= version)
        return self->store;
    /*  A load for this version just ended with an older one: PostgreSQL has nothing newer
        (Redis ahead of it, say after a restore). Loading again for every request would
        change nothing; try again at most once per SVC_SNAPSHOT_RETRY_MS. */
    bool just_tried =
        self->asked >= version && s_now_ms () - self->asked_at < SVC_SNAPSHOT_RETRY_MS;
    return just_tried ? self->store : NULL;
}

void
svc_snapshot_asked (svc_snapshot_t *self, long long version)
{
    self->asked = version;
    self->asked_at = s_now_ms ();
}

const store_t *
svc_snapshot_store (const svc_snapshot_t *self)
{
    return self->store;
}

static double
s_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

/*  A usable connection: connects the first time, resets one that was lost. */
static PGconn *
s_connection (svc_snapshot_t *self, char *err, size_t errlen)
{
    if (self->conn && PQstatus (self->conn) != CONNECTION_OK)
        PQreset (self->conn);
    if (self->conn && PQstatus (self->conn) == CONNECTION_OK)
        return self->conn;
    if (self->conn)
        PQfinish (self->conn);
    self->conn = ecom_db_connect (self->url, err, errlen);
    return self->conn;
}

/*  True when the server's data version is the store's: a reload would read the same data
    (a standby that has not replayed the load asked for, or Redis ahead after a restore), so
    the store is kept. Logged at info once per store version, then at debug. */
static bool
s_unchanged (svc_snapshot_t *self, PGconn *conn, double started)
{
    char err[256];
    if (!self->store || ecom_data_version_read (conn, err, sizeof err) != self->store->version)
        return false;
    ecom_log (self->kept == self->store->version ? ECOM_LOG_DEBUG : ECOM_LOG_INFO,
              "msg=\"analytics store kept\" version=%lld reason=\"the database has no newer "
              "data version\" duration_ms=%.1f",
              self->store->version, s_now_ms () - started);
    self->kept = self->store->version;
    return true;
}

int
svc_snapshot_reload (void *arg)
{
    svc_snapshot_t *self = arg;
    double started = s_now_ms ();
    char err[512] = "";
    PGconn *conn = s_connection (self, err, sizeof err);
    if (conn && s_unchanged (self, conn, started))
        return 0;
    store_t *store = conn ? store_load (conn, self->store, err, sizeof err) : NULL;
    if (!store && conn && PQstatus (conn) != CONNECTION_OK) /* lost: one more try */
        store = (conn = s_connection (self, err, sizeof err))
                    ? store_load (conn, self->store, err, sizeof err)
                    : NULL;
    store_destroy (&self->store); /* stale either way: never served again */
    self->store = store;
    if (!store) {
        ecom_error ("msg=\"cannot load the analytics store\" reason=\"%s\"", err);
        return -1;
    }
    ecom_info ("msg=\"analytics store loaded\" version=%lld orders=%zu read=%zu customers=%u "
               "products=%u days=%u mib=%.1f duration_ms=%.0f",
               store->version, store->orders, store->refreshed_orders, store->customers,
               store->products, store->span, (double) store_bytes (store) / (1 << 20),
               s_now_ms () - started);
    return 0;
}
