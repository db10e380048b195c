/*  envelope_test: the msgpack request/reply envelope. Byte-level expectations are written
    out by hand from the msgpack spec (an independent encoding), hostile inputs must be
    refused without crashing, and limits are tested at and just past the edge. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "envelope.h"

/*  ---------------------------------------------------------------------------------------
    A tiny hand encoder, independent of envelope_*.c and msgpack-c, for building hostile input. */

typedef struct {
    unsigned char data[1 << 20];
    size_t size;
} buf_t;

static void
put (buf_t *b, const void *data, size_t size)
{
    assert_true (b->size + size <= sizeof b->data);
    memcpy (b->data + b->size, data, size);
    b->size += size;
}

static void
put_byte (buf_t *b, unsigned char c)
{
    put (b, &c, 1);
}

static void
put_be (buf_t *b, uint64_t value, int width)
{
    for (int i = width - 1; i >= 0; i--)
        put_byte (b, (unsigned char) (value >> (8 * i)));
}

static void
put_strn (buf_t *b, const char *text, size_t len)
{
    if (len < 32)
        put_byte (b, (unsigned char) (0xa0 | len));
    else if (len < 256) {
        put_byte (b, 0xd9);
        put_be (b, len, 1);
    }
    else {
        put_byte (b, 0xda);
        put_be (b, len, 2);
    }
    put (b, text, len);
}

static void
put_str (buf_t *b, const char *text)
{
    put_strn (b, text, strlen (text));
}

static void
put_map (buf_t *b, uint32_t pairs)
{
    if (pairs < 16)
        put_byte (b, (unsigned char) (0x80 | pairs));
    else if (pairs < 65536) {
        put_byte (b, 0xde);
        put_be (b, pairs, 2);
    }
    else {
        put_byte (b, 0xdf);
        put_be (b, pairs, 4);
    }
}

static bool
decodes (const buf_t *b)
{
    proto_request_t *req = proto_request_decode (b->data, b->size);
    bool ok = req != NULL;
    proto_request_destroy (&req);
    return ok;
}

/*  ---------------------------------------------------------------------------------------
    Requests */

static void
test_request_bytes (void **state)
{
    /*  {"op": "kpis", "params": {}} written out by hand. */
    static const unsigned char expected[] = {0x82, 0xa2, 'o', 'p', 0xa4, 'k', 'p', 'i', 's',
                                             0xa6, 'p', 'a', 'r', 'a', 'm', 's', 0x80};
    proto_request_t req = {.op = "kpis"};
    size_t size;
    char *data = proto_request_encode (&req, &size);
    assert_non_null (data);
    assert_int_equal (size, sizeof expected);
    assert_memory_equal (data, expected, size);
    free (data);

    proto_request_t *decoded = proto_request_decode (expected, sizeof expected);
    assert_non_null (decoded);
    assert_string_equal (decoded->op, "kpis");
    assert_int_equal (decoded->param_count, 0);
    assert_null (decoded->sub);
    assert_null (decoded->request_id);
    proto_request_destroy (&decoded);
    assert_null (decoded);
    proto_request_destroy (&decoded);    /* NULL-safe */
    proto_request_destroy (NULL);
}

static void
test_request_round_trip (void **state)
{
    proto_param_t params[] = {{"start_date", "2024-01-01"},
                              {"end_date", ""},
                              {"customer_id", "C\xc3\xa9-42"}};
    proto_request_t req = {.op = "list", .param_count = 3, .params = params,
                           .sub = "alice", .request_id = "req-1"};
    size_t size;
    char *data = proto_request_encode (&req, &size);
    assert_non_null (data);
    proto_request_t *back = proto_request_decode (data, size);
    free (data);
    assert_non_null (back);
    assert_string_equal (back->op, "list");
    assert_int_equal (back->param_count, 3);
    assert_string_equal (back->params[0].key, "start_date");
    assert_string_equal (back->params[2].value, "C\xc3\xa9-42");
    assert_string_equal (back->sub, "alice");
    assert_string_equal (back->request_id, "req-1");
    assert_string_equal (proto_request_param (back, "start_date"), "2024-01-01");
    assert_null (proto_request_param (back, "end_date"));    /* empty counts as absent */
    assert_null (proto_request_param (back, "page"));
    proto_request_destroy (&back);
}

/*  base_url: round trip; empty, over-long, spaces, control or non-ASCII bytes, a non-string
    and a repeated key are malformed. */
static void
test_request_base_url (void **state)
{
    proto_request_t req = {.op = "list", .base_url = "http://127.0.0.1:8000"};
    size_t size;
    char *data = proto_request_encode (&req, &size);
    assert_non_null (data);
    proto_request_t *back = proto_request_decode (data, size);
    free (data);
    assert_non_null (back);
    assert_string_equal (back->base_url, "http://127.0.0.1:8000");
    proto_request_destroy (&back);

    static buf_t b;
    char longest[PROTO_MAX_BASE_URL + 2];
    memset (longest, 'h', sizeof longest - 1);
    longest[PROTO_MAX_BASE_URL] = '\0';
    const char *values[] = {longest, "", "http://a b", "http://a\tb", "http://\xc3\xa9",
                            "http://x\x7f"};
    for (size_t i = 0; i < 6; i++) {
        b.size = 0;
        put_map (&b, 3);
        put_str (&b, "op");
        put_str (&b, "x");
        put_str (&b, "params");
        put_map (&b, 0);
        put_str (&b, "base_url");
        put_str (&b, values[i]);
        assert_int_equal (decodes (&b), i == 0);
    }
    longest[PROTO_MAX_BASE_URL] = 'h'; /* one byte too long */
    longest[PROTO_MAX_BASE_URL + 1] = '\0';
    b.size = 0;
    put_map (&b, 3);
    put_str (&b, "op");
    put_str (&b, "x");
    put_str (&b, "params");
    put_map (&b, 0);
    put_str (&b, "base_url");
    put_str (&b, longest);
    assert_false (decodes (&b));
    b.size = 0;
    put_map (&b, 3);
    put_str (&b, "op");
    put_str (&b, "x");
    put_str (&b, "params");
    put_map (&b, 0);
    put_str (&b, "base_url");
    put_byte (&b, 0x07);
    assert_false (decodes (&b));
    b.size = 0;
    put_map (&b, 4);
    put_str (&b, "op");
    put_str (&b, "x");
    put_str (&b, "params");
    put_map (&b, 0);
    put_str (&b, "base_url");
    put_str (&b, "http://a");
    put_str (&b, "base_url");
    put_str (&b, "http://b");
    assert_false (decodes (&b));
}

/*  A request with count params p0=v0 ... and optional extra root pairs already counted. */
static void
build_params (buf_t *b, uint32_t count)
{
    put_map (b, 2);
    put_str (b, "op");
    put_str (b, "x");
    put_str (b, "params");
    put_map (b, count);
    for (uint32_t i = 0; i < count; i++) {
        char key[16];
        snprintf (key, sizeof key, "p%u", i);
        put_str (b, key);
        put_str (b, "v");
    }
}

static void
test_request_limits (void **state)
{
    static buf_t b;
    b.size = 0;
    build_params (&b, PROTO_MAX_PARAMS);
    assert_true (decodes (&b));
    b.size = 0;
    build_params (&b, PROTO_MAX_PARAMS + 1);
    assert_false (decodes (&b));

    char *big = malloc (PROTO_MAX_STRING + 2);
    memset (big, 'a', PROTO_MAX_STRING + 1);
    big[PROTO_MAX_STRING + 1] = 0;
    for (int over = 0; over <= 1; over++) {
        size_t len = PROTO_MAX_STRING + over;
        /*  as a value, as a key, as the op, as sub */
        for (int where = 0; where < 4; where++) {
            b.size = 0;
            put_map (&b, where == 3 ? 3 : 2);
            put_str (&b, "op");
            if (where == 2)
                put_strn (&b, big, len);
            else
                put_str (&b, "x");
            put_str (&b, "params");
            put_map (&b, where < 2 ? 1 : 0);
            if (where == 0) {
                put_str (&b, "k");
                put_strn (&b, big, len);
            }
            else if (where == 1) {
                put_strn (&b, big, len);
                put_str (&b, "v");
            }
            if (where == 3) {
                put_str (&b, "sub");
                put_strn (&b, big, len);
            }
            assert_int_equal (decodes (&b), !over);
        }
    }
    free (big);
}

static void
test_request_malformed (void **state)
{
    static buf_t b;
    /*  Empty and NULL input. */
    assert_null (proto_request_decode (NULL, 0));
    assert_null (proto_request_decode ("", 0));

    /*  Not a map. */
    b.size = 0;
    put_str (&b, "op");
    assert_false (decodes (&b));

    /*  Missing op; missing params. */
    b.size = 0;
    put_map (&b, 1);
    put_str (&b, "params");
    put_map (&b, 0);
    assert_false (decodes (&b));
    b.size = 0;
    put_map (&b, 1);
    put_str (&b, "op");
    put_str (&b, "kpis");
    assert_false (decodes (&b));

    /*  op not a string (int, nil, bin), empty op. */
    const unsigned char bad_ops[][3] = {{0x01}, {0xc0}, {0xc4, 0x01, 'x'}, {0xa0}};
    const size_t bad_op_sizes[] = {1, 1, 3, 1};
    for (size_t i = 0; i < 4; i++) {
        b.size = 0;
        put_map (&b, 2);
        put_str (&b, "op");
        put (&b, bad_ops[i], bad_op_sizes[i]);
        put_str (&b, "params");
        put_map (&b, 0);
        assert_false (decodes (&b));
    }

    /*  params not a map; a param value that is not a string; a non-string key. */
    b.size = 0;
    put_map (&b, 2);
    put_str (&b, "op");
    put_str (&b, "x");
    put_str (&b, "params");
    put_byte (&b, 0x90);
    assert_false (decodes (&b));
    b.size = 0;
    put_map (&b, 2);
    put_str (&b, "op");
    put_str (&b, "x");
    put_str (&b, "params");
    put_map (&b, 1);
    put_str (&b, "limit");
    put_byte (&b, 0x0a);
    assert_false (decodes (&b));
    b.size = 0;
    put_map (&b, 2);
    put_str (&b, "op");
    put_str (&b, "x");
    put_str (&b, "params");
    put_map (&b, 1);
    put_byte (&b, 0x01);
    put_str (&b, "v");
    assert_false (decodes (&b));

    /*  Nested value in params (too deep). */
    b.size = 0;
    put_map (&b, 2);
    put_str (&b, "op");
    put_str (&b, "x");
    put_str (&b, "params");
    put_map (&b, 1);
    put_str (&b, "k");
    put_map (&b, 0);
    assert_false (decodes (&b));

    /*  Repeated keys: op twice, params twice, a param twice. */
    b.size = 0;
    put_map (&b, 3);
    put_str (&b, "op");
    put_str (&b, "x");
    put_str (&b, "op");
    put_str (&b, "y");
    put_str (&b, "params");
    put_map (&b, 0);
    assert_false (decodes (&b));
    b.size = 0;
    put_map (&b, 3);
    put_str (&b, "op");
    put_str (&b, "x");
    put_str (&b, "params");
    put_map (&b, 0);
    put_str (&b, "params");
    put_map (&b, 0);
    assert_false (decodes (&b));
    b.size = 0;
    put_map (&b, 2);
    put_str (&b, "op");
    put_str (&b, "x");
    put_str (&b, "params");
    put_map (&b, 2);
    put_str (&b, "k");
    put_str (&b, "1");
    put_str (&b, "k");
    put_str (&b, "2");
    assert_false (decodes (&b));

    /*  Unknown root key; sub that is not a string. */
    b.size = 0;
    put_map (&b, 3);
    put_str (&b, "op");
    put_str (&b, "x");
    put_str (&b, "params");
    put_map (&b, 0);
    put_str (&b, "admin");
    put_str (&b, "yes");
    assert_false (decodes (&b));
    b.size = 0;
    put_map (&b, 3);
    put_str (&b, "op");
    put_str (&b, "x");
    put_str (&b, "params");
    put_map (&b, 0);
    put_str (&b, "sub");
    put_byte (&b, 0x07);
    assert_false (decodes (&b));

    /*  A NUL inside a string; invalid UTF-8 (lone continuation, overlong, surrogate). */
    const char *bad_strings[] = {"a\0b", "\x80", "\xc0\xaf", "\xed\xa0\x80", "\xf8\x88\x80\x80\x80",
                                 "\xe2\x82"};
    const size_t bad_lengths[] = {3, 1, 2, 3, 5, 2};
    for (size_t i = 0; i < 6; i++) {
        b.size = 0;
        put_map (&b, 2);
        put_str (&b, "op");
        put_str (&b, "x");
        put_str (&b, "params");
        put_map (&b, 1);
        put_str (&b, "k");
        put_strn (&b, bad_strings[i], bad_lengths[i]);
        assert_false (decodes (&b));
    }

    /*  Trailing bytes; every truncation of a valid request. */
    b.size = 0;
    build_params (&b, 3);
    assert_true (decodes (&b));
    put_byte (&b, 0xc0);
    assert_false (decodes (&b));
    b.size--;
    for (size_t cut = 0; cut < b.size; cut++)
        assert_null (proto_request_decode (b.data, cut));

    /*  Hostile headers: containers announcing billions of elements, the reserved byte
        0xc1, a string announcing 4 GB, deep nesting. None may crash or allocate wildly. */
    const unsigned char hostile[][6] = {{0xdd, 0xff, 0xff, 0xff, 0xff},
                                        {0xdf, 0xff, 0xff, 0xff, 0xff},
                                        {0xdc, 0xff, 0xff},
                                        {0xc1},
                                        {0xdb, 0xff, 0xff, 0xff, 0xff},
                                        {0xc9, 0xff, 0xff, 0xff, 0xff, 0x01}};
    const size_t hostile_sizes[] = {5, 5, 3, 1, 5, 6};
    for (size_t i = 0; i < 6; i++)
        assert_null (proto_request_decode (hostile[i], hostile_sizes[i]));
    b.size = 0;
    for (int i = 0; i < 10000; i++)
        put_byte (&b, 0x91);
    put_byte (&b, 0xc0);
    assert_false (decodes (&b));
}

/*  Random garbage never crashes the decoders (run under ASan/UBSan). */
static void
test_fuzz (void **state)
{
    static buf_t b;
    srand (12345);
    proto_param_t params[] = {{"a", "1"}, {"bb", "22"}};
    proto_request_t req = {.op = "top_sellers", .param_count = 2, .params = params, .sub = "s"};
    size_t size;
    char *valid = proto_request_encode (&req, &size);
    for (int round = 0; round < 20000; round++) {
        /*  Either pure noise or a valid request with a few bytes flipped. */
        if (round % 2) {
            b.size = (size_t) (rand () % 64);
            for (size_t i = 0; i < b.size; i++)
                b.data[i] = (unsigned char) rand ();
        }
        else {
            b.size = size;
            memcpy (b.data, valid, size);
            for (int k = 0; k < 3; k++)
                b.data[rand () % size] = (unsigned char) rand ();
        }
        proto_request_t *req_out = proto_request_decode (b.data, b.size);
        proto_request_destroy (&req_out);
        proto_reply_t *reply = proto_reply_decode (b.data, b.size);
        proto_reply_destroy (&reply);
        size_t out_size;
        char *out = proto_reply_encode (200, (const char *) b.data, b.size, 1, &out_size);
        if (out) {
            proto_reply_t *back = proto_reply_decode (out, out_size);
            assert_non_null (back);
            assert_int_equal (proto_reply_cache_hit (back), 1);
            proto_reply_destroy (&back);
        }
        free (out);
    }
    free (valid);
}

/*  ---------------------------------------------------------------------------------------
    Writer, replies, visitor */

/*  A visitor that renders the body as compact JSON-like text. */
typedef struct {
    char text[1 << 16];
    size_t len;
    int stop_at_int;    /* return 7 from on_int when the value equals it (0: never) */
} render_t;

static void
emit (render_t *r, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    int n = vsnprintf (r->text + r->len, sizeof r->text - r->len, format, args);
    va_end (args);
    assert_true (n >= 0 && (size_t) n < sizeof r->text - r->len);
    r->len += (size_t) n;
}

static int on_map (void *arg, uint32_t pairs) { emit (arg, "{%u:", pairs); return 0; }
static int on_array (void *arg, uint32_t items) { emit (arg, "[%u:", items); return 0; }
static int on_str (void *arg, const char *text, size_t len)
{
    emit (arg, "'%.*s' ", (int) len, text);
    return 0;
}
static int on_int (void *arg, int64_t value)
{
    render_t *r = arg;
    emit (r, "%lld ", (long long) value);
    return r->stop_at_int && value == r->stop_at_int ? 7 : 0;
}
static int on_double (void *arg, double value) { emit (arg, "%.2f ", value); return 0; }
static int on_bool (void *arg, bool value) { emit (arg, "%s ", value ? "true" : "false"); return 0; }
static int on_nil (void *arg) { emit (arg, "nil "); return 0; }
static int on_end (void *arg) { emit (arg, "} "); return 0; }

static const proto_visitor_t visitor = {on_map, on_array, on_str, on_int, on_double,
                                        on_bool, on_nil, on_end};

static void
test_reply_round_trip (void **state)
{
    proto_writer_t *w = proto_writer_new ();
    proto_writer_map (w, 3);
    proto_writer_str (w, "total_revenue");
    proto_writer_double (w, 1234.5);
    proto_writer_str (w, "points");
    proto_writer_array (w, 2);
    proto_writer_map (w, 2);
    proto_writer_str (w, "orders");
    proto_writer_int (w, -3);
    proto_writer_str (w, "ok");
    proto_writer_bool (w, true);
    proto_writer_nil (w);
    proto_writer_str (w, "start_date");
    proto_writer_str (w, NULL);

    for (int hit = -1; hit <= 1; hit++) {
        size_t size;
        char *data = proto_reply_encode (200, proto_writer_data (w), proto_writer_size (w),
                                         hit, &size);
        assert_non_null (data);
        proto_reply_t *reply = proto_reply_decode (data, size);
        free (data);    /* the reply keeps its own copy */
        assert_non_null (reply);
        assert_int_equal (proto_reply_status (reply), 200);
        assert_int_equal (proto_reply_cache_hit (reply), hit);
        render_t *r = calloc (1, sizeof *r);
        assert_int_equal (proto_reply_visit_body (reply, &visitor, r), 0);
        const char *expected_base = "'total_revenue' 1234.50 'points' [2:{2:'orders' -3 'ok' "
                                    "true } nil } 'start_date' nil ";
        char expected[512];
        if (hit < 0)
            snprintf (expected, sizeof expected, "{3:%s} ", expected_base);
        else
            snprintf (expected, sizeof expected, "{4:%s'cache' {1:'hit' %s } } ",
                      expected_base, hit ? "true" : "false");
        assert_string_equal (r->text, expected);

        /*  A non-zero callback result stops the walk and comes back. */
        memset (r, 0, sizeof *r);
        r->stop_at_int = -3;
        assert_int_equal (proto_reply_visit_body (reply, &visitor, r), 7);
        assert_null (strstr (r->text, "nil"));
        free (r);
        proto_reply_destroy (&reply);
        assert_null (reply);
    }
    proto_reply_destroy (NULL);

    /*  reset() starts a new value. */
    proto_writer_reset (w);
    proto_writer_map (w, 0);
    assert_int_equal (proto_writer_size (w), 1);
    assert_int_equal ((unsigned char) proto_writer_data (w)[0], 0x80);
    proto_writer_destroy (&w);
    assert_null (w);
    proto_writer_destroy (&w);
}

static void
test_reply_bytes (void **state)
{
    /*  {"status": 200, "body": {"cache": {"hit": true}}} from an empty body, by hand. */
    static const unsigned char expected[] = {
        0x82, 0xa6, 's', 't', 'a', 't', 'u', 's', 0xcc, 0xc8, 0xa4, 'b', 'o', 'd', 'y',
        0x81, 0xa5, 'c', 'a', 'c', 'h', 'e', 0x81, 0xa3, 'h', 'i', 't', 0xc3};
    size_t size;
    char *data = proto_reply_encode (200, "\x80", 1, 1, &size);
    assert_non_null (data);
    assert_int_equal (size, sizeof expected);
    assert_memory_equal (data, expected, size);
    free (data);
}

/*  Appending "cache" must rewrite the map header across its size classes:
    15 -> 16 pairs (fixmap -> map16) and 65535 -> 65536 (map16 -> map32). */
static void
test_reply_header_growth (void **state)
{
    const uint32_t counts[] = {0, 14, 15, 16, 65534, 65535, 65536};
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        proto_writer_t *w = proto_writer_new ();
        proto_writer_map (w, counts[c]);
        for (uint32_t i = 0; i < counts[c]; i++) {
            char key[16];
            snprintf (key, sizeof key, "k%u", i);
            proto_writer_str (w, key);
            proto_writer_int (w, i);
        }
        size_t size;
        char *data = proto_reply_encode (201, proto_writer_data (w), proto_writer_size (w), 0,
                                         &size);
        proto_writer_destroy (&w);
        assert_non_null (data);
        proto_reply_t *reply = proto_reply_decode (data, size);
        free (data);
        assert_non_null (reply);
        assert_int_equal (proto_reply_status (reply), 201);
        assert_int_equal (proto_reply_cache_hit (reply), 0);
        /*  The root's on_map comes first and announces the pair count. */
        render_t *r = calloc (1, sizeof *r);
        proto_visitor_t maps_only = {.on_map = on_map};
        assert_int_equal (proto_reply_visit_body (reply, &maps_only, r), 0);
        assert_int_equal (r->text[0], '{');
        char *end = NULL;
        unsigned long announced = strtoul (r->text + 1, &end, 10);
        assert_int_equal (*end, ':');
        assert_int_equal (announced, counts[c] + 1);
        free (r);
        proto_reply_destroy (&reply);
    }
}

static void
test_reply_encode_refuses (void **state)
{
    size_t size;
    assert_null (proto_reply_encode (200, "\x90", 1, 1, &size));      /* array */
    assert_null (proto_reply_encode (200, "\xa1x", 2, -1, &size));    /* string */
    assert_null (proto_reply_encode (200, "\x81\xa1x", 3, 1, &size)); /* truncated map */
    assert_null (proto_reply_encode (200, "\x80\x80", 2, 1, &size));  /* trailing bytes */
    assert_null (proto_reply_encode (200, NULL, 0, 1, &size));
    assert_null (proto_reply_encode (99, "\x80", 1, 1, &size));
    assert_null (proto_reply_encode (600, "\x80", 1, 1, &size));
}

static void
test_reply_error (void **state)
{
    size_t size;
    char *data = proto_reply_encode_error (400, "bad_request", "limit must be an integer",
                                           &size);
    assert_non_null (data);
    proto_reply_t *reply = proto_reply_decode (data, size);
    free (data);
    assert_non_null (reply);
    assert_int_equal (proto_reply_status (reply), 400);
    assert_int_equal (proto_reply_cache_hit (reply), -1);
    render_t *r = calloc (1, sizeof *r);
    assert_int_equal (proto_reply_visit_body (reply, &visitor, r), 0);
    assert_string_equal (r->text,
                         "{2:'error' 'bad_request' 'detail' 'limit must be an integer' } ");
    free (r);
    proto_reply_destroy (&reply);
}

static void
test_reply_decode_refuses (void **state)
{
    static buf_t b;
    /*  status missing / out of range / not an int / twice; body missing / not a map. */
    struct {
        int status_kind;    /* 0 none, 1 int value, 2 string */
        int status;
        int body_kind;      /* 0 none, 1 map, 2 array */
        bool extra;
    } cases[] = {{0, 0, 1, false},   {1, 99, 1, false},  {1, 600, 1, false},
                 {2, 200, 1, false}, {1, 200, 0, false}, {1, 200, 2, false},
                 {1, 200, 1, true}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        b.size = 0;
        put_map (&b, (cases[i].status_kind > 0) + (cases[i].body_kind > 0) + cases[i].extra);
        if (cases[i].status_kind == 1) {
            put_str (&b, "status");
            put_byte (&b, 0xcd);
            put_be (&b, (uint64_t) cases[i].status, 2);
        }
        else if (cases[i].status_kind == 2) {
            put_str (&b, "status");
            put_str (&b, "200");
        }
        if (cases[i].body_kind) {
            put_str (&b, "body");
            put_byte (&b, cases[i].body_kind == 1 ? 0x80 : 0x90);
        }
        if (cases[i].extra) {
            put_str (&b, "status");
            put_byte (&b, 0x01);
        }
        assert_null (proto_reply_decode (b.data, b.size));
    }
    /*  The same with a good status and body decodes (the cases above fail for their reason). */
    b.size = 0;
    put_map (&b, 2);
    put_str (&b, "status");
    put_byte (&b, 0xcd);
    put_be (&b, 599, 2);
    put_str (&b, "body");
    put_byte (&b, 0x80);
    proto_reply_t *reply = proto_reply_decode (b.data, b.size);
    assert_non_null (reply);
    assert_int_equal (proto_reply_status (reply), 599);
    proto_reply_destroy (&reply);
    put_byte (&b, 0xc0);
    assert_null (proto_reply_decode (b.data, b.size));
    assert_null (proto_reply_decode (NULL, 0));
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_request_bytes),       cmocka_unit_test (test_request_round_trip),
        cmocka_unit_test (test_request_base_url),
        cmocka_unit_test (test_request_limits),      cmocka_unit_test (test_request_malformed),
        cmocka_unit_test (test_fuzz),                cmocka_unit_test (test_reply_round_trip),
        cmocka_unit_test (test_reply_bytes),         cmocka_unit_test (test_reply_header_growth),
        cmocka_unit_test (test_reply_encode_refuses), cmocka_unit_test (test_reply_error),
        cmocka_unit_test (test_reply_decode_refuses),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
