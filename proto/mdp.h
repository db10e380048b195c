/*  mdp: the Majordomo Protocol MDP/0.1 (ZeroMQ RFC 7), one file pair per side (as zguide's
    mdbroker / mdwrkapi / mdcliapi):
      mdp_protocol.h     the wire: headers, commands, heartbeats, limits, extensions
      mdp_router.c/.h    the broker side: messages on a ROUTER socket (gateway/broker.c)
      mdp_worker.c/.h    a worker's sessions with its brokers (services/framework)
      mdp_client.c/.h    a synchronous client (tools, tests)
    (mdp_frames.c/.h, internal: what the three share.) Including mdp.h gives all three. */
#ifndef PROTO_MDP_H
#define PROTO_MDP_H

#include "mdp_client.h"
#include "mdp_protocol.h"
#include "mdp_router.h"
#include "mdp_worker.h"

#endif
