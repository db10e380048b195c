/*  mdp_client: a synchronous MDP/0.1 client (mdp_protocol.h), for tools and tests. */
#ifndef PROTO_MDP_CLIENT_H
#define PROTO_MDP_CLIENT_H

#include "mdp_protocol.h"

typedef struct _mdp_client_t mdp_client_t;

/*  Connects a client to the broker at endpoint. Returns NULL on failure. */
mdp_client_t *mdp_client_new (const char *endpoint);

/*  Closes the client and nulls the caller's pointer. NULL-safe. */
void mdp_client_destroy (mdp_client_t **self_p);

/*  Sends body (taken) to service and waits up to timeout_ms for the reply body.
    Returns the reply body frame, or NULL on timeout or interrupt. After a timeout the client
    reconnects, so a late reply to an old request is never taken for a new one. */
zframe_t *mdp_client_call (mdp_client_t *self, const char *service, zframe_t **body_p,
                           int timeout_ms);

#endif
