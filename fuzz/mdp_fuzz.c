/*  libFuzzer target: the MDP frames a broker and a worker read (proto/mdp_router.c's
    mdp_router_msg_parse for what a ROUTER receives, the routing id first;
    proto/mdp_worker.c's mdp_worker_msg_parse for what a worker receives from the broker). The input is a
    multipart message: frames one after the other, each a 2-byte big-endian length and its
    bytes (a short last frame takes what is left). Beyond "no crash, no sanitizer report":
    an accepted router message has a non-empty sender, a valid service (1..MDP_SERVICE_MAX
    printable bytes) where one belongs, a credit within 1..MDP_CREDIT_MAX, and a REPLY's
    client and body; an accepted worker message is "", "MDPW01" and its command byte, a
    HEARTBEAT or DISCONNECT nothing more, a REQUEST six frames, a client it names its
    non-empty fourth frame. */
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

static void
s_check_router (const mdp_part_t *parts, size_t count)
{
    mdp_router_msg_t *msg = mdp_router_msg_parse (parts, count);
    if (!msg)
        return;
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
