/*  svc_internal: what the framework's files share (svc.c the instance, svc_ctx.c the
    handlers' helpers, svc_batch.c answering requests and warm runs, svc_main.c the
    process). Not for services: they see svc.h. */
#ifndef SVC_INTERNAL_H
#define SVC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mdp.h"
#include "svc.h"
#include "svc_cache.h"
#include "svc_db.h"
#include "svc_snapshot.h"
#include "svc_warm.h"

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

/*  Reads the data version of the data the instance reads (its snapshot's connection when it
    has a store, else its query connection) into *version. Returns 0, or -1. */
int svc_read_db_version (svc_t *self, long long *version);

/*  Between batches (svc_main): the version checked once a second; one view of a warm run. */
void svc_warm_next (svc_t *self);

/*  True while a warm run has views left: svc_main then does not sleep between batches. */
bool svc_warm_running (svc_t *self);

#endif
