/*  broker_test: the in-process Majordomo broker against real MDP peers over tcp loopback:
    mdp_worker_t workers in threads, a worker in a child process that is killed (SIGKILL:
    no DISCONNECT, its socket just vanishes), an external mdp_client_t in a thread, and raw
    DEALER sockets that break the protocol, send garbage or ask for packed messages. The broker runs on the test's
    main thread the way the gateway runs it: wait on broker_fd(), then broker_process(),
    and broker_tick() when it asked to be called. */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "broker.h"
#include "mdp.h"

/*  ---------------------------------------------------------------------------------------
    The broker loop */

typedef struct {
    broker_t *broker;
    char endpoint[64];
    int64_t tick_at;
} fixture_t;

/*  Runs the broker for up to timeout_ms, or until cond(arg) holds (checked after every
    wake-up). Returns whether cond held. cond NULL: runs the whole time. */
static bool
pump_until (fixture_t *f, bool (*cond) (void *), void *arg, int timeout_ms)
{
    int64_t deadline = zclock_mono () + timeout_ms;
    while (true) {
        broker_process (f->broker);
        int64_t now = zclock_mono ();
        if (now >= f->tick_at)
            f->tick_at = now + broker_tick (f->broker);
        if (cond && cond (arg))
            return true;
        now = zclock_mono ();
        if (now >= deadline)
            return false;
        int64_t wait = f->tick_at - now;
        if (wait > deadline - now)
            wait = deadline - now;
        if (wait > 20)
            wait = 20; /* cond may depend on other sockets than the broker's */
        struct pollfd pfd = {broker_fd (f->broker), POLLIN, 0};
        poll (&pfd, 1, (int) (wait > 0 ? wait : 0));
    }
}

static void
pump (fixture_t *f, int ms)
{
    pump_until (f, NULL, NULL, ms);
}

/*  A free tcp port on loopback (bound to port 0, then released). */
static int
free_port (void)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    assert_true (fd >= 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK)};
    assert_int_equal (bind (fd, (struct sockaddr *) &addr, sizeof addr), 0);
    socklen_t len = sizeof addr;
    assert_int_equal (getsockname (fd, (struct sockaddr *) &addr, &len), 0);
    close (fd);
    return ntohs (addr.sin_port);
}

static int
setup (void **state)
{
    fixture_t *f = zmalloc (sizeof *f);
    char err[256] = "";
    for (int attempt = 0; attempt < 5 && !f->broker; attempt++) {
        snprintf (f->endpoint, sizeof f->endpoint, "tcp://127.0.0.1:%d", free_port ());
        f->broker = broker_new (f->endpoint, err, sizeof err);
    }
    if (!f->broker)
        fail_msg ("broker_new: %s", err);
    *state = f;
    return 0;
}

static int
teardown (void **state)
{
    fixture_t *f = *state;
    broker_destroy (&f->broker);
    assert_null (f->broker);
    free (f);
    return 0;
}

/*  ---------------------------------------------------------------------------------------
    Callbacks */

typedef struct {
    int calls;
    broker_result_t result;
    char reply[256];
} outcome_t;

static void
on_reply (void *arg, broker_result_t result, const void *reply, size_t size)
{
    outcome_t *o = arg;
    o->calls++;
    o->result = result;
    if (reply) {
        assert_true (size < sizeof o->reply);
        memcpy (o->reply, reply, size);
        o->reply[size] = 0;
    }
    else
        assert_int_equal (size, 0);
}

static bool
answered (void *arg)
{
    return ((outcome_t *) arg)->calls > 0;
}

typedef struct {
    fixture_t *f;
    const char *service;
    size_t count;
} count_t;

static bool
count_is (void *arg)
{
    count_t *c = arg;
    return broker_worker_count (c->f->broker, c->service) == c->count;
}

static void
wait_for_workers (fixture_t *f, const char *service, size_t count)
{
    count_t c = {f, service, count};
    if (!pump_until (f, count_is, &c, 5000))
        fail_msg ("service %s has %zu workers, not %zu", service,
                  broker_worker_count (f->broker, service), count);
}

static bool
dispatched (void *arg)
{
    return broker_call_dispatched (arg);
}

/*  ---------------------------------------------------------------------------------------
    Workers in threads: each answers "<tag>:<request>" after delay_ms. */

typedef struct {
    char endpoint[64];
    const char *service;
    const char *tag;
    int delay_ms;
    atomic_bool stop;
    atomic_int handled;
    pthread_t thread;
} worker_thread_t;

/*  Requests being handled right now by all worker threads, and the most ever at once. */
static atomic_int s_in_flight;
static atomic_int s_max_in_flight;

static void *
worker_main (void *arg)
{
    worker_thread_t *w = arg;
    mdp_worker_t *worker = mdp_worker_new (w->endpoint, w->service, 1);
    assert_non_null (worker);
    while (!atomic_load (&w->stop)) {
        zframe_t *reply_to = NULL;
        zframe_t *request = mdp_worker_recv (worker, 50, &reply_to);
        if (!request)
            continue;
        int now = atomic_fetch_add (&s_in_flight, 1) + 1;
        int seen = atomic_load (&s_max_in_flight);
        while (now > seen && !atomic_compare_exchange_weak (&s_max_in_flight, &seen, now))
            ;
        if (w->delay_ms)
            mdp_worker_wait_fd (worker, -1, 0, w->delay_ms);
        atomic_fetch_sub (&s_in_flight, 1);
        char text[256];
        snprintf (text, sizeof text, "%s:%.*s", w->tag, (int) zframe_size (request),
                  (const char *) zframe_data (request));
        zframe_t *reply = zframe_new (text, strlen (text));
        atomic_fetch_add (&w->handled, 1);
        mdp_worker_send (worker, &reply_to, &reply);
        zframe_destroy (&request);
    }
    mdp_worker_destroy (&worker);
    return NULL;
}

static worker_thread_t *
worker_start (fixture_t *f, const char *service, const char *tag, int delay_ms)
{
    worker_thread_t *w = zmalloc (sizeof *w);
    snprintf (w->endpoint, sizeof w->endpoint, "%s", f->endpoint);
    w->service = service;
    w->tag = tag;
    w->delay_ms = delay_ms;
    assert_int_equal (pthread_create (&w->thread, NULL, worker_main, w), 0);
    return w;
}

static void
worker_stop (worker_thread_t **w_p)
{
    atomic_store (&(*w_p)->stop, true);
    pthread_join ((*w_p)->thread, NULL);
    free (*w_p);
    *w_p = NULL;
}

/*  ---------------------------------------------------------------------------------------
    A worker in a child process (this program with --worker): it takes requests and never
    answers, until it is killed. */

static int
child_worker_main (const char *endpoint, const char *service)
{
    prctl (PR_SET_PDEATHSIG, SIGKILL);
    mdp_worker_t *worker = mdp_worker_new (endpoint, service, 1);
    if (!worker)
        return 1;
    int64_t give_up = zclock_mono () + 60000;
    while (zclock_mono () < give_up) {
        zframe_t *reply_to = NULL;
        zframe_t *request = mdp_worker_recv (worker, 500, &reply_to);
        zframe_destroy (&request);
        zframe_destroy (&reply_to);
    }
    mdp_worker_destroy (&worker);
    return 0;
}

static pid_t
child_start (fixture_t *f, const char *service)
{
    char *argv[] = {"broker_test", "--worker", f->endpoint, (char *) service, NULL};
    pid_t pid;
    assert_int_equal (posix_spawn (&pid, "/proc/self/exe", NULL, NULL, argv, environ), 0);
    return pid;
}

static void
child_kill (pid_t pid)
{
    kill (pid, SIGKILL);
    waitpid (pid, NULL, 0);
}

/*  ---------------------------------------------------------------------------------------
    Raw peers */

static zsock_t *
raw_dealer (fixture_t *f)
{
    zsock_t *dealer = zsock_new (ZMQ_DEALER);
    assert_non_null (dealer);
    assert_int_equal (zsock_connect (dealer, "%s", f->endpoint), 0);
    return dealer;
}

static void
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

#define S(text) (text), strlen (text)
#define CMD(byte) ((const char[]){(byte)}), (size_t) 1
#define EMPTY "", (size_t) 0

typedef struct {
    zsock_t *dealer;
    int command; /* what to wait for */
    zmsg_t *msg; /* the message that matched */
} expect_t;

/*  True once a worker command (skipping heartbeats unless asked for) came on the dealer. */
static bool
got_command (void *arg)
{
    expect_t *e = arg;
    while (zsock_events (e->dealer) & ZMQ_POLLIN) {
        zmsg_t *msg = zmsg_recv (e->dealer);
        zframe_t *cmd = NULL; /* "", MDPW01, command, ... */
        if (zmsg_size (msg) >= 3) {
            zmsg_first (msg);
            zmsg_next (msg);
            cmd = zmsg_next (msg);
        }
        if (cmd && zframe_size (cmd) == 1 && zframe_data (cmd)[0] == e->command) {
            e->msg = msg;
            return true;
        }
        zmsg_destroy (&msg);
    }
    return false;
}

static zmsg_t *
expect_command (fixture_t *f, zsock_t *dealer, mdp_command_t command)
{
    expect_t e = {dealer, command, NULL};
    if (!pump_until (f, got_command, &e, 3000))
        fail_msg ("no command %d came", command);
    return e.msg;
}

/*  ---------------------------------------------------------------------------------------
    Tests */

static void
test_new_errors (void **state)
{
    fixture_t *f = *state;
    char err[256] = "";
    assert_null (broker_new ("not an endpoint", err, sizeof err));
    assert_true (strlen (err) > 0);
    err[0] = 0;
    assert_null (broker_new (f->endpoint, err, sizeof err)); /* in use */
    assert_non_null (strstr (err, f->endpoint));
    broker_t *none = NULL;
    broker_destroy (&none);
    broker_destroy (NULL);

    int64_t next = broker_tick (f->broker);
    assert_true (next >= 1 && next <= MDP_HEARTBEAT_MS);
}

static void
test_call_reply (void **state)
{
    fixture_t *f = *state;
    outcome_t none = {0};
    assert_null (broker_call (f->broker, "echo", "x", 1, true, on_reply, &none));
    assert_int_equal (broker_worker_count (f->broker, "echo"), 0);

    worker_thread_t *w = worker_start (f, "echo", "A", 0);
    wait_for_workers (f, "echo", 1);

    outcome_t o = {0};
    broker_call_t *call = broker_call (f->broker, "echo", "hello", 5, true, on_reply, &o);
    assert_non_null (call);
    assert_false (broker_call_dispatched (call)); /* queued: sent by the next process */
    broker_process (f->broker); /* what the gateway does after a call */
    /*  An idle worker took it; a quick one may have answered within that same
        broker_process() already, and then the call is gone. */
    assert_true (o.calls == 1 || broker_call_dispatched (call));
    assert_true (pump_until (f, answered, &o, 3000));
    assert_int_equal (o.calls, 1);
    assert_int_equal (o.result, BROKER_OK);
    assert_string_equal (o.reply, "A:hello");

    /*  Unknown services and names over the limit have no worker. */
    char too_long[MDP_SERVICE_MAX + 2];
    memset (too_long, 'e', MDP_SERVICE_MAX + 1);
    too_long[MDP_SERVICE_MAX + 1] = 0;
    assert_null (broker_call (f->broker, too_long, "x", 1, true, on_reply, &none));
    assert_null (broker_call (f->broker, "nosuch", "x", 1, true, on_reply, &none));
    pump (f, 100);
    assert_int_equal (none.calls, 0);
    assert_int_equal (o.calls, 1); /* exactly once */

    /*  An empty body is a body. */
    outcome_t empty = {0};
    assert_non_null (broker_call (f->broker, "echo", "", 0, false, on_reply, &empty));
    assert_true (pump_until (f, answered, &empty, 3000));
    assert_string_equal (empty.reply, "A:");

    /*  A worker that says goodbye is forgotten at once. */
    worker_stop (&w);
    wait_for_workers (f, "echo", 0);
}

static void
test_load_sharing (void **state)
{
    fixture_t *f = *state;
    worker_thread_t *a = worker_start (f, "echo", "A", 30);
    worker_thread_t *b = worker_start (f, "echo", "B", 30);
    wait_for_workers (f, "echo", 2);

    enum { N = 10 };
    outcome_t o[N] = {{0}};
    atomic_store (&s_max_in_flight, 0);
    for (int i = 0; i < N; i++) {
        char body[8];
        snprintf (body, sizeof body, "%d", i);
        assert_non_null (
            broker_call (f->broker, "echo", body, strlen (body), true, on_reply, &o[i]));
    }
    assert_true (pump_until (f, answered, &o[N - 1], 5000));
    pump (f, 100);
    int by_a = 0, by_b = 0;
    for (int i = 0; i < N; i++) {
        assert_int_equal (o[i].calls, 1);
        assert_int_equal (o[i].result, BROKER_OK);
        char expected[8];
        snprintf (expected, sizeof expected, "%d", i);
        assert_string_equal (o[i].reply + 2, expected);
        by_a += o[i].reply[0] == 'A';
        by_b += o[i].reply[0] == 'B';
    }
    /*  Both worked, and at the same time. */
    assert_int_equal (by_a + by_b, N);
    assert_true (by_a >= 3 && by_b >= 3);
    assert_int_equal (atomic_load (&a->handled), by_a);
    assert_int_equal (atomic_load (&b->handled), by_b);
    assert_int_equal (atomic_load (&s_max_in_flight), 2);
    worker_stop (&a);
    worker_stop (&b);
}

/*  A killed worker holding a retryable call: purged within liveness, the call goes to
    the other worker. */
static void
test_killed_worker_retry (void **state)
{
    fixture_t *f = *state;
    pid_t child = child_start (f, "svc");
    wait_for_workers (f, "svc", 1);
    outcome_t o = {0};
    broker_call_t *call = broker_call (f->broker, "svc", "job", 3, true, on_reply, &o);
    assert_non_null (call);
    assert_true (pump_until (f, dispatched, call, 3000));

    worker_thread_t *b = worker_start (f, "svc", "B", 0);
    wait_for_workers (f, "svc", 2);
    child_kill (child);
    int64_t killed = zclock_mono ();
    assert_true (pump_until (f, answered, &o, 5000));
    int64_t took = zclock_mono () - killed;
    assert_true (took <= MDP_HEARTBEAT_MS * MDP_LIVENESS + 500);
    assert_int_equal (o.result, BROKER_OK);
    assert_string_equal (o.reply, "B:job");
    assert_int_equal (broker_worker_count (f->broker, "svc"), 1);
    pump (f, 100);
    assert_int_equal (o.calls, 1);
    worker_stop (&b);
}

/*  The same with a call that may not be retried: it fails, the other worker stays. */
static void
test_killed_worker_no_retry (void **state)
{
    fixture_t *f = *state;
    pid_t child = child_start (f, "etl");
    wait_for_workers (f, "etl", 1);
    outcome_t o = {0};
    broker_call_t *call = broker_call (f->broker, "etl", "trigger", 7, false, on_reply, &o);
    assert_true (pump_until (f, dispatched, call, 3000));
    worker_thread_t *b = worker_start (f, "etl", "B", 0);
    wait_for_workers (f, "etl", 2);
    child_kill (child);
    assert_true (pump_until (f, answered, &o, 5000));
    assert_int_equal (o.result, BROKER_WORKER_LOST);
    assert_int_equal (atomic_load (&b->handled), 0); /* never sent twice */
    assert_int_equal (broker_worker_count (f->broker, "etl"), 1);

    outcome_t next = {0};
    assert_non_null (broker_call (f->broker, "etl", "status", 6, true, on_reply, &next));
    assert_true (pump_until (f, answered, &next, 3000));
    assert_string_equal (next.reply, "B:status");
    worker_stop (&b);
}

/*  The last worker dies: the call it held and the queued ones fail with NO_WORKER. */
static void
test_last_worker_gone (void **state)
{
    fixture_t *f = *state;
    pid_t child = child_start (f, "kpi");
    wait_for_workers (f, "kpi", 1);
    outcome_t held = {0}, queued = {0}, lost = {0};
    broker_call_t *c1 = broker_call (f->broker, "kpi", "1", 1, true, on_reply, &held);
    broker_call_t *c2 = broker_call (f->broker, "kpi", "2", 1, true, on_reply, &queued);
    broker_call_t *c3 = broker_call (f->broker, "kpi", "3", 1, false, on_reply, &lost);
    assert_true (pump_until (f, dispatched, c1, 3000));
    assert_false (broker_call_dispatched (c2));
    assert_false (broker_call_dispatched (c3));
    child_kill (child);
    assert_true (pump_until (f, answered, &queued, 5000));
    assert_int_equal (held.calls, 1);
    assert_int_equal (held.result, BROKER_NO_WORKER);
    assert_int_equal (queued.result, BROKER_NO_WORKER);
    assert_int_equal (lost.calls, 1);
    assert_int_equal (lost.result, BROKER_NO_WORKER);
    assert_int_equal (broker_worker_count (f->broker, "kpi"), 0);
    outcome_t none = {0};
    assert_null (broker_call (f->broker, "kpi", "4", 1, true, on_reply, &none));
}

/*  A worker busy for longer than the liveness window is not purged: its handler waits in
    mdp_worker_wait_fd(), which goes on heartbeating meanwhile. */
static void
test_slow_worker_kept (void **state)
{
    fixture_t *f = *state;
    const int slow_ms = MDP_HEARTBEAT_MS * MDP_LIVENESS + 500;
    worker_thread_t *w = worker_start (f, "slow", "S", slow_ms);
    wait_for_workers (f, "slow", 1);
    outcome_t o = {0};
    assert_non_null (broker_call (f->broker, "slow", "q", 1, false, on_reply, &o));
    assert_true (pump_until (f, answered, &o, slow_ms + 2000));
    assert_int_equal (o.result, BROKER_OK);
    assert_string_equal (o.reply, "S:q");
    assert_int_equal (broker_worker_count (f->broker, "slow"), 1);
    worker_stop (&w);
}

static void
test_cancel (void **state)
{
    fixture_t *f = *state;
    worker_thread_t *w = worker_start (f, "echo", "A", 200);
    wait_for_workers (f, "echo", 1);
    outcome_t o1 = {0}, o2 = {0}, o3 = {0};
    broker_call_t *c1 = broker_call (f->broker, "echo", "1", 1, true, on_reply, &o1);
    broker_call_t *c2 = broker_call (f->broker, "echo", "2", 1, true, on_reply, &o2);
    broker_process (f->broker);
    assert_true (broker_call_dispatched (c1));
    assert_false (broker_call_dispatched (c2));
    broker_call_cancel (f->broker, c2); /* queued: never sent */
    broker_call_cancel (f->broker, c1); /* in a worker's hands: its reply is dropped */
    pump (f, 600);
    assert_int_equal (o1.calls, 0);
    assert_int_equal (o2.calls, 0);
    assert_int_equal (atomic_load (&w->handled), 1);

    /*  The worker is free again. */
    assert_non_null (broker_call (f->broker, "echo", "3", 1, true, on_reply, &o3));
    assert_true (pump_until (f, answered, &o3, 3000));
    assert_string_equal (o3.reply, "A:3");
    worker_stop (&w);
}

/*  A worker that announced a credit is told when a call it holds is cancelled (CANCEL with
    the call's client frame, proto/mdp.h), once; a plain MDP/0.1 worker (credit 1) is not:
    the command is not in its protocol. Raw DEALER peers, to see the frames. */
static void
test_cancel_tells_the_worker (void **state)
{
    fixture_t *f = *state;
    zsock_t *peers[2];
    const char *credits[2] = {"2", NULL};
    for (int i = 0; i < 2; i++) {
        peers[i] = zsock_new_dealer (f->endpoint);
        assert_non_null (peers[i]);
        zsock_set_rcvtimeo (peers[i], 100);
        if (credits[i])
            zsock_send (peers[i], "sssss", "", MDP_WORKER, "\x01", i ? "svc1" : "svc2", credits[i]);
        else
            zsock_send (peers[i], "ssss", "", MDP_WORKER, "\x01", "svc1");
    }
    wait_for_workers (f, "svc2", 1);
    wait_for_workers (f, "svc1", 1);
    const char *services[2] = {"svc2", "svc1"};
    for (int i = 0; i < 2; i++) {
        outcome_t o = {0};
        broker_call_t *call = broker_call (f->broker, services[i], "x", 1, false, on_reply, &o);
        assert_true (pump_until (f, dispatched, call, 3000));
        zmsg_t *request = zmsg_recv (peers[i]);
        assert_non_null (request);
        assert_int_equal (zmsg_size (request), 6);
        zmsg_first (request); /* "" */
        zmsg_next (request);  /* MDPW01 */
        zmsg_next (request);  /* REQUEST */
        zframe_t *client = zframe_dup (zmsg_next (request));
        zmsg_destroy (&request);
        broker_call_cancel (f->broker, call);
        pump (f, 50);
        zmsg_t *cancel = zmsg_recv (peers[i]);
        if (i == 0) {
            assert_non_null (cancel);
            assert_int_equal (zmsg_size (cancel), 4);
            zmsg_first (cancel);
            assert_true (zframe_streq (zmsg_next (cancel), MDP_WORKER));
            assert_int_equal (zframe_data (zmsg_next (cancel))[0], MDP_CANCEL);
            assert_true (zframe_eq (zmsg_next (cancel), client));
        }
        else
            assert_null (cancel); /* plain MDP/0.1: nothing but the request */
        zmsg_destroy (&cancel);
        /*  The worker still answers; the broker drops the answer and calls nothing. */
        zsock_send (peers[i], "sssfsb", "", MDP_WORKER, "\x03", client, "", "y", (size_t) 1);
        pump (f, 50);
        assert_int_equal (o.calls, 0);
        zframe_destroy (&client);
    }
    for (int i = 0; i < 2; i++)
        zsock_destroy (&peers[i]);
}

/*  A cancelled call whose worker dies is not retried and calls nothing. */
static void
test_cancel_then_worker_dies (void **state)
{
    fixture_t *f = *state;
    pid_t child = child_start (f, "svc");
    wait_for_workers (f, "svc", 1);
    outcome_t o = {0};
    broker_call_t *call = broker_call (f->broker, "svc", "x", 1, true, on_reply, &o);
    assert_true (pump_until (f, dispatched, call, 3000));
    broker_call_cancel (f->broker, call);
    child_kill (child);
    wait_for_workers (f, "svc", 0);
    pump (f, 50);
    assert_int_equal (o.calls, 0);
}

typedef struct {
    char endpoint[64];
    const char *service;
    int timeout_ms;
    char reply[256];
    bool got_reply;
    atomic_bool done;
} client_thread_t;

static void *
client_main (void *arg)
{
    client_thread_t *c = arg;
    mdp_client_t *client = mdp_client_new (c->endpoint);
    zframe_t *body = zframe_new ("hi", 2);
    zframe_t *reply = mdp_client_call (client, c->service, &body, c->timeout_ms);
    if (reply) {
        c->got_reply = true;
        snprintf (c->reply, sizeof c->reply, "%.*s", (int) zframe_size (reply),
                  (const char *) zframe_data (reply));
    }
    zframe_destroy (&reply);
    mdp_client_destroy (&client);
    atomic_store (&c->done, true);
    return NULL;
}

static bool
client_done (void *arg)
{
    return atomic_load (&((client_thread_t *) arg)->done);
}

static void
run_client (fixture_t *f, client_thread_t *c)
{
    snprintf (c->endpoint, sizeof c->endpoint, "%s", f->endpoint);
    pthread_t thread;
    assert_int_equal (pthread_create (&thread, NULL, client_main, c), 0);
    assert_true (pump_until (f, client_done, c, 5000));
    pthread_join (thread, NULL);
}

static void
test_external_client (void **state)
{
    fixture_t *f = *state;
    worker_thread_t *w = worker_start (f, "echo", "A", 0);
    wait_for_workers (f, "echo", 1);

    client_thread_t c = {.service = "echo", .timeout_ms = 3000};
    run_client (f, &c);
    assert_true (c.got_reply);
    assert_string_equal (c.reply, "A:hi");

    /*  A service nobody offers: the request is dropped, the client times out. */
    client_thread_t lost = {.service = "nosuch", .timeout_ms = 300};
    run_client (f, &lost);
    assert_false (lost.got_reply);

    /*  Gateway calls and external calls share the worker. */
    outcome_t o = {0};
    assert_non_null (broker_call (f->broker, "echo", "in", 2, true, on_reply, &o));
    assert_true (pump_until (f, answered, &o, 3000));
    assert_string_equal (o.reply, "A:in");
    worker_stop (&w);
}

/*  Garbage from a raw socket, and protocol errors: told DISCONNECT where RFC 7 says so,
    otherwise dropped; the broker and its real workers carry on. */
static void
test_garbage (void **state)
{
    fixture_t *f = *state;
    worker_thread_t *w = worker_start (f, "echo", "A", 0);
    wait_for_workers (f, "echo", 1);

    zsock_t *rogue = raw_dealer (f);
    char too_long[MDP_SERVICE_MAX + 2];
    memset (too_long, 'e', MDP_SERVICE_MAX + 1);
    too_long[MDP_SERVICE_MAX + 1] = 0;
    send_frames (rogue, 1, S ("garbage"));
    send_frames (rogue, 3, S ("\xff\x00\x01"), S (MDP_CLIENT), S ("echo"));
    send_frames (rogue, 5, EMPTY, S (MDP_CLIENT), S ("echo"), S ("a"), S ("b"));
    send_frames (rogue, 4, EMPTY, S (MDP_WORKER), CMD (MDP_READY), S (too_long));
    send_frames (rogue, 4, EMPTY, S (MDP_WORKER), CMD (MDP_REQUEST), S ("echo"));
    send_frames (rogue, 3, EMPTY, S (MDP_WORKER), CMD (0x42));
    send_frames (rogue, 4, EMPTY, S (MDP_CLIENT), S (too_long), S ("x"));
    for (int i = 0; i < 200; i++) {
        unsigned char noise[16];
        for (size_t k = 0; k < sizeof noise; k++)
            noise[k] = (unsigned char) (rand () & 0xff);
        send_frames (rogue, 1 + i % 4, noise, (size_t) (i % 16), noise, (size_t) 3, noise + 3,
                     (size_t) 1, noise, (size_t) 16);
    }
    /*  A DISCONNECT from a stranger is ignored. */
    send_frames (rogue, 3, EMPTY, S (MDP_WORKER), CMD (MDP_DISCONNECT));

    /*  A HEARTBEAT from an unknown worker is told DISCONNECT. */
    send_frames (rogue, 3, EMPTY, S (MDP_WORKER), CMD (MDP_HEARTBEAT));
    zmsg_t *msg = expect_command (f, rogue, MDP_DISCONNECT);
    zmsg_destroy (&msg);
    /*  So is a REPLY from an unknown worker. */
    send_frames (rogue, 6, EMPTY, S (MDP_WORKER), CMD (MDP_REPLY), S ("client"), EMPTY, S ("b"));
    msg = expect_command (f, rogue, MDP_DISCONNECT);
    zmsg_destroy (&msg);

    /*  The same socket may still be a client: a valid request with an empty body. */
    send_frames (rogue, 4, EMPTY, S (MDP_CLIENT), S ("echo"), EMPTY);
    msg = NULL;
    int64_t until = zclock_mono () + 1000;
    while (!msg && zclock_mono () < until) {
        pump (f, 20);
        if (zsock_events (rogue) & ZMQ_POLLIN)
            msg = zmsg_recv (rogue);
    }
    assert_non_null (msg);
    assert_int_equal (zmsg_size (msg), 4);
    assert_true (zframe_streq (zmsg_last (msg), "A:"));
    zmsg_destroy (&msg);

    outcome_t o = {0};
    assert_non_null (broker_call (f->broker, "echo", "still", 5, true, on_reply, &o));
    assert_true (pump_until (f, answered, &o, 3000));
    assert_string_equal (o.reply, "A:still");
    assert_int_equal (broker_worker_count (f->broker, "echo"), 1);
    assert_int_equal (atomic_load (&w->handled), 2);
    zsock_destroy (&rogue);
    worker_stop (&w);
}

/*  A raw worker that breaks the rules in the ways RFC 7 names. */
static void
test_protocol_errors (void **state)
{
    fixture_t *f = *state;

    /*  READY twice: DISCONNECT, forgotten. */
    zsock_t *raw = raw_dealer (f);
    send_frames (raw, 4, EMPTY, S (MDP_WORKER), CMD (MDP_READY), S ("raw"));
    wait_for_workers (f, "raw", 1);
    send_frames (raw, 4, EMPTY, S (MDP_WORKER), CMD (MDP_READY), S ("raw"));
    zmsg_t *msg = expect_command (f, raw, MDP_DISCONNECT);
    zmsg_destroy (&msg);
    assert_int_equal (broker_worker_count (f->broker, "raw"), 0);
    zsock_destroy (&raw);

    /*  REPLY while holding nothing: DISCONNECT, forgotten. */
    raw = raw_dealer (f);
    send_frames (raw, 4, EMPTY, S (MDP_WORKER), CMD (MDP_READY), S ("raw"));
    wait_for_workers (f, "raw", 1);
    send_frames (raw, 6, EMPTY, S (MDP_WORKER), CMD (MDP_REPLY), S ("someone"), EMPTY, S ("b"));
    msg = expect_command (f, raw, MDP_DISCONNECT);
    zmsg_destroy (&msg);
    assert_int_equal (broker_worker_count (f->broker, "raw"), 0);
    zsock_destroy (&raw);

    /*  A REPLY naming a client the worker holds no request of: DISCONNECT, forgotten; the
        call it held fails, as the service has no other worker. */
    raw = raw_dealer (f);
    send_frames (raw, 4, EMPTY, S (MDP_WORKER), CMD (MDP_READY), S ("raw"));
    wait_for_workers (f, "raw", 1);
    outcome_t forged = {0};
    assert_non_null (broker_call (f->broker, "raw", "q", 1, true, on_reply, &forged));
    msg = expect_command (f, raw, MDP_REQUEST);
    zmsg_destroy (&msg);
    send_frames (raw, 6, EMPTY, S (MDP_WORKER), CMD (MDP_REPLY), S ("forged"), EMPTY, S ("r"));
    msg = expect_command (f, raw, MDP_DISCONNECT);
    zmsg_destroy (&msg);
    assert_int_equal (broker_worker_count (f->broker, "raw"), 0);
    assert_int_equal (forged.calls, 1);
    assert_int_equal (forged.result, BROKER_NO_WORKER);
    zsock_destroy (&raw);

    /*  A reply names its request by the client frame of the REQUEST, which has the RFC 7
        shape. */
    raw = raw_dealer (f);
    send_frames (raw, 4, EMPTY, S (MDP_WORKER), CMD (MDP_READY), S ("raw"));
    wait_for_workers (f, "raw", 1);
    outcome_t o = {0};
    assert_non_null (broker_call (f->broker, "raw", "q", 1, true, on_reply, &o));
    msg = expect_command (f, raw, MDP_REQUEST);
    assert_int_equal (zmsg_size (msg), 6);
    assert_true (zframe_streq (zmsg_last (msg), "q"));
    zmsg_first (msg); /* "", MDPW01, 0x02, client, "", body */
    zmsg_next (msg);
    zmsg_next (msg);
    char *client = zframe_strdup (zmsg_next (msg));
    zmsg_destroy (&msg);
    send_frames (raw, 6, EMPTY, S (MDP_WORKER), CMD (MDP_REPLY), S (client), EMPTY, S ("r"));
    free (client);
    assert_true (pump_until (f, answered, &o, 3000));
    assert_int_equal (o.result, BROKER_OK);
    assert_string_equal (o.reply, "r");

    /*  Heartbeats come to a registered worker. */
    msg = expect_command (f, raw, MDP_HEARTBEAT);
    zmsg_destroy (&msg);

    /*  DISCONNECT while holding a call that may not be retried: it fails at once. */
    outcome_t lost = {0};
    assert_non_null (broker_call (f->broker, "raw", "t", 1, false, on_reply, &lost));
    msg = expect_command (f, raw, MDP_REQUEST);
    zmsg_destroy (&msg);
    send_frames (raw, 3, EMPTY, S (MDP_WORKER), CMD (MDP_DISCONNECT));
    assert_true (pump_until (f, answered, &lost, 1000));
    assert_int_equal (lost.result, BROKER_WORKER_LOST);
    assert_int_equal (broker_worker_count (f->broker, "raw"), 0);
    zsock_destroy (&raw);

    /*  broker_destroy() tells workers DISCONNECT and runs no callback. */
    raw = raw_dealer (f);
    send_frames (raw, 4, EMPTY, S (MDP_WORKER), CMD (MDP_READY), S ("raw"));
    wait_for_workers (f, "raw", 1);
    outcome_t pending = {0};
    assert_non_null (broker_call (f->broker, "raw", "p", 1, true, on_reply, &pending));
    assert_non_null (broker_call (f->broker, "raw", "p", 1, true, on_reply, &pending));
    broker_destroy (&f->broker);
    assert_int_equal (pending.calls, 0);
    zmq_pollitem_t item = {zsock_resolve (raw), 0, ZMQ_POLLIN, 0};
    bool disconnected = false;
    while (!disconnected && zmq_poll (&item, 1, 1000) == 1) {
        msg = zmsg_recv (raw);
        zframe_t *cmd = zmsg_size (msg) == 3 ? zmsg_last (msg) : NULL;
        disconnected = cmd && zframe_data (cmd)[0] == MDP_DISCONNECT;
        zmsg_destroy (&msg);
    }
    assert_true (disconnected);
    zsock_destroy (&raw);
}

/*  ---------------------------------------------------------------------------------------
    Credit: raw workers that announce how many calls they take at once */

/*  A raw worker of service, READY with credit (NULL: none, a plain MDP/0.1 worker), and
    registered. */
static zsock_t *
raw_worker (fixture_t *f, const char *service, const char *credit, size_t workers)
{
    zsock_t *raw = raw_dealer (f);
    if (credit)
        send_frames (raw, 5, EMPTY, S (MDP_WORKER), CMD (MDP_READY), S (service), S (credit));
    else
        send_frames (raw, 4, EMPTY, S (MDP_WORKER), CMD (MDP_READY), S (service));
    wait_for_workers (f, service, workers);
    return raw;
}

/*  A REQUEST as a worker got it. */
typedef struct {
    char client[64];
    char body[64];
} request_t;

/*  The client frame and body of a REQUEST message (destroyed). */
static request_t
request_parse (zmsg_t **msg_p)
{
    zmsg_t *msg = *msg_p;
    request_t r = {"", ""};
    assert_int_equal (zmsg_size (msg), 6); /* "", MDPW01, 0x02, client, "", body */
    zmsg_first (msg);
    zmsg_next (msg);
    zmsg_next (msg);
    zframe_t *client = zmsg_next (msg);
    zframe_t *body = zmsg_last (msg);
    assert_true (zframe_size (client) > 0 && zframe_size (client) < sizeof r.client);
    assert_true (zframe_size (body) < sizeof r.body);
    memcpy (r.client, zframe_data (client), zframe_size (client));
    memcpy (r.body, zframe_data (body), zframe_size (body));
    zmsg_destroy (msg_p);
    return r;
}

/*  Waits for the next REQUEST on raw (the broker runs meanwhile). */
static request_t
expect_request (fixture_t *f, zsock_t *raw)
{
    zmsg_t *msg = expect_command (f, raw, MDP_REQUEST);
    return request_parse (&msg);
}

/*  Takes a REQUEST already waiting on raw (other commands are skipped); false when none. */
static bool
take_request (zsock_t *raw, request_t *r)
{
    expect_t e = {raw, MDP_REQUEST, NULL};
    if (!got_command (&e))
        return false;
    *r = request_parse (&e.msg);
    return true;
}

/*  Fails when a REQUEST comes on raw within ms (the broker runs meanwhile). */
static void
expect_no_request (fixture_t *f, zsock_t *raw, int ms)
{
    expect_t e = {raw, MDP_REQUEST, NULL};
    if (pump_until (f, got_command, &e, ms)) {
        zmsg_destroy (&e.msg);
        fail_msg ("an unexpected REQUEST came");
    }
}

/*  The worker's REPLY to the request of r. */
static void
raw_reply (zsock_t *raw, const request_t *r, const char *text)
{
    send_frames (raw, 6, EMPTY, S (MDP_WORKER), CMD (MDP_REPLY), S (r->client), EMPTY, S (text));
}

/*  A worker with credit 3 gets three calls before its first reply, the fourth waits; a
    reply completes the call its client frame names, whichever it is, and makes room. */
static void
test_credit_window (void **state)
{
    fixture_t *f = *state;
    zsock_t *raw = raw_worker (f, "win", "3", 1);
    outcome_t o[4] = {{0}};
    broker_call_t *c[4];
    const char *bodies[] = {"1", "2", "3", "4"};
    for (int i = 0; i < 4; i++) {
        c[i] = broker_call (f->broker, "win", bodies[i], 1, true, on_reply, &o[i]);
        assert_non_null (c[i]);
    }
    /*  The calls of one turn leave together, at the next broker_process(). */
    zclock_sleep (50);
    expect_t early = {raw, MDP_REQUEST, NULL};
    assert_false (got_command (&early));
    for (int i = 0; i < 4; i++)
        assert_false (broker_call_dispatched (c[i]));
    broker_process (f->broker);
    request_t r[4];
    for (int i = 0; i < 3; i++) {
        r[i] = expect_request (f, raw);
        assert_string_equal (r[i].body, bodies[i]);
    }
    assert_string_not_equal (r[0].client, r[1].client);
    assert_string_not_equal (r[0].client, r[2].client);
    assert_string_not_equal (r[1].client, r[2].client);
    expect_no_request (f, raw, 200);
    for (int i = 0; i < 3; i++)
        assert_true (broker_call_dispatched (c[i]));
    assert_false (broker_call_dispatched (c[3]));

    /*  The reply to the second request completes the second call, and only it. */
    raw_reply (raw, &r[1], "second");
    assert_true (pump_until (f, answered, &o[1], 3000));
    assert_int_equal (o[1].result, BROKER_OK);
    assert_string_equal (o[1].reply, "second");
    assert_int_equal (o[0].calls, 0);
    assert_int_equal (o[2].calls, 0);
    assert_int_equal (o[3].calls, 0);
    r[3] = expect_request (f, raw);
    assert_string_equal (r[3].body, "4");
    assert_true (broker_call_dispatched (c[3]));
    for (int i = 0; i < 3; i++)
        assert_string_not_equal (r[3].client, r[i].client);

    /*  The others, answered last first. */
    const int order[] = {3, 0, 2};
    for (int k = 0; k < 3; k++) {
        int i = order[k];
        char text[24];
        snprintf (text, sizeof text, "answer-%d", i + 1);
        raw_reply (raw, &r[i], text);
        assert_true (pump_until (f, answered, &o[i], 3000));
        assert_string_equal (o[i].reply, text);
    }
    pump (f, 50);
    for (int i = 0; i < 4; i++)
        assert_int_equal (o[i].calls, 1);

    /*  A second reply to a call that is over names nothing the worker holds. */
    raw_reply (raw, &r[1], "again");
    zmsg_t *msg = expect_command (f, raw, MDP_DISCONNECT);
    zmsg_destroy (&msg);
    assert_int_equal (broker_worker_count (f->broker, "win"), 0);
    assert_int_equal (o[1].calls, 1);
    zsock_destroy (&raw);
}

/*  Runs the broker for ms and takes every REQUEST that comes on a or b meanwhile. */
static void
collect_requests (fixture_t *f, int ms, zsock_t *a, request_t got_a[8], int *count_a, zsock_t *b,
                  request_t got_b[8], int *count_b)
{
    int64_t deadline = zclock_mono () + ms;
    *count_a = *count_b = 0;
    while (zclock_mono () < deadline) {
        pump (f, 10);
        request_t r;
        while (take_request (a, &r)) {
            assert_true (*count_a < 8);
            got_a[(*count_a)++] = r;
        }
        while (take_request (b, &r)) {
            assert_true (*count_b < 8);
            got_b[(*count_b)++] = r;
        }
    }
}

/*  A call goes to the worker holding the fewest calls: four calls to two workers of credit
    4 go two and two; then the worker that got the last call, once it holds fewer than the
    other, gets the next one too. */
static void
test_least_loaded (void **state)
{
    fixture_t *f = *state;
    zsock_t *a = raw_worker (f, "ll", "4", 1);
    zsock_t *b = raw_worker (f, "ll", "4", 2);
    outcome_t o[5] = {{0}};
    const char *bodies[] = {"1", "2", "3", "4", "5"};
    for (int i = 0; i < 4; i++)
        assert_non_null (broker_call (f->broker, "ll", bodies[i], 1, true, on_reply, &o[i]));
    broker_process (f->broker);
    request_t got_a[8], got_b[8];
    int count_a, count_b;
    collect_requests (f, 300, a, got_a, &count_a, b, got_b, &count_b);
    assert_int_equal (count_a, 2);
    assert_int_equal (count_b, 2);

    /*  The worker that got "4" answers one call: it holds 1, the other 2. */
    bool last_to_a = streq (got_a[0].body, "4") || streq (got_a[1].body, "4");
    zsock_t *lighter = last_to_a ? a : b;
    zsock_t *heavier = last_to_a ? b : a;
    request_t done = last_to_a ? got_a[0] : got_b[0];
    raw_reply (lighter, &done, "done");
    int index = (int) strtol (done.body, NULL, 10) - 1;
    assert_true (pump_until (f, answered, &o[index], 3000));
    assert_string_equal (o[index].reply, "done");

    assert_non_null (broker_call (f->broker, "ll", bodies[4], 1, true, on_reply, &o[4]));
    broker_process (f->broker);
    request_t got_lighter[8], got_heavier[8];
    int count_lighter, count_heavier;
    collect_requests (f, 300, lighter, got_lighter, &count_lighter, heavier, got_heavier,
                      &count_heavier);
    assert_int_equal (count_lighter, 1);
    assert_int_equal (count_heavier, 0);
    assert_string_equal (got_lighter[0].body, "5");
    zsock_destroy (&a);
    zsock_destroy (&b);
}

/*  A worker holding several calls says DISCONNECT: the retryable ones go back to the front
    of the queue in their order and reach the next worker so, the others fail. */
static void
test_purge_held_calls (void **state)
{
    fixture_t *f = *state;
    zsock_t *a = raw_worker (f, "pg", "3", 1);
    outcome_t r1 = {0}, n2 = {0}, r3 = {0};
    broker_call_t *c1 = broker_call (f->broker, "pg", "r1", 2, true, on_reply, &r1);
    broker_call_t *c2 = broker_call (f->broker, "pg", "n2", 2, false, on_reply, &n2);
    broker_call_t *c3 = broker_call (f->broker, "pg", "r3", 2, true, on_reply, &r3);
    broker_process (f->broker);
    for (int i = 0; i < 3; i++)
        expect_request (f, a);
    assert_true (broker_call_dispatched (c1) && broker_call_dispatched (c2)
                 && broker_call_dispatched (c3));

    zsock_t *b = raw_worker (f, "pg", "3", 2);
    expect_no_request (f, b, 100);
    send_frames (a, 3, EMPTY, S (MDP_WORKER), CMD (MDP_DISCONNECT));
    assert_true (pump_until (f, answered, &n2, 3000));
    assert_int_equal (n2.result, BROKER_WORKER_LOST);
    assert_int_equal (broker_worker_count (f->broker, "pg"), 1);
    request_t first = expect_request (f, b);
    request_t second = expect_request (f, b);
    assert_string_equal (first.body, "r1");
    assert_string_equal (second.body, "r3");
    expect_no_request (f, b, 100);
    assert_int_equal (r1.calls + r3.calls, 0);
    raw_reply (b, &second, "B:r3");
    raw_reply (b, &first, "B:r1");
    assert_true (pump_until (f, answered, &r1, 3000));
    assert_true (pump_until (f, answered, &r3, 3000));
    assert_string_equal (r1.reply, "B:r1");
    assert_string_equal (r3.reply, "B:r3");
    assert_int_equal (n2.calls, 1);
    zsock_destroy (&a);

    /*  Requeued calls go before the ones that were waiting already: c (credit 2) holds
        q1 and q2, d (credit 1) holds q3, q4 waits; c goes away and d gets q1, q2, q4. */
    zsock_t *c = raw_worker (f, "fr", "2", 1);
    outcome_t q[4] = {{0}};
    const char *bodies[] = {"q1", "q2", "q3", "q4"};
    for (int i = 0; i < 2; i++)
        assert_non_null (broker_call (f->broker, "fr", bodies[i], 2, true, on_reply, &q[i]));
    broker_process (f->broker);
    expect_request (f, c);
    expect_request (f, c);
    zsock_t *d = raw_worker (f, "fr", NULL, 2);
    for (int i = 2; i < 4; i++)
        assert_non_null (broker_call (f->broker, "fr", bodies[i], 2, true, on_reply, &q[i]));
    broker_process (f->broker);
    request_t r = expect_request (f, d);
    assert_string_equal (r.body, "q3");
    send_frames (c, 3, EMPTY, S (MDP_WORKER), CMD (MDP_DISCONNECT));
    wait_for_workers (f, "fr", 1);
    const int next[] = {2, 0, 1, 3};
    for (int k = 0; k < 4; k++) {
        int i = next[k];
        if (k > 0) {
            r = expect_request (f, d);
            assert_string_equal (r.body, bodies[i]);
        }
        expect_no_request (f, d, 50);
        raw_reply (d, &r, bodies[i]);
        assert_true (pump_until (f, answered, &q[i], 3000));
        assert_int_equal (q[i].result, BROKER_OK);
        assert_string_equal (q[i].reply, bodies[i]);
    }
    zsock_destroy (&c);
    zsock_destroy (&d);
    zsock_destroy (&b);
}

/*  A worker that announces no credit (plain MDP/0.1) holds one call at a time. */
static void
test_plain_worker_one_at_a_time (void **state)
{
    fixture_t *f = *state;
    zsock_t *raw = raw_worker (f, "plain", NULL, 1);
    outcome_t o[3] = {{0}};
    broker_call_t *c[3];
    const char *bodies[] = {"1", "2", "3"};
    for (int i = 0; i < 3; i++)
        c[i] = broker_call (f->broker, "plain", bodies[i], 1, true, on_reply, &o[i]);
    broker_process (f->broker);
    for (int i = 0; i < 3; i++) {
        request_t r = expect_request (f, raw);
        assert_string_equal (r.body, bodies[i]);
        expect_no_request (f, raw, 150);
        assert_true (broker_call_dispatched (c[i]));
        for (int k = i + 1; k < 3; k++)
            assert_false (broker_call_dispatched (c[k]));
        raw_reply (raw, &r, bodies[i]);
        assert_true (pump_until (f, answered, &o[i], 3000));
        assert_string_equal (o[i].reply, bodies[i]);
    }
    zsock_destroy (&raw);
}

/*  ---------------------------------------------------------------------------------------
    Packed messages (mdp_protocol.h's third extension) */

typedef struct {
    zsock_t *dealer;
    int command;
    zframe_t *frame; /* the packed message that matched */
} packed_t;

/*  True once a one-frame message "MDPW01" + the command byte came on the dealer (others
    are skipped). */
static bool
got_packed (void *arg)
{
    packed_t *p = arg;
    while (zsock_events (p->dealer) & ZMQ_POLLIN) {
        zmsg_t *msg = zmsg_recv (p->dealer);
        zframe_t *frame = zmsg_size (msg) == 1 ? zmsg_first (msg) : NULL;
        if (frame && zframe_size (frame) >= 7 && memcmp (zframe_data (frame), MDP_WORKER, 6) == 0
            && zframe_data (frame)[6] == p->command) {
            p->frame = zframe_dup (frame);
            zmsg_destroy (&msg);
            return true;
        }
        zmsg_destroy (&msg);
    }
    return false;
}

/*  The next packed message of command on dealer (the broker runs meanwhile). */
static zframe_t *
expect_packed (fixture_t *f, zsock_t *dealer, mdp_command_t command)
{
    packed_t p = {dealer, command, NULL};
    if (!pump_until (f, got_packed, &p, 3000))
        fail_msg ("no packed command %d came", command);
    return p.frame;
}

/*  A worker that asks for packed messages gets REQUEST, CANCEL, HEARTBEAT and DISCONNECT
    as one frame each (byte for byte as mdp_protocol.h says) and may answer packed; a
    malformed packed message is dropped without purging it; a packed REPLY naming no
    request it holds is a protocol error like a plain one. A plain worker beside it keeps
    getting plain RFC 7 frames. */
static void
test_packed_worker (void **state)
{
    fixture_t *f = *state;
    zsock_t *packed = raw_dealer (f);
    send_frames (packed, 6, EMPTY, S (MDP_WORKER), CMD (MDP_READY), S ("pk"), S ("2"),
                 S (MDP_PACKED));
    wait_for_workers (f, "pk", 1);
    zsock_t *plain = raw_worker (f, "pl", "2", 1);

    outcome_t o = {0};
    broker_call_t *call = broker_call (f->broker, "pk", "body", 4, false, on_reply, &o);
    assert_non_null (call);
    zframe_t *request = expect_packed (f, packed, MDP_REQUEST);
    /*  "MDPW01", 0x02, client length, client ("call-<n>"), body */
    const unsigned char *data = zframe_data (request);
    size_t client_size = data[7];
    assert_int_equal (zframe_size (request), 8 + client_size + 4);
    assert_memory_equal (data + 8, "call-", 5);
    assert_memory_equal (data + 8 + client_size, "body", 4);
    char client[64];
    memcpy (client, data + 8, client_size);
    client[client_size] = 0;
    zframe_destroy (&request);

    /*  Malformed packed messages are dropped; the worker stays. */
    send_frames (packed, 1, "MDPW01\003\011c", (size_t) 9);
    send_frames (packed, 1, S ("MDPW01\x04x"));
    send_frames (packed, 1, "MDPW01\003\000b", (size_t) 9);
    pump (f, 100);
    assert_int_equal (broker_worker_count (f->broker, "pk"), 1);
    assert_int_equal (o.calls, 0);

    /*  A packed REPLY completes the call. */
    char reply[128];
    size_t reply_size =
        (size_t) snprintf (reply, sizeof reply, "MDPW01\x03%c%sanswer", (char) client_size, client);
    send_frames (packed, 1, reply, reply_size);
    assert_true (pump_until (f, answered, &o, 3000));
    assert_int_equal (o.result, BROKER_OK);
    assert_string_equal (o.reply, "answer");

    /*  CANCEL, packed: "MDPW01", 0x06, client length, client. */
    outcome_t o2 = {0};
    call = broker_call (f->broker, "pk", "x", 1, false, on_reply, &o2);
    request = expect_packed (f, packed, MDP_REQUEST);
    client_size = zframe_data (request)[7];
    memcpy (client, zframe_data (request) + 8, client_size);
    client[client_size] = 0;
    zframe_destroy (&request);
    broker_call_cancel (f->broker, call);
    zframe_t *cancel = expect_packed (f, packed, MDP_CANCEL);
    assert_int_equal (zframe_size (cancel), 8 + client_size);
    assert_int_equal (zframe_data (cancel)[7], client_size);
    assert_memory_equal (zframe_data (cancel) + 8, client, client_size);
    zframe_destroy (&cancel);
    reply_size =
        (size_t) snprintf (reply, sizeof reply, "MDPW01\x03%c%sy", (char) client_size, client);
    send_frames (packed, 1, reply, reply_size);
    pump (f, 50);
    assert_int_equal (o2.calls, 0);

    /*  Heartbeats: packed to the packed worker, plain to the plain one. */
    zframe_t *beat = expect_packed (f, packed, MDP_HEARTBEAT);
    assert_int_equal (zframe_size (beat), 7);
    zframe_destroy (&beat);
    zmsg_t *plain_beat = expect_command (f, plain, MDP_HEARTBEAT);
    assert_int_equal (zmsg_size (plain_beat), 3);
    zmsg_destroy (&plain_beat);
    send_frames (packed, 1, S ("MDPW01\x04")); /* a packed HEARTBEAT is a sign of life */

    /*  A packed REPLY to no request it holds: DISCONNECT (packed), purged. */
    send_frames (packed, 1, S ("MDPW01\003\007call-x1answer"));
    zframe_t *bye = expect_packed (f, packed, MDP_DISCONNECT);
    assert_int_equal (zframe_size (bye), 7);
    zframe_destroy (&bye);
    wait_for_workers (f, "pk", 0);
    zsock_destroy (&packed);
    zsock_destroy (&plain);
}

int
main (int argc, char **argv)
{
    if (argc == 4 && streq (argv[1], "--worker"))
        return child_worker_main (argv[2], argv[3]);
    zsys_init ();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_new_errors, setup, teardown),
        cmocka_unit_test_setup_teardown (test_call_reply, setup, teardown),
        cmocka_unit_test_setup_teardown (test_load_sharing, setup, teardown),
        cmocka_unit_test_setup_teardown (test_killed_worker_retry, setup, teardown),
        cmocka_unit_test_setup_teardown (test_killed_worker_no_retry, setup, teardown),
        cmocka_unit_test_setup_teardown (test_last_worker_gone, setup, teardown),
        cmocka_unit_test_setup_teardown (test_slow_worker_kept, setup, teardown),
        cmocka_unit_test_setup_teardown (test_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown (test_cancel_tells_the_worker, setup, teardown),
        cmocka_unit_test_setup_teardown (test_cancel_then_worker_dies, setup, teardown),
        cmocka_unit_test_setup_teardown (test_external_client, setup, teardown),
        cmocka_unit_test_setup_teardown (test_garbage, setup, teardown),
        cmocka_unit_test_setup_teardown (test_protocol_errors, setup, teardown),
        cmocka_unit_test_setup_teardown (test_credit_window, setup, teardown),
        cmocka_unit_test_setup_teardown (test_least_loaded, setup, teardown),
        cmocka_unit_test_setup_teardown (test_purge_held_calls, setup, teardown),
        cmocka_unit_test_setup_teardown (test_plain_worker_one_at_a_time, setup, teardown),
        cmocka_unit_test_setup_teardown (test_packed_worker, setup, teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
