/*  mdp_protocol: the Majordomo Protocol MDP/0.1 (ZeroMQ RFC 7) on the wire: its headers,
    commands, timing and limits, shared by the three sides (mdp_router.h, mdp_worker.h,
    mdp_client.h), the only places where MDP frames are built or read.

    Frames (as the broker's ROUTER socket sees them, after the peer's routing id):
      client request:   "" , "MDPC01", service, body...
      client reply:     "" , "MDPC01", service, body...           (broker -> client)
      worker READY:     "" , "MDPW01", 0x01, service [, credit [, "packed"]]
      worker REQUEST:   "" , "MDPW01", 0x02, client, "", body...  (broker -> worker)
      worker REPLY:     "" , "MDPW01", 0x03, client, "", body...  (worker -> broker)
      worker HEARTBEAT: "" , "MDPW01", 0x04
      worker DISCONNECT:"" , "MDPW01", 0x05
      worker CANCEL:    "" , "MDPW01", 0x06, client              (broker -> worker)
    In this project every body is exactly one frame holding one msgpack map (envelope.h).

    One extension of RFC 7: a worker's READY may carry a fifth frame, its credit: how many
    requests (1..MDP_CREDIT_MAX, in decimal) it accepts at once. Without it the credit is 1,
    which is plain MDP/0.1 (a broker sends a worker its next request after its reply). With
    more, the broker may send the worker several requests before the first reply, and the
    worker may answer them in any order: each REPLY names its request by the client frame,
    which the broker makes unique per request.

    A second extension, for workers that announced a credit (they speak the first): CANCEL
    tells a worker that nobody waits any more for the request of that client frame (the
    HTTP client left, or the gateway's timeout fired). The worker still answers it (the
    broker drops the answer and so learns that the credit is free again), but may stop its
    work first: the service framework cancels the request's PostgreSQL query. A CANCEL for
    a request the worker no longer holds is ignored.

    A third extension, packed messages (proto/README.md): a worker that adds the frame
    "packed" to READY after its credit (which it then always sends, "1" included) lets the
    broker send it REQUEST, HEARTBEAT, CANCEL and DISCONNECT as one frame each; once the
    worker has received a packed message on a connection it sends REPLY, HEARTBEAT and
    DISCONNECT packed too. A packed message is one frame and no empty delimiter (so it
    cannot be a plain one, whose first frame is empty):
      "MDPW01", command byte                                  HEARTBEAT, DISCONNECT
      "MDPW01", command byte, client length (1..255), client  CANCEL
      "MDPW01", command byte, client length, client, body     REQUEST, REPLY
    Under CurveZMQ every frame is a box of its own (sealed by the sender, opened by the
    receiver), so a call costs 4 boxes on the worker link instead of 24 (docs/deployment.md). */
#ifndef PROTO_MDP_PROTOCOL_H
#define PROTO_MDP_PROTOCOL_H

#include <czmq.h>
#include <stdbool.h>

#define MDP_CLIENT "MDPC01"
#define MDP_WORKER "MDPW01"

typedef enum {
    MDP_READY = 1,
    MDP_REQUEST = 2,
    MDP_REPLY = 3,
    MDP_HEARTBEAT = 4,
    MDP_DISCONNECT = 5,
    MDP_CANCEL = 6
} mdp_command_t;

/*  Heartbeat interval both ways, and how many missed heartbeats make a peer dead. A dead
    worker is purged after MDP_HEARTBEAT_MS * MDP_LIVENESS (3 s). */
#define MDP_HEARTBEAT_MS 1000
#define MDP_LIVENESS 3
/*  Longest service name accepted; longer names are a malformed message. */
#define MDP_SERVICE_MAX 64
/*  The largest credit a worker may announce in READY. */
#define MDP_CREDIT_MAX 256
/*  READY's frame after the credit that asks for packed messages (the third extension). */
#define MDP_PACKED "packed"
/*  A packed message's bytes before its client length: the header and the command byte. */
#define MDP_PACKED_HEAD 7

/*  One frame of a message, received or to send: bytes that stay the caller's. */
typedef struct {
    const void *data;
    size_t size;
} mdp_part_t;

#endif
