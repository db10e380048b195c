/*  svc_test: the framework's request handling (svc_new, svc_handle, svc_handle_batch) against
    a real PostgreSQL (a database of its own, created from DATABASE_URL's server and dropped at
    the end) and a private redis-server on a free port, which the test stops and restarts. A toy service
    stands in for a real one. Skipped when DATABASE_URL is unset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ecom_data_version.h"
#include "ecom_db.h"
#include "ecom_url.h"
#include "svc.h"
#include "svc_cache.h"
#include "svc_db.h"
#include "testserver.h"

/*  =======================================================================================
    The toy service */

static int s_calls; /* handler runs of op "double" */

static int
s_double (svc_ctx_t *ctx)
{
    s_calls++;
    const char *n = svc_param (ctx, "n");
    if (!n)
        return svc_error (ctx, 400, "bad_request", "n is required");
    const char *values[] = {n};
    PGresult *res = svc_query (ctx, "double.sql", 1, values);
    if (!res)
        return SVC_FAILED;
    proto_writer_t *body = svc_body (ctx);
    proto_writer_map (body, 2);
    proto_writer_str (body, "value");
    proto_writer_int (body, strtoll (PQgetvalue (res, 0, 0), NULL, 10));
    proto_writer_str (body, "calls");
    proto_writer_int (body, s_calls);
    PQclear (res);
    return 200;
}

static int s_slow_calls; /* handler runs of op "slow" (from several threads: atomic) */

/*  A computation that takes 300 ms. */
static int
s_slow (svc_ctx_t *ctx)
{
    __atomic_add_fetch (&s_slow_calls, 1, __ATOMIC_SEQ_CST);
    const char *values[] = {svc_param (ctx, "n")};
    PGresult *res = svc_query (ctx, "slow.sql", 1, values);
    if (!res)
        return SVC_FAILED;
    proto_writer_t *body = svc_body (ctx);
    proto_writer_map (body, 1);
    proto_writer_str (body, "value");
    proto_writer_int (body, strtoll (PQgetvalue (res, 0, 0), NULL, 10));
    PQclear (res);
    return 200;
}

static int
s_fail (svc_ctx_t *ctx)
{
    PGresult *res = svc_query (ctx, "bad.sql", 0, NULL);
    PQclear (res);
    return res ? 200 : SVC_FAILED;
}

static int
s_plain (svc_ctx_t *ctx)
{
    proto_writer_t *body = svc_body (ctx);
    proto_writer_map (body, 1);
    proto_writer_str (body, "sub");
    proto_writer_str (body, svc_sub (ctx));
    return 200;
}

static int
s_bad_status (svc_ctx_t *ctx)
{
    return 42;
}

static int
s_not_a_map (svc_ctx_t *ctx)
{
    proto_writer_int (svc_body (ctx), 7);
    return 200;
}

static int s_versioned_calls;    /* handler runs of op "versioned" */
static long long s_said_version; /* the data version "versioned" says it computed from */

/*  "double" that says which data version it computed from (svc_data_version), as a
    read-only service's SQL answer would: s_said_version stands for a standby's. */
static int
s_versioned (svc_ctx_t *ctx)
{
    s_versioned_calls++;
    const char *values[] = {svc_param (ctx, "n")};
    PGresult *res = svc_query (ctx, "double.sql", 1, values);
    if (!res)
        return SVC_FAILED;
    svc_data_version (ctx, s_said_version);
    proto_writer_t *body = svc_body (ctx);
    proto_writer_map (body, 1);
    proto_writer_str (body, "value");
    proto_writer_int (body, strtoll (PQgetvalue (res, 0, 0), NULL, 10));
    PQclear (res);
    return 200;
}

static const ecom_embedded_t s_files[] = {
    {"bad.sql", "SELECT * FROM no_such_table"},
    {"double.sql", "SELECT $1::int * 2"},
    {"slow.sql", "SELECT $1::int, pg_sleep (0.3)"},
    {NULL, NULL}};

static const svc_op_t s_ops[] = {
    {"double", s_double, true, SVC_PARAMS ("n", "m")},
    {"slow", s_slow, true, SVC_PARAMS ("n")},
    {"fail", s_fail, true, NULL},
    {"plain", s_plain, false, NULL},
    {"bad_status", s_bad_status, false, NULL},
    {"not_a_map", s_not_a_map, false, NULL},
    {NULL, NULL, false, NULL}};

static const svc_def_t s_def = {
    .name = "svctest",
    .summary = "a toy service",
    .ops = s_ops,
    .sql = s_files};

/*  The same service as a read-only one (DATABASE_READ_URL), with an op that says its data
    version. */
static const svc_op_t s_read_only_ops[] = {
    {"double", s_double, true, SVC_PARAMS ("n", "m")},
    {"versioned", s_versioned, true, SVC_PARAMS ("n")},
    {NULL, NULL, false, NULL}};

static const svc_def_t s_read_only_def = {
    .name = "svctest",
    .summary = "a toy read-only service",
    .ops = s_read_only_ops,
    .sql = s_files,
    .read_only = true};

/*  The read-only service with a view to warm. */
static const svc_def_t s_read_only_warm_def = {
    .name = "svctest",
    .summary = "a toy read-only service that warms",
    .ops = s_read_only_ops,
    .sql = s_files,
    .warm = SVC_WARM ({"versioned", SVC_PARAMS ("n", "9")}),
    .read_only = true};

/*  The same service with views to warm: two that compute, one that fails (never cached). */
static const svc_def_t s_warm_def = {
    .name = "svctest",
    .summary = "a toy service that warms",
    .ops = s_ops,
    .sql = s_files,
    .warm = SVC_WARM ({"double", SVC_PARAMS ("n", "7")},
                      {"double", SVC_PARAMS ("n", "8", "m", "1")}, {"fail", NULL})};

/*  =======================================================================================
    The stack: a database and a redis-server of our own */

static char s_admin_url[512];  /* DATABASE_URL, for CREATE/DROP DATABASE */
static char s_db_url[512];     /* our database */
static char s_db_name[64];
static char s_redis_url[128];
static int s_redis_port;
static pid_t s_redis_pid;
static PGconn *s_db;           /* the test's own connection to our database */

static redisContext *
s_redis (void)
{
    struct timeval timeout = {1, 0};
    redisContext *redis = redisConnectWithTimeout ("127.0.0.1", s_redis_port, timeout);
    if (redis && redis->err) {
        redisFree (redis);
        return NULL;
    }
    return redis;
}

static void
s_redis_start (void)
{
    s_redis_pid = testserver_redis_start (s_redis_port);
    if (!s_redis_pid)
        fail_msg ("redis-server did not start on port %d", s_redis_port);
}

static void
s_redis_stop (void)
{
    testserver_redis_stop (&s_redis_pid);
}

/*  Runs a Redis command on a fresh connection; returns the string reply (free) or NULL. */
static char *
s_redis_cmd (const char *format, ...)
{
    redisContext *redis = s_redis ();
    assert_non_null (redis);
    va_list args;
    va_start (args, format);
    redisReply *reply = redisvCommand (redis, format, args);
    va_end (args);
    char *text = reply && reply->type == REDIS_REPLY_STRING ? strdup (reply->str) : NULL;
    if (reply)
        freeReplyObject (reply);
    redisFree (redis);
    return text;
}

static void
s_sql (PGconn *conn, const char *sql)
{
    char err[256];
    if (ecom_db_exec (conn, sql, err, sizeof err) != 0)
        fail_msg ("%s: %s", sql, err);
}

static int
s_setup (void **state)
{
    const char *url = getenv ("DATABASE_URL");
    if (!url || !*url)
        return 0; /* the tests skip */
    snprintf (s_admin_url, sizeof s_admin_url, "%s", url);
    char err[256];
    ecom_url_t *parsed = ecom_url_parse (url, err, sizeof err);
    assert_non_null (parsed);
    snprintf (s_db_name, sizeof s_db_name, "svc_test_%d", (int) getpid ());
    snprintf (s_db_url, sizeof s_db_url, "postgresql://%s%s%s%s%s:%d/%s",
              parsed->user ? parsed->user : "", parsed->password ? ":" : "",
              parsed->password ? parsed->password : "", parsed->user ? "@" : "", parsed->host,
              parsed->port, s_db_name);
    ecom_url_destroy (&parsed);

    PGconn *admin = ecom_db_connect (s_admin_url, err, sizeof err);
    assert_non_null (admin);
    char sql[128];
    snprintf (sql, sizeof sql, "DROP DATABASE IF EXISTS %s", s_db_name);
    s_sql (admin, sql);
    snprintf (sql, sizeof sql, "CREATE DATABASE %s", s_db_name);
    s_sql (admin, sql);
    PQfinish (admin);
    s_db = ecom_db_connect (s_db_url, err, sizeof err);
    assert_non_null (s_db);
    s_sql (s_db, "CREATE TABLE data_version (id int PRIMARY KEY, version bigint NOT NULL);"
                 "INSERT INTO data_version VALUES (1, 1)");

    s_redis_port = testserver_free_port ();
    snprintf (s_redis_url, sizeof s_redis_url, "redis://127.0.0.1:%d/0", s_redis_port);
    s_redis_start ();
    return 0;
}

static int
s_teardown (void **state)
{
    if (!s_db)
        return 0;
    PQfinish (s_db);
    if (s_redis_pid)
        s_redis_stop ();
    char err[256], sql[128];
    PGconn *admin = ecom_db_connect (s_admin_url, err, sizeof err);
    snprintf (sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", s_db_name);
    if (admin)
        s_sql (admin, sql);
    PQfinish (admin);
    return 0;
}

/*  =======================================================================================
    Calling the service */

typedef struct {
    int status;
    int cache_hit;  /* 1, 0, or -1 when the body has no "cache" */
    char text[512]; /* the body flattened: tokens separated by spaces */
} s_answer_t;

/*  Appends text to an answer's text (512 bytes), cut at its end when it does not fit. */
static void
s_append (char *out, const char *text)
{
    size_t used = strlen (out);
    snprintf (out + used, 512 - used, "%s", text);
}

static int
s_on_map (void *arg, uint32_t pairs)
{
    s_append (arg, "{ ");
    return 0;
}

static int
s_on_array (void *arg, uint32_t items)
{
    s_append (arg, "[ ");
    return 0;
}

static int
s_on_str (void *arg, const char *text, size_t len)
{
    char *out = arg;
    size_t used = strlen (out);
    snprintf (out + used, 512 - used, "%.*s ", (int) len, text);
    return 0;
}

static int
s_on_int (void *arg, int64_t value)
{
    char *out = arg;
    size_t used = strlen (out);
    snprintf (out + used, 512 - used, "%lld ", (long long) value);
    return 0;
}

static int
s_on_double (void *arg, double value)
{
    return 0;
}

static int
s_on_bool (void *arg, bool value)
{
    s_append (arg, value ? "true " : "false ");
    return 0;
}

static int
s_on_nil (void *arg)
{
    s_append (arg, "nil ");
    return 0;
}

static int
s_on_end (void *arg)
{
    s_append (arg, "} ");
    return 0;
}

static const proto_visitor_t s_visitor = {s_on_map,  s_on_array, s_on_str, s_on_int,
                                          s_on_double, s_on_bool, s_on_nil, s_on_end};

/*  Decodes an encoded reply (freed). */
static s_answer_t
s_decode (char *reply, size_t reply_size)
{
    assert_non_null (reply);
    proto_reply_t *decoded = proto_reply_decode (reply, reply_size);
    assert_non_null (decoded);
    s_answer_t answer = {.status = proto_reply_status (decoded),
                         .cache_hit = proto_reply_cache_hit (decoded)};
    assert_int_equal (proto_reply_visit_body (decoded, &s_visitor, answer.text), 0);
    proto_reply_destroy (&decoded);
    free (reply);
    return answer;
}

/*  Sends raw bytes to svc and decodes the answer. */
static s_answer_t
s_call_raw (svc_t *svc, const void *data, size_t size)
{
    size_t reply_size;
    char *reply = svc_handle (svc, data, size, &reply_size);
    return s_decode (reply, reply_size);
}

/*  Encodes a request for op with params (key, value pairs, NULL-ended); free() it. */
static char *
s_encode (const char *op, const char *const *pairs, size_t *size)
{
    proto_param_t params[8];
    size_t count = 0;
    for (; pairs && pairs[2 * count]; count++) {
        params[count].key = pairs[2 * count];
        params[count].value = pairs[2 * count + 1];
    }
    proto_request_t req = {.op = op, .param_count = count, .params = params,
                           .sub = "alice", .request_id = "req-1"};
    char *data = proto_request_encode (&req, size);
    assert_non_null (data);
    return data;
}

/*  Calls op with params (key, value pairs, NULL-ended). */
static s_answer_t
s_call (svc_t *svc, const char *op, const char *const *pairs)
{
    size_t size;
    char *data = s_encode (op, pairs, &size);
    s_answer_t answer = s_call_raw (svc, data, size);
    free (data);
    return answer;
}

/*  What svc_handle_batch() answered: each request's answer, how often it was answered, in
    which order, and how many handler runs of "double" there had been by then. */
#define S_BATCH_MAX 8

typedef struct {
    s_answer_t answers[S_BATCH_MAX];
    int times[S_BATCH_MAX];
    int calls_then[S_BATCH_MAX];
    size_t order[S_BATCH_MAX];
    size_t answered;
} s_batch_t;

static void
s_on_answer (void *arg, size_t index, char *reply, size_t size)
{
    s_batch_t *batch = arg;
    assert_true (index < S_BATCH_MAX && batch->answered < S_BATCH_MAX);
    batch->order[batch->answered++] = index;
    batch->times[index]++;
    batch->calls_then[index] = s_calls;
    batch->answers[index] = s_decode (reply, size);
}

/*  Runs count encoded requests as one batch; checks each was answered exactly once. */
static void
s_batch (svc_t *svc, size_t count, char *const *data, const size_t *sizes, s_batch_t *batch)
{
    memset (batch, 0, sizeof *batch);
    svc_handle_batch (svc, count, (const void *const *) data, sizes, s_on_answer, batch);
    assert_int_equal (batch->answered, count);
    for (size_t i = 0; i < count; i++)
        assert_int_equal (batch->times[i], 1);
}

/*  The position of index among a batch's answers. */
static size_t
s_position (const s_batch_t *batch, size_t index)
{
    for (size_t k = 0; k < batch->answered; k++)
        if (batch->order[k] == index)
            return k;
    fail_msg ("request %zu was not answered", index);
    return 0;
}

static svc_t *
s_svc_of (const svc_def_t *def, int ttl, const char *redis_url)
{
    ecom_config_t config = {.database_url = s_db_url,
                            .redis_url = (char *) redis_url,
                            .cache_ttl_seconds = ttl};
    char err[256];
    svc_t *svc = svc_new (def, &config, err, sizeof err);
    assert_non_null (svc);
    return svc;
}

static svc_t *
s_svc (int ttl, const char *redis_url)
{
    return s_svc_of (&s_def, ttl, redis_url);
}

#define SKIP_WITHOUT_STACK()                                                                     \
    do {                                                                                         \
        if (!s_db)                                                                               \
            skip ();                                                                             \
    } while (0)

/*  =======================================================================================
    Tests */

static void
test_bad_requests (void **state)
{
    SKIP_WITHOUT_STACK ();
    svc_t *svc = s_svc (60, s_redis_url);
    s_answer_t a = s_call_raw (svc, "\xc1", 1);
    assert_int_equal (a.status, 400);
    assert_non_null (strstr (a.text, "error bad_request detail "));
    a = s_call_raw (svc, "\x81\xa1x\x01", 4); /* {"x": 1} */
    assert_int_equal (a.status, 400);
    a = s_call_raw (svc, "", 0);
    assert_int_equal (a.status, 400);
    a = s_call (svc, "no_such_op", NULL);
    assert_int_equal (a.status, 404);
    assert_non_null (strstr (a.text, "error not_found "));
    a = s_call (svc, "double", NULL);
    assert_int_equal (a.status, 400);
    assert_string_equal (a.text, "{ error bad_request detail n is required } ");
    svc_destroy (&svc);
    assert_null (svc);
}

static void
test_failures (void **state)
{
    SKIP_WITHOUT_STACK ();
    svc_t *svc = s_svc (60, s_redis_url);
    s_answer_t a = s_call (svc, "fail", NULL);
    assert_int_equal (a.status, 500);
    assert_non_null (strstr (a.text, "error internal_error "));
    a = s_call (svc, "bad_status", NULL);
    assert_int_equal (a.status, 500);
    a = s_call (svc, "not_a_map", NULL);
    assert_int_equal (a.status, 500);
    a = s_call (svc, "plain", NULL);
    assert_int_equal (a.status, 200);
    assert_int_equal (a.cache_hit, -1); /* not cacheable: no "cache" pair */
    assert_string_equal (a.text, "{ sub alice } ");
    svc_destroy (&svc);
}

static void
test_cache (void **state)
{
    SKIP_WITHOUT_STACK ();
    svc_t *svc = s_svc (60, s_redis_url);
    s_calls = 0;
    s_answer_t a = s_call (svc, "double", (const char *[]) {"n", "21", NULL});
    assert_int_equal (a.status, 200);
    assert_int_equal (a.cache_hit, 0);
    assert_string_equal (a.text, "{ value 42 calls 1 cache { hit false } } ");
    /* the same request, with an empty and an undeclared param: a hit, the handler not run */
    a = s_call (svc, "double", (const char *[]) {"x", "y", "n", "21", "m", "", NULL});
    assert_int_equal (a.cache_hit, 1);
    assert_string_equal (a.text, "{ value 42 calls 1 cache { hit true } } ");
    assert_int_equal (s_calls, 1);
    /* other params: a miss */
    a = s_call (svc, "double", (const char *[]) {"n", "21", "m", "1", NULL});
    assert_int_equal (a.cache_hit, 0);
    assert_int_equal (s_calls, 2);
    /* errors are not cached */
    s_call (svc, "double", NULL);
    a = s_call (svc, "double", NULL);
    assert_int_equal (a.status, 400);
    assert_int_equal (s_calls, 4);

    /* a data load bumps the version and publishes it: the next request is a miss */
    s_sql (s_db, "UPDATE data_version SET version = 2");
    char err[256];
    assert_int_equal (ecom_data_version_publish (s_redis_url, 2, err, sizeof err), 0);
    a = s_call (svc, "double", (const char *[]) {"n", "21", NULL});
    assert_int_equal (a.cache_hit, 0);
    assert_string_equal (a.text, "{ value 42 calls 5 cache { hit false } } ");
    a = s_call (svc, "double", (const char *[]) {"n", "21", NULL});
    assert_int_equal (a.cache_hit, 1);

    /* the version key gone (a flushed Redis): copied from PostgreSQL, entries still valid */
    free (s_redis_cmd ("DEL %s", SVC_CACHE_VERSION_KEY));
    a = s_call (svc, "double", (const char *[]) {"n", "21", NULL});
    assert_int_equal (a.cache_hit, 1);
    char *version = s_redis_cmd ("GET %s", SVC_CACHE_VERSION_KEY);
    assert_string_equal (version, "2");
    free (version);

    /* keys have the documented shape */
    char *key = s_redis_cmd ("EVAL %s 0",
                             "return redis.call('KEYS', 'ecom:cache:v2:svctest:double:*')[1]");
    assert_non_null (key);
    assert_int_equal (strlen (key), strlen ("ecom:cache:v2:svctest:double:") + 32);
    char *ttl = s_redis_cmd ("EVAL %s 1 %s", "return tostring(redis.call('TTL', KEYS[1]))", key);
    long seconds = strtol (ttl, NULL, 10);
    assert_true (seconds > 0 && seconds <= 60);
    free (ttl);

    /* the version moves on between two batches (another writer published 3): the lookup
       reads the entries under the new version's keys in the same call, never the old
       ones. An entry planted under the v3 key is a hit; without one it is a miss. */
    char *v3_key = strdup (key);
    v3_key[strlen ("ecom:cache:v")] = '3';
    free (s_redis_cmd ("EVAL %s 2 %s %s", "return redis.call('SET', KEYS[2], "
                                          "redis.call('GET', KEYS[1]))",
                       key, v3_key));
    s_sql (s_db, "UPDATE data_version SET version = 3");
    assert_int_equal (ecom_data_version_publish (s_redis_url, 3, err, sizeof err), 0);
    int calls = s_calls;
    a = s_call (svc, "double", (const char *[]) {"n", "21", NULL});
    assert_int_equal (a.cache_hit, 1);
    assert_int_equal (s_calls, calls);
    free (s_redis_cmd ("DEL %s", v3_key));
    s_sql (s_db, "UPDATE data_version SET version = 4");
    assert_int_equal (ecom_data_version_publish (s_redis_url, 4, err, sizeof err), 0);
    free (s_redis_cmd ("SET %s %s", v3_key, "junk")); /* an old version's entry: unread */
    a = s_call (svc, "double", (const char *[]) {"n", "21", NULL});
    assert_int_equal (a.cache_hit, 0);
    assert_int_equal (s_calls, calls + 1);
    free (v3_key);
    free (key);
    svc_destroy (&svc);
}

/*  A batch answers what names no op first, then its cache hits (before any handler runs),
    then the rest; each request exactly once, and a computed answer is cached for the next
    batch. */
static void
test_batch (void **state)
{
    SKIP_WITHOUT_STACK ();
    svc_t *svc = s_svc (60, s_redis_url);
    s_calls = 0;
    s_answer_t a = s_call (svc, "double", (const char *[]) {"n", "70", NULL});
    assert_int_equal (a.cache_hit, 0);
    assert_int_equal (s_calls, 1);

    /*  0: a miss, 1: malformed, 2: a hit, 3: an unknown op, 4: another miss. */
    enum { MISS, MALFORMED, HIT, UNKNOWN, MISS2, COUNT };
    char *data[COUNT];
    size_t sizes[COUNT];
    data[MISS] = s_encode ("double", (const char *[]) {"n", "80", NULL}, &sizes[MISS]);
    data[MALFORMED] = strdup ("\xc1");
    sizes[MALFORMED] = 1;
    data[HIT] = s_encode ("double", (const char *[]) {"n", "70", NULL}, &sizes[HIT]);
    data[UNKNOWN] = s_encode ("no_such_op", NULL, &sizes[UNKNOWN]);
    data[MISS2] = s_encode ("double", (const char *[]) {"n", "90", NULL}, &sizes[MISS2]);
    s_batch_t batch;
    s_batch (svc, COUNT, data, sizes, &batch);

    assert_int_equal (batch.answers[MALFORMED].status, 400);
    assert_non_null (strstr (batch.answers[MALFORMED].text, "error bad_request "));
    assert_int_equal (batch.answers[UNKNOWN].status, 404);
    assert_non_null (strstr (batch.answers[UNKNOWN].text, "error not_found "));
    assert_int_equal (batch.answers[HIT].status, 200);
    assert_int_equal (batch.answers[HIT].cache_hit, 1);
    assert_string_equal (batch.answers[HIT].text, "{ value 140 calls 1 cache { hit true } } ");
    assert_int_equal (batch.answers[MISS].status, 200);
    assert_int_equal (batch.answers[MISS].cache_hit, 0);
    assert_non_null (strstr (batch.answers[MISS].text, "{ value 160 calls "));
    assert_non_null (strstr (batch.answers[MISS].text, " cache { hit false } } "));
    assert_int_equal (batch.answers[MISS2].cache_hit, 0);
    assert_non_null (strstr (batch.answers[MISS2].text, "{ value 180 calls "));
    assert_int_equal (s_calls, 3);

    /*  The refusals, then the hit, all before any handler ran; then the misses. */
    assert_true (s_position (&batch, MALFORMED) < 2);
    assert_true (s_position (&batch, UNKNOWN) < 2);
    assert_int_equal (s_position (&batch, HIT), 2);
    assert_int_equal (batch.calls_then[HIT], 1);
    assert_true (s_position (&batch, MISS) > s_position (&batch, HIT));
    assert_true (s_position (&batch, MISS2) > s_position (&batch, HIT));

    /*  The misses were cached: the same batch again runs no handler. */
    s_batch (svc, COUNT, data, sizes, &batch);
    assert_int_equal (s_calls, 3);
    assert_int_equal (batch.answers[MISS].cache_hit, 1);
    assert_int_equal (batch.answers[MISS].status, 200);
    assert_non_null (strstr (batch.answers[MISS].text, "{ value 160 calls "));
    assert_int_equal (batch.answers[MISS2].cache_hit, 1);
    assert_int_equal (batch.answers[HIT].cache_hit, 1);
    assert_int_equal (batch.answers[MALFORMED].status, 400);
    assert_int_equal (batch.answers[UNKNOWN].status, 404);

    /*  An empty batch answers nothing. */
    s_batch (svc, 0, data, sizes, &batch);
    for (size_t i = 0; i < COUNT; i++)
        free (data[i]);
    svc_destroy (&svc);
}

/*  Without Redis a batch still answers every request, from PostgreSQL. */
static void
test_batch_without_redis (void **state)
{
    SKIP_WITHOUT_STACK ();
    char nowhere[64];
    snprintf (nowhere, sizeof nowhere, "redis://127.0.0.1:%d/0", testserver_free_port ());
    svc_t *svc = s_svc (60, nowhere);
    s_calls = 0;
    enum { COUNT = 4 };
    char *data[COUNT];
    size_t sizes[COUNT];
    data[0] = s_encode ("double", (const char *[]) {"n", "11", NULL}, &sizes[0]);
    data[1] = s_encode ("double", (const char *[]) {"n", "12", NULL}, &sizes[1]);
    data[2] = s_encode ("plain", NULL, &sizes[2]);
    data[3] = s_encode ("double", (const char *[]) {"n", "11", NULL}, &sizes[3]);
    s_batch_t batch;
    for (int round = 0; round < 2; round++) {
        s_batch (svc, COUNT, data, sizes, &batch);
        assert_non_null (strstr (batch.answers[0].text, "value 22 "));
        assert_non_null (strstr (batch.answers[1].text, "value 24 "));
        assert_string_equal (batch.answers[2].text, "{ sub alice } ");
        assert_non_null (strstr (batch.answers[3].text, "value 22 "));
        for (size_t i = 0; i < COUNT; i++) {
            assert_int_equal (batch.answers[i].status, 200);
            assert_int_equal (batch.answers[i].cache_hit, i == 2 ? -1 : 0);
        }
    }
    assert_int_equal (s_calls, 6);
    for (size_t i = 0; i < COUNT; i++)
        free (data[i]);
    svc_destroy (&svc);
}

static void
test_ttl_zero (void **state)
{
    SKIP_WITHOUT_STACK ();
    svc_t *svc = s_svc (0, s_redis_url);
    s_calls = 0;
    for (int i = 0; i < 2; i++) {
        s_answer_t a = s_call (svc, "double", (const char *[]) {"n", "3", NULL});
        assert_int_equal (a.status, 200);
        assert_int_equal (a.cache_hit, 0);
    }
    assert_int_equal (s_calls, 2);
    svc_destroy (&svc);
}

static void
test_redis_outage (void **state)
{
    SKIP_WITHOUT_STACK ();
    /* never reachable: answers from PostgreSQL */
    char nowhere[64];
    snprintf (nowhere, sizeof nowhere, "redis://127.0.0.1:%d/0", testserver_free_port ());
    svc_t *svc = s_svc (60, nowhere);
    s_answer_t a = s_call (svc, "double", (const char *[]) {"n", "4", NULL});
    assert_int_equal (a.status, 200);
    assert_int_equal (a.cache_hit, 0);
    assert_non_null (strstr (a.text, "value 8 "));
    svc_destroy (&svc);

    /* stopped while in use, then back */
    svc = s_svc (60, s_redis_url);
    s_call (svc, "double", (const char *[]) {"n", "5", NULL});
    a = s_call (svc, "double", (const char *[]) {"n", "5", NULL});
    assert_int_equal (a.cache_hit, 1);
    s_redis_stop ();
    s_calls = 0;
    for (int i = 0; i < 3; i++) {
        a = s_call (svc, "double", (const char *[]) {"n", "5", NULL});
        assert_int_equal (a.status, 200);
        assert_int_equal (a.cache_hit, 0);
        assert_non_null (strstr (a.text, "value 10 "));
    }
    assert_int_equal (s_calls, 3);
    /* a load while Redis is away cannot publish its bump */
    s_sql (s_db, "UPDATE data_version SET version = 3");
    s_redis_start ();
    zclock_sleep (SVC_CACHE_RETRY_MS + 100);
    a = s_call (svc, "double", (const char *[]) {"n", "5", NULL});
    assert_int_equal (a.cache_hit, 0);
    a = s_call (svc, "double", (const char *[]) {"n", "5", NULL});
    assert_int_equal (a.cache_hit, 1);
    char *version = s_redis_cmd ("GET %s", SVC_CACHE_VERSION_KEY);
    assert_string_equal (version, "3");
    free (version);

    /* a lost connection to a Redis that kept its data (and a stale version): the service
       reconnects at once and raises the version from PostgreSQL */
    free (s_redis_cmd ("SET %s 1", SVC_CACHE_VERSION_KEY));
    s_sql (s_db, "UPDATE data_version SET version = 4");
    free (s_redis_cmd ("CLIENT KILL TYPE normal"));
    a = s_call (svc, "double", (const char *[]) {"n", "5", NULL});
    assert_int_equal (a.status, 200);
    a = s_call (svc, "double", (const char *[]) {"n", "5", NULL});
    assert_int_equal (a.status, 200);
    version = s_redis_cmd ("GET %s", SVC_CACHE_VERSION_KEY);
    assert_string_equal (version, "4");
    free (version);
    a = s_call (svc, "double", (const char *[]) {"n", "5", NULL});
    assert_int_equal (a.cache_hit, 1);
    svc_destroy (&svc);
}

static void
test_database_loss (void **state)
{
    SKIP_WITHOUT_STACK ();
    svc_t *svc = s_svc (0, s_redis_url);
    s_answer_t a = s_call (svc, "double", (const char *[]) {"n", "6", NULL});
    assert_int_equal (a.status, 200);
    s_sql (s_db, "SELECT pg_terminate_backend (pid) FROM pg_stat_activity "
                 "WHERE datname = current_database () AND pid <> pg_backend_pid ()");
    a = s_call (svc, "double", (const char *[]) {"n", "6", NULL});
    assert_int_equal (a.status, 200);
    assert_non_null (strstr (a.text, "value 12 "));
    svc_destroy (&svc);
}

/*  svc_db with an MDP worker attached waits for PostgreSQL in mdp_worker_wait_fd(): a query
    longer than a heartbeat interval goes on heartbeating to the broker, and a reset after
    a lost connection goes through the same waits. */
static void
test_slow_query_heartbeats (void **state)
{
    SKIP_WITHOUT_STACK ();
    zsock_t *broker = zsock_new (ZMQ_ROUTER);
    int port = zsock_bind (broker, "tcp://127.0.0.1:*");
    assert_true (port > 0);
    char endpoint[64];
    snprintf (endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", port);
    mdp_worker_t *worker = mdp_worker_new (endpoint, "slow", 1);
    assert_non_null (worker);
    char err[256];
    svc_db_t *db = svc_db_new (s_db_url, err, sizeof err);
    assert_non_null (db);
    svc_db_set_worker (db, worker);

    int64_t start = zclock_mono ();
    PGresult *res = svc_db_query (db, "SELECT pg_sleep ($1::float8 / 1000), 42", 1,
                                  (const char *[]) {"2300"});
    assert_non_null (res);
    assert_string_equal (PQgetvalue (res, 0, 1), "42");
    PQclear (res);
    assert_true (zclock_mono () - start >= 2300);
    /*  READY, then a heartbeat a second: at least two came during the query. */
    int heartbeats = 0, readies = 0;
    mdp_router_msg_t *msg;
    zclock_sleep (50);
    while ((msg = mdp_router_msg_recv (broker, NULL))) {
        heartbeats += msg->command == MDP_HEARTBEAT;
        readies += msg->command == MDP_READY;
        mdp_router_msg_destroy (&msg);
    }
    assert_int_equal (readies, 1);
    assert_true (heartbeats >= 2);

    /*  An SQL error is reported, not retried; the connection stays usable. */
    assert_null (svc_db_query (db, "SELECT 1/0", 0, NULL));
    assert_non_null (strstr (svc_db_error (db), "division by zero"));
    s_sql (s_db, "SELECT pg_terminate_backend (pid) FROM pg_stat_activity "
                 "WHERE datname = current_database () AND pid <> pg_backend_pid ()");
    res = svc_db_query (db, "SELECT 7", 0, NULL);
    assert_non_null (res);
    assert_string_equal (PQgetvalue (res, 0, 0), "7");
    PQclear (res);
    assert_true (svc_db_connected (db));
    svc_db_destroy (&db);
    mdp_worker_destroy (&worker);
    zsock_destroy (&broker);
}

/*  =======================================================================================
    One computation per miss, in a batch and across instances */

/*  The data version Redis holds. */
static long long
s_version (void)
{
    char *text = s_redis_cmd ("GET %s", SVC_CACHE_VERSION_KEY);
    assert_non_null (text);
    long long version = strtoll (text, NULL, 10);
    free (text);
    return version;
}

/*  What a load does: bump the version in PostgreSQL, publish it. Returns it. */
static long long
s_bump (void)
{
    PGresult *res = PQexec (
        s_db, "UPDATE data_version SET version = version + 1 WHERE id = 1 RETURNING version");
    assert_int_equal (PQresultStatus (res), PGRES_TUPLES_OK);
    long long version = strtoll (PQgetvalue (res, 0, 0), NULL, 10);
    PQclear (res);
    char err[256];
    assert_int_equal (ecom_data_version_publish (s_redis_url, version, err, sizeof err), 0);
    return version;
}

/*  The cache key of a request of the toy service's op with params at the current version. */
static char *
s_cache_key (const char *op, const char *const *declared, const char *const *pairs)
{
    proto_param_t params[8];
    size_t count = 0;
    for (; pairs && pairs[2 * count]; count++) {
        params[count].key = pairs[2 * count];
        params[count].value = pairs[2 * count + 1];
    }
    proto_request_t req = {.op = op, .param_count = count, .params = params};
    char *key = svc_cache_key (s_version (), "svctest", op, declared, &req);
    assert_non_null (key);
    return key;
}

/*  How many lock keys Redis holds. */
static int
s_locks (void)
{
    char *count = s_redis_cmd ("EVAL %s 0", "return tostring(#redis.call('KEYS', 'ecom:lock:*'))");
    assert_non_null (count);
    int n = atoi (count);
    free (count);
    return n;
}

/*  Identical misses in one batch run the handler once: the first is a miss, the others
    are served its answer as hits; an error is shared the same way (and not cached). */
static void
test_batch_coalesces (void **state)
{
    SKIP_WITHOUT_STACK ();
    svc_t *svc = s_svc (60, s_redis_url);
    s_calls = 0;
    enum { COUNT = 7 };
    char *data[COUNT];
    size_t sizes[COUNT];
    data[0] = s_encode ("double", (const char *[]) {"n", "31", NULL}, &sizes[0]);
    data[1] = s_encode ("double", (const char *[]) {"n", "31", NULL}, &sizes[1]);
    data[2] = s_encode ("double", (const char *[]) {"x", "1", "n", "31", "m", "", NULL}, &sizes[2]);
    data[3] = s_encode ("double", (const char *[]) {"n", "32", NULL}, &sizes[3]);
    data[4] = s_encode ("double", (const char *[]) {"n", "31", NULL}, &sizes[4]);
    data[5] = s_encode ("double", NULL, &sizes[5]);
    data[6] = s_encode ("double", NULL, &sizes[6]);
    s_batch_t batch;
    s_batch (svc, COUNT, data, sizes, &batch);
    assert_int_equal (s_calls, 3);
    assert_string_equal (batch.answers[0].text, "{ value 62 calls 1 cache { hit false } } ");
    for (size_t i = 1; i <= 4; i++)
        if (i != 3) {
            assert_int_equal (batch.answers[i].status, 200);
            assert_string_equal (batch.answers[i].text, "{ value 62 calls 1 cache { hit true } } ");
        }
    assert_string_equal (batch.answers[3].text, "{ value 64 calls 2 cache { hit false } } ");
    for (size_t i = 5; i <= 6; i++) {
        assert_int_equal (batch.answers[i].status, 400);
        assert_string_equal (batch.answers[i].text, "{ error bad_request detail n is required } ");
    }
    assert_int_equal (s_locks (), 0);
    /*  All cached but the error. */
    s_batch (svc, COUNT, data, sizes, &batch);
    assert_int_equal (s_calls, 4);
    for (size_t i = 0; i < 5; i++)
        assert_int_equal (batch.answers[i].cache_hit, 1);
    for (size_t i = 0; i < COUNT; i++)
        free (data[i]);
    svc_destroy (&svc);
}

/*  Another instance (this test) holding a key's lock: after delay_ms it stores value (when
    not NULL) and releases the lock. */
typedef struct {
    int delay_ms;
    const char *key;
    const char *value;
    size_t size;
} s_holder_t;

static void *
s_holder_thread (void *arg)
{
    s_holder_t *holder = arg;
    usleep ((useconds_t) holder->delay_ms * 1000);
    redisContext *redis = s_redis ();
    if (!redis)
        return NULL;
    if (holder->value)
        freeReplyObject (redisCommand (redis, "SET %s %b EX 60", holder->key, holder->value,
                                       holder->size));
    freeReplyObject (redisCommand (redis, "DEL " SVC_CACHE_LOCK_PREFIX "%s", holder->key));
    redisFree (redis);
    return NULL;
}

/*  Calls double with n while another instance holds the lock of its key for delay_ms, then
    stores value (or not). Returns the answer and sets *elapsed_ms. */
static s_answer_t
s_call_while_held (svc_t *svc, const char *n, int delay_ms, int lock_ms, const char *value,
                   size_t size, int64_t *elapsed_ms)
{
    char *key = s_cache_key ("double", SVC_PARAMS ("n", "m"), (const char *[]) {"n", n, NULL});
    free (s_redis_cmd ("SET " SVC_CACHE_LOCK_PREFIX "%s other-instance PX %d", key, lock_ms));
    s_holder_t holder = {delay_ms, key, value, size};
    pthread_t thread;
    bool releases = delay_ms < lock_ms;
    if (releases)
        assert_int_equal (pthread_create (&thread, NULL, s_holder_thread, &holder), 0);
    int64_t start = zclock_mono ();
    s_answer_t answer = s_call (svc, "double", (const char *[]) {"n", n, NULL});
    *elapsed_ms = zclock_mono () - start;
    if (releases)
        pthread_join (thread, NULL);
    free (key);
    return answer;
}

/*  A miss whose key another instance is computing waits for its answer (a hit, the handler
    not run); when the holder releases without an answer, or dies (its lock expires), the
    waiter computes itself. */
static void
test_waits_for_another_instance (void **state)
{
    SKIP_WITHOUT_STACK ();
    svc_t *svc = s_svc (60, s_redis_url);
    s_call (svc, "double", (const char *[]) {"n", "1", NULL}); /* the version is known */
    s_calls = 0;

    /*  The holder stores its answer after 300 ms. */
    proto_writer_t *planted = proto_writer_new ();
    proto_writer_map (planted, 2);
    proto_writer_str (planted, "value");
    proto_writer_int (planted, 4242);
    proto_writer_str (planted, "calls");
    proto_writer_int (planted, 0);
    int64_t elapsed;
    s_answer_t a = s_call_while_held (svc, "41", 300, 5000, proto_writer_data (planted),
                                      proto_writer_size (planted), &elapsed);
    proto_writer_destroy (&planted);
    assert_int_equal (a.status, 200);
    assert_string_equal (a.text, "{ value 4242 calls 0 cache { hit true } } ");
    assert_int_equal (s_calls, 0);
    assert_true (elapsed >= 290 && elapsed < SVC_CACHE_LOCK_MS - 500);

    /*  The holder answered an error (nothing stored): computed here. */
    a = s_call_while_held (svc, "42", 200, 5000, NULL, 0, &elapsed);
    assert_string_equal (a.text, "{ value 84 calls 1 cache { hit false } } ");
    assert_true (elapsed >= 190 && elapsed < SVC_CACHE_LOCK_MS - 500);

    /*  The holder died: its lock expires after 400 ms, then computed here. */
    a = s_call_while_held (svc, "43", 10000, 400, NULL, 0, &elapsed);
    assert_string_equal (a.text, "{ value 86 calls 2 cache { hit false } } ");
    assert_true (elapsed >= 390 && elapsed < SVC_CACHE_LOCK_MS - 500);
    assert_int_equal (s_locks (), 0);
    a = s_call (svc, "double", (const char *[]) {"n", "43", NULL});
    assert_int_equal (a.cache_hit, 1);
    assert_int_equal (s_calls, 2);
    svc_destroy (&svc);
}

/*  An instance calling slow on its own thread. */
typedef struct {
    svc_t *svc;
    char *data;
    size_t size;
    char *reply;
    size_t reply_size;
} s_caller_t;

static void *
s_caller_thread (void *arg)
{
    s_caller_t *caller = arg;
    caller->reply = svc_handle (caller->svc, caller->data, caller->size, &caller->reply_size);
    return NULL;
}

/*  Two instances missing on the same key at once: one computes, the other waits for it. */
static void
test_two_instances_compute_once (void **state)
{
    SKIP_WITHOUT_STACK ();
    enum { INSTANCES = 3 };
    s_caller_t callers[INSTANCES];
    pthread_t threads[INSTANCES];
    size_t size;
    char *data = s_encode ("slow", (const char *[]) {"n", "5", NULL}, &size);
    for (size_t i = 0; i < INSTANCES; i++) {
        callers[i] = (s_caller_t) {.svc = s_svc (60, s_redis_url), .data = data, .size = size};
        s_call (callers[i].svc, "double", (const char *[]) {"n", "1", NULL});
    }
    s_slow_calls = 0;
    for (size_t i = 0; i < INSTANCES; i++)
        assert_int_equal (pthread_create (&threads[i], NULL, s_caller_thread, &callers[i]), 0);
    for (size_t i = 0; i < INSTANCES; i++)
        pthread_join (threads[i], NULL);
    assert_int_equal (s_slow_calls, 1);
    int hits = 0;
    for (size_t i = 0; i < INSTANCES; i++) {
        s_answer_t a = s_decode (callers[i].reply, callers[i].reply_size);
        assert_int_equal (a.status, 200);
        assert_non_null (strstr (a.text, "{ value 5 cache { hit "));
        hits += a.cache_hit;
        svc_destroy (&callers[i].svc);
    }
    assert_int_equal (hits, INSTANCES - 1);
    assert_int_equal (s_locks (), 0);
    free (data);
}

/*  Warm runs: after each rise of the version the views are computed once among the
    instances (the others find them cached, or left to the instance computing them), and
    a client's request for one is then a hit. */
static void
test_warm (void **state)
{
    SKIP_WITHOUT_STACK ();
    svc_t *a = s_svc_of (&s_warm_def, 60, s_redis_url);
    svc_t *b = s_svc_of (&s_warm_def, 60, s_redis_url);
    s_calls = 0;
    svc_warm_stats_t st;
    /*  The first run of an instance: at start. */
    assert_int_equal (svc_warm (a, &st), 1);
    assert_int_equal (st.version, s_version ());
    assert_int_equal (st.views, 3);
    assert_int_equal (st.computed, 2);
    assert_int_equal (st.cached, 0);
    assert_int_equal (st.skipped, 0);
    assert_int_equal (st.failed, 1);
    assert_true (st.duration_ms >= 0);
    assert_int_equal (svc_warm (a, &st), 0); /* the version has not risen */
    assert_int_equal (svc_warm (b, &st), 1);
    assert_int_equal (st.computed, 0);
    assert_int_equal (st.cached, 2);
    assert_int_equal (st.failed, 1);
    assert_int_equal (s_calls, 2);
    /*  A request as a client sends it is a hit. */
    s_answer_t r = s_call (b, "double", (const char *[]) {"n", "7", NULL});
    assert_string_equal (r.text, "{ value 14 calls 1 cache { hit true } } ");
    r = s_call (a, "double", (const char *[]) {"m", "1", "n", "8", "x", "y", NULL});
    assert_int_equal (r.cache_hit, 1);
    assert_int_equal (s_calls, 2);

    /*  A load: warmed again, each view computed once. */
    long long version = s_bump ();
    assert_int_equal (svc_warm (b, &st), 1);
    assert_int_equal (st.version, version);
    assert_int_equal (st.computed, 2);
    assert_int_equal (svc_warm (a, &st), 1);
    assert_int_equal (st.version, version);
    assert_int_equal (st.computed, 0);
    assert_int_equal (st.cached, 2);
    assert_int_equal (s_calls, 4);
    r = s_call (a, "double", (const char *[]) {"n", "7", NULL});
    assert_string_equal (r.text, "{ value 14 calls 3 cache { hit true } } ");

    /*  A view another instance is computing is left to it. */
    s_bump ();
    char *key = s_cache_key ("double", SVC_PARAMS ("n", "m"), (const char *[]) {"n", "7", NULL});
    free (s_redis_cmd ("SET " SVC_CACHE_LOCK_PREFIX "%s other-instance PX 5000", key));
    assert_int_equal (svc_warm (a, &st), 1);
    assert_int_equal (st.computed, 1);
    assert_int_equal (st.skipped, 1);
    assert_int_equal (st.failed, 1);
    free (s_redis_cmd ("DEL " SVC_CACHE_LOCK_PREFIX "%s", key));
    free (key);
    svc_destroy (&a);
    svc_destroy (&b);

    /*  No views, caching off, no Redis: nothing to do, or no version to go by. */
    svc_t *plain = s_svc (60, s_redis_url);
    assert_int_equal (svc_warm (plain, &st), 0);
    svc_destroy (&plain);
    svc_t *off = s_svc_of (&s_warm_def, 0, s_redis_url);
    assert_int_equal (svc_warm (off, &st), -1);
    svc_destroy (&off);
    char nowhere[64];
    snprintf (nowhere, sizeof nowhere, "redis://127.0.0.1:%d/0", testserver_free_port ());
    svc_t *down = s_svc_of (&s_warm_def, 60, nowhere);
    assert_int_equal (svc_warm (down, &st), -1);
    svc_destroy (&down);
}

static void
test_svc_new_fails (void **state)
{
    SKIP_WITHOUT_STACK ();
    char url[128], err[256];
    snprintf (url, sizeof url, "postgresql://ecom:ecom@127.0.0.1:%d/ecom", testserver_free_port ());
    ecom_config_t config = {.database_url = url, .redis_url = s_redis_url};
    svc_t *svc = svc_new (&s_def, &config, err, sizeof err);
    assert_null (svc);
    assert_non_null (strstr (err, "PostgreSQL"));
    /* a read-only service names the variable it could not use */
    config = (ecom_config_t) {.database_url = s_db_url, .database_read_url = url,
                              .redis_url = s_redis_url};
    assert_null (svc_new (&s_read_only_def, &config, err, sizeof err));
    assert_non_null (strstr (err, "DATABASE_READ_URL: cannot connect to PostgreSQL"));
    config.database_read_url = "mysql://x";
    assert_null (svc_new (&s_read_only_def, &config, err, sizeof err));
    assert_non_null (strstr (err, "DATABASE_READ_URL is not a postgresql:// URL"));
    config.database_read_url = s_db_url; /* the same as DATABASE_URL: read there */
    svc = svc_new (&s_read_only_def, &config, err, sizeof err);
    assert_non_null (svc);
    svc_destroy (&svc);
}

/*  The number of cache entries of op in Redis under data version. */
static long
s_entries (long long version, const char *op)
{
    char pattern[96];
    snprintf (pattern, sizeof pattern, "ecom:cache:v%lld:svctest:%s:*", version, op);
    char *count = s_redis_cmd ("EVAL %s 0 %s",
                               "return tostring(#redis.call('KEYS', ARGV[1]))", pattern);
    assert_non_null (count);
    long n = strtol (count, NULL, 10);
    free (count);
    return n;
}

/*  A read-only service reads DATABASE_READ_URL, and caches an answer only under a data
    version no newer than the one it says it computed from (SPEC §11): a standby behind the
    primary (said < published) answers uncached; at or ahead of it, cached under the
    published version; an answer that says nothing is never cached. */
static void
test_read_only (void **state)
{
    SKIP_WITHOUT_STACK ();
    char nowhere[128], err[256];
    snprintf (nowhere, sizeof nowhere, "postgresql://ecom:ecom@127.0.0.1:%d/ecom",
              testserver_free_port ());
    ecom_config_t config = {.database_url = nowhere, /* the primary is not asked */
                            .database_read_url = s_db_url,
                            .redis_url = s_redis_url,
                            .cache_ttl_seconds = 60};
    svc_t *svc = svc_new (&s_read_only_def, &config, err, sizeof err);
    assert_non_null (svc);
    long long version = ecom_data_version_bump (s_db, err, sizeof err);
    assert_true (version > 0);
    assert_int_equal (ecom_data_version_publish (s_redis_url, version, err, sizeof err), 0);

    s_said_version = version - 1; /* behind: never cached, computed every time */
    s_versioned_calls = 0;
    for (int i = 0; i < 2; i++) {
        s_answer_t a = s_call (svc, "versioned", (const char *[]) {"n", "21", NULL});
        assert_int_equal (a.status, 200);
        assert_string_equal (a.text, "{ value 42 cache { hit false } } ");
    }
    assert_int_equal (s_versioned_calls, 2);
    assert_int_equal (s_entries (version, "versioned"), 0);

    s_said_version = version; /* caught up: cached */
    assert_int_equal (s_call (svc, "versioned", (const char *[]) {"n", "21", NULL}).cache_hit, 0);
    assert_int_equal (s_call (svc, "versioned", (const char *[]) {"n", "21", NULL}).cache_hit, 1);
    assert_int_equal (s_versioned_calls, 3);
    s_said_version = version + 1; /* ahead of Redis (not yet published): under its version */
    assert_int_equal (s_call (svc, "versioned", (const char *[]) {"n", "5", NULL}).cache_hit, 0);
    assert_int_equal (s_call (svc, "versioned", (const char *[]) {"n", "5", NULL}).cache_hit, 1);
    assert_int_equal (s_entries (version, "versioned"), 2);
    assert_int_equal (s_entries (version + 1, "versioned"), 0);

    /* identical requests of a batch share one computation; one that could not be cached
       is no hit for the others either */
    s_said_version = version - 1;
    size_t sizes[2];
    char *data[2] = {s_encode ("versioned", (const char *[]) {"n", "33", NULL}, &sizes[0]),
                     s_encode ("versioned", (const char *[]) {"n", "33", NULL}, &sizes[1])};
    s_batch_t batch;
    int calls = s_versioned_calls;
    s_batch (svc, 2, data, sizes, &batch);
    assert_int_equal (s_versioned_calls, calls + 1);
    assert_int_equal (batch.answers[0].cache_hit, 0);
    assert_int_equal (batch.answers[1].cache_hit, 0);
    assert_string_equal (batch.answers[1].text, "{ value 66 cache { hit false } } ");
    free (data[0]);
    free (data[1]);

    /* no version said: a read-only service cannot tell, so never cached */
    s_calls = 0;
    assert_int_equal (s_call (svc, "double", (const char *[]) {"n", "4", NULL}).cache_hit, 0);
    assert_int_equal (s_call (svc, "double", (const char *[]) {"n", "4", NULL}).cache_hit, 0);
    assert_int_equal (s_calls, 2);
    assert_int_equal (s_entries (version, "double"), 0);
    svc_destroy (&svc);

    /* Redis's version set from a standby that lagged follows it once it caught up
       (svc_cache_version_raise with the standby's), and is never lowered */
    svc_cache_t *cache = svc_cache_new (s_redis_url, 60);
    assert_non_null (cache);
    free (s_redis_cmd ("SET %s %lld", SVC_CACHE_VERSION_KEY, version - 1));
    long long raised = 0;
    assert_int_equal (svc_cache_version_raise (cache, version, &raised), 0);
    assert_int_equal (raised, version);
    free (s_redis_cmd ("SET %s %lld", SVC_CACHE_VERSION_KEY, version + 3));
    assert_int_equal (svc_cache_version_raise (cache, version, &raised), 0);
    assert_int_equal (raised, version + 3);
    assert_true (svc_cache_known_version (cache, &raised) && raised == version + 3);
    free (s_redis_cmd ("SET %s %lld", SVC_CACHE_VERSION_KEY, version));
    svc_cache_destroy (&cache);

    /* a warm run whose views were behind is done over once the standby (here: the
       database, which has the version) has its version, until they are cached */
    svc = svc_new (&s_read_only_warm_def, &config, err, sizeof err);
    assert_non_null (svc);
    version = ecom_data_version_bump (s_db, err, sizeof err);
    assert_int_equal (ecom_data_version_publish (s_redis_url, version, err, sizeof err), 0);
    s_said_version = version - 1;
    svc_warm_stats_t st;
    assert_int_equal (svc_warm (svc, &st), 1);
    assert_int_equal (st.version, version);
    assert_int_equal (st.behind, 1);
    assert_int_equal (st.computed + st.failed, 0);
    assert_int_equal (s_entries (version, "versioned"), 0);
    s_said_version = version;
    assert_int_equal (svc_warm (svc, &st), 1);
    assert_int_equal (st.behind, 0);
    assert_int_equal (st.computed, 1);
    assert_int_equal (s_entries (version, "versioned"), 1);
    assert_int_equal (svc_warm (svc, &st), 0); /* done: nothing to do over */
    svc_destroy (&svc);
}

int
main (void)
{
    signal (SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_bad_requests), cmocka_unit_test (test_failures),
        cmocka_unit_test (test_cache),        cmocka_unit_test (test_batch),
        cmocka_unit_test (test_batch_without_redis), cmocka_unit_test (test_ttl_zero),
        cmocka_unit_test (test_redis_outage), cmocka_unit_test (test_database_loss),
        cmocka_unit_test (test_svc_new_fails), cmocka_unit_test (test_slow_query_heartbeats),
        /*  These raise the data version by bumps, after the tests that set it outright. */
        cmocka_unit_test (test_batch_coalesces), cmocka_unit_test (test_waits_for_another_instance),
        cmocka_unit_test (test_two_instances_compute_once), cmocka_unit_test (test_warm),
        cmocka_unit_test (test_read_only),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
