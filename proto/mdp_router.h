/*  mdp_router: the broker side of MDP/0.1 (mdp_protocol.h): messages received on, and sent
    through, a ROUTER socket. The broker (gateway/broker.c) holds the socket and the
    scheduling; this holds the frames. */
#ifndef PROTO_MDP_ROUTER_H
#define PROTO_MDP_ROUTER_H

#include "mdp_protocol.h"

/*  A message a ROUTER socket received, parsed and checked. */
typedef struct {
    zframe_t *sender;                  /* routing id of the peer that sent it */
    bool from_worker;                  /* "MDPW01" (true) or "MDPC01" (false) */
    mdp_command_t command;             /* worker messages only */
    char service[MDP_SERVICE_MAX + 1]; /* client request, worker READY; else "" */
    int credit;                        /* worker READY: its credit (1 when it announced none) */
    bool packed;                       /* worker READY: it asks for packed messages; any other
                                          worker message: it came packed (mdp_protocol.h) */
    zframe_t *client;                  /* worker REPLY: the client address frame; else NULL */
    zframe_t *body;                    /* client request, worker REPLY: the body frame; else NULL */
    /*  Worker READY on a CURVE socket (mdp_curve.h): the peer's public key (Z85) and the
        service its certificate names, as the ZAP handler set them; "" otherwise. */
    char peer_key[41];
    char peer_service[MDP_SERVICE_MAX + 1];
} mdp_router_msg_t;

/*  Reads a message a ROUTER socket received, frame by frame (parts[0] is the sender's
    routing id; count frames). Returns a new message (the frames it keeps are copied), or
    NULL when it is malformed, as mdp_router_msg_recv() describes. peer_key and
    peer_service stay "": only the socket knows them. */
mdp_router_msg_t *mdp_router_msg_parse (const mdp_part_t *parts, size_t count);

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

/*  Sends worker (one that asked for packed messages in its READY) command as one packed
    frame: REQUEST with client and body, CANCEL with client, HEARTBEAT or DISCONNECT with
    neither (NULL). The parts stay the caller's. Returns 0, or -1. */
int mdp_router_send_packed (zsock_t *router, zframe_t *worker, mdp_command_t command,
                            const mdp_part_t *client, const mdp_part_t *body);

/*  Sends worker command in the shape it asked for in READY: packed (one frame,
    mdp_router_send_packed) or MDP/0.1's frames: REQUEST with client and body, CANCEL with
    client, HEARTBEAT or DISCONNECT with neither (NULL). The parts stay the caller's and
    each is copied once. Returns 0, or -1 when the socket refused it. */
int mdp_router_send_to_worker (zsock_t *router, zframe_t *worker, bool packed,
                               mdp_command_t command, const mdp_part_t *client,
                               const mdp_part_t *body);

#endif
