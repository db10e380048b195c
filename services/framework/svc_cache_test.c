/*  svc_cache_test: the cache key of svc_cache.h (pure: no Redis needed), and lookups in one
    round trip (svc_cache_lookup_many) and the claims of the cross-instance lock
    (svc_cache_claim_many, svc_cache_put_release) against a private redis-server on a free
    port, which holds the data version all along so PostgreSQL is never asked (those tests
    skip when redis-server cannot be started). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "svc_cache.h"
#include "testserver.h"

static const char *const s_declared[] = {"start_date", "end_date", "granularity", NULL};

/*  Builds the key of a request with the given params (key, value pairs, NULL-ended). */
static char *
s_key (long long version, const char *const *declared, const char *const *pairs)
{
    proto_param_t params[16];
    size_t count = 0;
    for (; pairs && pairs[2 * count]; count++) {
        params[count].key = pairs[2 * count];
        params[count].value = pairs[2 * count + 1];
    }
    proto_request_t req = {.op = "revenue_trends", .param_count = count, .params = params};
    char *key = svc_cache_key (version, "kpi", "revenue_trends", declared, &req);
    assert_non_null (key);
    return key;
}

static void
test_shape (void **state)
{
    char *key = s_key (7, s_declared, (const char *[]) {"start_date", "2024-01-01", NULL});
    const char *prefix = "ecom:cache:v7:kpi:revenue_trends:";
    assert_int_equal (strncmp (key, prefix, strlen (prefix)), 0);
    const char *hex = key + strlen (prefix);
    assert_int_equal (strlen (hex), 32);
    assert_int_equal (strspn (hex, "0123456789abcdef"), 32);
    free (key);
}

static void
test_order_does_not_matter (void **state)
{
    char *a = s_key (1, s_declared,
                     (const char *[]) {"start_date", "2024-01-01", "end_date", "2024-02-01",
                                       "granularity", "weekly", NULL});
    char *b = s_key (1, s_declared,
                     (const char *[]) {"granularity", "weekly", "end_date", "2024-02-01",
                                       "start_date", "2024-01-01", NULL});
    const char *const reversed[] = {"granularity", "end_date", "start_date", NULL};
    char *c = s_key (1, reversed,
                     (const char *[]) {"end_date", "2024-02-01", "start_date", "2024-01-01",
                                       "granularity", "weekly", NULL});
    assert_string_equal (a, b);
    assert_string_equal (a, c);
    free (a);
    free (b);
    free (c);
}

static void
test_empty_and_undeclared_are_absent (void **state)
{
    char *none = s_key (1, s_declared, NULL);
    char *empty = s_key (1, s_declared,
                         (const char *[]) {"start_date", "", "granularity", "", NULL});
    char *undeclared = s_key (1, s_declared,
                              (const char *[]) {"foo", "bar", "page", "2", NULL});
    assert_string_equal (none, empty);
    assert_string_equal (none, undeclared);
    char *nothing_declared = s_key (1, NULL, (const char *[]) {"start_date", "2024-01-01", NULL});
    char *nothing_either = s_key (1, NULL, NULL);
    assert_string_equal (nothing_declared, nothing_either);
    free (none);
    free (empty);
    free (undeclared);
    free (nothing_declared);
    free (nothing_either);
}

static void
test_values_and_versions_differ (void **state)
{
    char *a = s_key (1, s_declared, (const char *[]) {"granularity", "daily", NULL});
    char *b = s_key (1, s_declared, (const char *[]) {"granularity", "weekly", NULL});
    char *c = s_key (2, s_declared, (const char *[]) {"granularity", "daily", NULL});
    char *d = s_key (1, s_declared, (const char *[]) {"start_date", "daily", NULL});
    assert_string_not_equal (a, b);
    assert_string_not_equal (a, c);
    assert_string_not_equal (a, d);
    free (a);
    free (b);
    free (c);
    free (d);
}

/*  A value that looks like several params must not collide with those params. */
static void
test_no_ambiguity (void **state)
{
    char *one = s_key (1, s_declared,
                       (const char *[]) {"end_date", "x&start_date=y", NULL});
    char *two = s_key (1, s_declared,
                       (const char *[]) {"end_date", "x", "start_date", "y", NULL});
    char *three = s_key (1, s_declared,
                         (const char *[]) {"end_date", "x10:start_date1:y", NULL});
    assert_string_not_equal (one, two);
    assert_string_not_equal (two, three);
    assert_string_not_equal (one, three);
    free (one);
    free (two);
    free (three);
}

/*  Hostile sizes do not make long keys. */
static void
test_bounded (void **state)
{
    char *big = malloc (PROTO_MAX_STRING + 1);
    memset (big, 'x', PROTO_MAX_STRING);
    big[PROTO_MAX_STRING] = '\0';
    char *key = s_key (123456789012LL, s_declared,
                       (const char *[]) {"start_date", big, "end_date", big, NULL});
    assert_true (strlen (key) < 100);
    free (key);
    free (big);
}

/*  ---------------------------------------------------------------------------------------
    Lookups against a private redis-server */

static int s_redis_port;
static pid_t s_redis_pid;
static char s_redis_url[128];

/*  Runs a Redis command on a fresh connection; returns the string reply (free) or NULL.
    Fails the test when Redis cannot be reached or refuses the command. */
static char *
s_redis_cmd (const char *format, ...)
{
    struct timeval timeout = {1, 0};
    redisContext *redis = redisConnectWithTimeout ("127.0.0.1", s_redis_port, timeout);
    assert_true (redis && !redis->err);
    va_list args;
    va_start (args, format);
    redisReply *reply = redisvCommand (redis, format, args);
    va_end (args);
    assert_non_null (reply);
    assert_int_not_equal (reply->type, REDIS_REPLY_ERROR);
    char *text = reply->type == REDIS_REPLY_STRING ? strdup (reply->str) : NULL;
    freeReplyObject (reply);
    redisFree (redis);
    return text;
}

static int
s_redis_setup (void **state)
{
    s_redis_port = testserver_free_port ();
    snprintf (s_redis_url, sizeof s_redis_url, "redis://127.0.0.1:%d/0", s_redis_port);
    s_redis_pid = testserver_redis_start (s_redis_port); /* 0: no redis-server, the tests skip */
    return 0;
}

static int
s_redis_teardown (void **state)
{
    testserver_redis_stop (&s_redis_pid);
    return 0;
}

/*  A request of op with params (key, value pairs, NULL-ended), its storage included. */
typedef struct {
    proto_param_t params[8];
    proto_request_t req;
} s_request_t;

static void
s_request (s_request_t *r, const char *op, const char *const *pairs)
{
    size_t count = 0;
    for (; pairs && pairs[2 * count]; count++) {
        r->params[count].key = pairs[2 * count];
        r->params[count].value = pairs[2 * count + 1];
    }
    r->req = (proto_request_t) {.op = op, .param_count = count, .params = r->params};
}

static const char *const s_orders_declared[] = {"status", NULL};

/*  Each lookup's key is svc_cache_key() of version and its value what Redis holds there;
    an entry written at one version is a miss at the next, and count 0 touches nothing. */
static void
test_lookup_many (void **state)
{
    if (!s_redis_pid)
        skip ();
    free (s_redis_cmd ("SET %s 5", SVC_CACHE_VERSION_KEY));
    svc_cache_t *cache = svc_cache_new (s_redis_url, 60);
    assert_non_null (cache);

    enum { COUNT = 5 };
    s_request_t r[COUNT];
    s_request (&r[0], "revenue_trends",
               (const char *[]) {"start_date", "2024-01-01", "end_date", "2024-02-01", NULL});
    s_request (&r[1], "revenue_trends", (const char *[]) {"start_date", "2024-03-01", NULL});
    /*  r[0]'s parameters in another order, and one it does not declare: the same key. */
    s_request (&r[2], "revenue_trends",
               (const char *[]) {"page", "3", "end_date", "2024-02-01", "start_date",
                                 "2024-01-01", NULL});
    s_request (&r[3], "orders", (const char *[]) {"status", "paid", NULL});
    s_request (&r[4], "orders", (const char *[]) {"status", "open", NULL});
    const char *const *declared[COUNT] = {s_declared, s_declared, s_declared, s_orders_declared,
                                          s_orders_declared};
    /*  What is cached at version 5: r[0] (so r[2]) and r[4]; a binary value. Entries are
        msgpack maps (anything else is a miss: test_claim). */
    const char stored0[] = {'\x81', '\xa1', 'v', 0};
    const char *stored4 = "\x81\xa1" "o" "\xa4" "open";
    char *key0 = svc_cache_key (5, "kpi", "revenue_trends", s_declared, &r[0].req);
    char *key4 = svc_cache_key (5, "kpi", "orders", s_orders_declared, &r[4].req);
    free (s_redis_cmd ("SET %s %b", key0, stored0, sizeof stored0));
    free (s_redis_cmd ("SET %s %b", key4, stored4, strlen (stored4)));

    for (long long version = 5; version <= 6; version++) {
        svc_cache_lookup_t lookups[COUNT];
        for (size_t i = 0; i < COUNT; i++)
            lookups[i] = (svc_cache_lookup_t) {.op = r[i].req.op, .declared = declared[i],
                                               .req = &r[i].req};
        svc_cache_lookup_many (cache, NULL, "kpi", lookups, COUNT);
        for (size_t i = 0; i < COUNT; i++) {
            char *expected = svc_cache_key (version, "kpi", r[i].req.op, declared[i], &r[i].req);
            if (!lookups[i].key || strcmp (lookups[i].key, expected) != 0)
                fail_msg ("lookup %zu at version %lld: key %s, not %s", i, version,
                          lookups[i].key ? lookups[i].key : "NULL", expected);
            free (expected);
        }
        if (version == 5) {
            assert_string_equal (lookups[0].key, key0);
            assert_string_equal (lookups[2].key, key0);
            assert_string_equal (lookups[4].key, key4);
            assert_int_equal (lookups[0].size, sizeof stored0);
            assert_memory_equal (lookups[0].value, stored0, sizeof stored0);
            assert_int_equal (lookups[2].size, sizeof stored0);
            assert_memory_equal (lookups[2].value, stored0, sizeof stored0);
            assert_int_equal (lookups[4].size, strlen (stored4));
            assert_memory_equal (lookups[4].value, stored4, strlen (stored4));
            assert_null (lookups[1].value);
            assert_null (lookups[3].value);
        }
        else {
            /*  The data changed: every old entry is a miss. */
            for (size_t i = 0; i < COUNT; i++)
                assert_null (lookups[i].value);
            assert_string_not_equal (lookups[0].key, key0);
        }
        for (size_t i = 0; i < COUNT; i++) {
            free (lookups[i].key);
            free (lookups[i].value);
        }
        free (s_redis_cmd ("SET %s %lld", SVC_CACHE_VERSION_KEY, version + 1));
    }

    /*  Nothing to look up: nothing is touched. */
    svc_cache_lookup_many (cache, NULL, "kpi", NULL, 0);
    char marker[] = "untouched";
    svc_cache_lookup_t untouched = {.op = "orders", .declared = s_orders_declared,
                                    .req = &r[4].req, .key = marker, .value = marker,
                                    .size = 42};
    svc_cache_lookup_many (cache, NULL, "kpi", &untouched, 0);
    assert_ptr_equal (untouched.key, marker);
    assert_ptr_equal (untouched.value, marker);
    assert_int_equal (untouched.size, 42);

    free (key0);
    free (key4);
    svc_cache_destroy (&cache);
}

/*  Caching off, or Redis unreachable: no key and no value for any lookup. */
static void
test_lookup_many_unavailable (void **state)
{
    char nowhere[64];
    snprintf (nowhere, sizeof nowhere, "redis://127.0.0.1:%d/0", testserver_free_port ());
    svc_cache_t *down = svc_cache_new (nowhere, 60);
    svc_cache_t *off = svc_cache_new (s_redis_pid ? s_redis_url : nowhere, 0);
    assert_non_null (down);
    assert_non_null (off);
    s_request_t r;
    s_request (&r, "orders", (const char *[]) {"status", "paid", NULL});
    svc_cache_t *caches[] = {down, off};
    for (size_t c = 0; c < 2; c++) {
        svc_cache_lookup_t lookups[2];
        for (size_t i = 0; i < 2; i++)
            lookups[i] = (svc_cache_lookup_t) {.op = "orders", .declared = s_orders_declared,
                                               .req = &r.req};
        svc_cache_lookup_many (caches[c], NULL, "kpi", lookups, 2);
        for (size_t i = 0; i < 2; i++) {
            assert_null (lookups[i].key);
            assert_null (lookups[i].value);
        }
    }
    svc_cache_destroy (&down);
    svc_cache_destroy (&off);
}

/*  The integer reply of a command on a fresh connection. */
static long long
s_redis_int (const char *format, ...)
{
    struct timeval timeout = {1, 0};
    redisContext *redis = redisConnectWithTimeout ("127.0.0.1", s_redis_port, timeout);
    assert_true (redis && !redis->err);
    va_list args;
    va_start (args, format);
    redisReply *reply = redisvCommand (redis, format, args);
    va_end (args);
    assert_non_null (reply);
    assert_int_equal (reply->type, REDIS_REPLY_INTEGER);
    long long value = reply->integer;
    freeReplyObject (reply);
    redisFree (redis);
    return value;
}

/*  A well-formed entry of 6 bytes: {"a": "an"}. */
#define S_ANSWER "\x81\xa1" "a" "\xa2" "an"

/*  Claims one key; returns its state (and frees a found value after checking it). */
static svc_cache_claim_state_t
s_claim (svc_cache_t *cache, const char *key, const char *expected_value)
{
    svc_cache_claim_t claim = {.key = key};
    svc_cache_claim_many (cache, &claim, 1);
    if (claim.state == SVC_CACHE_FOUND) {
        assert_non_null (expected_value);
        assert_int_equal (claim.size, strlen (expected_value));
        assert_memory_equal (claim.value, expected_value, claim.size);
    }
    else
        assert_null (claim.value);
    free (claim.value);
    return claim.state;
}

/*  One computation per miss across instances: the first claim of a key wins its lock, the
    others are busy until the holder stores the entry (then it is found, no lock left behind)
    or releases it without one or dies (then the lock is won again); a lock is released by
    its holder alone. */
static void
test_claim (void **state)
{
    if (!s_redis_pid)
        skip ();
    svc_cache_t *a = svc_cache_new (s_redis_url, 60);
    svc_cache_t *b = svc_cache_new (s_redis_url, 60);
    assert_non_null (a);
    assert_non_null (b);
    assert_int_equal (strlen (svc_cache_token (a)), 32);
    assert_int_equal (strspn (svc_cache_token (a), "0123456789abcdef"), 32);
    assert_string_not_equal (svc_cache_token (a), svc_cache_token (b));

    const char *key = "ecom:cache:v9:kpi:kpis:00000000000000000000000000000001";
    const char *lock
        = SVC_CACHE_LOCK_PREFIX "ecom:cache:v9:kpi:kpis:00000000000000000000000000000001";
    assert_int_equal (s_claim (a, key, NULL), SVC_CACHE_HELD);
    char *holder = s_redis_cmd ("GET %s", lock);
    assert_string_equal (holder, svc_cache_token (a));
    free (holder);
    long long pttl = s_redis_int ("PTTL %s", lock);
    assert_true (pttl > 0 && pttl <= SVC_CACHE_LOCK_MS);
    assert_int_equal (s_claim (a, key, NULL), SVC_CACHE_BUSY); /* not reentrant */
    assert_int_equal (s_claim (b, key, NULL), SVC_CACHE_BUSY);
    /*  Only the holder releases. */
    svc_cache_put_release (b, key, NULL, 0);
    assert_int_equal (s_redis_int ("EXISTS %s", lock), 1);
    /*  The holder stores and releases: found, and a claim won meanwhile is released. */
    svc_cache_put_release (a, key, S_ANSWER, 6);
    assert_int_equal (s_redis_int ("EXISTS %s", lock), 0);
    char *entry = s_redis_cmd ("GET %s", key);
    assert_string_equal (entry, S_ANSWER);
    free (entry);
    long long ttl = s_redis_int ("TTL %s", key);
    assert_true (ttl > 0 && ttl <= 60);
    assert_int_equal (s_claim (b, key, S_ANSWER), SVC_CACHE_FOUND);
    assert_int_equal (s_redis_int ("EXISTS %s", lock), 0);

    /*  Released without an entry (an error answer): the next claim wins. */
    const char *key2 = "ecom:cache:v9:kpi:kpis:00000000000000000000000000000002";
    assert_int_equal (s_claim (a, key2, NULL), SVC_CACHE_HELD);
    assert_int_equal (s_claim (b, key2, NULL), SVC_CACHE_BUSY);
    svc_cache_put_release (a, key2, NULL, 0);
    assert_int_equal (s_claim (b, key2, NULL), SVC_CACHE_HELD);

    /*  A holder that died: its lock expires, then the claim wins. */
    const char *key3 = "ecom:cache:v9:kpi:kpis:00000000000000000000000000000003";
    free (s_redis_cmd ("SET " SVC_CACHE_LOCK_PREFIX "%s dead-instance PX 150", key3));
    assert_int_equal (s_claim (a, key3, NULL), SVC_CACHE_BUSY);
    usleep (250 * 1000);
    assert_int_equal (s_claim (a, key3, NULL), SVC_CACHE_HELD);

    /*  Several keys in one round trip: found, busy (b holds key2), won. */
    const char *key4 = "ecom:cache:v9:kpi:kpis:00000000000000000000000000000004";
    svc_cache_claim_t claims[] = {{.key = key}, {.key = key2}, {.key = key4}};
    svc_cache_claim_many (a, claims, 3);
    assert_int_equal (claims[0].state, SVC_CACHE_FOUND);
    assert_int_equal (claims[0].size, 6);
    assert_int_equal (claims[1].state, SVC_CACHE_BUSY);
    assert_int_equal (claims[2].state, SVC_CACHE_HELD);
    free (claims[0].value);
    /*  A holder whose lock expired and went to another leaves the new holder's lock. */
    free (s_redis_cmd ("SET " SVC_CACHE_LOCK_PREFIX "%s %s", key4, svc_cache_token (b)));
    svc_cache_put_release (a, key4, "late", 4);
    holder = s_redis_cmd ("GET " SVC_CACHE_LOCK_PREFIX "%s", key4);
    assert_string_equal (holder, svc_cache_token (b));
    free (holder);

    /*  A value planted under a key that is not one msgpack map (issue 16) is no entry: the
        claim wins the lock (the answer is computed and stored over it), a get misses. */
    const char *key5 = "ecom:cache:v9:kpi:kpis:00000000000000000000000000000005";
    const char *planted[] = {"garbage", "\x81\xa1" "a", "\x92\x01\x02", "\x80\x80"};
    for (size_t i = 0; i < sizeof planted / sizeof planted[0]; i++) {
        free (s_redis_cmd ("SET %s %s", key5, planted[i]));
        size_t size = 0;
        assert_null (svc_cache_get (a, key5, &size));
        assert_int_equal (s_claim (a, key5, NULL), SVC_CACHE_HELD);
        svc_cache_put_release (a, key5, NULL, 0);
    }
    svc_cache_destroy (&a);
    svc_cache_destroy (&b);
}

/*  Caching off, or Redis unreachable: every claim is unavailable (compute without a lock),
    and a release does nothing. */
static void
test_claim_unavailable (void **state)
{
    char nowhere[64];
    snprintf (nowhere, sizeof nowhere, "redis://127.0.0.1:%d/0", testserver_free_port ());
    svc_cache_t *down = svc_cache_new (nowhere, 60);
    svc_cache_t *off = svc_cache_new (s_redis_pid ? s_redis_url : nowhere, 0);
    svc_cache_t *caches[] = {down, off};
    for (size_t c = 0; c < 2; c++) {
        svc_cache_claim_t claims[] = {{.key = "ecom:cache:v1:kpi:kpis:x"},
                                      {.key = "ecom:cache:v1:kpi:kpis:y"}};
        svc_cache_claim_many (caches[c], claims, 2);
        for (size_t i = 0; i < 2; i++) {
            assert_int_equal (claims[i].state, SVC_CACHE_UNAVAILABLE);
            assert_null (claims[i].value);
        }
        svc_cache_put_release (caches[c], "ecom:cache:v1:kpi:kpis:x", "a", 1);
    }
    if (s_redis_pid)
        assert_int_equal (s_redis_int ("EXISTS %s", "ecom:cache:v1:kpi:kpis:x"), 0);
    svc_cache_destroy (&down);
    svc_cache_destroy (&off);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_shape),
        cmocka_unit_test (test_order_does_not_matter),
        cmocka_unit_test (test_empty_and_undeclared_are_absent),
        cmocka_unit_test (test_values_and_versions_differ),
        cmocka_unit_test (test_no_ambiguity),
        cmocka_unit_test (test_bounded),
        cmocka_unit_test (test_lookup_many),
        cmocka_unit_test (test_lookup_many_unavailable),
        cmocka_unit_test (test_claim),
        cmocka_unit_test (test_claim_unavailable),
    };
    signal (SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests (tests, s_redis_setup, s_redis_teardown);
}
