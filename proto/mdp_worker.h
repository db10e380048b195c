/*  mdp_worker: the worker side of MDP/0.1 (mdp_protocol.h). */
#ifndef PROTO_MDP_WORKER_H
#define PROTO_MDP_WORKER_H

#include "mdp_protocol.h"

/*  Reads a message a worker received from the broker (count frames: the first the empty
    delimiter, or one packed frame, mdp_protocol.h). Returns MDP_HEARTBEAT or
    MDP_DISCONNECT, MDP_REQUEST with *client and *body pointing at those frames of parts
    (or into the packed frame), MDP_CANCEL with *client, or 0 when the message is malformed
    (wrong header, another command, missing or extra frames or bytes): a worker drops it
    whole. */
int mdp_worker_msg_parse (const mdp_part_t *parts, size_t count, mdp_part_t *client,
                          mdp_part_t *body);

/*  mdp_worker_t is a worker's connection to its brokers: one MDP session per
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
    how many requests each broker may give it at once; 1 is plain MDP/0.1) and the request
    for packed messages (mdp_protocol.h: used on a connection once its broker sends one,
    plain RFC 7 frames until then). Returns NULL
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
    will be dropped) and the next mdp_worker_recv() opens a new one. Returns 1 when fd is
    ready, 0 on timeout, MDP_WAIT_CANCEL when a CANCEL came for a request in hand (taken or read: see
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

#endif
