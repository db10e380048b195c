/*  mdp_frames: what the three sides of MDP (mdp_router.c, mdp_worker.c, mdp_client.c)
    share; internal to proto/, not part of the API. A message is sent from parts (bytes
    that stay the caller's: zmq_send copies them, so no frame object is made for a header)
    and received in place (no frame objects until the caller keeps one). */
#ifndef PROTO_MDP_FRAMES_H
#define PROTO_MDP_FRAMES_H

#include "mdp_protocol.h"

/*  The most frames a valid message has, the routing id included (worker REPLY). */
#define MDP_MAX_FRAMES 7

/*  The command byte of each mdp_command_t, as sendable bytes. */
extern const unsigned char mdp_command_bytes[];

/*  Parts to send: a string literal, a frame's bytes, a command byte. */
#define MDP_PART_TEXT(text) ((mdp_part_t){(text), sizeof (text) - 1})
#define MDP_PART_FRAME(frame) ((mdp_part_t){zframe_data (frame), zframe_size (frame)})
#define MDP_PART_COMMAND(command) ((mdp_part_t){&mdp_command_bytes[command], 1})

/*  True when bytes/size is a valid service name: 1..MDP_SERVICE_MAX printable ASCII
    bytes, no spaces. Copies it, NUL-terminated, into service when it is. */
bool mdp_service_parse (const void *bytes, size_t size, char service[MDP_SERVICE_MAX + 1]);

/*  True when name would pass mdp_service_parse(). */
bool mdp_service_valid (const char *name);

/*  Sends parts (count of them) as one message without blocking. Returns 0, or -1 when the
    socket did not take the message. */
int mdp_send_parts (zsock_t *sock, const mdp_part_t *parts, size_t count);

/*  Sends command as one packed frame (mdp_protocol.h): "MDPW01", the command byte, then
    the client's length and bytes when client is not NULL, then body's bytes when body is
    not NULL; after address's frame when address is not NULL (a ROUTER's peer). One copy of
    each part, as mdp_send_parts. Returns 0, or -1 when the socket did not take it (or the
    client is empty or longer than 255 bytes). */
int mdp_send_packed (zsock_t *sock, const mdp_part_t *address, mdp_command_t command,
                     const mdp_part_t *client, const mdp_part_t *body);

/*  Reads a packed message (one frame, mdp_protocol.h). Returns its command byte with
    *client and *body pointing into frame where the command carries them (REQUEST and
    REPLY: both, the body possibly empty; CANCEL: the client), or 0 when frame is not a
    well-formed packed message of command 2..6 (READY is never packed): a wrong header, a
    client length of 0 or past the end, bytes after a command that carries none. */
int mdp_packed_parse (const mdp_part_t *frame, mdp_part_t *client, mdp_part_t *body);

/*  Creates a DEALER connected to endpoint (connect only: "@" or ">" prefixes are not
    interpreted), with the CURVE keys mdp_curve_use() set. Returns NULL when the endpoint
    is malformed. */
zsock_t *mdp_dealer_new (const char *endpoint);

/*  A message received: up to MDP_MAX_FRAMES parts, read in place. */
typedef struct {
    zmq_msg_t parts[MDP_MAX_FRAMES];
    size_t count;
    bool overflow; /* the message had more parts (received and thrown away) */
} mdp_incoming_t;

/*  Receives one whole message from sock without blocking into in (close it with
    mdp_incoming_close). Returns the number of parts kept, 0 when nothing was waiting. */
size_t mdp_incoming_recv (zsock_t *sock, mdp_incoming_t *in);

/*  Closes the parts of in. */
void mdp_incoming_close (mdp_incoming_t *in);

/*  Points parts at the parts of in (as many as in->count; the rest are empty). */
void mdp_incoming_parts (mdp_incoming_t *in, mdp_part_t parts[MDP_MAX_FRAMES]);

/*  True when part holds exactly text. */
bool mdp_part_is (const mdp_part_t *part, const char *text);

/*  A frame holding a copy of part. */
zframe_t *mdp_part_frame (const mdp_part_t *part);

#endif
