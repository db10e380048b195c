/*  pending: the calls the API handler (api.c) has handed to the broker and not yet answered,
    from broker_call() to the HTTP answer: the service's reply (rendered as JSON, X-Cache
    from its "cache" field), a worker lost or missing (503), the timeout (504 when a worker
    had the call, 503 when it was still queued), the client leaving (its call cancelled,
    logged with status 499), the gateway's shutdown (503). A throttled route's attempt is
    counted from the call to its answer (throttle.h).

    h2o 2.2 stops reading an HTTP/1 connection while its request is being handled, so it
    notices a disconnect only when it writes the answer. The set therefore looks at the
    sockets of its calls every PENDING_SWEEP_MS: one that reads end-of-file has gone, and its
    call is cancelled. A call's memory lives in its request's pool (h2o_mem_alloc_shared);
    its dispose callback cancels a call still pending, whatever the reason the request went
    away. One set per API handler, used from the loop's thread only. */
#ifndef GATEWAY_PENDING_H
#define GATEWAY_PENDING_H

#include <stdbool.h>
#include <stddef.h>

#include <h2o.h>

#include "broker.h"
#include "routes.h"
#include "throttle.h"

#define PENDING_SWEEP_MS 200

/*  The calls waiting for a service. Its fields are the module's; read count. */
typedef struct {
    broker_t *broker;
    throttle_t *throttle;
    int timeout_ms;
    bool stopping;         /* pending_shutdown() was called */
    h2o_loop_t *loop;      /* set by pending_start() */
    h2o_timeout_t timeout; /* one list: every call has the same timeout */
    h2o_timeout_t sweep;   /* PENDING_SWEEP_MS, for the disconnect check */
    h2o_timeout_entry_t sweep_entry;
    h2o_linklist_t calls; /* pending_t.link, oldest first */
    size_t count;
} pending_set_t;

/*  Prepares an empty set whose calls go to broker and time out after timeout_ms; throttle
    counts the attempts of throttled routes. */
void pending_init (pending_set_t *self, broker_t *broker, throttle_t *throttle, int timeout_ms);

/*  Starts the set's timers on loop (h2o's on_context_init). */
void pending_start (pending_set_t *self, h2o_loop_t *loop);

/*  Cancels the calls left unanswered and disposes of the timers (h2o's
    on_context_dispose). */
void pending_stop (pending_set_t *self, h2o_loop_t *loop);

/*  Hands the request body (size bytes, copied) for route to the broker and answers req when
    the reply, the timeout or the client's leaving comes. addr, when not NULL, is the
    client's address for a throttled route: the attempt is counted until the answer. csv:
    a 200 answer goes out as the CSV download of route's op (export.h; errors stay JSON).
    Answers 503 at once when no instance of the service is running. */
void pending_call (pending_set_t *self, h2o_req_t *req, const route_t *route, const char *body,
                   size_t size, const char *addr, bool csv);

/*  Starts the shutdown: every call is cancelled and answered 503; from now on every answer
    closes its connection. */
void pending_shutdown (pending_set_t *self);

#endif
