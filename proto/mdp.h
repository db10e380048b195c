/*  mdp: the Majordomo Protocol MDP/0.1 (ZeroMQ RFC 7) on the wire. The only place where MDP
    frames are built or read: the broker, every worker and every client go through here.

    Frames (as the broker's ROUTER socket sees them, after the peer's routing id):
      client request:   "" , "MDPC01", service, body...
      client reply:     "" , "MDPC01", service, body...           (broker -> client)
      worker READY:     "" , "MDPW01", 0x01, service [, credit]
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
    a request the worker no longer holds is ignored. */
#ifndef PROTO_MDP_H
#define PROTO_MDP_H

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

/*  ---------------------------------------------------------------------------------------
    Broker side: messages received on, and sent through, a ROUTER socket. */

typedef struct {
    zframe_t *sender;            /* routing id of the peer that sent it */
    bool from_worker;            /* "MDPW01" (true) or "MDPC01" (false) */
    mdp_command_t command;       /* worker messages only */
    char service[MDP_SERVICE_MAX + 1]; /* client request, worker READY; else "" */
    int credit;                  /* worker READY: its credit (1 when it announced none) */
    zframe_t *client;            /* worker REPLY: the client address frame; else NULL */
    zframe_t *body;              /* client request, worker REPLY: the body frame; else NULL */
    /*  Worker READY on a CURVE socket (mdp_curve.h): the peer's public key (Z85) and the
        service its certificate names, as the ZAP handler set them; "" otherwise. */
    char peer_key[41];
    char peer_service[MDP_SERVICE_MAX + 1];
} mdp_router_msg_t;

/*  One frame of a received message: bytes that stay the caller's. */
typedef struct {
    const void *data;
    size_t size;
} mdp_part_t;

/*  Reads a message a ROUTER socket received, frame by frame (parts[0] is the sender's
    routing id; count frames). Returns a new message (the frames it keeps are copied), or
    NULL when it is malformed, as mdp_router_msg_recv() describes. peer_key and
    peer_service stay "": only the socket knows them. */
mdp_router_msg_t *mdp_router_msg_parse (const mdp_part_t *parts, size_t count);

/*  Reads a message a worker received from the broker (count frames, the first the empty
    delimiter). Returns MDP_HEARTBEAT or MDP_DISCONNECT, MDP_REQUEST with *client and *body
    pointing at those frames of parts, MDP_CANCEL with *client, or 0 when the message is
    malformed (wrong header, another command, missing or extra frames): a worker drops it
    whole. */
int mdp_worker_msg_parse (const mdp_part_t *parts, size_t count, mdp_part_t *client,
                          mdp_part_t *body);

/*  Receives one message from router without blocking. Returns NULL when nothing is waiting
    or when the message was malformed (wrong header, unknown command, missing or extra
    frames, a body of more than one frame): malformed messages are dropped whole, never
    acted on. *dropped is set to true for a dropped message (may be NULL). */
mdp_router_msg_t *mdp_router_msg_recv (zsock_t *router, bool *dropped);

/*  Destroys the message and nulls the caller's pointer. NULL-safe. */
void mdp_router_msg_destroy (mdp_router_msg_t **self_p);

/*  Sends a REQUEST to worker carrying client's address and body (body is taken, and
    nulled). Returns 0, or -1 when the socket refused it. */
int mdp_router_send_request (zsock_t *router, zframe_t *worker, zframe_t *client,
                             zframe_t **body_p);

/*  Sends a reply to an MDP client: "", "MDPC01", service, body (body is taken).
    Returns 0, or -1. */
int mdp_router_send_client_reply (zsock_t *router, zframe_t *client, const char *service,
                                  zframe_t **body_p);

/*  Sends a HEARTBEAT or DISCONNECT (command) to worker. Returns 0, or -1. */
int mdp_router_send_command (zsock_t *router, zframe_t *worker, mdp_command_t command);

/*  Sends worker a CANCEL of the request it holds for client. Returns 0, or -1. */
int mdp_router_send_cancel (zsock_t *router, zframe_t *worker, zframe_t *client);

/*  ---------------------------------------------------------------------------------------
    Worker side: mdp_worker_t is a worker's connection to its brokers: one MDP session per
    broker of its endpoint list (BROKER_ENDPOINT: "tcp://a:5555,tcp://b:5555"), each with
    its own socket, heartbeats, credit and reconnects. Each session sends READY, exchanges
    heartbeats, and reconnects when its broker goes silent; a request is answered on the
    session it came from.

    It has no thread of its own (zguide's mdwrkapi): the DEALER sockets belong to the
    caller's thread, and the worker heartbeats only while the caller is inside
    mdp_worker_recv() or mdp_worker_wait_fd(). A handler that may run longer than
    MDP_HEARTBEAT_MS * MDP_LIVENESS must do its waiting in mdp_worker_wait_fd() (the
    service framework waits for PostgreSQL there), or the broker purges the instance as
    dead. One worker is used by one thread at a time. */

typedef struct _mdp_worker_t mdp_worker_t;

/*  The most brokers one worker serves. */
#define MDP_BROKERS_MAX 8

/*  Checks a broker endpoint list: 1..MDP_BROKERS_MAX comma-separated endpoints, each
    tcp://HOST:PORT, ipc://PATH or inproc://NAME, none empty or listed twice. Returns how
    many, or -1 with a one-line reason naming BROKER_ENDPOINT in err. */
int mdp_endpoint_list_check (const char *list, char *err, size_t errlen);

/*  Connects a worker for service to every broker of endpoint (a list as
    mdp_endpoint_list_check() accepts) and sends each READY with credit (1..MDP_CREDIT_MAX:
    how many requests each broker may give it at once; 1 is plain MDP/0.1). Returns NULL
    when a socket cannot be created, the list is malformed or credit is out of range. */
mdp_worker_t *mdp_worker_new (const char *endpoint, const char *service, int credit);

/*  Sends DISCONNECT to every broker, closes the sockets and nulls the caller's pointer.
    NULL-safe. */
void mdp_worker_destroy (mdp_worker_t **self_p);

/*  Waits up to timeout_ms (-1: forever, 0: only what is already there) for the next
    request, meanwhile sending heartbeats that fall due and reconnecting (new socket, new
    routing id, READY) a session whose broker has been silent for MDP_LIVENESS heartbeats;
    the sessions are read in turn. Returns the request body frame and sets *reply_to to
    pass to mdp_worker_send (opaque: the session's index byte, then the client address);
    returns NULL on timeout, on interrupt (zsys_interrupted) or when a broker sent
    DISCONNECT (that session has reconnected already). */
zframe_t *mdp_worker_recv (mdp_worker_t *self, int timeout_ms, zframe_t **reply_to);

/*  Waits up to timeout_ms (-1: forever) for fd to become ready for events (ZMQ_POLLIN /
    ZMQ_POLLOUT, as zmq_poll), meanwhile sending heartbeats that fall due and reading the
    broker's messages (a broker heartbeat refreshes its liveness), so a request that takes
    long is not taken for a dead worker. fd < 0 waits for nothing: a sleep that keeps
    heartbeating. When a broker goes silent for MDP_LIVENESS heartbeats or sends
    DISCONNECT, its session's connection is closed (the reply to a request in hand from it
    will be dropped) and the next mdp_worker_recv() opens a new one. Returns 1 when fd is ready, 0 on
    timeout, MDP_WAIT_CANCEL when a CANCEL came for a request in hand (taken or read: see
    mdp_worker_cancelled), -1 when a signal interrupted the wait (zsys_interrupted says
    whether it asks the process to stop) or when nothing could end it (fd < 0, no timeout,
    no socket). */
#define MDP_WAIT_CANCEL 2
int mdp_worker_wait_fd (mdp_worker_t *self, int fd, short events, int timeout_ms);

/*  True when the broker cancelled the request of reply_to (a request taken and not yet
    answered): nobody waits for its answer, which must still be sent. */
bool mdp_worker_cancelled (mdp_worker_t *self, const zframe_t *reply_to);

/*  Sends body as the REPLY to reply_to; takes and nulls both. Returns 0, or -1 when it
    was not sent: the socket refused it, or the connection the request came on was lost
    since (the broker knew us by the old routing id and has failed or re-sent the
    request already). */
int mdp_worker_send (mdp_worker_t *self, zframe_t **reply_to, zframe_t **body_p);

/*  ---------------------------------------------------------------------------------------
    Client side: a synchronous MDP client, for tools and tests. */

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
