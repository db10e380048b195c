/*  libFuzzer target: the MDP frames a broker and a worker read (proto/mdp_router.c's
    mdp_router_msg_parse for what a ROUTER receives, the routing id first;
    proto/mdp_worker.c's mdp_worker_msg_parse for what a worker receives from the broker). The input is a
    multipart message: frames one after the other, each a 2-byte big-endian length and its
    bytes (a short last frame takes what is left). Beyond "no crash, no sanitizer report":
    an accepted router message has a non-empty sender, a valid service (1..MDP_SERVICE_MAX
    printable bytes) where one belongs, a credit within 1..MDP_CREDIT_MAX, and a REPLY's
    client and body; an accepted worker message is "", "MDPW01" and its command byte, a
    HEARTBEAT or DISCONNECT nothing more, a REQUEST six frames, a client it names its
    non-empty fourth frame. Packed messages (proto/mdp_protocol.h, one frame "MDPW01",
    command byte, client length, client, body): accepted only as the one frame after the
    routing id (router: REPLY, HEARTBEAT, DISCONNECT) or the only frame (worker: REQUEST,
    HEARTBEAT, DISCONNECT, CANCEL), with the client and body exactly where the length byte
    puts them; READY's "packed" announcement only as its seventh frame after a credit. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mdp.h"

#define S_FRAMES_MAX 12

/*  Cuts data into frames; returns how many. */
static size_t
s_split (const uint8_t *data, size_t size, mdp_part_t parts[S_FRAMES_MAX])
{
    size_t count = 0, at = 0;
    while (at < size && count < S_FRAMES_MAX) {
        size_t len = at + 1 < size ? (size_t) data[at] << 8 | data[at + 1] : 0;
        at += at + 1 < size ? 2 : 1;
        if (len > size - at)
            len = size - at;
        parts[count++] = (mdp_part_t){data + at, len};
        at += len;
    }
    return count;
}

static bool
s_service_ok (const char *service)
{
    size_t len = strlen (service);
    if (len == 0 || len > MDP_SERVICE_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char) service[i] <= 0x20 || (unsigned char) service[i] >= 0x7f)
            return false;
    return true;
}

/*  True when frame is a packed message of command: "MDPW01", the command byte, and for a
    command with a client, its length byte, then client and body exactly after it (their
    sizes client_size and body_size; body_size 0 for a command without a body). */
static bool
s_packed_ok (const mdp_part_t *frame, int command, size_t client_size, size_t body_size)
{
    const uint8_t *data = frame->data;
    if (frame->size < 7 || memcmp (data, MDP_WORKER, 6) != 0 || data[6] != command)
        return false;
    if (command == MDP_HEARTBEAT || command == MDP_DISCONNECT)
        return frame->size == 7 && client_size == 0 && body_size == 0;
    return frame->size >= 8 && data[7] == client_size && client_size > 0
           && frame->size == 8 + client_size + body_size;
}

/*  The checks of an accepted packed router message. */
static void
s_check_router_packed (const mdp_router_msg_t *msg, const mdp_part_t *parts, size_t count)
{
    if (count != 2 || !msg->from_worker)
        abort ();
    if (msg->command == MDP_REPLY) {
        if (!msg->client || !msg->body
            || !s_packed_ok (&parts[1], MDP_REPLY, zframe_size (msg->client),
                             zframe_size (msg->body))
            || memcmp (zframe_data (msg->client), (const uint8_t *) parts[1].data + 8,
                       zframe_size (msg->client))
                   != 0)
            abort ();
    }
    else if ((msg->command != MDP_HEARTBEAT && msg->command != MDP_DISCONNECT) || msg->client
             || msg->body || !s_packed_ok (&parts[1], msg->command, 0, 0))
        abort ();
}

static void
s_check_router (const mdp_part_t *parts, size_t count)
{
    mdp_router_msg_t *msg = mdp_router_msg_parse (parts, count);
    if (!msg)
        return;
    if (msg->packed && msg->command != MDP_READY) {
        s_check_router_packed (msg, parts, count);
        mdp_router_msg_destroy (&msg);
        return;
    }
    if (!msg->sender || zframe_size (msg->sender) != parts[0].size || parts[0].size == 0)
        abort ();
    if (!msg->from_worker) {
        if (!s_service_ok (msg->service) || !msg->body || msg->client)
            abort ();
    }
    else if (msg->command == MDP_READY) {
        if (!s_service_ok (msg->service) || msg->credit < 1 || msg->credit > MDP_CREDIT_MAX
            || msg->body || msg->client)
            abort ();
        if (msg->packed != (count == 7)
            || (count == 7
                && (parts[6].size != strlen (MDP_PACKED)
                    || memcmp (parts[6].data, MDP_PACKED, parts[6].size) != 0)))
            abort ();
    }
    else if (msg->command == MDP_REPLY) {
        if (!msg->client || !msg->body || zframe_size (msg->client) == 0
            || zframe_size (msg->client) > 255)
            abort ();
    }
    else if (msg->command != MDP_HEARTBEAT && msg->command != MDP_DISCONNECT)
        abort ();
    if (msg->peer_key[0] || msg->peer_service[0])
        abort ();
    mdp_router_msg_destroy (&msg);
}

static void
s_check_worker (const mdp_part_t *parts, size_t count)
{
    mdp_part_t client = {NULL, 0}, body = {NULL, 0};
    int command = mdp_worker_msg_parse (parts, count, &client, &body);
    if (command == 0)
        return;
    if (count == 1) {
        /*  Packed: the client and body exactly where its length byte puts them. */
        const uint8_t *data = parts[0].data;
        if (command == MDP_REPLY || command == MDP_READY)
            abort ();
        if ((command == MDP_REQUEST || command == MDP_CANCEL)
            && (client.data != data + 8
                || !s_packed_ok (&parts[0], command, client.size,
                                 command == MDP_REQUEST ? body.size : 0)))
            abort ();
        if (command == MDP_REQUEST && body.data != data + 8 + client.size)
            abort ();
        if ((command == MDP_HEARTBEAT || command == MDP_DISCONNECT)
            && (client.data || !s_packed_ok (&parts[0], command, 0, 0)))
            abort ();
        return;
    }
    /*  Accepted: "", "MDPW01", the command's byte, then what the command carries. */
    if (count < 3 || parts[0].size != 0 || parts[1].size != strlen (MDP_WORKER)
        || memcmp (parts[1].data, MDP_WORKER, parts[1].size) != 0 || parts[2].size != 1
        || ((const uint8_t *) parts[2].data)[0] != command)
        abort ();
    if ((command == MDP_HEARTBEAT || command == MDP_DISCONNECT) && count != 3)
        abort ();
    if (command == MDP_REQUEST && (count != 6 || !client.data || body.data != parts[5].data))
        abort ();
    if (client.data && (count < 4 || client.data != parts[3].data || client.size == 0))
        abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    mdp_part_t parts[S_FRAMES_MAX];
    size_t count = s_split (data, size, parts);
    s_check_router (parts, count);
    s_check_worker (parts, count);
    return 0;
}
