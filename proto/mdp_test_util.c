/*  mdp_test_util: what the MDP tests (mdp_router_test, mdp_worker_test, mdp_client_test)
    share: fake brokers' sockets and the messages they send and expect. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mdp_test_util.h"

/*  Waits up to timeout_ms for input on sock, then reads one message with
    mdp_router_msg_recv(). */
mdp_router_msg_t *
router_recv_wait (zsock_t *sock, bool *dropped, int timeout_ms)
{
    zmq_pollitem_t item = {zsock_resolve (sock), 0, ZMQ_POLLIN, 0};
    *dropped = false;
    if (zmq_poll (&item, 1, timeout_ms) != 1)
        return NULL;
    return mdp_router_msg_recv (sock, dropped);
}

/*  True when reply_to (mdp_worker_recv's) names session index and the client frame text. */
bool
reply_to_is (zframe_t *reply_to, int index, const char *text)
{
    size_t len = strlen (text);
    const unsigned char *data = zframe_data (reply_to);
    return zframe_size (reply_to) == len + 1 && data[0] == index
           && memcmp (data + 1, text, len) == 0;
}

/*  Sends count frames given as (data, size) pairs on sock. */
void
send_frames (zsock_t *sock, int count, ...)
{
    va_list args;
    va_start (args, count);
    zmsg_t *msg = zmsg_new ();
    for (int i = 0; i < count; i++) {
        const void *data = va_arg (args, const void *);
        size_t size = va_arg (args, size_t);
        zmsg_addmem (msg, data, size);
    }
    va_end (args);
    assert_int_equal (zmsg_send (&msg, sock), 0);
}

/*  Binds a ROUTER on a free loopback port; writes its endpoint into endpoint. */
zsock_t *
router_on_free_port (char *endpoint, size_t size)
{
    zsock_t *router = zsock_new (ZMQ_ROUTER);
    assert_non_null (router);
    int port = zsock_bind (router, "tcp://127.0.0.1:*");
    assert_true (port > 0);
    snprintf (endpoint, size, "tcp://127.0.0.1:%d", port);
    return router;
}

/*  Receives messages on the fake broker until a READY comes (skipping heartbeats), or
    fails the test after timeout_ms. */
mdp_router_msg_t *
expect_command (zsock_t *router, mdp_command_t command, int timeout_ms)
{
    int64_t deadline = zclock_mono () + timeout_ms;
    while (zclock_mono () < deadline) {
        bool dropped;
        mdp_router_msg_t *msg =
            router_recv_wait (router, &dropped, (int) (deadline - zclock_mono ()));
        if (msg && msg->from_worker && msg->command == command)
            return msg;
        mdp_router_msg_destroy (&msg);
    }
    fail_msg ("command %d did not come within %d ms", command, timeout_ms);
    return NULL;
}

zframe_t *
send_request (zsock_t *router, zframe_t *worker, const char *client_text, const char *text)
{
    zframe_t *client = zframe_new (client_text, strlen (client_text));
    zframe_t *body = zframe_new (text, strlen (text));
    assert_int_equal (mdp_router_send_request (router, worker, client, &body), 0);
    return client;
}
