/*  mdp_curve_test: CurveZMQ on the MDP links (mdp_curve.h): keygen (files, modes, metadata,
    kept keys, bad names), mdp_endpoint_is_local, and over tcp loopback a CURVE router with
    the ZAP handler: a worker with its service's certificate registers with peer_key and
    peer_service set, another service's certificate is named in the READY and refused by
    mdp_curve_may_serve, and a worker with a key not in the directory never gets through. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "mdp.h"
#include "mdp_curve.h"

static char s_dir[256];

static void
s_tmpdir (char *out, size_t size, const char *name)
{
    char tmpl[] = "/tmp/mdp_curve_test.XXXXXX";
    assert_non_null (mkdtemp (tmpl));
    snprintf (out, size, "%s/%s", tmpl, name);
}

static bool
s_exists (const char *dir, const char *name, mode_t *mode)
{
    char path[512];
    snprintf (path, sizeof path, "%s/%s", dir, name);
    struct stat st;
    if (stat (path, &st) != 0)
        return false;
    if (mode)
        *mode = st.st_mode & 0777;
    return true;
}

static void
test_keygen (void **state)
{
    (void) state;
    char err[256];
    assert_int_equal (mdp_curve_keygen (s_dir, "reporting", err, sizeof err), 8);
    mode_t mode;
    assert_true (s_exists (s_dir, "", &mode));
    assert_int_equal (mode, 0700);
    const char *names[] = {"broker", "kpi", "product", "customer", "orders", "auth", "etl",
                           "reporting"};
    for (size_t i = 0; i < 8; i++) {
        char secret[64];
        snprintf (secret, sizeof secret, "%s_secret", names[i]);
        assert_true (s_exists (s_dir, names[i], NULL));
        assert_true (s_exists (s_dir, secret, &mode));
        assert_int_equal (mode, 0600);
    }
    char path[512];
    snprintf (path, sizeof path, "%s/auth", s_dir);
    zcert_t *auth = zcert_load (path);
    assert_non_null (auth);
    assert_string_equal (zcert_meta (auth, MDP_CURVE_META_SERVICE), "auth");
    snprintf (path, sizeof path, "%s/reporting", s_dir);
    zcert_t *client = zcert_load (path);
    assert_null (zcert_meta (client, MDP_CURVE_META_SERVICE));
    zcert_destroy (&client);
    /*  Again: nothing written, keys kept. */
    assert_int_equal (mdp_curve_keygen (s_dir, NULL, err, sizeof err), 0);
    snprintf (path, sizeof path, "%s/auth", s_dir);
    zcert_t *again = zcert_load (path);
    assert_string_equal (zcert_public_txt (again), zcert_public_txt (auth));
    zcert_destroy (&again);
    zcert_destroy (&auth);
    const char *bad[] = {"auth", "broker", "", "a/b", "x_secret", ".hidden", "two words"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal (mdp_curve_keygen (s_dir, bad[i], err, sizeof err), -1);
}

static void
test_endpoint_is_local (void **state)
{
    (void) state;
    const char *local[] = {"tcp://127.0.0.1:5555", "tcp://127.1.2.3:1", "tcp://[::1]:5555",
                           "tcp://localhost:5555", "ipc:///tmp/x", "inproc://x"};
    const char *remote[] = {"tcp://0.0.0.0:5555", "tcp://*:5555", "tcp://10.0.0.1:5555",
                            "tcp://eth0:5555", "tcp://127.0.0.1.evil.com:5555",
                            "tcp://127.0.0.1", "tcp://[::]:5555", "udp://127.0.0.1:1", NULL};
    for (size_t i = 0; i < sizeof local / sizeof local[0]; i++)
        assert_true (mdp_endpoint_is_local (local[i]));
    for (size_t i = 0; i < sizeof remote / sizeof remote[0]; i++)
        assert_false (mdp_endpoint_is_local (remote[i]));
}

static void
test_use_config_errors (void **state)
{
    (void) state;
    char err[256];
    bool used = true;
    assert_int_equal (mdp_curve_use_config (NULL, NULL, NULL, &used, err, sizeof err), 0);
    assert_false (used);
    assert_int_equal (mdp_curve_use_config (s_dir, NULL, NULL, &used, err, sizeof err), -1);
    assert_int_equal (mdp_curve_use_config (s_dir, NULL, "nosuch", &used, err, sizeof err), -1);
    char cert[512];
    snprintf (cert, sizeof cert, "%s/reporting_secret", s_dir);
    assert_int_equal (mdp_curve_use_config (NULL, cert, NULL, &used, err, sizeof err), 0);
    assert_true (used);
    assert_int_equal (mdp_curve_use (NULL, NULL, err, sizeof err), 0);
}

/*  The next READY on router within 3 s, or NULL. */
static mdp_router_msg_t *
s_ready (zsock_t *router, int timeout_ms)
{
    int64_t deadline = zclock_mono () + timeout_ms;
    while (zclock_mono () < deadline) {
        zmq_pollitem_t item = {zsock_resolve (router), 0, ZMQ_POLLIN, 0};
        if (zmq_poll (&item, 1, 100) == 1) {
            bool dropped;
            mdp_router_msg_t *msg = mdp_router_msg_recv (router, &dropped);
            if (msg && msg->from_worker && msg->command == MDP_READY)
                return msg;
            mdp_router_msg_destroy (&msg);
        }
    }
    return NULL;
}

static void
test_router_with_zap (void **state)
{
    (void) state;
    char err[256];
    zsock_t *router = zsock_new (ZMQ_ROUTER);
    mdp_curve_server_t *server = mdp_curve_server_new (router, s_dir, err, sizeof err);
    assert_non_null (server);
    int port = zsock_bind (router, "tcp://127.0.0.1:*");
    assert_true (port > 0);
    char endpoint[64];
    snprintf (endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", port);

    /*  The auth certificate registering as auth. */
    assert_int_equal (mdp_curve_use_config (s_dir, NULL, "auth", NULL, err, sizeof err), 0);
    mdp_worker_t *worker = mdp_worker_new (endpoint, "auth", 1);
    mdp_router_msg_t *msg = s_ready (router, 3000);
    assert_non_null (msg);
    char path[512];
    snprintf (path, sizeof path, "%s/auth", s_dir);
    zcert_t *cert = zcert_load (path);
    assert_string_equal (msg->peer_key, zcert_public_txt (cert));
    assert_string_equal (msg->peer_service, "auth");
    assert_true (mdp_curve_may_serve (server, msg->peer_key, msg->peer_service, msg->service));
    zcert_destroy (&cert);
    mdp_router_msg_destroy (&msg);
    mdp_worker_destroy (&worker);

    /*  The kpi certificate registering as auth: named, refused. */
    assert_int_equal (mdp_curve_use_config (s_dir, NULL, "kpi", NULL, err, sizeof err), 0);
    worker = mdp_worker_new (endpoint, "auth", 1);
    msg = s_ready (router, 3000);
    assert_non_null (msg);
    assert_string_equal (msg->peer_service, "kpi");
    assert_false (mdp_curve_may_serve (server, msg->peer_key, msg->peer_service, "auth"));
    mdp_router_msg_destroy (&msg);
    mdp_worker_destroy (&worker);

    /*  A key not in the directory, and no key at all: nothing arrives. */
    char other[256];
    s_tmpdir (other, sizeof other, "other");
    assert_true (mdp_curve_keygen (other, NULL, err, sizeof err) > 0);
    assert_int_equal (mdp_curve_use_config (other, NULL, "auth", NULL, err, sizeof err), 0);
    worker = mdp_worker_new (endpoint, "auth", 1);
    msg = s_ready (router, 1500);
    assert_null (msg);
    mdp_worker_destroy (&worker);
    assert_int_equal (mdp_curve_use (NULL, NULL, err, sizeof err), 0);
    worker = mdp_worker_new (endpoint, "auth", 1);
    msg = s_ready (router, 1500);
    assert_null (msg);
    mdp_worker_destroy (&worker);

    mdp_curve_server_destroy (&server);
    zsock_destroy (&router);
}

int
main (void)
{
    s_tmpdir (s_dir, sizeof s_dir, "curve");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_keygen),
        cmocka_unit_test (test_endpoint_is_local),
        cmocka_unit_test (test_use_config_errors),
        cmocka_unit_test (test_router_with_zap),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
