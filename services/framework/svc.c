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
    the def's views one per turn (svc_warm.h), not sleeping until the run is done.

    One concept per file: svc.c the instance (its connections: svc_new, svc_destroy),
    svc_ctx.c what a handler asks of the framework, svc_batch.c answering requests and the
    warm runs, svc_main.c the process; svc_internal.h what they share. */
#include "svc_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecom_log.h"

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
