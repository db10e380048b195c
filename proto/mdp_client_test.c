/*  mdp_client_test: the synchronous MDP/0.1 client (mdp_client.h) against a fake broker
    thread: replies, timeouts, late replies, garbage. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mdp.h"
#include "mdp_test_util.h"

/*  The fake broker answers a client request by body:
      "late"     after 300 ms, with body "late-reply"
      "garbage"  first with malformed messages (no delimiter, a second body frame, a wrong
                 header) and a reply for another service, then "ok"
      "drop"     never
      otherwise  at once, with the same body. */
static void
fake_broker (zsock_t *pipe, void *args)
{
    zsock_t *router = args;
    zsock_signal (pipe, 0);
    zpoller_t *poller = zpoller_new (pipe, router, NULL);
    while (true) {
        void *which = zpoller_wait (poller, -1);
        if (which == pipe || !which)
            break;
        bool dropped;
        mdp_router_msg_t *msg = mdp_router_msg_recv (router, &dropped);
        if (!msg)
            continue;
        zframe_t *body = NULL;
        if (zframe_streq (msg->body, "late")) {
            zclock_sleep (300);
            body = zframe_new ("late-reply", 10);
        }
        else if (zframe_streq (msg->body, "garbage")) {
            zframe_t *other = zframe_new ("other", 5);
            mdp_router_send_client_reply (router, msg->sender, "not-this", &other);
            for (int i = 0; i < 3; i++) {
                zmsg_t *junk = zmsg_new ();
                zmsg_addmem (junk, zframe_data (msg->sender), zframe_size (msg->sender));
                if (i > 0)
                    zmsg_addmem (junk, "", 0);
                zmsg_addstr (junk, i == 2 ? "MDPC02" : MDP_CLIENT);
                zmsg_addstr (junk, msg->service);
                zmsg_addstr (junk, "junk");
                if (i == 1)
                    zmsg_addstr (junk, "extra frame");
                zmsg_send (&junk, router);
            }
            body = zframe_new ("ok", 2);
        }
        else if (!zframe_streq (msg->body, "drop"))
            body = zframe_dup (msg->body);
        if (body)
            mdp_router_send_client_reply (router, msg->sender, msg->service, &body);
        mdp_router_msg_destroy (&msg);
    }
    zpoller_destroy (&poller);
}

static zframe_t *
call (mdp_client_t *client, const char *service, const char *text, int timeout_ms)
{
    zframe_t *body = zframe_new (text, strlen (text));
    zframe_t *reply = mdp_client_call (client, service, &body, timeout_ms);
    assert_null (body);
    return reply;
}

static void
test_client (void **state)
{
    char endpoint[64];
    zsock_t *router = router_on_free_port (endpoint, sizeof endpoint);
    zactor_t *broker = zactor_new (fake_broker, router);
    mdp_client_t *client = mdp_client_new (endpoint);
    assert_non_null (client);

    zframe_t *reply = call (client, "echo", "hello", 2000);
    assert_non_null (reply);
    assert_true (zframe_streq (reply, "hello"));
    zframe_destroy (&reply);

    /*  Invalid service names are refused at once. */
    int64_t start = zclock_mono ();
    assert_null (call (client, "", "x", 2000));
    assert_null (call (client, "has space", "x", 2000));
    char too_long[MDP_SERVICE_MAX + 2];
    memset (too_long, 's', MDP_SERVICE_MAX + 1);
    too_long[MDP_SERVICE_MAX + 1] = 0;
    assert_null (call (client, too_long, "x", 2000));
    assert_true (zclock_mono () - start < 500);

    /*  Garbage and replies for another service are skipped. */
    reply = call (client, "echo", "garbage", 2000);
    assert_non_null (reply);
    assert_true (zframe_streq (reply, "ok"));
    zframe_destroy (&reply);

    /*  A timeout returns NULL in time; the late reply is never taken for the next call. */
    start = zclock_mono ();
    assert_null (call (client, "echo", "late", 100));
    int64_t waited = zclock_mono () - start;
    assert_true (waited >= 95 && waited < 1000);
    zclock_sleep (400);    /* the late reply is sent meanwhile */
    reply = call (client, "echo", "second", 2000);
    assert_non_null (reply);
    assert_true (zframe_streq (reply, "second"));
    zframe_destroy (&reply);

    start = zclock_mono ();
    assert_null (call (client, "echo", "drop", 250));
    assert_true (zclock_mono () - start >= 245);

    reply = call (client, "echo", "still works", 2000);
    assert_non_null (reply);
    zframe_destroy (&reply);

    mdp_client_destroy (&client);
    assert_null (client);
    zactor_destroy (&broker);
    zsock_destroy (&router);
}

int
main (void)
{
    zsys_init ();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_client),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
