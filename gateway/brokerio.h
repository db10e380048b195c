/*  brokerio: runs the in-process broker (broker.h) inside h2o's event loop.

    The broker's ZeroMQ socket signals through ZMQ_FD, edge-triggered: a wake-up means
    "look at ZMQ_EVENTS", and a message that arrives while we were busy raises no new edge.
    h2o polls level-triggered and closes the fds it wraps, so brokerio wraps a dup() of
    ZMQ_FD with H2O_SOCKET_FLAG_DONT_READ (h2o never reads it) and calls broker_process()
    on every wake-up. Callers that make the broker send (broker_call) call
    broker_process() right after, and the server calls brokerio_run_due() after every loop
    iteration, so input is drained even when no edge comes.

    Heartbeats: broker_tick() says when it wants to run next; h2o 2.2 timers are lists of
    one fixed duration each, so instead of a timer the server passes brokerio_wait_ms() as
    the loop's max_wait and brokerio_run_due() ticks when the time has come. */
#ifndef GATEWAY_BROKERIO_H
#define GATEWAY_BROKERIO_H

#include <stdint.h>

#include <h2o.h>

#include "broker.h"

typedef struct _brokerio_t brokerio_t;

/*  Watches broker's socket in loop. Returns NULL (errno set) when the fd cannot be
    duplicated. */
brokerio_t *brokerio_new (h2o_loop_t *loop, broker_t *broker);

/*  Stops watching (closes the duplicate fd), nulls the caller's pointer. NULL-safe. Must
    run before the loop is destroyed. The broker stays untouched. */
void brokerio_destroy (brokerio_t **self_p);

/*  Milliseconds until the broker's next tick is due (0 when due now), for the loop's
    max_wait. */
int32_t brokerio_wait_ms (brokerio_t *self);

/*  Drains the broker's input and runs broker_tick() when it is due. */
void brokerio_run_due (brokerio_t *self);

#endif
