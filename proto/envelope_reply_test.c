/*  envelope_reply_test: the reply envelope (envelope_reply.c): its bytes written out by
    hand from the msgpack spec, the cache field across the map header's size classes, the
    body visitor, and hostile replies refused without crashing. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "envelope.h"
#include "envelope_test_util.h"

/*  A visitor that renders the body as compact JSON-like text. */
typedef struct {
    char text[1 << 16];
    size_t len;
    int stop_at_int; /* return 7 from on_int when the value equals it (0: never) */
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

static int
on_map (void *arg, uint32_t pairs)
{
    emit (arg, "{%u:", pairs);
    return 0;
}
static int
on_array (void *arg, uint32_t items)
{
    emit (arg, "[%u:", items);
    return 0;
}
static int
on_str (void *arg, const char *text, size_t len)
{
    emit (arg, "'%.*s' ", (int) len, text);
    return 0;
}
static int
on_int (void *arg, int64_t value)
{
    render_t *r = arg;
    emit (r, "%lld ", (long long) value);
    return r->stop_at_int && value == r->stop_at_int ? 7 : 0;
}
static int
on_double (void *arg, double value)
{
    emit (arg, "%.2f ", value);
    return 0;
}
static int
on_bool (void *arg, bool value)
{
    emit (arg, "%s ", value ? "true" : "false");
    return 0;
}
static int
on_nil (void *arg)
{
    emit (arg, "nil ");
    return 0;
}
static int
on_end (void *arg)
{
    emit (arg, "} ");
    return 0;
}

static const proto_visitor_t visitor = {on_map,    on_array, on_str, on_int,
                                        on_double, on_bool,  on_nil, on_end};

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
        char *data =
            proto_reply_encode (200, proto_writer_data (w), proto_writer_size (w), hit, &size);
        assert_non_null (data);
        proto_reply_t *reply = proto_reply_decode (data, size);
        free (data); /* the reply keeps its own copy */
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
            snprintf (expected, sizeof expected, "{4:%s'cache' {1:'hit' %s } } ", expected_base,
                      hit ? "true" : "false");
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
    proto_writer_destroy (&w);
}

static void
test_reply_bytes (void **state)
{
    /*  {"status": 200, "body": {"cache": {"hit": true}}} from an empty body, by hand. */
    static const unsigned char expected[] = {
        0x82, 0xa6, 's',  't', 'a', 't', 'u', 's', 0xcc, 0xc8, 0xa4, 'b', 'o', 'd',
        'y',  0x81, 0xa5, 'c', 'a', 'c', 'h', 'e', 0x81, 0xa3, 'h',  'i', 't', 0xc3};
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
        char *data =
            proto_reply_encode (201, proto_writer_data (w), proto_writer_size (w), 0, &size);
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
    char *data = proto_reply_encode_error (400, "bad_request", "limit must be an integer", &size);
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
        int status_kind; /* 0 none, 1 int value, 2 string */
        int status;
        int body_kind; /* 0 none, 1 map, 2 array */
        bool extra;
    } cases[] = {{0, 0, 1, false},   {1, 99, 1, false},  {1, 600, 1, false}, {2, 200, 1, false},
                 {1, 200, 0, false}, {1, 200, 2, false}, {1, 200, 1, true}};
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

/*  Decodes one fuzzed input, and encodes it as a body (test_reply_fuzz). */
static void
try_reply (const unsigned char *data, size_t size)
{
    proto_reply_t *reply = proto_reply_decode (data, size);
    proto_reply_destroy (&reply);
    size_t out_size;
    char *out = proto_reply_encode (200, (const char *) data, size, 1, &out_size);
    if (out) {
        proto_reply_t *back = proto_reply_decode (out, out_size);
        assert_non_null (back);
        assert_int_equal (proto_reply_cache_hit (back), 1);
        proto_reply_destroy (&back);
    }
    free (out);
}

/*  Random garbage never crashes the decoder, and any map the encoder accepts decodes again
    with its cache field (run under ASan/UBSan). The inputs are test_request_fuzz's. */
static void
test_reply_fuzz (void **state)
{
    fuzz_each (try_reply);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_reply_round_trip),    cmocka_unit_test (test_reply_bytes),
        cmocka_unit_test (test_reply_header_growth), cmocka_unit_test (test_reply_encode_refuses),
        cmocka_unit_test (test_reply_error),         cmocka_unit_test (test_reply_decode_refuses),
        cmocka_unit_test (test_reply_fuzz),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
