/*  server: the gateway process. One thread, one h2o event loop that serves HTTP/1.1 on
    API_HOST:API_PORT and runs the in-process broker on BROKER_ENDPOINT.

    The loop: h2o waits for sockets (HTTP connections, the broker's ZMQ_FD, the signal
    pipe) or until the broker's next heartbeat is due; then the broker drains its input and
    ticks when due. SIGINT or SIGTERM ends the loop: the listener closes, pending calls are
    answered 503, idle keep-alive connections are shut down, and everything is freed. */
#ifndef GATEWAY_SERVER_H
#define GATEWAY_SERVER_H

#include <stddef.h>

#include "ecom_config.h"

typedef struct _server_t server_t;

/*  Binds the broker and the HTTP listener as config says. Returns NULL with a one-line
    message in err when a socket cannot be bound or config lacks JWT_SECRET. */
server_t *server_new (const ecom_config_t *config, char *err, size_t errlen);

/*  Serves until SIGINT or SIGTERM. Returns 0 after a clean stop, -1 when the event loop
    failed. */
int server_run (server_t *self);

/*  Frees everything and nulls the caller's pointer. NULL-safe. */
void server_destroy (server_t **self_p);

#endif
