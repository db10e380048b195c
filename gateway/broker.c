/*  broker: the Majordomo broker inside the gateway (see broker.h and proto/README.md).

    State. A service (by name) has a FIFO queue of calls and a list of its live workers. A
    worker (by routing id) belongs to one service and holds at most its credit of calls
    (announced in READY; 1 for a plain MDP/0.1 worker). A call comes from the gateway
    (broker_call: a callback) or from an external MDP client on the same ROUTER socket (a
    client address to answer). A call is in exactly one place: its service's queue, a
    worker's hands, or (cancelled in a worker's hands) waiting for a reply nobody will read.

    The heart: dispatch() gives the head of a service's queue to the worker holding the
    fewest calls (of those below their credit; among equals the one that got a call least
    recently) whenever the queue or a worker's load changes; for new calls and for the
    credit replies free, once broker_process() has drained the socket, so that the
    requests of one wake-up leave in one burst. Every request carries a client
    frame unique to its call ("call-<n>"), and a REPLY completes the call of that frame among
    those its worker holds. broker_tick() heartbeats every worker once per MDP_HEARTBEAT_MS
    and purges the ones silent for MDP_HEARTBEAT_MS * MDP_LIVENESS; a purged worker's calls
    go back to the front of the queue when they may be retried, else fail; a service left
    without workers fails its whole queue. Every callback runs after the broker's state is
    consistent again, so a callback may call broker_call() or broker_call_cancel().

    Peers that break the protocol are told DISCONNECT and forgotten (RFC 7): a HEARTBEAT
    or REPLY from an unknown worker, a REPLY naming no call its worker holds, a second
    READY. Requests of external clients for a service without workers are dropped (MDP/0.1
    has no error reply; the client times out), as are external calls whose worker died:
    the broker cannot know whether they were idempotent. */

#include "broker.h"

#include <stdio.h>
#include <string.h>

#include "ecom_log.h"
#include "mdp.h"
#include "mdp_curve.h"

/*  The largest frame a peer may send; a larger one closes its connection (ZMQ_MAXMSGSIZE).
    Bodies are one envelope, far below it. */
#define S_MAX_FRAME_BYTES (16 * 1024 * 1024)
/*  How long the closed socket may still try to deliver the DISCONNECTs of broker_destroy. */
#define S_LINGER_MS 200
/*  Most requests external clients may queue per service; more are dropped. */
#define S_EXTERNAL_QUEUE_MAX 1024

typedef struct _service_t service_t;
typedef struct _worker_t worker_t;

struct _service_t {
    char name[MDP_SERVICE_MAX + 1];
    zlistx_t *queue;     /* broker_call_t *, oldest first */
    zlistx_t *ready;     /* worker_t *: its live workers, the least recently given a call
                            first */
    size_t workers;      /* live workers (the size of ready) */
    size_t external;     /* calls from external clients in queue */
};

struct _worker_t {
    char *identity;      /* routing id in hex: the key in broker->workers */
    zframe_t *address;   /* routing id */
    service_t *service;
    zlistx_t *calls;     /* broker_call_t *: the calls it holds, oldest first */
    size_t credit;       /* the most calls it may hold */
    bool packed;         /* it asked for packed messages in its READY (mdp_protocol.h) */
    void *ready_handle;  /* its place in service->ready */
    int64_t expiry;      /* purged when silent until then */
};

struct _broker_call_t {
    service_t *service;
    zframe_t *body;      /* kept until the call ends: a retry sends it again */
    bool retry;
    broker_reply_fn *cb; /* gateway call, or NULL for an external client's call */
    void *arg;
    zframe_t *client;    /* external client's routing id, or NULL */
    worker_t *worker;    /* the worker holding it, or NULL while queued */
    void *queue_handle;  /* its place in service->queue while queued */
    void *held_handle;   /* its place in worker->calls while held */
    char tag[32];        /* "call-<id>": the client frame of its requests */
    bool cancelled;
    uint64_t id;
};

struct _broker_t {
    zsock_t *router;
    mdp_curve_server_t *curve; /* CURVE_DIR: ZAP handler and allow-list, or NULL */
    zhashx_t *services;  /* name -> service_t */
    zhashx_t *workers;   /* identity -> worker_t */
    int64_t heartbeat_at;
    uint64_t next_call_id;
    bool dispatch_due;   /* broker_call() queued calls that broker_process() is to send */
    int64_t grace_until; /* start grace: calls for services without workers are held until
                            then (zclock_mono); 0 once over */
};

/*  A finished call whose callback is still to run. */
typedef struct {
    broker_call_t *call;
    broker_result_t result;
} s_done_t;

static void s_service_dispatch (broker_t *self, service_t *service);
static int s_worker_send (broker_t *self, worker_t *worker, mdp_command_t command, const char *tag,
                          zframe_t *body);

/*  =======================================================================================
    Calls */

static void
s_call_destroy (broker_call_t **call_p)
{
    if (!*call_p)
        return;
    zframe_destroy (&(*call_p)->body);
    zframe_destroy (&(*call_p)->client);
    free (*call_p);
    *call_p = NULL;
}

/*  Ends call with result: runs its callback (unless cancelled, or external) and frees it.
    The caller has removed it from every list already. */
static void
s_call_finish (broker_call_t *call, broker_result_t result)
{
    if (call->cb && !call->cancelled)
        call->cb (call->arg, result, NULL, 0);
    else if (call->client)
        ecom_debug ("msg=\"external call dropped\" call=%" PRIu64 " result=%d", call->id,
                    (int) result);
    s_call_destroy (&call);
}

/*  Ends every call in list (broker_call_t *, destroys the list). */
static void
s_calls_finish (zlistx_t **list_p, broker_result_t result)
{
    broker_call_t *call;
    while ((call = zlistx_first (*list_p))) {
        zlistx_delete (*list_p, zlistx_cursor (*list_p));
        s_call_finish (call, result);
    }
    zlistx_destroy (list_p);
}

/*  =======================================================================================
    Services */

static service_t *
s_service_require (broker_t *self, const char *name)
{
    service_t *service = zhashx_lookup (self->services, name);
    if (!service) {
        service = zmalloc (sizeof *service);
        snprintf (service->name, sizeof service->name, "%s", name);
        service->queue = zlistx_new ();
        service->ready = zlistx_new ();
        zhashx_insert (self->services, name, service);
    }
    return service;
}

static void
s_service_free (void **item)
{
    service_t *service = *item;
    if (!service)
        return;
    broker_call_t *call;
    while ((call = zlistx_first (service->queue))) {
        zlistx_delete (service->queue, zlistx_cursor (service->queue));
        s_call_destroy (&call);
    }
    zlistx_destroy (&service->queue);
    zlistx_destroy (&service->ready);
    free (service);
    *item = NULL;
}

/*  Forgets service when nothing refers to it any more, so names sent by rogue workers do
    not pile up. */
static void
s_service_collect (broker_t *self, service_t *service)
{
    if (service->workers == 0 && zlistx_size (service->queue) == 0)
        zhashx_delete (self->services, service->name);
}

/*  The worker of service to give the next call to: the one holding the fewest calls, of
    those below their credit, the least recently given a call among equals; or NULL when
    every worker is at its credit. */
static worker_t *
s_service_pick (service_t *service)
{
    worker_t *best = NULL;
    for (worker_t *worker = zlistx_first (service->ready); worker;
         worker = zlistx_next (service->ready)) {
        size_t held = zlistx_size (worker->calls);
        if (held < worker->credit && (!best || held < zlistx_size (best->calls)))
            best = worker;
        if (best && held == 0)
            break;
    }
    return best;
}

/*  Sends queued calls to workers with credit left, oldest call first, while both are
    there. A ROUTER socket drops what it cannot deliver rather than refuse it, so a request
    lost on its way is noticed as its worker's silence, like any other loss. */
static void
s_service_dispatch (broker_t *self, service_t *service)
{
    worker_t *worker;
    while (zlistx_size (service->queue) && (worker = s_service_pick (service))) {
        zlistx_move_end (service->ready, worker->ready_handle);
        broker_call_t *call = zlistx_first (service->queue);
        zlistx_delete (service->queue, zlistx_cursor (service->queue));
        call->queue_handle = NULL;
        if (call->client)
            service->external--;

        if (s_worker_send (self, worker, MDP_REQUEST, call->tag, call->body) == -1)
            ecom_warn ("msg=\"request not sent\" mdp_service=%s worker=%s", service->name,
                       worker->identity);
        call->worker = worker;
        call->held_handle = zlistx_add_end (worker->calls, call);
    }
}

/*  =======================================================================================
    Workers */

/*  Sends worker command in the shape it asked for, packed or plain MDP/0.1: REQUEST of the
    client frame tag with body, CANCEL of tag, HEARTBEAT or DISCONNECT (tag and body
    NULL). Returns 0, or -1 when the socket refused it. */
static int
s_worker_send (broker_t *self, worker_t *worker, mdp_command_t command, const char *tag,
               zframe_t *body)
{
    mdp_part_t client = {tag, tag ? strlen (tag) : 0};
    mdp_part_t body_part = {body ? zframe_data (body) : NULL, body ? zframe_size (body) : 0};
    return mdp_router_send_to_worker (self->router, worker->address, worker->packed, command,
                                      tag ? &client : NULL, body ? &body_part : NULL);
}

static void
s_worker_free (void **item)
{
    worker_t *worker = *item;
    if (!worker)
        return;
    zframe_destroy (&worker->address);
    zlistx_destroy (&worker->calls);
    free (worker->identity);
    free (worker);
    *item = NULL;
}

/*  Purges worker (telling it DISCONNECT when disconnect). Each call it held goes back to
    the front of the queue (in their order) when it may be retried, else it fails with
    BROKER_WORKER_LOST; when this was the service's last worker, the queue fails with
    BROKER_NO_WORKER. Callbacks run last, once the broker is consistent again. */
static void
s_worker_purge (broker_t *self, worker_t *worker, bool disconnect)
{
    service_t *service = worker->service;
    zlistx_t *lost = zlistx_new ();
    zlistx_t *orphans = NULL;
    char name[MDP_SERVICE_MAX + 1];
    snprintf (name, sizeof name, "%s", service->name);

    if (disconnect)
        s_worker_send (self, worker, MDP_DISCONNECT, NULL, NULL);
    zlistx_delete (service->ready, worker->ready_handle);
    size_t requeued = 0, cancelled = 0;
    broker_call_t *call;
    while ((call = zlistx_last (worker->calls))) { /* last first: they keep their order */
        zlistx_delete (worker->calls, zlistx_cursor (worker->calls));
        call->worker = NULL;
        call->held_handle = NULL;
        if (call->cancelled) {
            cancelled++;
            s_call_destroy (&call);
        }
        else if (call->retry && call->cb) {
            requeued++;
            call->queue_handle = zlistx_add_start (service->queue, call);
        }
        else
            zlistx_add_start (lost, call);
    }
    size_t failed = zlistx_size (lost), queue_failed = 0;
    service->workers--;
    if (service->workers == 0) {
        /*  Nobody is left to take the requeued calls: they fail with the rest of the queue. */
        queue_failed = zlistx_size (service->queue) - requeued;
        failed += requeued;
        requeued = 0;
    }
    ecom_log (service->workers == 0 && failed + queue_failed > 0 ? ECOM_LOG_WARN : ECOM_LOG_INFO,
              "msg=\"worker gone\" mdp_service=%s worker=%s requeued=%zu failed=%zu "
              "cancelled=%zu queue_failed=%zu workers_left=%zu",
              service->name, worker->identity, requeued, failed, cancelled, queue_failed,
              service->workers);
    zhashx_delete (self->workers, worker->identity);

    if (service->workers == 0) {
        orphans = service->queue;
        service->queue = zlistx_new ();
        service->external = 0;
        broker_call_t *queued;
        for (queued = zlistx_first (orphans); queued; queued = zlistx_next (orphans))
            queued->queue_handle = NULL;
    }
    else
        s_service_dispatch (self, service);

    s_calls_finish (&lost, BROKER_WORKER_LOST);
    if (orphans)
        s_calls_finish (&orphans, BROKER_NO_WORKER);
    /*  Only now: the callbacks above may have looked the service up. */
    service = zhashx_lookup (self->services, name);
    if (service)
        s_service_collect (self, service);
}

/*  Tells a peer that broke the protocol to go away; it is forgotten if it was a worker. */
static void
s_worker_reject (broker_t *self, zframe_t *address, worker_t *worker, const char *why)
{
    char *id = zframe_strhex (address);
    ecom_warn ("msg=\"protocol error from worker\" reason=\"%s\" worker=%s", why, id);
    free (id);
    if (worker)
        s_worker_purge (self, worker, true);
    else
        mdp_router_send_command (self->router, address, MDP_DISCONNECT);
}

/*  A READY from an unknown peer: registers it as a worker of service with its credit. */
static void
s_worker_ready (broker_t *self, mdp_router_msg_t *msg, char *identity)
{
    if (!identity)
        return; /* out of memory: the worker's heartbeats will be refused, and it retries */
    service_t *service = s_service_require (self, msg->service);
    worker_t *worker = zmalloc (sizeof *worker);
    worker->identity = identity;
    worker->address = msg->sender;
    msg->sender = NULL;
    worker->service = service;
    worker->calls = zlistx_new ();
    worker->credit = (size_t) msg->credit;
    worker->packed = msg->packed;
    worker->expiry = zclock_mono () + MDP_HEARTBEAT_MS * MDP_LIVENESS;
    zhashx_insert (self->workers, identity, worker);
    service->workers++;
    worker->ready_handle = zlistx_add_end (service->ready, worker);
    ecom_info ("msg=\"worker ready\" mdp_service=%s worker=%s credit=%zu packed=%s workers=%zu",
               service->name, identity, worker->credit, worker->packed ? "true" : "false",
               service->workers);
    s_service_dispatch (self, service);
}

/*  The call worker holds whose tag client names, or NULL. */
static broker_call_t *
s_worker_held (worker_t *worker, zframe_t *client)
{
    for (broker_call_t *call = zlistx_first (worker->calls); call;
         call = zlistx_next (worker->calls))
        if (zframe_streq (client, call->tag))
            return call;
    return NULL;
}

/*  A REPLY from worker: completes the call it names, which worker holds. */
static void
s_worker_reply (broker_t *self, worker_t *worker, broker_call_t *call, mdp_router_msg_t *msg)
{
    service_t *service = worker->service;
    zlistx_delete (worker->calls, call->held_handle);
    call->held_handle = NULL;
    call->worker = NULL;

    if (call->client && !call->cancelled)
        mdp_router_send_client_reply (self->router, call->client, service->name, &msg->body);
    else if (call->cb && !call->cancelled)
        call->cb (call->arg, BROKER_OK, zframe_data (msg->body), zframe_size (msg->body));
    s_call_destroy (&call);
    /*  The credit freed here is used once the socket is drained (broker_process), so the
        requests that replies make room for leave together. */
    self->dispatch_due = true;
}

/*  Writes a routing id (1..255 bytes) as hex into text, the key of broker->workers. */
static void
s_identity_hex (zframe_t *address, char text[2 * 255 + 1])
{
    static const char digits[] = "0123456789ABCDEF";
    const unsigned char *data = zframe_data (address);
    size_t size = zframe_size (address);
    if (size > 255)
        size = 255;
    for (size_t i = 0; i < size; i++) {
        text[2 * i] = digits[data[i] >> 4];
        text[2 * i + 1] = digits[data[i] & 0xF];
    }
    text[2 * size] = '\0';
}

static void
s_handle_worker (broker_t *self, mdp_router_msg_t *msg)
{
    char identity_text[2 * 255 + 1]; /* no allocation per message: most are REPLYs */
    s_identity_hex (msg->sender, identity_text);
    char *identity = identity_text;
    worker_t *worker = zhashx_lookup (self->workers, identity);
    if (worker)
        worker->expiry = zclock_mono () + MDP_HEARTBEAT_MS * MDP_LIVENESS;

    switch (msg->command) {
    case MDP_READY:
        if (worker)
            s_worker_reject (self, msg->sender, worker, "second READY");
        else if (self->curve
                 && !mdp_curve_may_serve (self->curve, msg->peer_key, msg->peer_service,
                                          msg->service))
            mdp_router_send_command (self->router, msg->sender, MDP_DISCONNECT);
        else
            s_worker_ready (self, msg, strdup (identity));
        break;
    case MDP_REPLY: {
        broker_call_t *call = worker ? s_worker_held (worker, msg->client) : NULL;
        if (!worker)
            s_worker_reject (self, msg->sender, NULL, "REPLY from an unknown worker");
        else if (!call)
            s_worker_reject (self, msg->sender, worker, "REPLY to no request it holds");
        else
            s_worker_reply (self, worker, call, msg);
        break;
    }
    case MDP_HEARTBEAT:
        if (!worker)
            s_worker_reject (self, msg->sender, NULL, "HEARTBEAT from an unknown worker");
        break;
    case MDP_DISCONNECT:
        if (worker)
            s_worker_purge (self, worker, false);
        break;
    default:
        break;    /* mdp_router_msg_recv() lets no other command through */
    }
}

/*  =======================================================================================
    Clients */

/*  Queues a call from an external MDP client, or drops it when its service has no worker
    or too many external calls waiting. */
static void
s_handle_client (broker_t *self, mdp_router_msg_t *msg)
{
    service_t *service = zhashx_lookup (self->services, msg->service);
    if (!service || service->workers == 0 || service->external >= S_EXTERNAL_QUEUE_MAX) {
        ecom_debug ("msg=\"external request dropped\" mdp_service=%s reason=%s", msg->service,
                    service && service->workers ? "queue_full" : "no_worker");
        return;
    }
    broker_call_t *call = zmalloc (sizeof *call);
    call->service = service;
    call->body = msg->body;
    msg->body = NULL;
    call->client = msg->sender;
    msg->sender = NULL;
    call->id = ++self->next_call_id;
    snprintf (call->tag, sizeof call->tag, "call-%" PRIu64, call->id);
    call->queue_handle = zlistx_add_end (service->queue, call);
    service->external++;
    s_service_dispatch (self, service);
}

/*  =======================================================================================
    Public API */

broker_t *
broker_new (const char *endpoint, char *err, size_t errlen)
{
    return broker_new_curve (endpoint, NULL, err, errlen);
}

broker_t *
broker_new_curve (const char *endpoint, const char *curve_dir, char *err, size_t errlen)
{
    zsock_t *router = zsock_new (ZMQ_ROUTER);
    if (!router) {
        snprintf (err, errlen, "cannot create a ZeroMQ socket: %s", zmq_strerror (zmq_errno ()));
        return NULL;
    }
    zsock_set_linger (router, 0);
    zsock_set_maxmsgsize (router, S_MAX_FRAME_BYTES);
    zsock_set_sndhwm (router, 100000);
    zsock_set_rcvhwm (router, 100000);
    mdp_curve_server_t *curve = NULL;
    if (curve_dir && !(curve = mdp_curve_server_new (router, curve_dir, err, errlen))) {
        zsock_destroy (&router);
        return NULL;
    }
    if (zsock_bind (router, "%s", endpoint) == -1) {
        snprintf (err, errlen, "cannot bind the broker at %s: %s", endpoint,
                  zmq_strerror (zmq_errno ()));
        mdp_curve_server_destroy (&curve);
        zsock_destroy (&router);
        return NULL;
    }
    broker_t *self = zmalloc (sizeof *self);
    self->router = router;
    self->curve = curve;
    self->services = zhashx_new ();
    zhashx_set_destructor (self->services, s_service_free);
    self->workers = zhashx_new ();
    zhashx_set_destructor (self->workers, s_worker_free);
    self->heartbeat_at = zclock_mono () + MDP_HEARTBEAT_MS;
    return self;
}

void
broker_destroy (broker_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    broker_t *self = *self_p;
    for (worker_t *worker = zhashx_first (self->workers); worker;
         worker = zhashx_next (self->workers)) {
        s_worker_send (self, worker, MDP_DISCONNECT, NULL, NULL);
        broker_call_t *call;
        while ((call = zlistx_first (worker->calls))) {
            zlistx_delete (worker->calls, zlistx_cursor (worker->calls));
            s_call_destroy (&call);
        }
    }
    zhashx_destroy (&self->workers);
    zhashx_destroy (&self->services);
    zsock_set_linger (self->router, S_LINGER_MS);    /* let the DISCONNECTs go out */
    zsock_destroy (&self->router);
    mdp_curve_server_destroy (&self->curve);
    free (self);
    *self_p = NULL;
}

int
broker_fd (broker_t *self)
{
    return zsock_fd (self->router);
}

void
broker_process (broker_t *self)
{
    while (true) {
        bool dropped;
        mdp_router_msg_t *msg = mdp_router_msg_recv (self->router, &dropped);
        if (msg) {
            if (msg->from_worker)
                s_handle_worker (self, msg);
            else
                s_handle_client (self, msg);
            mdp_router_msg_destroy (&msg);
        }
        else if (dropped)
            ecom_debug ("msg=\"malformed message dropped\"");
        else if (self->dispatch_due) {
            /*  The input is drained: now the calls queued since the last turn (and by reply
                callbacks), and those the replies made room for, in one burst, so
                ZeroMQ's I/O thread is woken once for them rather than once each. Then
                receive again: sending takes in ZeroMQ commands, which may swallow the
                socket's next wake-up. */
            self->dispatch_due = false;
            for (service_t *service = zhashx_first (self->services); service;
                 service = zhashx_next (self->services))
                s_service_dispatch (self, service);
        }
        else
            break; /* a receive that finds nothing has taken in every pending ZeroMQ
                      command: the socket's fd fires again when more comes */
    }
}

void
broker_set_grace (broker_t *self, int64_t ms)
{
    self->grace_until = ms > 0 ? zclock_mono () + ms : 0;
}

/*  The start grace is over: what is still queued for services without workers fails. */
static void
s_grace_end (broker_t *self)
{
    self->grace_until = 0;
    zlistx_t *orphans = zlistx_new ();
    size_t services = 0;
    for (service_t *service = zhashx_first (self->services); service;
         service = zhashx_next (self->services)) {
        if (service->workers > 0 || zlistx_size (service->queue) == 0)
            continue;
        services++;
        broker_call_t *call;
        while ((call = zlistx_first (service->queue))) {
            zlistx_delete (service->queue, zlistx_cursor (service->queue));
            call->queue_handle = NULL;
            zlistx_add_end (orphans, call);
        }
        service->external = 0;
    }
    if (zlistx_size (orphans))
        ecom_warn ("msg=\"start grace over, calls for services without workers failed\" "
                   "failed=%zu services=%zu",
                   zlistx_size (orphans), services);
    s_calls_finish (&orphans, BROKER_NO_WORKER);
    /*  Only now: the callbacks above may have looked services up. */
    bool collected = true;
    while (collected) {
        collected = false;
        for (service_t *service = zhashx_first (self->services); service;
             service = zhashx_next (self->services))
            if (service->workers == 0 && zlistx_size (service->queue) == 0) {
                s_service_collect (self, service);
                collected = true;
                break;
            }
    }
}

int64_t
broker_tick (broker_t *self)
{
    int64_t now = zclock_mono ();
    if (self->grace_until && now >= self->grace_until)
        s_grace_end (self);
    if (now >= self->heartbeat_at) {
        for (worker_t *worker = zhashx_first (self->workers); worker;
             worker = zhashx_next (self->workers))
            s_worker_send (self, worker, MDP_HEARTBEAT, NULL, NULL);
        self->heartbeat_at = now + MDP_HEARTBEAT_MS;
    }
    /*  Messages that came in meanwhile prove life: read them before judging. */
    broker_process (self);

    now = zclock_mono ();
    int64_t next = self->heartbeat_at;
    bool purged = true;
    while (purged) {    /* purging runs callbacks, which may change the table: start over */
        purged = false;
        for (worker_t *worker = zhashx_first (self->workers); worker;
             worker = zhashx_next (self->workers)) {
            if (worker->expiry <= now) {
                s_worker_purge (self, worker, false);
                purged = true;
                break;
            }
        }
    }
    for (worker_t *worker = zhashx_first (self->workers); worker;
         worker = zhashx_next (self->workers))
        if (worker->expiry < next)
            next = worker->expiry;
    if (self->grace_until && self->grace_until < next)
        next = self->grace_until;
    /*  Sends above may have swallowed the socket's wake-up. */
    broker_process (self);
    return next > now ? next - now : 1;
}

broker_call_t *
broker_call (broker_t *self, const char *service_name, const void *body, size_t size,
             bool retry, broker_reply_fn *cb, void *arg)
{
    service_t *service = zhashx_lookup (self->services, service_name);
    if (!service || service->workers == 0) {
        if (!self->grace_until || zclock_mono () >= self->grace_until)
            return NULL;
        /*  Start grace: held for the first worker to register (or failed when it ends). */
        service = s_service_require (self, service_name);
    }
    broker_call_t *call = zmalloc (sizeof *call);
    call->service = service;
    call->body = zframe_new (body, size);
    call->retry = retry;
    call->cb = cb;
    call->arg = arg;
    call->id = ++self->next_call_id;
    snprintf (call->tag, sizeof call->tag, "call-%" PRIu64, call->id);
    call->queue_handle = zlistx_add_end (service->queue, call);
    /*  Sent by the next broker_process(): the calls an event-loop turn makes go out
        together, so ZeroMQ's I/O thread is woken once for them rather than once each. */
    self->dispatch_due = true;
    return call;
}

void
broker_call_cancel (broker_t *self, broker_call_t *call)
{
    if (!call)
        return;
    if (call->worker) {
        /*  Freed when the reply comes or the worker dies. A worker that announced a credit
            speaks mdp.h's extensions: told, it stops the call's work (its query). */
        if (!call->cancelled && call->worker->credit > 1)
            s_worker_send (self, call->worker, MDP_CANCEL, call->tag, NULL);
        call->cancelled = true;
    }
    else {
        zlistx_delete (call->service->queue, call->queue_handle);
        s_service_collect (self, call->service);
        s_call_destroy (&call);
    }
}

bool
broker_call_dispatched (const broker_call_t *call)
{
    return call->worker != NULL;
}

size_t
broker_worker_count (broker_t *self, const char *service_name)
{
    service_t *service = zhashx_lookup (self->services, service_name);
    return service ? service->workers : 0;
}
