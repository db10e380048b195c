/*  mdp_worker_test: the worker side of MDP/0.1 (mdp_worker.h) against fake brokers over tcp
    loopback: READY and its credit, requests, several requests at once answered in any
    order, replies, heartbeats, DISCONNECT, reconnect on silence, mdp_worker_wait_fd, a
    request longer than the liveness window, one worker serving two brokers, the endpoint
    list's checks, CANCEL, packed messages. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mdp.h"
#include "mdp_test_util.h"

static void
test_worker_bad_arguments (void **state)
{
    assert_null (mdp_worker_new ("not an endpoint", "kpi", 1));
    assert_null (mdp_worker_new ("tcp://127.0.0.1:5555", "", 1));
    assert_null (mdp_worker_new ("tcp://127.0.0.1:5555", NULL, 1));
    assert_null (mdp_worker_new ("tcp://127.0.0.1:5555", "two words", 1));
    char too_long[MDP_SERVICE_MAX + 2];
    memset (too_long, 's', MDP_SERVICE_MAX + 1);
    too_long[MDP_SERVICE_MAX + 1] = 0;
    assert_null (mdp_worker_new ("tcp://127.0.0.1:5555", too_long, 1));
    mdp_worker_t *worker = NULL;
    mdp_worker_destroy (&worker);
    mdp_worker_destroy (NULL);
    assert_null (mdp_client_new ("not an endpoint"));
    mdp_client_t *client = NULL;
    mdp_client_destroy (&client);
}

/*  Waits on the fake broker for command from the worker, driving the worker meanwhile
    (it has no thread of its own: it heartbeats only inside its calls). */
static mdp_router_msg_t *
expect_driving (zsock_t *router, mdp_worker_t *worker, mdp_command_t command, int timeout_ms)
{
    int64_t deadline = zclock_mono () + timeout_ms;
    while (zclock_mono () < deadline) {
        assert_int_equal (mdp_worker_wait_fd (worker, -1, 0, 10), 0);
        bool dropped;
        mdp_router_msg_t *msg = router_recv_wait (router, &dropped, 0);
        if (msg && msg->from_worker && msg->command == command)
            return msg;
        mdp_router_msg_destroy (&msg);
    }
    fail_msg ("command %d did not come within %d ms", command, timeout_ms);
    return NULL;
}

/*  Fails when a REPLY comes to the fake broker within ms. */
static void
expect_no_reply (zsock_t *router, int ms)
{
    int64_t deadline = zclock_mono () + ms;
    while (zclock_mono () < deadline) {
        bool dropped;
        mdp_router_msg_t *msg = router_recv_wait (router, &dropped, 50);
        if (msg)
            assert_int_not_equal (msg->command, MDP_REPLY);
        mdp_router_msg_destroy (&msg);
    }
}

static void
test_worker_protocol (void **state)
{
    char endpoint[64];
    zsock_t *broker = router_on_free_port (endpoint, sizeof endpoint);
    mdp_worker_t *worker = mdp_worker_new (endpoint, "kpi", 1);
    assert_non_null (worker);

    mdp_router_msg_t *ready = expect_command (broker, MDP_READY, 2000);
    assert_string_equal (ready->service, "kpi");

    /*  A request comes through with its client address; the reply goes back with it. */
    zframe_t *client = send_request (broker, ready->sender, "client-1", "ping");
    zframe_destroy (&client);
    zframe_t *reply_to = NULL;
    zframe_t *request = mdp_worker_recv (worker, 2000, &reply_to);
    assert_non_null (request);
    assert_true (zframe_streq (request, "ping"));
    assert_true (reply_to_is (reply_to, 0, "client-1"));
    zframe_destroy (&request);
    zframe_t *answered = zframe_dup (reply_to);
    zframe_t *answer = zframe_new ("pong", 4);
    assert_int_equal (mdp_worker_send (worker, &reply_to, &answer), 0);
    assert_null (reply_to);
    assert_null (answer);
    mdp_router_msg_t *reply = expect_command (broker, MDP_REPLY, 2000);
    assert_true (zframe_eq (reply->sender, ready->sender));
    assert_true (zframe_streq (reply->client, "client-1"));
    assert_true (zframe_streq (reply->body, "pong"));
    mdp_router_msg_destroy (&reply);

    /*  A second reply for the same request is not sent: the broker would take it for a
        protocol error. */
    answer = zframe_new ("again", 5);
    assert_int_equal (mdp_worker_send (worker, &answered, &answer), -1);
    assert_null (answered);

    /*  Heartbeats come about once per MDP_HEARTBEAT_MS while the caller is in recv... */
    assert_null (mdp_worker_recv (worker, MDP_HEARTBEAT_MS + 300, &reply_to));
    mdp_router_msg_t *beat = expect_command (broker, MDP_HEARTBEAT, 100);
    mdp_router_msg_destroy (&beat);
    /*  ...and in wait_fd. */
    int64_t start = zclock_mono ();
    beat = expect_driving (broker, worker, MDP_HEARTBEAT, MDP_HEARTBEAT_MS + 300);
    assert_true (zclock_mono () - start <= MDP_HEARTBEAT_MS + 300);
    mdp_router_msg_destroy (&beat);

    /*  Garbage from the broker is ignored; a timeout returns NULL in time. */
    const char *delimiter_missing = MDP_WORKER;
    for (int i = 0; i < 5; i++) {
        zmsg_t *msg = zmsg_new ();
        zmsg_addmem (msg, zframe_data (ready->sender), zframe_size (ready->sender));
        if (i == 0)
            zmsg_addstr (msg, delimiter_missing);
        else if (i == 1) {
            zmsg_addmem (msg, "", 0);
            zmsg_addstr (msg, "MDPW02");
            zmsg_addmem (msg, "\x04", 1);
        }
        else if (i == 2) {
            zmsg_addmem (msg, "", 0);
            zmsg_addstr (msg, MDP_WORKER);
            zmsg_addmem (msg, "\x09", 1);
        }
        else if (i == 3) {
            zmsg_addmem (msg, "", 0);    /* REQUEST without its body */
            zmsg_addstr (msg, MDP_WORKER);
            zmsg_addmem (msg, "\x02", 1);
            zmsg_addstr (msg, "client");
        }
        else {
            zmsg_addmem (msg, "", 0);    /* REQUEST with too many frames */
            zmsg_addstr (msg, MDP_WORKER);
            zmsg_addmem (msg, "\x02", 1);
            for (int j = 0; j < 20; j++)
                zmsg_addstr (msg, "client");
        }
        zmsg_send (&msg, broker);
    }
    start = zclock_mono ();
    assert_null (mdp_worker_recv (worker, 300, &reply_to));
    int64_t waited = zclock_mono () - start;
    assert_true (waited >= 290 && waited < 1000);
    assert_null (reply_to);
    start = zclock_mono ();
    assert_null (mdp_worker_recv (worker, 0, &reply_to));    /* 0: does not wait */
    assert_true (zclock_mono () - start < 100);

    /*  DISCONNECT while idle: recv returns NULL, the worker comes back as a new peer. */
    mdp_router_send_command (broker, ready->sender, MDP_DISCONNECT);
    assert_null (mdp_worker_recv (worker, 2000, &reply_to));
    mdp_router_msg_t *again = expect_command (broker, MDP_READY, 2000);
    assert_false (zframe_eq (again->sender, ready->sender));

    /*  DISCONNECT while a request is in hand (read in wait_fd): the connection is closed,
        the reply to that request is dropped, and the next recv comes back as a new peer. */
    client = send_request (broker, again->sender, "client-2", "slow");
    zframe_destroy (&client);
    zframe_t *old_client = NULL;
    request = mdp_worker_recv (worker, 2000, &old_client);
    assert_non_null (request);
    zframe_destroy (&request);
    mdp_router_send_command (broker, again->sender, MDP_DISCONNECT);
    assert_int_equal (mdp_worker_wait_fd (worker, -1, 0, 300), 0);
    answer = zframe_new ("too late", 8);
    assert_int_equal (mdp_worker_send (worker, &old_client, &answer), -1);
    expect_no_reply (broker, 300);
    assert_null (mdp_worker_recv (worker, 100, &reply_to));
    mdp_router_msg_t *third = expect_command (broker, MDP_READY, 2000);
    assert_false (zframe_eq (third->sender, again->sender));

    /*  Destroying the worker tells the broker. */
    mdp_worker_destroy (&worker);
    assert_null (worker);
    mdp_router_msg_t *bye = expect_command (broker, MDP_DISCONNECT, 2000);
    assert_true (zframe_eq (bye->sender, third->sender));
    mdp_router_msg_destroy (&bye);
    mdp_router_msg_destroy (&third);
    mdp_router_msg_destroy (&again);
    mdp_router_msg_destroy (&ready);
    zsock_destroy (&broker);
}

static void
test_worker_wait_fd (void **state)
{
    char endpoint[64];
    zsock_t *broker = router_on_free_port (endpoint, sizeof endpoint);
    mdp_worker_t *worker = mdp_worker_new (endpoint, "kpi", 1);
    assert_non_null (worker);
    mdp_router_msg_t *ready = expect_command (broker, MDP_READY, 2000);

    int fds[2];
    assert_int_equal (pipe (fds), 0);
    /*  Not ready: a timeout, in time. */
    int64_t start = zclock_mono ();
    assert_int_equal (mdp_worker_wait_fd (worker, fds[0], ZMQ_POLLIN, 200), 0);
    int64_t waited = zclock_mono () - start;
    assert_true (waited >= 195 && waited < 1000);
    /*  Ready: at once, for reading and for writing. */
    assert_int_equal (write (fds[1], "x", 1), 1);
    start = zclock_mono ();
    assert_int_equal (mdp_worker_wait_fd (worker, fds[0], ZMQ_POLLIN, 2000), 1);
    assert_int_equal (mdp_worker_wait_fd (worker, fds[1], ZMQ_POLLOUT, -1), 1);
    assert_true (zclock_mono () - start < 100);
    close (fds[0]);
    close (fds[1]);

    /*  A request that arrives while the caller waits in wait_fd outside a request is kept
        for the next recv. */
    zframe_t *client = send_request (broker, ready->sender, "client-3", "early");
    assert_int_equal (mdp_worker_wait_fd (worker, -1, 0, 200), 0);
    zframe_t *reply_to = NULL;
    zframe_t *request = mdp_worker_recv (worker, 0, &reply_to);
    assert_non_null (request);
    assert_true (zframe_streq (request, "early"));
    assert_true (reply_to_is (reply_to, 0, "client-3"));
    zframe_t *answer = zframe_new ("done", 4);
    assert_int_equal (mdp_worker_send (worker, &reply_to, &answer), 0);
    mdp_router_msg_t *reply = expect_command (broker, MDP_REPLY, 2000);
    assert_true (zframe_streq (reply->body, "done"));
    mdp_router_msg_destroy (&reply);
    zframe_destroy (&request);
    zframe_destroy (&client);

    /*  The broker silent for MDP_LIVENESS heartbeats while a request is in hand: the
        connection is dropped during the wait, the reply is not sent, and the worker
        registers again at the next recv (not before: it is busy). */
    client = send_request (broker, ready->sender, "client-4", "lost");
    zframe_destroy (&client);
    request = mdp_worker_recv (worker, 2000, &reply_to);
    assert_non_null (request);
    zframe_destroy (&request);
    assert_int_equal (mdp_worker_wait_fd (worker, -1, 0, MDP_HEARTBEAT_MS * MDP_LIVENESS + 300),
                      0);
    answer = zframe_new ("late", 4);
    assert_int_equal (mdp_worker_send (worker, &reply_to, &answer), -1);
    int64_t until = zclock_mono () + 300;
    while (zclock_mono () < until) {
        bool dropped;
        mdp_router_msg_t *msg = router_recv_wait (broker, &dropped, 50);
        if (msg)    /* heartbeats of the old connection only */
            assert_int_equal (msg->command, MDP_HEARTBEAT);
        mdp_router_msg_destroy (&msg);
    }
    assert_null (mdp_worker_recv (worker, 10, &reply_to));
    mdp_router_msg_t *again = expect_command (broker, MDP_READY, 1000);
    assert_false (zframe_eq (again->sender, ready->sender));
    mdp_router_msg_destroy (&again);
    mdp_router_msg_destroy (&ready);
    mdp_worker_destroy (&worker);
    zsock_destroy (&broker);
}

/*  Receives the next READY on the fake broker as it came, routing id first (other
    messages are skipped), or fails the test after timeout_ms. */
static zmsg_t *
recv_ready_raw (zsock_t *router, int timeout_ms)
{
    int64_t deadline = zclock_mono () + timeout_ms;
    zmq_pollitem_t item = {zsock_resolve (router), 0, ZMQ_POLLIN, 0};
    while (zclock_mono () < deadline) {
        if (zmq_poll (&item, 1, (long) (deadline - zclock_mono ())) != 1)
            continue;
        zmsg_t *msg = zmsg_recv (router);
        zframe_t *command = NULL;
        if (zmsg_size (msg) >= 4) {
            zmsg_first (msg);
            zmsg_next (msg);
            zmsg_next (msg);
            command = zmsg_next (msg);
        }
        if (command && zframe_size (command) == 1 && zframe_data (command)[0] == MDP_READY)
            return msg;
        zmsg_destroy (&msg);
    }
    fail_msg ("no READY came within %d ms", timeout_ms);
    return NULL;
}

/*  The worker announces its credit in READY: a fifth frame above 1, none for 1. */
static void
test_worker_ready_credit (void **state)
{
    char endpoint[64];
    zsock_t *broker = router_on_free_port (endpoint, sizeof endpoint);
    assert_null (mdp_worker_new (endpoint, "kpi", 0));
    assert_null (mdp_worker_new (endpoint, "kpi", -1));
    assert_null (mdp_worker_new (endpoint, "kpi", MDP_CREDIT_MAX + 1));

    const struct {
        int credit;
        const char *frame;
    } cases[] = {{4, "4"}, {1, "1"}, {MDP_CREDIT_MAX, "256"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mdp_worker_t *worker = mdp_worker_new (endpoint, "kpi", cases[i].credit);
        assert_non_null (worker);
        zmsg_t *ready = recv_ready_raw (broker, 2000);
        /*  routing id, "", MDPW01, 0x01, "kpi", credit (always, "1" too), "packed" */
        assert_int_equal (zmsg_size (ready), 7);
        zmsg_first (ready);
        assert_int_equal (zframe_size (zmsg_next (ready)), 0);
        assert_true (zframe_streq (zmsg_next (ready), MDP_WORKER));
        zframe_t *command = zmsg_next (ready);
        assert_int_equal (zframe_size (command), 1);
        assert_int_equal (zframe_data (command)[0], MDP_READY);
        assert_true (zframe_streq (zmsg_next (ready), "kpi"));
        assert_true (zframe_streq (zmsg_next (ready), cases[i].frame));
        assert_true (zframe_streq (zmsg_next (ready), MDP_PACKED));
        zmsg_destroy (&ready);
        mdp_worker_destroy (&worker);
    }
    zsock_destroy (&broker);
}

/*  mdp_worker_recv() with no wait, retried until a request that is on its way arrives. */
static zframe_t *
recv_arrived (mdp_worker_t *worker, zframe_t **reply_to)
{
    int64_t deadline = zclock_mono () + 2000;
    zframe_t *request = NULL;
    while (!request && zclock_mono () < deadline) {
        request = mdp_worker_recv (worker, 0, reply_to);
        if (!request)
            zclock_sleep (2);
    }
    return request;
}

/*  Replies body to reply_to (taken) and checks it was sent. */
static void
reply_with (mdp_worker_t *worker, zframe_t **reply_to, const char *text)
{
    zframe_t *body = zframe_new (text, strlen (text));
    assert_int_equal (mdp_worker_send (worker, reply_to, &body), 0);
    assert_null (*reply_to);
    assert_null (body);
}

/*  Expects the next REPLY on the fake broker to come from sender and carry client and text. */
static void
expect_reply (zsock_t *broker, zframe_t *sender, const char *client, const char *text)
{
    mdp_router_msg_t *reply = expect_command (broker, MDP_REPLY, 2000);
    assert_true (zframe_eq (reply->sender, sender));
    if (!zframe_streq (reply->client, client) || !zframe_streq (reply->body, text))
        fail_msg ("expected the reply %s to %s", text, client);
    mdp_router_msg_destroy (&reply);
}

/*  A worker with credit 3 takes three requests at once and answers them in any order, each
    REPLY naming its request by the client frame; a request is answered once, and never on
    a later connection than the one it came on. */
static void
test_worker_credit_many (void **state)
{
    char endpoint[64];
    zsock_t *broker = router_on_free_port (endpoint, sizeof endpoint);
    mdp_worker_t *worker = mdp_worker_new (endpoint, "kpi", 3);
    assert_non_null (worker);
    mdp_router_msg_t *ready = expect_command (broker, MDP_READY, 2000);
    assert_int_equal (ready->credit, 3);

    const char *clients[] = {"client-1", "client-2", "client-3"};
    const char *bodies[] = {"q1", "q2", "q3"};
    zframe_t *reply_to[3] = {NULL};
    for (int i = 0; i < 3; i++) {
        zframe_t *client = send_request (broker, ready->sender, clients[i], bodies[i]);
        zframe_destroy (&client);
    }
    for (int i = 0; i < 3; i++) {
        zframe_t *request = i == 0 ? mdp_worker_recv (worker, 2000, &reply_to[i])
                                   : recv_arrived (worker, &reply_to[i]);
        if (!request)
            fail_msg ("request %d did not come", i + 1);
        assert_true (zframe_streq (request, bodies[i]));
        assert_true (reply_to_is (reply_to[i], 0, clients[i]));
        zframe_destroy (&request);
    }
    zframe_t *none = NULL;
    assert_null (mdp_worker_recv (worker, 0, &none));
    assert_null (none);

    /*  Answered 3, 1, 2: each REPLY carries the client frame of its own request. */
    zframe_t *first = zframe_dup (reply_to[0]);
    reply_with (worker, &reply_to[2], "a3");
    reply_with (worker, &reply_to[0], "a1");
    reply_with (worker, &reply_to[1], "a2");
    expect_reply (broker, ready->sender, "client-3", "a3");
    expect_reply (broker, ready->sender, "client-1", "a1");
    expect_reply (broker, ready->sender, "client-2", "a2");

    /*  Answered already, or never received: not sent. */
    zframe_t *body = zframe_new ("again", 5);
    assert_int_equal (mdp_worker_send (worker, &first, &body), -1);
    assert_null (first);
    assert_null (body);
    zframe_t *stranger = zframe_new ("client-9", 8);
    body = zframe_new ("who", 3);
    assert_int_equal (mdp_worker_send (worker, &stranger, &body), -1);
    assert_null (stranger);
    expect_no_reply (broker, 200);

    /*  A request in hand when the broker goes silent: the worker reconnects, and the reply
        to the old connection's request is not sent on the new one. */
    zframe_t *client = send_request (broker, ready->sender, "client-4", "q4");
    zframe_destroy (&client);
    zframe_t *old = NULL;
    zframe_t *request = mdp_worker_recv (worker, 2000, &old);
    assert_non_null (request);
    zframe_destroy (&request);
    mdp_router_msg_t *again = NULL;
    int64_t until = zclock_mono () + MDP_HEARTBEAT_MS * MDP_LIVENESS + 1500;
    while (!again && zclock_mono () < until) {
        zframe_t *unexpected = NULL;
        request = mdp_worker_recv (worker, 20, &unexpected);
        assert_null (request);
        bool dropped;
        mdp_router_msg_t *msg = router_recv_wait (broker, &dropped, 0);
        if (msg && msg->command == MDP_READY)
            again = msg;
        else
            mdp_router_msg_destroy (&msg);
    }
    if (!again) {
        fail_msg ("the worker did not reconnect");
        return;
    }
    assert_false (zframe_eq (again->sender, ready->sender));
    assert_int_equal (again->credit, 3);
    body = zframe_new ("stale", 5);
    assert_int_equal (mdp_worker_send (worker, &old, &body), -1);
    assert_null (old);
    expect_no_reply (broker, 200);

    /*  The new connection works. */
    client = send_request (broker, again->sender, "client-5", "q5");
    zframe_destroy (&client);
    zframe_t *fresh = NULL;
    request = mdp_worker_recv (worker, 2000, &fresh);
    assert_non_null (request);
    assert_true (zframe_streq (request, "q5"));
    zframe_destroy (&request);
    reply_with (worker, &fresh, "a5");
    expect_reply (broker, again->sender, "client-5", "a5");

    mdp_router_msg_destroy (&again);
    mdp_router_msg_destroy (&ready);
    mdp_worker_destroy (&worker);
    zsock_destroy (&broker);
}

/*  Requests that come while the caller waits in mdp_worker_wait_fd() are kept, up to the
    credit, and handed out by the next mdp_worker_recv() calls in the order they came. */
static void
test_worker_credit_wait_fd (void **state)
{
    char endpoint[64];
    zsock_t *broker = router_on_free_port (endpoint, sizeof endpoint);
    mdp_worker_t *worker = mdp_worker_new (endpoint, "kpi", 3);
    assert_non_null (worker);
    mdp_router_msg_t *ready = expect_command (broker, MDP_READY, 2000);

    /*  Three while idle: all kept, in order. */
    const char *clients[] = {"client-a", "client-b", "client-c", "client-d"};
    for (int i = 0; i < 3; i++) {
        zframe_t *client = send_request (broker, ready->sender, clients[i], clients[i] + 7);
        zframe_destroy (&client);
    }
    assert_int_equal (mdp_worker_wait_fd (worker, -1, 0, 300), 0);
    zframe_t *reply_to[4] = {NULL};
    for (int i = 0; i < 3; i++) {
        zframe_t *request = mdp_worker_recv (worker, 0, &reply_to[i]);
        if (!request)
            fail_msg ("request %d was not kept", i + 1);
        assert_true (zframe_streq (request, clients[i] + 7));
        assert_true (reply_to_is (reply_to[i], 0, clients[i]));
        zframe_destroy (&request);
    }
    zframe_t *none = NULL;
    assert_null (mdp_worker_recv (worker, 0, &none));

    /*  They are held like any request: answered in another order. */
    reply_with (worker, &reply_to[1], "b");
    reply_with (worker, &reply_to[2], "c");
    expect_reply (broker, ready->sender, "client-b", "b");
    expect_reply (broker, ready->sender, "client-c", "c");

    /*  One still held and three coming while busy: only two fit the credit of 3. */
    for (int i = 1; i < 4; i++) {
        zframe_t *client = send_request (broker, ready->sender, clients[i], clients[i] + 7);
        zframe_destroy (&client);
    }
    assert_int_equal (mdp_worker_wait_fd (worker, -1, 0, 300), 0);
    for (int i = 1; i < 3; i++) {
        zframe_t *request = mdp_worker_recv (worker, 0, &reply_to[i]);
        if (!request)
            fail_msg ("request %d was not kept", i + 1);
        assert_true (zframe_streq (request, clients[i] + 7));
        assert_true (reply_to_is (reply_to[i], 0, clients[i]));
        zframe_destroy (&request);
    }
    assert_null (mdp_worker_recv (worker, 0, &none));
    for (int i = 0; i < 3; i++)
        reply_with (worker, &reply_to[i], clients[i] + 7);
    for (int i = 0; i < 3; i++)
        expect_reply (broker, ready->sender, clients[i], clients[i] + 7);

    /*  Kept requests of a connection that is lost (DISCONNECT during the wait) are never
        handed out: the broker has dealt with them already. */
    for (int i = 0; i < 2; i++) {
        zframe_t *client = send_request (broker, ready->sender, clients[i], clients[i] + 7);
        zframe_destroy (&client);
    }
    mdp_router_send_command (broker, ready->sender, MDP_DISCONNECT);
    assert_int_equal (mdp_worker_wait_fd (worker, -1, 0, 300), 0);
    assert_null (mdp_worker_recv (worker, 0, &none));
    assert_null (none);
    mdp_router_msg_t *again = expect_command (broker, MDP_READY, 2000);
    assert_false (zframe_eq (again->sender, ready->sender));

    mdp_router_msg_destroy (&again);
    mdp_router_msg_destroy (&ready);
    mdp_worker_destroy (&worker);
    zsock_destroy (&broker);
}

/*  A fake broker that purges like gateway/broker.c: it heartbeats the worker every
    MDP_HEARTBEAT_MS and records the longest silence of the worker; it sends one request
    "slow" to the first worker that is READY. */
typedef struct {
    zsock_t *router;
    int64_t longest_silence;
    int readies;
    bool replied_same_peer;
} purging_broker_t;

static void
purging_broker (zsock_t *pipe, void *args)
{
    purging_broker_t *b = args;
    zsock_signal (pipe, 0);
    zframe_t *worker = NULL;
    int64_t last_heard = 0, heartbeat_at = 0;
    for (;;) {
        zmq_pollitem_t items[] = {{zsock_resolve (pipe), 0, ZMQ_POLLIN, 0},
                                  {zsock_resolve (b->router), 0, ZMQ_POLLIN, 0}};
        if (zmq_poll (items, 2, 20) == -1 || (items[0].revents & ZMQ_POLLIN))
            break;
        int64_t now = zclock_mono ();
        mdp_router_msg_t *msg;
        while ((msg = mdp_router_msg_recv (b->router, NULL))) {
            if (worker && last_heard && now - last_heard > b->longest_silence)
                b->longest_silence = now - last_heard;
            last_heard = now;
            if (msg->command == MDP_READY) {
                b->readies++;
                if (!worker) {
                    worker = zframe_dup (msg->sender);
                    zframe_t *client = zframe_new ("c", 1);
                    zframe_t *body = zframe_new ("slow", 4);
                    mdp_router_send_request (b->router, worker, client, &body);
                    zframe_destroy (&client);
                }
            }
            else if (msg->command == MDP_REPLY)
                b->replied_same_peer = worker && zframe_eq (msg->sender, worker);
            mdp_router_msg_destroy (&msg);
        }
        if (worker && now >= heartbeat_at) {
            mdp_router_send_command (b->router, worker, MDP_HEARTBEAT);
            heartbeat_at = now + MDP_HEARTBEAT_MS;
        }
    }
    zframe_destroy (&worker);
}

/*  A request that takes longer than the liveness window, waiting in wait_fd, keeps its
    connection: the worker is never silent long enough to be purged, and its reply goes
    out on the connection the request came on. */
static void
test_worker_slow_request_kept (void **state)
{
    char endpoint[64];
    purging_broker_t b = {0};
    b.router = router_on_free_port (endpoint, sizeof endpoint);
    zactor_t *broker = zactor_new (purging_broker, &b);
    mdp_worker_t *worker = mdp_worker_new (endpoint, "slow", 1);
    zframe_t *reply_to = NULL;
    zframe_t *request = mdp_worker_recv (worker, 2000, &reply_to);
    assert_non_null (request);
    assert_true (zframe_streq (request, "slow"));
    zframe_destroy (&request);
    /*  The slow handler: 3.5 s waiting for a pipe nobody writes to. */
    int fds[2];
    assert_int_equal (pipe (fds), 0);
    int64_t start = zclock_mono ();
    assert_int_equal (mdp_worker_wait_fd (worker, fds[0], ZMQ_POLLIN,
                                          MDP_HEARTBEAT_MS * MDP_LIVENESS + 500),
                      0);
    assert_true (zclock_mono () - start >= MDP_HEARTBEAT_MS * MDP_LIVENESS + 490);
    close (fds[0]);
    close (fds[1]);
    zframe_t *answer = zframe_new ("done", 4);
    assert_int_equal (mdp_worker_send (worker, &reply_to, &answer), 0);
    zclock_sleep (200);
    zactor_destroy (&broker);
    assert_true (b.replied_same_peer);
    assert_int_equal (b.readies, 1);
    assert_true (b.longest_silence < MDP_HEARTBEAT_MS + 300);
    mdp_worker_destroy (&worker);
    zsock_destroy (&b.router);
}

static void
test_worker_reconnects_when_broker_silent (void **state)
{
    char endpoint[64];
    zsock_t *broker = router_on_free_port (endpoint, sizeof endpoint);
    mdp_worker_t *worker = mdp_worker_new (endpoint, "etl", 1);
    assert_non_null (worker);
    mdp_router_msg_t *first = expect_command (broker, MDP_READY, 2000);
    int64_t start = zclock_mono ();
    /*  We never answer: after MDP_LIVENESS silent heartbeats an idle worker starts over. */
    zframe_t *reply_to = NULL;
    mdp_router_msg_t *second = NULL;
    while (!second && zclock_mono () - start < MDP_HEARTBEAT_MS * MDP_LIVENESS + 1500) {
        assert_null (mdp_worker_recv (worker, 20, &reply_to));
        bool dropped;
        mdp_router_msg_t *msg = router_recv_wait (broker, &dropped, 0);
        if (msg && msg->command == MDP_READY)
            second = msg;
        else
            mdp_router_msg_destroy (&msg);
    }
    if (!second) {
        fail_msg ("no second READY within %d ms", MDP_HEARTBEAT_MS * MDP_LIVENESS + 1500);
        return;
    }
    int64_t waited = zclock_mono () - start;
    assert_true (waited >= MDP_HEARTBEAT_MS * MDP_LIVENESS - 200);
    assert_false (zframe_eq (first->sender, second->sender));
    assert_string_equal (second->service, "etl");

    /*  Our heartbeats keep it on the connection. */
    int64_t until = zclock_mono () + MDP_HEARTBEAT_MS * MDP_LIVENESS + 1000;
    int64_t next_beat = zclock_mono ();
    while (zclock_mono () < until) {
        if (zclock_mono () >= next_beat) {
            mdp_router_send_command (broker, second->sender, MDP_HEARTBEAT);
            next_beat += MDP_HEARTBEAT_MS / 2;
        }
        assert_null (mdp_worker_recv (worker, 20, &reply_to));
        bool dropped;
        mdp_router_msg_t *msg = router_recv_wait (broker, &dropped, 0);
        if (msg)
            assert_int_not_equal (msg->command, MDP_READY);
        mdp_router_msg_destroy (&msg);
    }
    mdp_router_msg_destroy (&first);
    mdp_router_msg_destroy (&second);
    mdp_worker_destroy (&worker);
    zsock_destroy (&broker);
}

/*  One broker more than MDP_BROKERS_MAX. */
#define NINE "tcp://1:1,tcp://2:1,tcp://3:1,tcp://4:1,tcp://5:1,tcp://6:1,tcp://7:1,tcp://8:1,tcp://9:1"

static void
test_endpoint_list (void **state)
{
    char err[256];
    assert_int_equal (mdp_endpoint_list_check ("tcp://127.0.0.1:5555", err, sizeof err), 1);
    assert_int_equal (mdp_endpoint_list_check ("tcp://gw-1:5555,tcp://[::1]:5556,ipc:///tmp/b,"
                                               "inproc://x",
                                               err, sizeof err),
                      4);
    const char *bad[] = {"",
                         ",",
                         "tcp://a:1,",
                         ",tcp://a:1",
                         "tcp://a:1,,tcp://b:1",
                         "tcp://a:1,tcp://a:1",
                         "tcp://a",
                         "tcp://a:0",
                         "tcp://a:65536",
                         "tcp://:5555",
                         "tcp://a b:5555",
                         "tcp://a:1, tcp://b:1",
                         "http://a:1",
                         "ipc://",
                         NINE};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = 0;
        if (mdp_endpoint_list_check (bad[i], err, sizeof err) != -1)
            fail_msg ("'%s' was accepted", bad[i]);
        assert_non_null (strstr (err, "BROKER_ENDPOINT"));
        assert_null (strchr (err, '\n'));
        assert_null (mdp_worker_new (bad[i], "kpi", 1));
    }
    assert_int_equal (mdp_endpoint_list_check (NULL, err, sizeof err), -1);
    err[0] = 0;
    mdp_endpoint_list_check ("tcp://a:1,tcp://a:1", err, sizeof err);
    assert_non_null (strstr (err, "twice"));
    mdp_endpoint_list_check ("tcp://a:1,,tcp://b:1", err, sizeof err);
    assert_non_null (strstr (err, "empty"));
}

/*  One worker, two brokers: a session each (READY, requests, replies on the session they
    came from, even when both brokers use the same client frame); one broker going silent
    costs a reconnect of its session only, while the other keeps serving. */
static void
test_worker_two_brokers (void **state)
{
    char endpoint_a[64], endpoint_b[64], list[160];
    zsock_t *broker_a = router_on_free_port (endpoint_a, sizeof endpoint_a);
    zsock_t *broker_b = router_on_free_port (endpoint_b, sizeof endpoint_b);
    snprintf (list, sizeof list, "%s,%s", endpoint_a, endpoint_b);
    mdp_worker_t *worker = mdp_worker_new (list, "kpi", 2);
    assert_non_null (worker);
    mdp_router_msg_t *ready_a = expect_command (broker_a, MDP_READY, 2000);
    mdp_router_msg_t *ready_b = expect_command (broker_b, MDP_READY, 2000);
    assert_int_equal (ready_a->credit, 2);
    assert_int_equal (ready_b->credit, 2);

    /*  Both brokers number their calls alike: the same client frame from each. */
    zframe_t *client = send_request (broker_a, ready_a->sender, "call-1", "from-a");
    zframe_destroy (&client);
    client = send_request (broker_b, ready_b->sender, "call-1", "from-b");
    zframe_destroy (&client);
    zframe_t *reply_to[2] = {NULL, NULL};
    bool seen[2] = {false, false};
    for (int i = 0; i < 2; i++) {
        zframe_t *request = mdp_worker_recv (worker, 2000, &reply_to[i]);
        assert_non_null (request);
        int from = zframe_streq (request, "from-a") ? 0 : 1;
        assert_true (reply_to_is (reply_to[i], from, "call-1"));
        seen[from] = true;
        zframe_t *answer = zframe_new (from == 0 ? "to-a" : "to-b", 4);
        zframe_destroy (&request);
        assert_int_equal (mdp_worker_send (worker, &reply_to[i], &answer), 0);
    }
    assert_true (seen[0] && seen[1]);
    mdp_router_msg_t *reply = expect_command (broker_a, MDP_REPLY, 2000);
    assert_true (zframe_streq (reply->client, "call-1"));
    assert_true (zframe_streq (reply->body, "to-a"));
    mdp_router_msg_destroy (&reply);
    reply = expect_command (broker_b, MDP_REPLY, 2000);
    assert_true (zframe_streq (reply->body, "to-b"));
    mdp_router_msg_destroy (&reply);

    /*  Broker a goes silent, b heartbeats and sends a request now and then: a's session
        starts over after MDP_LIVENESS heartbeats, b's stays, and b's requests are served
        meanwhile. */
    int64_t start = zclock_mono (), next_beat = start;
    mdp_router_msg_t *again_a = NULL;
    int served_b = 0;
    while (zclock_mono () - start < MDP_HEARTBEAT_MS * MDP_LIVENESS + 1500) {
        if (zclock_mono () >= next_beat) {
            mdp_router_send_command (broker_b, ready_b->sender, MDP_HEARTBEAT);
            client = send_request (broker_b, ready_b->sender, "call-2", "more-b");
            zframe_destroy (&client);
            next_beat += MDP_HEARTBEAT_MS / 2;
        }
        zframe_t *to = NULL;
        zframe_t *request = mdp_worker_recv (worker, 20, &to);
        if (request) {
            assert_true (reply_to_is (to, 1, "call-2"));
            zframe_t *answer = zframe_new ("ok", 2);
            assert_int_equal (mdp_worker_send (worker, &to, &answer), 0);
            served_b++;
        }
        zframe_destroy (&request);
        bool dropped;
        mdp_router_msg_t *msg = router_recv_wait (broker_a, &dropped, 0);
        if (msg && msg->command == MDP_READY && !again_a)
            again_a = msg;
        else
            mdp_router_msg_destroy (&msg);
        msg = router_recv_wait (broker_b, &dropped, 0);
        if (msg)
            assert_int_not_equal (msg->command, MDP_READY);
        mdp_router_msg_destroy (&msg);
    }
    if (!again_a) {
        fail_msg ("no second READY from the session of the silent broker");
        return;
    }
    assert_false (zframe_eq (again_a->sender, ready_a->sender));
    assert_true (served_b >= MDP_LIVENESS * 2);

    mdp_router_msg_destroy (&again_a);
    mdp_router_msg_destroy (&ready_a);
    mdp_router_msg_destroy (&ready_b);
    mdp_worker_destroy (&worker);
    zsock_destroy (&broker_a);
    zsock_destroy (&broker_b);
}


/*  CANCEL (mdp.h's second extension): the broker cancels a request the worker holds; a wait
    in the middle of it ends with MDP_WAIT_CANCEL, mdp_worker_cancelled says which request,
    the answer still goes out (and clears the mark); a CANCEL for a request read but not
    yet taken marks it too; a CANCEL for a request answered already, or malformed, is
    ignored. */
static void
test_worker_cancel (void **state)
{
    char endpoint[64];
    zsock_t *broker = router_on_free_port (endpoint, sizeof endpoint);
    mdp_worker_t *worker = mdp_worker_new (endpoint, "orders", 2);
    assert_non_null (worker);
    mdp_router_msg_t *ready = expect_command (broker, MDP_READY, 2000);
    zframe_t *client = send_request (broker, ready->sender, "call-1", "one");
    zframe_t *reply_to = NULL;
    zframe_t *request = mdp_worker_recv (worker, 2000, &reply_to);
    assert_non_null (request);
    assert_false (mdp_worker_cancelled (worker, reply_to));

    /*  Nothing cancelled: a wait runs to its timeout. */
    assert_int_equal (mdp_worker_wait_fd (worker, -1, 0, 100), 0);
    assert_int_equal (mdp_router_send_cancel (broker, ready->sender, client), 0);
    int64_t start = zclock_mono ();
    assert_int_equal (mdp_worker_wait_fd (worker, -1, 0, 5000), MDP_WAIT_CANCEL);
    assert_true (zclock_mono () - start < 1000);
    assert_true (mdp_worker_cancelled (worker, reply_to));
    /*  Seen once: the next wait runs to its timeout again. */
    assert_int_equal (mdp_worker_wait_fd (worker, -1, 0, 50), 0);

    /*  A second request arrives and is cancelled while the worker is busy with the first:
        read by the wait, marked, and still marked when taken. */
    zframe_t *client2 = send_request (broker, ready->sender, "call-2", "two");
    assert_int_equal (mdp_router_send_cancel (broker, ready->sender, client2), 0);
    start = zclock_mono ();
    int rc;
    while ((rc = mdp_worker_wait_fd (worker, -1, 0, 100)) != MDP_WAIT_CANCEL
           && zclock_mono () - start < 2000)
        ;
    assert_int_equal (rc, MDP_WAIT_CANCEL);

    zframe_t *answer = zframe_new ("done", 4);
    assert_int_equal (mdp_worker_send (worker, &reply_to, &answer), 0);
    mdp_router_msg_t *reply = expect_command (broker, MDP_REPLY, 2000);
    assert_true (zframe_streq (reply->client, "call-1"));
    mdp_router_msg_destroy (&reply);

    zframe_t *reply_to2 = NULL;
    zframe_t *request2 = mdp_worker_recv (worker, 2000, &reply_to2);
    assert_non_null (request2);
    assert_true (zframe_streq (request2, "two"));
    assert_true (mdp_worker_cancelled (worker, reply_to2));
    answer = zframe_new ("done", 4);
    assert_int_equal (mdp_worker_send (worker, &reply_to2, &answer), 0);
    reply = expect_command (broker, MDP_REPLY, 2000);
    mdp_router_msg_destroy (&reply);

    /*  Answered already: a late CANCEL is ignored, as is one naming no client. */
    assert_int_equal (mdp_router_send_cancel (broker, ready->sender, client), 0);
    zsock_send (broker, "fssb", ready->sender, "", MDP_WORKER, "\x06", (size_t) 1);
    assert_int_equal (mdp_worker_wait_fd (worker, -1, 0, 300), 0);

    zframe_destroy (&request);
    zframe_destroy (&request2);
    zframe_destroy (&client);
    zframe_destroy (&client2);
    mdp_router_msg_destroy (&ready);
    mdp_worker_destroy (&worker);
    zsock_destroy (&broker);
}

/*  Sends the fake broker's worker one raw frame of size bytes (a packed message, or not). */
static void
send_raw (zsock_t *broker, zframe_t *worker, const void *bytes, size_t size)
{
    zmsg_t *msg = zmsg_new ();
    zmsg_addmem (msg, zframe_data (worker), zframe_size (worker));
    zmsg_addmem (msg, bytes, size);
    zmsg_send (&msg, broker);
}

/*  Sends worker a packed REQUEST (mdp_router_send_packed) of client text with body. */
static void
send_packed_request (zsock_t *broker, zframe_t *worker, const char *text, const void *body,
                     size_t size)
{
    mdp_part_t client = {text, strlen (text)}, body_part = {body, size};
    assert_int_equal (mdp_router_send_packed (broker, worker, MDP_REQUEST, &client, &body_part), 0);
}

/*  Waits for a REPLY on the fake broker and checks its shape, client and body. */
static void
expect_reply_as (zsock_t *broker, bool packed, const char *client, const void *body, size_t size)
{
    mdp_router_msg_t *reply = expect_command (broker, MDP_REPLY, 2000);
    assert_int_equal (reply->packed, packed);
    assert_true (zframe_streq (reply->client, client));
    assert_int_equal (zframe_size (reply->body), size);
    assert_memory_equal (zframe_data (reply->body), body, size);
    mdp_router_msg_destroy (&reply);
}

/*  Takes the next request, checks its body, answers it with answer. */
static void
serve_one (mdp_worker_t *worker, const void *body, size_t size, const void *answer,
           size_t answer_size)
{
    zframe_t *reply_to = NULL;
    zframe_t *request = mdp_worker_recv (worker, 2000, &reply_to);
    assert_non_null (request);
    assert_int_equal (zframe_size (request), size);
    assert_memory_equal (zframe_data (request), body, size);
    zframe_t *reply = zframe_new (answer, answer_size);
    assert_int_equal (mdp_worker_send (worker, &reply_to, &reply), 0);
    zframe_destroy (&request);
}

/*  Packed messages (mdp_protocol.h's third extension): the worker asks for them in READY,
    answers plain until its broker speaks packed, then sends REPLY, HEARTBEAT and
    DISCONNECT packed; packed REQUEST, CANCEL and DISCONNECT work as the plain ones; a
    300 kB body goes through byte for byte; a malformed packed message is dropped whole
    (and does not switch the worker to packed); a new connection starts plain again. */
static void
test_worker_packed (void **state)
{
    char endpoint[64];
    zsock_t *broker = router_on_free_port (endpoint, sizeof endpoint);
    mdp_worker_t *worker = mdp_worker_new (endpoint, "kpi", 2);
    assert_non_null (worker);
    mdp_router_msg_t *ready = expect_command (broker, MDP_READY, 2000);
    assert_true (ready->packed);
    assert_int_equal (ready->credit, 2);

    /*  Spoken to plain: answers plain. */
    zframe_t *client = send_request (broker, ready->sender, "call-1", "plain");
    zframe_destroy (&client);
    serve_one (worker, "plain", 5, "one", 3);
    expect_reply_as (broker, false, "call-1", "one", 3);

    /*  Malformed packed messages are dropped whole. */
    const struct {
        const char *bytes;
        size_t size;
    } bad[] = {{"MDPW01\003\001cb", 10},  /* a REPLY, to a worker */
               {"MDPW01\x02", 7},         /* REQUEST without a client */
               {"MDPW01\002\000b", 9},    /* empty client */
               {"MDPW01\002\011cb", 10},  /* client past the end */
               {"MDPW01\001\003kpi", 11}, /* READY */
               {"MDPW02\x04", 7},         /* header */
               {"MDPW01\x04x", 8},        /* bytes after a HEARTBEAT */
               {"MDPW01\006\001cX", 10},  /* bytes after a CANCEL's client */
               {"MDPW01\x09", 7}};        /* no such command */
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        send_raw (broker, ready->sender, bad[i].bytes, bad[i].size);
    zframe_t *reply_to = NULL;
    assert_null (mdp_worker_recv (worker, 300, &reply_to));
    assert_null (reply_to);
    client = send_request (broker, ready->sender, "call-2", "still plain");
    zframe_destroy (&client);
    serve_one (worker, "still plain", 11, "two", 3);
    expect_reply_as (broker, false, "call-2", "two", 3);

    /*  A packed request with a 300 kB body: from now on the worker sends packed. */
    size_t big_size = 300 * 1024;
    unsigned char *big = malloc (big_size), *big_answer = malloc (big_size);
    for (size_t i = 0; i < big_size; i++) {
        big[i] = (unsigned char) (i * 7 % 251);
        big_answer[i] = (unsigned char) (i * 13 % 253);
    }
    send_packed_request (broker, ready->sender, "call-3", big, big_size);
    serve_one (worker, big, big_size, big_answer, big_size);
    expect_reply_as (broker, true, "call-3", big_answer, big_size);
    /*  An empty body, both ways. */
    send_packed_request (broker, ready->sender, "call-4", "", 0);
    serve_one (worker, "", 0, "", 0);
    expect_reply_as (broker, true, "call-4", "", 0);
    free (big);
    free (big_answer);

    /*  Heartbeats go packed too. */
    assert_null (mdp_worker_recv (worker, MDP_HEARTBEAT_MS + 300, &reply_to));
    mdp_router_msg_t *beat = expect_command (broker, MDP_HEARTBEAT, 100);
    assert_true (beat->packed);
    mdp_router_msg_destroy (&beat);

    /*  A packed CANCEL marks the request it names. */
    send_packed_request (broker, ready->sender, "call-5", "five", 4);
    zframe_t *request = mdp_worker_recv (worker, 2000, &reply_to);
    assert_non_null (request);
    mdp_part_t cancelled = {"call-5", 6};
    assert_int_equal (mdp_router_send_packed (broker, ready->sender, MDP_CANCEL, &cancelled, NULL),
                      0);
    assert_int_equal (mdp_worker_wait_fd (worker, -1, 0, 2000), MDP_WAIT_CANCEL);
    assert_true (mdp_worker_cancelled (worker, reply_to));
    zframe_t *answer = zframe_new ("late", 4);
    assert_int_equal (mdp_worker_send (worker, &reply_to, &answer), 0);
    expect_reply_as (broker, true, "call-5", "late", 4);
    zframe_destroy (&request);

    /*  A packed DISCONNECT: a new connection, which starts plain again. */
    assert_int_equal (mdp_router_send_packed (broker, ready->sender, MDP_DISCONNECT, NULL, NULL),
                      0);
    assert_null (mdp_worker_recv (worker, 2000, &reply_to));
    mdp_router_msg_t *again = expect_command (broker, MDP_READY, 2000);
    assert_false (zframe_eq (again->sender, ready->sender));
    assert_true (again->packed);
    client = send_request (broker, again->sender, "call-6", "six");
    zframe_destroy (&client);
    serve_one (worker, "six", 3, "6", 1);
    expect_reply_as (broker, false, "call-6", "6", 1);

    /*  Spoken to packed (a heartbeat), the worker says goodbye packed. */
    assert_int_equal (mdp_router_send_packed (broker, again->sender, MDP_HEARTBEAT, NULL, NULL), 0);
    assert_int_equal (mdp_worker_wait_fd (worker, -1, 0, 200), 0);
    mdp_worker_destroy (&worker);
    mdp_router_msg_t *bye = expect_command (broker, MDP_DISCONNECT, 2000);
    assert_true (bye->packed);
    assert_true (zframe_eq (bye->sender, again->sender));
    mdp_router_msg_destroy (&bye);
    mdp_router_msg_destroy (&again);
    mdp_router_msg_destroy (&ready);
    zsock_destroy (&broker);
}

/*  A broker older than packed messages drops a READY that asks for them and tells the
    unknown worker's HEARTBEAT DISCONNECT: the worker's next READY is plain, and it stays
    plain on that broker (a DISCONNECT after it was served asks plain again). A broker that
    has spoken packed once is asked for packed on every new connection (test_worker_packed). */
static void
test_worker_older_broker (void **state)
{
    char endpoint[64];
    zsock_t *broker = router_on_free_port (endpoint, sizeof endpoint);
    mdp_worker_t *worker = mdp_worker_new (endpoint, "kpi", 4);
    assert_non_null (worker);
    mdp_router_msg_t *asked = expect_command (broker, MDP_READY, 2000);
    assert_true (asked->packed);
    /*  The old broker ignores that READY; the worker's heartbeat gets DISCONNECT. */
    zframe_t *reply_to = NULL;
    assert_null (mdp_worker_recv (worker, MDP_HEARTBEAT_MS + 300, &reply_to));
    mdp_router_msg_t *beat = expect_command (broker, MDP_HEARTBEAT, 1000);
    mdp_router_send_command (broker, beat->sender, MDP_DISCONNECT);
    mdp_router_msg_destroy (&beat);
    assert_null (mdp_worker_recv (worker, 300, &reply_to));
    mdp_router_msg_t *plain = expect_command (broker, MDP_READY, 2000);
    assert_false (plain->packed);
    assert_int_equal (plain->credit, 4);
    assert_false (zframe_eq (plain->sender, asked->sender));
    /*  Registered: served plain. */
    zframe_t *client = send_request (broker, plain->sender, "call-1", "one");
    zframe_destroy (&client);
    serve_one (worker, "one", 3, "1", 1);
    expect_reply_as (broker, false, "call-1", "1", 1);
    /*  Disconnected once served: plain again. */
    mdp_router_send_command (broker, plain->sender, MDP_DISCONNECT);
    assert_null (mdp_worker_recv (worker, 300, &reply_to));
    mdp_router_msg_t *again = expect_command (broker, MDP_READY, 2000);
    assert_false (again->packed);
    mdp_router_msg_destroy (&again);
    mdp_router_msg_destroy (&plain);
    mdp_router_msg_destroy (&asked);
    mdp_worker_destroy (&worker);
    zsock_destroy (&broker);
}

int
main (void)
{
    zsys_init ();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_worker_bad_arguments),
        cmocka_unit_test (test_worker_protocol),
        cmocka_unit_test (test_worker_wait_fd),
        cmocka_unit_test (test_worker_ready_credit),
        cmocka_unit_test (test_worker_credit_many),
        cmocka_unit_test (test_worker_credit_wait_fd),
        cmocka_unit_test (test_worker_slow_request_kept),
        cmocka_unit_test (test_worker_reconnects_when_broker_silent),
        cmocka_unit_test (test_endpoint_list),
        cmocka_unit_test (test_worker_two_brokers),
        cmocka_unit_test (test_worker_cancel),
        cmocka_unit_test (test_worker_packed),
        cmocka_unit_test (test_worker_older_broker),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
