/*  mdp_frames: what the router, worker and client sides of MDP share (mdp_frames.h):
    service names, sending a message from parts, DEALER sockets, receiving a message in
    place. */

#include "mdp_frames.h"

#include <string.h>

#include "mdp_curve.h"

/*  True when data/size is a valid service name: 1..MDP_SERVICE_MAX printable ASCII
    bytes, no spaces. Copies it, NUL-terminated, into service when it is. */
bool
mdp_service_parse (const void *bytes, size_t size, char service[MDP_SERVICE_MAX + 1])
{
    const unsigned char *data = bytes;
    if (size == 0 || size > MDP_SERVICE_MAX)
        return false;
    for (size_t i = 0; i < size; i++)
        if (data[i] <= 0x20 || data[i] >= 0x7f)
            return false;
    memcpy (service, data, size);
    service[size] = 0;
    return true;
}

/*  True when name would pass mdp_service_parse(). */
bool
mdp_service_valid (const char *name)
{
    char service[MDP_SERVICE_MAX + 1];
    return name && mdp_service_parse (name, strlen (name), service);
}

const unsigned char mdp_command_bytes[] = {
    0, MDP_READY, MDP_REQUEST, MDP_REPLY, MDP_HEARTBEAT, MDP_DISCONNECT, MDP_CANCEL};

/*  Sends parts (count of them) as one message without blocking; zmq_send copies them, so
    no frame object is made for a header. Returns 0, or -1 when the socket did not take
    the message. */
int
mdp_send_parts (zsock_t *sock, const mdp_part_t *parts, size_t count)
{
    void *handle = zsock_resolve (sock);
    for (size_t i = 0; i < count; i++) {
        int flags = ZMQ_DONTWAIT | (i + 1 < count ? ZMQ_SNDMORE : 0);
        if (zmq_send (handle, parts[i].data, parts[i].size, flags) == -1) {
            /*  After the first frame ZeroMQ takes the rest of a message whole. */
            if (i == 0)
                return -1;
        }
    }
    return 0;
}

/*  Sends command as one packed frame, after address's frame when address is set: the
    frame is built once in a message ZeroMQ then owns (zmq_msg_send: no second copy). */
int
mdp_send_packed (zsock_t *sock, const mdp_part_t *address, mdp_command_t command,
                 const mdp_part_t *client, const mdp_part_t *body)
{
    if (client && (client->size == 0 || client->size > 255))
        return -1;
    size_t size = MDP_PACKED_HEAD + (client ? 1 + client->size : 0) + (body ? body->size : 0);
    zmq_msg_t msg;
    if (zmq_msg_init_size (&msg, size) == -1)
        return -1;
    unsigned char *at = zmq_msg_data (&msg);
    memcpy (at, MDP_WORKER, MDP_PACKED_HEAD - 1);
    at[MDP_PACKED_HEAD - 1] = (unsigned char) command;
    at += MDP_PACKED_HEAD;
    if (client) {
        *at++ = (unsigned char) client->size;
        memcpy (at, client->data, client->size);
        at += client->size;
    }
    if (body && body->size)
        memcpy (at, body->data, body->size);
    void *handle = zsock_resolve (sock);
    if (address
        && zmq_send (handle, address->data, address->size, ZMQ_DONTWAIT | ZMQ_SNDMORE) == -1) {
        zmq_msg_close (&msg);
        return -1;
    }
    /*  After the first frame ZeroMQ takes the rest of a message whole. */
    if (zmq_msg_send (&msg, handle, ZMQ_DONTWAIT) == -1) {
        zmq_msg_close (&msg);
        return address ? 0 : -1;
    }
    return 0;
}

int
mdp_packed_parse (const mdp_part_t *frame, mdp_part_t *client, mdp_part_t *body)
{
    const unsigned char *data = frame->data;
    if (frame->size < MDP_PACKED_HEAD || memcmp (data, MDP_WORKER, MDP_PACKED_HEAD - 1) != 0)
        return 0;
    int command = data[MDP_PACKED_HEAD - 1];
    size_t rest = frame->size - MDP_PACKED_HEAD;
    if (command == MDP_HEARTBEAT || command == MDP_DISCONNECT)
        return rest == 0 ? command : 0;
    if (command != MDP_REQUEST && command != MDP_REPLY && command != MDP_CANCEL)
        return 0;
    size_t client_size = rest > 0 ? data[MDP_PACKED_HEAD] : 0;
    if (client_size == 0 || client_size > rest - 1)
        return 0;
    size_t body_size = rest - 1 - client_size;
    if (command == MDP_CANCEL && body_size != 0)
        return 0;
    *client = (mdp_part_t){data + MDP_PACKED_HEAD + 1, client_size};
    if (command != MDP_CANCEL)
        *body = (mdp_part_t){data + MDP_PACKED_HEAD + 1 + client_size, body_size};
    return command;
}

/*  Creates a DEALER connected to endpoint (connect only: "@" or ">" prefixes are not
    interpreted). Returns NULL when the endpoint is malformed. */
zsock_t *
mdp_dealer_new (const char *endpoint)
{
    zsock_t *sock = zsock_new (ZMQ_DEALER);
    if (!sock)
        return NULL;
    zsock_set_linger (sock, 0);
    mdp_curve_apply (sock); /* CURVE keys, when mdp_curve_use() set them */
    if (zsock_connect (sock, "%s", endpoint) == -1)
        zsock_destroy (&sock);
    return sock;
}

/*  Receives one whole message from sock without blocking into in (close it with
    mdp_incoming_close). Returns the number of parts kept, 0 when nothing was waiting. */
size_t
mdp_incoming_recv (zsock_t *sock, mdp_incoming_t *in)
{
    void *handle = zsock_resolve (sock);
    in->count = 0;
    in->overflow = false;
    for (;;) {
        zmq_msg_t spare;
        zmq_msg_t *part = in->count < MDP_MAX_FRAMES ? &in->parts[in->count] : &spare;
        zmq_msg_init (part);
        /*  The parts of a message arrive together: only the first can be missing. */
        if (zmq_msg_recv (part, handle, ZMQ_DONTWAIT) == -1) {
            zmq_msg_close (part);
            if (in->count > 0)
                in->overflow = true;
            break;
        }
        bool more = zmq_msg_more (part);
        if (part == &spare) {
            zmq_msg_close (part);
            in->overflow = true;
        }
        else
            in->count++;
        if (!more)
            break;
    }
    return in->count;
}

void
mdp_incoming_close (mdp_incoming_t *in)
{
    for (size_t i = 0; i < in->count; i++)
        zmq_msg_close (&in->parts[i]);
    in->count = 0;
}

/*  True when part holds exactly text. */
bool
mdp_part_is (const mdp_part_t *part, const char *text)
{
    size_t len = strlen (text);
    return part->size == len && memcmp (part->data, text, len) == 0;
}

/*  A frame holding a copy of part. */
zframe_t *
mdp_part_frame (const mdp_part_t *part)
{
    return zframe_new (part->data, part->size);
}

/*  Points parts at the parts of in (as many as in->count; the rest are empty). */
void
mdp_incoming_parts (mdp_incoming_t *in, mdp_part_t parts[MDP_MAX_FRAMES])
{
    for (size_t i = 0; i < MDP_MAX_FRAMES; i++)
        parts[i] = i < in->count
                       ? (mdp_part_t){zmq_msg_data (&in->parts[i]), zmq_msg_size (&in->parts[i])}
                       : (mdp_part_t){NULL, 0};
}
