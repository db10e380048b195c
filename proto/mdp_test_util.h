/*  mdp_test_util: what the MDP tests share (mdp_test_util.c). Test code only. */
#ifndef PROTO_MDP_TEST_UTIL_H
#define PROTO_MDP_TEST_UTIL_H

#include "mdp.h"

/*  Arguments of send_frames: a string, a command byte, an empty frame. */
#define S(text) (text), strlen (text)
#define CMD(byte) ((const char[]){(byte)}), (size_t) 1
#define EMPTY "", (size_t) 0

/*  Waits up to timeout_ms for input on sock, then reads one message with
    mdp_router_msg_recv(). */
mdp_router_msg_t *router_recv_wait (zsock_t *sock, bool *dropped, int timeout_ms);

/*  True when reply_to (mdp_worker_recv's) names session index and the client frame text. */
bool reply_to_is (zframe_t *reply_to, int index, const char *text);

/*  Sends count frames given as (data, size) pairs on sock. */
void send_frames (zsock_t *sock, int count, ...);

/*  Binds a ROUTER on a free loopback port; writes its endpoint into endpoint. */
zsock_t *router_on_free_port (char *endpoint, size_t size);

/*  Receives messages on the fake broker until one of command comes (skipping others), or
    fails the test after timeout_ms. */
mdp_router_msg_t *expect_command (zsock_t *router, mdp_command_t command, int timeout_ms);

/*  Sends worker a REQUEST of client client_text with body text; returns the client frame. */
zframe_t *send_request (zsock_t *router, zframe_t *worker, const char *client_text,
                        const char *text);

#endif
