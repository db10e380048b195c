/*  envelope_writer_test: the body writer (envelope_writer.c). Its bytes are checked against
    the msgpack spec, written out by hand; envelope_reply_test walks richer bodies. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "envelope.h"

/*  Every kind of value, in its smallest encoding: msgpack-c picks it, the bytes say so. */
static void
test_writer_bytes (void **state)
{
    /*  {"a": [1, -1, true, nil, nil], "b": 1.5} by hand: fixmap 2, fixstr, fixarray 5,
        positive and negative fixint, true, nil twice (the second a NULL string), float64. */
    static const unsigned char expected[] = {0x82, 0xa1, 'a',  0x95, 0x01, 0xff, 0xc3,
                                             0xc0, 0xc0, 0xa1, 'b',  0xcb, 0x3f, 0xf8,
                                             0,    0,    0,    0,    0,    0};
    proto_writer_t *w = proto_writer_new ();
    assert_non_null (w);
    proto_writer_map (w, 2);
    proto_writer_str (w, "a");
    proto_writer_array (w, 5);
    proto_writer_int (w, 1);
    proto_writer_int (w, -1);
    proto_writer_bool (w, true);
    proto_writer_nil (w);
    proto_writer_str (w, NULL);
    proto_writer_str (w, "b");
    proto_writer_double (w, 1.5);
    assert_int_equal (proto_writer_size (w), sizeof expected);
    assert_memory_equal (proto_writer_data (w), expected, sizeof expected);
    proto_writer_destroy (&w);
}

/*  reset() starts a new value; destroy nulls the pointer and is NULL-safe. */
static void
test_writer_reset (void **state)
{
    proto_writer_t *w = proto_writer_new ();
    proto_writer_map (w, 1);
    proto_writer_str (w, "total_revenue");
    proto_writer_double (w, 1234.5);

    /*  reset() starts a new value. */
    proto_writer_reset (w);
    proto_writer_map (w, 0);
    assert_int_equal (proto_writer_size (w), 1);
    assert_int_equal ((unsigned char) proto_writer_data (w)[0], 0x80);
    proto_writer_destroy (&w);
    assert_null (w);
    proto_writer_destroy (&w);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_writer_bytes),
        cmocka_unit_test (test_writer_reset),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
