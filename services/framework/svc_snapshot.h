/*  svc_snapshot: a service's analytics store (services/engine/store.h) kept at the current
    data version. The store is loaded on the first request that needs it and again whenever
    a request carries a newer data version than the store's (reading only the orders loaded
    since, when it can: store_load), over a connection of its own (DATABASE_READ_URL for a
    read-only service), so the service's query connection stays free. A request therefore
    never sees data older than its data version (SPEC §6: a request after a load shows the
    load), unless the server has nothing as new: a standby that has not replayed the load yet
    (SPEC §11). Then the older store answers, uncached (svc_store, svc_data_version). */
#ifndef SVC_SNAPSHOT_H
#define SVC_SNAPSHOT_H

#include <stddef.h>

#include "store.h"

typedef struct _svc_snapshot_t svc_snapshot_t;

/*  A snapshot holder for database_url; nothing is loaded yet. NULL when out of memory. */
svc_snapshot_t *svc_snapshot_new (const char *database_url);

/*  Frees the store and the connection and nulls the caller's pointer. NULL-safe. */
void svc_snapshot_destroy (svc_snapshot_t **self_p);

/*  How long a store older than the version asked for is served after a load for that
    version ended with it (PostgreSQL has nothing newer), before loading is tried again. */
#define SVC_SNAPSHOT_RETRY_MS 1000

/*  The store when it is at version or newer, else NULL: a load is due. (Also the older
    store for SVC_SNAPSHOT_RETRY_MS after a load asked for version found nothing newer.) */
const store_t *svc_snapshot_current (const svc_snapshot_t *self, long long version);

/*  Records that a load was just done because version was asked for. */
void svc_snapshot_asked (svc_snapshot_t *self, long long version);

/*  Loads the store again (connecting or reconnecting first), from the one it has: only the
    orders loaded since (store_load), or nothing when the server's data version is still the
    store's (a standby that lags: one query instead of reading the dimensions whole every
    SVC_SNAPSHOT_RETRY_MS); blocking, for a helper thread (svc_run_blocking): arg is the
    svc_snapshot_t.
    Returns 0, or -1 (logged) with no store. */
int svc_snapshot_reload (void *arg);

/*  The store (after a successful reload), or NULL. */
const store_t *svc_snapshot_store (const svc_snapshot_t *self);

#endif
