/*  envelope_request_test: the request envelope (envelope_request.c). Byte-level
    expectations are written out by hand from the msgpack spec (an independent encoding),
    hostile inputs must be refused without crashing, and limits are tested at and just past
    the edge. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "envelope.h"
#include "envelope_test_util.h"

/*  Starts b over with a request: a map of pairs pairs, "op": "x", then the key "params"
    (its value is the caller's to write). */
static void
start_request (buf_t *b, uint32_t pairs)
{
    b->size = 0;
    put_map (b, pairs);
    put_str (b, "op");
    put_str (b, "x");
    put_str (b, "params");
}

static bool
decodes (const buf_t *b)
{
    proto_request_t *req = proto_request_decode (b->data, b->size);
    bool ok = req != NULL;
    proto_request_destroy (&req);
    return ok;
}

static void
test_request_bytes (void **state)
{
    /*  {"op": "kpis", "params": {}} written out by hand. */
    static const unsigned char expected[] = {0x82, 0xa2, 'o', 'p', 0xa4, 'k', 'p', 'i', 's',
                                             0xa6, 'p',  'a', 'r', 'a',  'm', 's', 0x80};
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
    proto_request_destroy (&decoded); /* NULL-safe */
    proto_request_destroy (NULL);
}

static void
test_request_round_trip (void **state)
{
    proto_param_t params[] = {
        {"start_date", "2024-01-01"}, {"end_date", ""}, {"customer_id", "C\xc3\xa9-42"}};
    proto_request_t req = {
        .op = "list", .param_count = 3, .params = params, .sub = "alice", .request_id = "req-1"};
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
    assert_null (proto_request_param (back, "end_date")); /* empty counts as absent */
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
    const char *values[] = {longest,       "", "http://a b", "http://a\tb", "http://\xc3\xa9",
                            "http://x\x7f"};
    for (size_t i = 0; i < 6; i++) {
        start_request (&b, 3);
        put_map (&b, 0);
        put_str (&b, "base_url");
        put_str (&b, values[i]);
        assert_int_equal (decodes (&b), i == 0);
    }
    longest[PROTO_MAX_BASE_URL] = 'h'; /* one byte too long */
    longest[PROTO_MAX_BASE_URL + 1] = '\0';
    start_request (&b, 3);
    put_map (&b, 0);
    put_str (&b, "base_url");
    put_str (&b, longest);
    assert_false (decodes (&b));
    start_request (&b, 3);
    put_map (&b, 0);
    put_str (&b, "base_url");
    put_byte (&b, 0x07);
    assert_false (decodes (&b));
    start_request (&b, 4);
    put_map (&b, 0);
    put_str (&b, "base_url");
    put_str (&b, "http://a");
    put_str (&b, "base_url");
    put_str (&b, "http://b");
    assert_false (decodes (&b));
}

/*  b over with the request {"op": "x", "params": {"p0": "v", ...}} of count params. */
static void
build_params (buf_t *b, uint32_t count)
{
    start_request (b, 2);
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
    build_params (&b, PROTO_MAX_PARAMS);
    assert_true (decodes (&b));
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
    start_request (&b, 2);
    put_byte (&b, 0x90);
    assert_false (decodes (&b));
    start_request (&b, 2);
    put_map (&b, 1);
    put_str (&b, "limit");
    put_byte (&b, 0x0a);
    assert_false (decodes (&b));
    start_request (&b, 2);
    put_map (&b, 1);
    put_byte (&b, 0x01);
    put_str (&b, "v");
    assert_false (decodes (&b));

    /*  Nested value in params (too deep). */
    start_request (&b, 2);
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
    start_request (&b, 3);
    put_map (&b, 0);
    put_str (&b, "params");
    put_map (&b, 0);
    assert_false (decodes (&b));
    start_request (&b, 2);
    put_map (&b, 2);
    put_str (&b, "k");
    put_str (&b, "1");
    put_str (&b, "k");
    put_str (&b, "2");
    assert_false (decodes (&b));

    /*  Unknown root key; sub that is not a string. */
    start_request (&b, 3);
    put_map (&b, 0);
    put_str (&b, "admin");
    put_str (&b, "yes");
    assert_false (decodes (&b));
    start_request (&b, 3);
    put_map (&b, 0);
    put_str (&b, "sub");
    put_byte (&b, 0x07);
    assert_false (decodes (&b));

    /*  A NUL inside a string; invalid UTF-8 (lone continuation, overlong, surrogate). */
    const char *bad_strings[] = {
        "a\0b", "\x80", "\xc0\xaf", "\xed\xa0\x80", "\xf8\x88\x80\x80\x80", "\xe2\x82"};
    const size_t bad_lengths[] = {3, 1, 2, 3, 5, 2};
    for (size_t i = 0; i < 6; i++) {
        start_request (&b, 2);
        put_map (&b, 1);
        put_str (&b, "k");
        put_strn (&b, bad_strings[i], bad_lengths[i]);
        assert_false (decodes (&b));
    }

    /*  Trailing bytes; every truncation of a valid request. */
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

/*  Decodes one fuzzed input (test_request_fuzz). */
static void
try_request (const unsigned char *data, size_t size)
{
    proto_request_t *req = proto_request_decode (data, size);
    proto_request_destroy (&req);
}

/*  Random garbage never crashes the decoder (run under ASan/UBSan). */
static void
test_request_fuzz (void **state)
{
    fuzz_each (try_request);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_request_bytes),     cmocka_unit_test (test_request_round_trip),
        cmocka_unit_test (test_request_base_url),  cmocka_unit_test (test_request_limits),
        cmocka_unit_test (test_request_malformed), cmocka_unit_test (test_request_fuzz),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
