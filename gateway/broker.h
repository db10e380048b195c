/*  broker: the Majordomo broker (MDP/0.1, ZeroMQ RFC 7), living inside the gateway process.

    It binds one ROUTER socket at BROKER_ENDPOINT. Workers (the services) connect and send
    READY; external MDP clients connect and send requests; the gateway's own HTTP handlers
    call broker_call() in-process, so an HTTP request costs no extra socket hop. Everything
    runs on the caller's thread: the gateway watches broker_fd() in its event loop, calls
    broker_process() when it fires, and broker_tick() when broker_tick()'s answer says.

    Each service has a queue of requests and a list of workers; a worker holds up to its
    credit of requests at once (announced in READY, proto/mdp.h; 1 for a plain MDP/0.1
    worker), and a request goes to the live worker holding the fewest. Each request carries
    a client frame unique to its call, and a REPLY completes the call its frame names among
    those its worker holds. broker_call() queues; the next broker_process() sends, so the
    calls of one event-loop turn leave together. A worker silent for MDP_HEARTBEAT_MS *
    MDP_LIVENESS is purged; each request it held is queued again when its call allows a
    retry, else failed with BROKER_WORKER_LOST. When the last worker of a service is purged,
    that service's queued calls fail with BROKER_NO_WORKER.

    Start grace (broker_set_grace): a gateway that has just started has not heard from its
    workers yet (a restarted gateway: they re-register within about a second). For the grace
    period after broker_set_grace(), a call for a service without a worker is queued instead
    of refused; the first worker of that service to register takes it, and whatever is still
    queued for a service without workers when the grace ends fails with BROKER_NO_WORKER. */
#ifndef GATEWAY_BROKER_H
#define GATEWAY_BROKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _broker_t broker_t;
typedef struct _broker_call_t broker_call_t;

typedef enum {
    BROKER_OK = 0,         /* reply holds the worker's reply body */
    BROKER_NO_WORKER,      /* the service has no live worker (left) */
    BROKER_WORKER_LOST     /* the worker died holding a call that may not be retried */
} broker_result_t;

/*  Called once per call, unless it was cancelled first. reply/size is the reply body frame
    (valid only during the callback); NULL unless result is BROKER_OK. */
typedef void (broker_reply_fn) (void *arg, broker_result_t result, const void *reply,
                                size_t size);

/*  Binds a ROUTER socket at endpoint. Returns NULL with a message in err when it cannot. */
broker_t *broker_new (const char *endpoint, char *err, size_t errlen);

/*  broker_new() with CurveZMQ when curve_dir is not NULL (SPEC §11, proto/mdp_curve.h): the
    socket serves CURVE with curve_dir/broker_secret, accepts only peers whose public key is
    a certificate in curve_dir, and a peer may register (READY) only for the service its
    certificate names; others are told DISCONNECT and logged once with their key. */
broker_t *broker_new_curve (const char *endpoint, const char *curve_dir, char *err,
                            size_t errlen);

/*  From now on for ms, calls for services without workers are held (see above). */
void broker_set_grace (broker_t *self, int64_t ms);

/*  Sends DISCONNECT to every worker, fails no callbacks, closes the socket and nulls the
    caller's pointer. NULL-safe. */
void broker_destroy (broker_t **self_p);

/*  The socket's ZMQ_FD, to watch for reading (edge-triggered: call broker_process() after
    every wake-up). Never close it; dup() it for an event loop that closes what it wraps. */
int broker_fd (broker_t *self);

/*  Handles every message waiting on the socket, until ZMQ_EVENTS shows no more input.
    Malformed messages are dropped. Calls reply callbacks. */
void broker_process (broker_t *self);

/*  Sends due heartbeats and purges dead workers. Returns the milliseconds until it wants to
    be called again. */
int64_t broker_tick (broker_t *self);

/*  Queues body (copied) for service, to be sent by the next broker_process(). Returns NULL,
    without calling cb, when the service has no live worker now (and the start grace is
    over); otherwise cb is called
    exactly once later (from broker_process() or broker_tick()) unless broker_call_cancel()
    comes first. retry says whether the call may be
    sent to another worker when the one holding it dies (true only for idempotent ops). */
broker_call_t *broker_call (broker_t *self, const char *service, const void *body,
                            size_t size, bool retry, broker_reply_fn *cb, void *arg);

/*  Forgets a pending call (its callback will not run); a reply that comes later is dropped.
    A worker holding it that announced a credit is sent a CANCEL (proto/mdp.h), so it can
    stop the call's work. Must not be called after the callback ran. */
void broker_call_cancel (broker_t *self, broker_call_t *call);

/*  True when the call is in a worker's hands (sent, no reply yet), false while queued. */
bool broker_call_dispatched (const broker_call_t *call);

/*  The number of live workers registered for service. */
size_t broker_worker_count (broker_t *self, const char *service);

#endif
