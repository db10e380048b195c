/*  mdp_router_test: the broker side of MDP/0.1 (mdp_router.h) over real ZeroMQ sockets
    (inproc): the parser against valid and malformed messages (READY's credit too), the
    senders, and the packed messages of the third extension. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mdp.h"
#include "mdp_test_util.h"

/*  ---------------------------------------------------------------------------------------
    Broker side: parsing */

typedef struct {
    zsock_t *router;
    zsock_t *dealer;
} pair_t;

static int
setup_pair (void **state)
{
    static int seq;
    pair_t *pair = zmalloc (sizeof *pair);
    char endpoint[64];
    snprintf (endpoint, sizeof endpoint, "inproc://mdp-test-%d", ++seq);
    pair->router = zsock_new_router (endpoint);
    pair->dealer = zsock_new_dealer (endpoint);
    assert_non_null (pair->router);
    assert_non_null (pair->dealer);
    *state = pair;
    return 0;
}

static int
teardown_pair (void **state)
{
    pair_t *pair = *state;
    zsock_destroy (&pair->dealer);
    zsock_destroy (&pair->router);
    free (pair);
    return 0;
}

static void
test_router_valid (void **state)
{
    pair_t *pair = *state;
    bool dropped = true;
    assert_null (mdp_router_msg_recv (pair->router, &dropped));    /* nothing waiting */
    assert_false (dropped);
    assert_null (mdp_router_msg_recv (pair->router, NULL));

    send_frames (pair->dealer, 4, EMPTY, S (MDP_CLIENT), S ("kpi"), S ("body"));
    mdp_router_msg_t *msg = router_recv_wait (pair->router, &dropped, 1000);
    assert_non_null (msg);
    assert_false (dropped);
    assert_false (msg->from_worker);
    assert_string_equal (msg->service, "kpi");
    assert_non_null (msg->sender);
    assert_true (zframe_streq (msg->body, "body"));
    assert_null (msg->client);
    mdp_router_msg_destroy (&msg);
    assert_null (msg);
    mdp_router_msg_destroy (&msg);
    mdp_router_msg_destroy (NULL);

    char longest[MDP_SERVICE_MAX + 1];
    memset (longest, 's', MDP_SERVICE_MAX);
    longest[MDP_SERVICE_MAX] = 0;
    send_frames (pair->dealer, 4, EMPTY, S (MDP_WORKER), CMD (MDP_READY), S (longest));
    msg = router_recv_wait (pair->router, &dropped, 1000);
    assert_non_null (msg);
    assert_true (msg->from_worker);
    assert_int_equal (msg->command, MDP_READY);
    assert_string_equal (msg->service, longest);
    assert_null (msg->body);
    mdp_router_msg_destroy (&msg);

    send_frames (pair->dealer, 6, EMPTY, S (MDP_WORKER), CMD (MDP_REPLY), S ("client-1"), EMPTY,
                 S ("answer"));
    msg = router_recv_wait (pair->router, &dropped, 1000);
    assert_non_null (msg);
    assert_int_equal (msg->command, MDP_REPLY);
    assert_true (zframe_streq (msg->client, "client-1"));
    assert_true (zframe_streq (msg->body, "answer"));
    assert_string_equal (msg->service, "");
    mdp_router_msg_destroy (&msg);

    /*  An empty body is still one frame. */
    send_frames (pair->dealer, 4, EMPTY, S (MDP_CLIENT), S ("kpi"), EMPTY);
    msg = router_recv_wait (pair->router, &dropped, 1000);
    assert_non_null (msg);
    assert_int_equal (zframe_size (msg->body), 0);
    mdp_router_msg_destroy (&msg);

    const mdp_command_t bare[] = {MDP_HEARTBEAT, MDP_DISCONNECT};
    for (int i = 0; i < 2; i++) {
        send_frames (pair->dealer, 3, EMPTY, S (MDP_WORKER), CMD (bare[i]));
        msg = router_recv_wait (pair->router, &dropped, 1000);
        assert_non_null (msg);
        assert_int_equal (msg->command, bare[i]);
        assert_null (msg->body);
        assert_null (msg->client);
        mdp_router_msg_destroy (&msg);
    }
}

static void
test_router_malformed (void **state)
{
    pair_t *pair = *state;
    char too_long[MDP_SERVICE_MAX + 2];
    memset (too_long, 's', MDP_SERVICE_MAX + 1);
    too_long[MDP_SERVICE_MAX + 1] = 0;

    /*  Each malformed message is followed by a valid HEARTBEAT: the first must be dropped
        whole, the second still read, so nothing stays behind to desynchronise the socket. */
    for (int which = 0;; which++) {
        zsock_t *d = pair->dealer;
        switch (which) {
        case 0: send_frames (d, 1, S ("garbage")); break;
        case 1: send_frames (d, 1, EMPTY); break;
        case 2: send_frames (d, 2, EMPTY, S ("MDPC02")); break;
        case 3: send_frames (d, 4, S ("x"), S (MDP_CLIENT), S ("kpi"), S ("b")); break;
        case 4: send_frames (d, 4, EMPTY, S ("MDPC0"), S ("kpi"), S ("b")); break;
        case 5: send_frames (d, 3, EMPTY, S (MDP_CLIENT), S ("kpi")); break;             /* no body */
        case 6: send_frames (d, 5, EMPTY, S (MDP_CLIENT), S ("kpi"), S ("b"), S ("c")); break;
        case 7: send_frames (d, 4, EMPTY, S (MDP_CLIENT), EMPTY, S ("b")); break;        /* no service */
        case 8: send_frames (d, 4, EMPTY, S (MDP_CLIENT), S (too_long), S ("b")); break;
        case 9: send_frames (d, 4, EMPTY, S (MDP_CLIENT), S ("k pi"), S ("b")); break;
        case 10: send_frames (d, 4, EMPTY, S (MDP_CLIENT), "k\0i", (size_t) 3, S ("b")); break;
        case 11: send_frames (d, 3, EMPTY, S (MDP_WORKER), CMD (0)); break;
        case 12: send_frames (d, 6, EMPTY, S (MDP_WORKER), CMD (MDP_REQUEST), S ("c"), EMPTY,
                              S ("b")); break;
        case 13: send_frames (d, 3, EMPTY, S (MDP_WORKER), CMD (6)); break;
        case 14: send_frames (d, 3, EMPTY, S (MDP_WORKER), S ("\x04\x04")); break;
        case 15: send_frames (d, 3, EMPTY, S (MDP_WORKER), CMD (MDP_READY)); break;      /* no service */
        case 16: send_frames (d, 5, EMPTY, S (MDP_WORKER), CMD (MDP_READY), S ("kpi"), S ("x")); break;
        case 17: send_frames (d, 4, EMPTY, S (MDP_WORKER), CMD (MDP_READY), S (too_long)); break;
        case 18: send_frames (d, 4, EMPTY, S (MDP_WORKER), CMD (MDP_HEARTBEAT), S ("x")); break;
        case 19: send_frames (d, 4, EMPTY, S (MDP_WORKER), CMD (MDP_DISCONNECT), EMPTY); break;
        case 20: send_frames (d, 6, EMPTY, S (MDP_WORKER), CMD (MDP_REPLY), S ("c"), S ("x"),
                              S ("b")); break;                                           /* delimiter */
        case 21: send_frames (d, 5, EMPTY, S (MDP_WORKER), CMD (MDP_REPLY), S ("c"), EMPTY); break;
        case 22: send_frames (d, 7, EMPTY, S (MDP_WORKER), CMD (MDP_REPLY), S ("c"), EMPTY,
                              S ("b"), S ("b2")); break;
        case 23: send_frames (d, 6, EMPTY, S (MDP_WORKER), CMD (MDP_REPLY), EMPTY, EMPTY,
                              S ("b")); break;                                           /* no client */
        case 24: {
            zmsg_t *msg = zmsg_new ();    /* a long run of frames */
            zmsg_addmem (msg, "", 0);
            zmsg_addstr (msg, MDP_CLIENT);
            for (int i = 0; i < 500; i++)
                zmsg_addstr (msg, "kpi");
            zmsg_send (&msg, d);
            break;
        }
        default: return;
        }
        send_frames (d, 3, EMPTY, S (MDP_WORKER), CMD (MDP_HEARTBEAT));
        bool dropped = false;
        mdp_router_msg_t *msg = router_recv_wait (pair->router, &dropped, 1000);
        if (msg || !dropped)
            fail_msg ("malformed message %d was not dropped", which);
        msg = router_recv_wait (pair->router, &dropped, 1000);
        if (!msg || msg->command != MDP_HEARTBEAT)
            fail_msg ("the message after malformed message %d was lost", which);
        mdp_router_msg_destroy (&msg);
    }
}

/*  READY's credit: a fifth frame holding 1..MDP_CREDIT_MAX in decimal (no sign, no leading
    zero); without it the credit is 1; anything else drops the whole READY. */
static void
test_router_credit (void **state)
{
    pair_t *pair = *state;
    bool dropped;
    const struct {
        const char *text;
        int credit;
    } valid[] = {{"32", 32}, {"1", 1}, {"9", 9}, {"256", MDP_CREDIT_MAX}};
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        send_frames (pair->dealer, 5, EMPTY, S (MDP_WORKER), CMD (MDP_READY), S ("kpi"),
                     S (valid[i].text));
        mdp_router_msg_t *msg = router_recv_wait (pair->router, &dropped, 1000);
        if (!msg) {
            fail_msg ("READY with credit \"%s\" was not accepted", valid[i].text);
            return;
        }
        assert_false (dropped);
        assert_int_equal (msg->command, MDP_READY);
        assert_string_equal (msg->service, "kpi");
        assert_int_equal (msg->credit, valid[i].credit);
        mdp_router_msg_destroy (&msg);
    }

    send_frames (pair->dealer, 4, EMPTY, S (MDP_WORKER), CMD (MDP_READY), S ("kpi"));
    mdp_router_msg_t *plain = router_recv_wait (pair->router, &dropped, 1000);
    assert_non_null (plain);
    assert_int_equal (plain->command, MDP_READY);
    assert_int_equal (plain->credit, 1);
    mdp_router_msg_destroy (&plain);

    /*  Each bad READY is followed by a HEARTBEAT that must still be read. */
    const char *const bad[] = {"0", "012", "x", "257", "", "-1", "1000", "+5", " 5", "5 ", "3x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        send_frames (pair->dealer, 5, EMPTY, S (MDP_WORKER), CMD (MDP_READY), S ("kpi"),
                     S (bad[i]));
        send_frames (pair->dealer, 3, EMPTY, S (MDP_WORKER), CMD (MDP_HEARTBEAT));
        mdp_router_msg_t *msg = router_recv_wait (pair->router, &dropped, 1000);
        if (msg || !dropped)
            fail_msg ("READY with credit \"%s\" was not dropped", bad[i]);
        msg = router_recv_wait (pair->router, &dropped, 1000);
        if (!msg || msg->command != MDP_HEARTBEAT)
            fail_msg ("the message after READY with credit \"%s\" was lost", bad[i]);
        mdp_router_msg_destroy (&msg);
    }
    /*  A credit with a NUL inside, and a credit followed by one more frame. */
    send_frames (pair->dealer, 5, EMPTY, S (MDP_WORKER), CMD (MDP_READY), S ("kpi"),
                 ((const char[]) {'1', 0, '0'}), (size_t) 3);
    assert_null (router_recv_wait (pair->router, &dropped, 1000));
    assert_true (dropped);
    send_frames (pair->dealer, 6, EMPTY, S (MDP_WORKER), CMD (MDP_READY), S ("kpi"), S ("2"),
                 S ("2"));
    assert_null (router_recv_wait (pair->router, &dropped, 1000));
    assert_true (dropped);
}

static void
test_router_send (void **state)
{
    pair_t *pair = *state;
    bool dropped;
    send_frames (pair->dealer, 3, EMPTY, S (MDP_WORKER), CMD (MDP_HEARTBEAT));
    mdp_router_msg_t *hello = router_recv_wait (pair->router, &dropped, 1000);
    assert_non_null (hello);

    zframe_t *client = zframe_new ("client-7", 8);
    zframe_t *body = zframe_new ("request", 7);
    assert_int_equal (mdp_router_send_request (pair->router, hello->sender, client, &body), 0);
    assert_null (body);
    zmsg_t *msg = zmsg_recv (pair->dealer);
    assert_int_equal (zmsg_size (msg), 6);
    char *frames[6];
    for (int i = 0; i < 6; i++)
        frames[i] = zmsg_popstr (msg);
    assert_string_equal (frames[0], "");
    assert_string_equal (frames[1], MDP_WORKER);
    assert_int_equal (frames[2][0], MDP_REQUEST);
    assert_string_equal (frames[3], "client-7");
    assert_string_equal (frames[4], "");
    assert_string_equal (frames[5], "request");
    for (int i = 0; i < 6; i++)
        free (frames[i]);
    zmsg_destroy (&msg);

    body = zframe_new ("reply", 5);
    assert_int_equal (mdp_router_send_client_reply (pair->router, hello->sender, "kpi", &body), 0);
    assert_null (body);
    msg = zmsg_recv (pair->dealer);
    assert_int_equal (zmsg_size (msg), 4);
    for (int i = 0; i < 4; i++)
        frames[i] = zmsg_popstr (msg);
    assert_string_equal (frames[0], "");
    assert_string_equal (frames[1], MDP_CLIENT);
    assert_string_equal (frames[2], "kpi");
    assert_string_equal (frames[3], "reply");
    for (int i = 0; i < 4; i++)
        free (frames[i]);
    zmsg_destroy (&msg);

    assert_int_equal (mdp_router_send_command (pair->router, hello->sender, MDP_DISCONNECT), 0);
    msg = zmsg_recv (pair->dealer);
    assert_int_equal (zmsg_size (msg), 3);
    zframe_t *cmd = zmsg_last (msg);
    assert_int_equal (zframe_size (cmd), 1);
    assert_int_equal (zframe_data (cmd)[0], MDP_DISCONNECT);
    zmsg_destroy (&msg);

    /*  To a peer that does not exist: dropped by ROUTER, not an error, never blocks. */
    zframe_t *nobody = zframe_new ("nobody", 6);
    assert_int_equal (mdp_router_send_command (pair->router, nobody, MDP_HEARTBEAT), 0);
    zframe_destroy (&nobody);
    zframe_destroy (&client);
    mdp_router_msg_destroy (&hello);
}

/*  Packed messages (mdp_protocol.h), the third extension: READY's "packed" frame after the
    credit, and the one-frame REPLY, HEARTBEAT and DISCONNECT a worker sends once it speaks
    them. */
static void
test_router_packed (void **state)
{
    pair_t *pair = *state;
    bool dropped;
    send_frames (pair->dealer, 6, EMPTY, S (MDP_WORKER), CMD (MDP_READY), S ("kpi"), S ("1"),
                 S (MDP_PACKED));
    mdp_router_msg_t *msg = router_recv_wait (pair->router, &dropped, 1000);
    assert_non_null (msg);
    assert_int_equal (msg->command, MDP_READY);
    assert_int_equal (msg->credit, 1);
    assert_true (msg->packed);
    mdp_router_msg_destroy (&msg);
    /*  Without it: plain, as before. */
    send_frames (pair->dealer, 5, EMPTY, S (MDP_WORKER), CMD (MDP_READY), S ("kpi"), S ("32"));
    msg = router_recv_wait (pair->router, &dropped, 1000);
    assert_non_null (msg);
    assert_false (msg->packed);
    mdp_router_msg_destroy (&msg);

    /*  REPLY: "MDPW01", 0x03, client length, client, body (here 3 bytes with a NUL). */
    send_frames (pair->dealer, 1, "MDPW01\003\010client-1a\0b", (size_t) 19);
    msg = router_recv_wait (pair->router, &dropped, 1000);
    assert_non_null (msg);
    assert_true (msg->from_worker);
    assert_true (msg->packed);
    assert_int_equal (msg->command, MDP_REPLY);
    assert_true (zframe_streq (msg->client, "client-1"));
    assert_int_equal (zframe_size (msg->body), 3);
    assert_memory_equal (zframe_data (msg->body), "a\0b", 3);
    mdp_router_msg_destroy (&msg);
    /*  An empty body, and the longest client (255 bytes). */
    char longest[7 + 1 + 255] = "MDPW01\x03\xff";
    memset (longest + 8, 'c', 255);
    send_frames (pair->dealer, 1, longest, sizeof longest);
    msg = router_recv_wait (pair->router, &dropped, 1000);
    assert_non_null (msg);
    assert_int_equal (zframe_size (msg->client), 255);
    assert_int_equal (zframe_size (msg->body), 0);
    mdp_router_msg_destroy (&msg);

    const mdp_command_t bare[] = {MDP_HEARTBEAT, MDP_DISCONNECT};
    for (int i = 0; i < 2; i++) {
        char frame[7] = "MDPW01";
        frame[6] = (char) bare[i];
        send_frames (pair->dealer, 1, frame, sizeof frame);
        msg = router_recv_wait (pair->router, &dropped, 1000);
        assert_non_null (msg);
        assert_true (msg->packed);
        assert_int_equal (msg->command, bare[i]);
        assert_null (msg->client);
        assert_null (msg->body);
        mdp_router_msg_destroy (&msg);
    }
}

/*  Malformed packed messages and announcements are dropped whole, like any other. */
static void
test_router_packed_malformed (void **state)
{
    pair_t *pair = *state;
    for (int which = 0;; which++) {
        zsock_t *d = pair->dealer;
        switch (which) {
        case 0: /* no command */
            send_frames (d, 1, S ("MDPW01"));
            break;
        case 1: /* header */
            send_frames (d, 1, S ("MDPW02\x04"));
            break;
        case 2: /* the client header */
            send_frames (d, 1, S ("MDPC01\x04"));
            break;
        case 3: /* bytes after a HEARTBEAT */
            send_frames (d, 1, S ("MDPW01\x04x"));
            break;
        case 4: /* bytes after a DISCONNECT */
            send_frames (d, 1, S ("MDPW01\x05\x01"));
            break;
        case 5: /* empty client */
            send_frames (d, 1, "MDPW01\003\000b", (size_t) 9);
            break;
        case 6: /* no client */
            send_frames (d, 1, S ("MDPW01\x03"));
            break;
        case 7: /* client past the end */
            send_frames (d, 1, S ("MDPW01\003\005abcd"));
            break;
        case 8: /* REQUEST, from a worker */
            send_frames (d, 1, S ("MDPW01\002\001cb"));
            break;
        case 9: /* CANCEL, from a worker */
            send_frames (d, 1, S ("MDPW01\006\001c"));
            break;
        case 10: /* READY is never packed */
            send_frames (d, 1, S ("MDPW01\001\003kpi"));
            break;
        case 11: /* no such command */
            send_frames (d, 1, S ("MDPW01\x07"));
            break;
        case 12: /* two frames */
            send_frames (d, 2, S ("MDPW01\x04"), S ("x"));
            break;
        case 13: /* a packed REPLY and one more frame */
            send_frames (d, 2, S ("MDPW01\003\001cb"), EMPTY);
            break;
        case 14: /* not "packed" */
            send_frames (d, 6, EMPTY, S (MDP_WORKER), CMD (MDP_READY), S ("kpi"), S ("1"),
                         S ("packet"));
            break;
        case 15: /* "packed" without a credit */
            send_frames (d, 5, EMPTY, S (MDP_WORKER), CMD (MDP_READY), S ("kpi"), S (MDP_PACKED));
            break;
        case 16: /* a frame after "packed" */
            send_frames (d, 7, EMPTY, S (MDP_WORKER), CMD (MDP_READY), S ("kpi"), S ("1"),
                         S (MDP_PACKED), S ("x"));
            break;
        case 17: /* a bad credit before "packed" */
            send_frames (d, 6, EMPTY, S (MDP_WORKER), CMD (MDP_READY), S ("kpi"), S ("0"),
                         S (MDP_PACKED));
            break;
        default:
            return;
        }
        send_frames (d, 1, S ("MDPW01\x04"));
        bool dropped = false;
        mdp_router_msg_t *msg = router_recv_wait (pair->router, &dropped, 1000);
        if (msg || !dropped)
            fail_msg ("malformed packed message %d was not dropped", which);
        msg = router_recv_wait (pair->router, &dropped, 1000);
        if (!msg || msg->command != MDP_HEARTBEAT)
            fail_msg ("the message after malformed packed message %d was lost", which);
        mdp_router_msg_destroy (&msg);
    }
}

/*  mdp_router_send_packed: the bytes of each packed command, to the peer it names. */
static void
test_router_send_packed (void **state)
{
    pair_t *pair = *state;
    bool dropped;
    send_frames (pair->dealer, 3, EMPTY, S (MDP_WORKER), CMD (MDP_HEARTBEAT));
    mdp_router_msg_t *hello = router_recv_wait (pair->router, &dropped, 1000);
    assert_non_null (hello);

    mdp_part_t client = {"call-7", 6}, body = {"req\0uest", 8};
    assert_int_equal (
        mdp_router_send_packed (pair->router, hello->sender, MDP_REQUEST, &client, &body), 0);
    assert_int_equal (
        mdp_router_send_packed (pair->router, hello->sender, MDP_CANCEL, &client, NULL), 0);
    assert_int_equal (
        mdp_router_send_packed (pair->router, hello->sender, MDP_HEARTBEAT, NULL, NULL), 0);
    const struct {
        const char *bytes;
        size_t size;
    } expected[] = {
        {"MDPW01\002\006call-7req\0uest", 22}, {"MDPW01\006\006call-7", 14}, {"MDPW01\x04", 7}};
    for (size_t i = 0; i < 3; i++) {
        zmsg_t *msg = zmsg_recv (pair->dealer);
        assert_int_equal (zmsg_size (msg), 1);
        zframe_t *frame = zmsg_first (msg);
        assert_int_equal (zframe_size (frame), expected[i].size);
        assert_memory_equal (zframe_data (frame), expected[i].bytes, expected[i].size);
        zmsg_destroy (&msg);
    }
    /*  A client the packed shape cannot carry is refused, nothing sent. */
    mdp_part_t empty = {"", 0};
    assert_int_equal (
        mdp_router_send_packed (pair->router, hello->sender, MDP_CANCEL, &empty, NULL), -1);
    char big[256];
    memset (big, 'c', sizeof big);
    mdp_part_t too_long = {big, sizeof big};
    assert_int_equal (
        mdp_router_send_packed (pair->router, hello->sender, MDP_CANCEL, &too_long, NULL), -1);
    zmq_pollitem_t item = {zsock_resolve (pair->dealer), 0, ZMQ_POLLIN, 0};
    assert_int_equal (zmq_poll (&item, 1, 100), 0);
    mdp_router_msg_destroy (&hello);
}

int
main (void)
{
    zsys_init ();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_router_valid, setup_pair, teardown_pair),
        cmocka_unit_test_setup_teardown (test_router_malformed, setup_pair, teardown_pair),
        cmocka_unit_test_setup_teardown (test_router_credit, setup_pair, teardown_pair),
        cmocka_unit_test_setup_teardown (test_router_send, setup_pair, teardown_pair),
        cmocka_unit_test_setup_teardown (test_router_packed, setup_pair, teardown_pair),
        cmocka_unit_test_setup_teardown (test_router_packed_malformed, setup_pair, teardown_pair),
        cmocka_unit_test_setup_teardown (test_router_send_packed, setup_pair, teardown_pair),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
