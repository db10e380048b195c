/*  mdp_router: the broker side of MDP/0.1: messages received on, and sent through, a ROUTER
    socket (mdp_router.h; proto/README.md).

    It reads straight from the ROUTER socket with ZMQ_DONTWAIT and keeps at most
    MDP_MAX_FRAMES frames of a message: the rest of a longer one is received and thrown
    away, so a peer cannot make the broker hold more than a few frames per message. */

#include "mdp_router.h"

#include <stdlib.h>
#include <string.h>

#include "mdp_curve.h"
#include "mdp_frames.h"

/*  ZeroMQ routing ids are 1..255 bytes. */
#define S_ADDRESS_MAX 255

/*  Reads a READY's credit: 1..MDP_CREDIT_MAX in decimal, no sign, no leading zero. */
static bool
s_credit_parse (const void *bytes, size_t size, int *credit)
{
    const char *data = bytes;
    if (size == 0 || size > 3 || data[0] == '0')
        return false;
    int value = 0;
    for (size_t i = 0; i < size; i++) {
        if (data[i] < '0' || data[i] > '9')
            return false;
        value = value * 10 + (data[i] - '0');
    }
    *credit = value;
    return value <= MDP_CREDIT_MAX;
}

/*  Reads a worker's command: parts are sender, "", MDPW01, command, ... Returns false when
    the command or its frames are malformed. */
static bool
s_worker_command_parse (mdp_router_msg_t *self, const mdp_part_t *parts, size_t count)
{
    self->from_worker = true;
    self->command = (mdp_command_t) ((const unsigned char *) parts[3].data)[0];
    switch (self->command) {
    case MDP_READY: /* sender, "", MDPW01, 0x01, service [, credit [, "packed"]] */
        self->credit = 1;
        self->packed = count == 7 && mdp_part_is (&parts[6], MDP_PACKED);
        return (count == 5 || count == 6 || self->packed)
               && (count == 5 || s_credit_parse (parts[5].data, parts[5].size, &self->credit))
               && mdp_service_parse (parts[4].data, parts[4].size, self->service);
    case MDP_REPLY: /* sender, "", MDPW01, 0x03, client, "", body */
        if (count != 7 || parts[4].size == 0 || parts[4].size > S_ADDRESS_MAX || parts[5].size != 0)
            return false;
        self->client = mdp_part_frame (&parts[4]);
        self->body = mdp_part_frame (&parts[6]);
        return true;
    case MDP_HEARTBEAT: /* sender, "", MDPW01, command */
    case MDP_DISCONNECT:
        return count == 4;
    default: /* REQUEST never comes from a worker */
        return false;
    }
}

/*  Reads a packed worker message (parts: sender, frame): REPLY, HEARTBEAT or DISCONNECT.
    Returns false when it is malformed or another command. */
static bool
s_packed_parse (mdp_router_msg_t *self, const mdp_part_t *parts)
{
    mdp_part_t client, body;
    int command = mdp_packed_parse (&parts[1], &client, &body);
    self->from_worker = true;
    self->packed = true;
    self->command = (mdp_command_t) command;
    if (command == MDP_REPLY) {
        self->client = mdp_part_frame (&client);
        self->body = mdp_part_frame (&body);
    }
    return command == MDP_REPLY || command == MDP_HEARTBEAT || command == MDP_DISCONNECT;
}

mdp_router_msg_t *
mdp_router_msg_parse (const mdp_part_t *parts, size_t count)
{
    bool packed = count == 2 && parts[0].size > 0 && parts[1].size > 0;
    if (!packed && (count < 4 || parts[0].size == 0 || parts[1].size != 0))
        return NULL;
    mdp_router_msg_t *self = zmalloc (sizeof *self);
    bool valid;
    if (packed)
        valid = s_packed_parse (self, parts);
    else if (mdp_part_is (&parts[2], MDP_CLIENT)) {
        /*  sender, "", MDPC01, service, body */
        valid = count == 5 && mdp_service_parse (parts[3].data, parts[3].size, self->service);
        if (valid)
            self->body = mdp_part_frame (&parts[4]);
    }
    else
        valid = mdp_part_is (&parts[2], MDP_WORKER) && parts[3].size == 1
                && s_worker_command_parse (self, parts, count);
    if (valid)
        self->sender = mdp_part_frame (&parts[0]);
    else
        mdp_router_msg_destroy (&self);
    return self;
}

mdp_router_msg_t *
mdp_router_msg_recv (zsock_t *router, bool *dropped)
{
    if (dropped)
        *dropped = false;
    mdp_incoming_t in;
    size_t count = mdp_incoming_recv (router, &in);
    if (count == 0)
        return NULL;
    mdp_part_t parts[MDP_MAX_FRAMES];
    mdp_incoming_parts (&in, parts);
    mdp_router_msg_t *self = in.overflow ? NULL : mdp_router_msg_parse (parts, count);
    if (self && self->from_worker && self->command == MDP_READY) {
        /*  Set by the ZAP handler on a CURVE connection (mdp_curve.c). */
        const char *key = zmq_msg_gets (&in.parts[2], "User-Id");
        const char *service = zmq_msg_gets (&in.parts[2], MDP_CURVE_PROPERTY);
        snprintf (self->peer_key, sizeof self->peer_key, "%s", key ? key : "");
        snprintf (self->peer_service, sizeof self->peer_service, "%s", service ? service : "");
    }
    mdp_incoming_close (&in);
    if (!self && dropped)
        *dropped = true;
    return self;
}

void
mdp_router_msg_destroy (mdp_router_msg_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    mdp_router_msg_t *self = *self_p;
    zframe_destroy (&self->sender);
    zframe_destroy (&self->client);
    zframe_destroy (&self->body);
    free (self);
    *self_p = NULL;
}

int
mdp_router_send_to_worker (zsock_t *router, zframe_t *worker, bool packed, mdp_command_t command,
                           const mdp_part_t *client, const mdp_part_t *body)
{
    if (packed)
        return mdp_router_send_packed (router, worker, command, client, body);
    /*  worker, "", MDPW01, command [, client [, "", body]] */
    mdp_part_t parts[7] = {MDP_PART_FRAME (worker), MDP_PART_TEXT (""), MDP_PART_TEXT (MDP_WORKER),
                           MDP_PART_COMMAND (command)};
    size_t count = 4;
    if (client)
        parts[count++] = *client;
    if (client && body) {
        parts[count++] = MDP_PART_TEXT ("");
        parts[count++] = *body;
    }
    return mdp_send_parts (router, parts, count);
}

int
mdp_router_send_request (zsock_t *router, zframe_t *worker, zframe_t *client, zframe_t **body_p)
{
    mdp_part_t client_part = MDP_PART_FRAME (client), body_part = MDP_PART_FRAME (*body_p);
    int rc =
        mdp_router_send_to_worker (router, worker, false, MDP_REQUEST, &client_part, &body_part);
    zframe_destroy (body_p);
    return rc;
}

int
mdp_router_send_client_reply (zsock_t *router, zframe_t *client, const char *service,
                              zframe_t **body_p)
{
    mdp_part_t parts[] = {MDP_PART_FRAME (client),
                          MDP_PART_TEXT (""),
                          MDP_PART_TEXT (MDP_CLIENT),
                          {service, strlen (service)},
                          MDP_PART_FRAME (*body_p)};
    int rc = mdp_send_parts (router, parts, sizeof parts / sizeof parts[0]);
    zframe_destroy (body_p);
    return rc;
}

int
mdp_router_send_command (zsock_t *router, zframe_t *worker, mdp_command_t command)
{
    return mdp_router_send_to_worker (router, worker, false, command, NULL, NULL);
}

int
mdp_router_send_packed (zsock_t *router, zframe_t *worker, mdp_command_t command,
                        const mdp_part_t *client, const mdp_part_t *body)
{
    mdp_part_t address = MDP_PART_FRAME (worker);
    return mdp_send_packed (router, &address, command, client, body);
}

int
mdp_router_send_cancel (zsock_t *router, zframe_t *worker, zframe_t *client)
{
    mdp_part_t client_part = MDP_PART_FRAME (client);
    return mdp_router_send_to_worker (router, worker, false, MDP_CANCEL, &client_part, NULL);
}
