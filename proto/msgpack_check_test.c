/*  msgpack_check_test: the structural check every envelope decoder runs before msgpack-c
    (msgpack_check.c). Its inputs are written out by hand from the msgpack spec; a header
    announcing more than the bytes hold, nesting past the limit and trailing bytes must be
    refused before anything is allocated. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "msgpack_check.h"

/*  proto_msgpack_check() on size bytes of data with max_depth; the root byte in *root. */
static int
s_check (const unsigned char *data, size_t size, int max_depth, unsigned char *root)
{
    *root = 0;
    return proto_msgpack_check (data, size, max_depth, root);
}

/*  Every kind of value is one value; the root byte comes back. */
static void
test_check_values (void **state)
{
    /*  {"a": [1, -1, nil, true, 1.5 (float64), "xy" (str8), b"z" (bin8), ext8 of 1 byte]} */
    static const unsigned char value[] = {
        0x81, 0xa1, 'a',  0x98, 0x01, 0xff, 0xc0, 0xc3,       /* map, "a", array, 4 */
        0xcb, 0x3f, 0xf8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 1.5 */
        0xd9, 0x02, 'x',  'y',  0xc4, 0x01, 'z',  0xc7, 0x01, 0x05, 0x00};
    unsigned char root;
    assert_int_equal (s_check (value, sizeof value, 2, &root), 0);
    assert_int_equal (root, 0x81);
    assert_true (proto_msgpack_is_map (root));
    /*  One byte short: the last element is missing; one byte more: trailing bytes. */
    assert_int_equal (s_check (value, sizeof value - 1, 2, &root), -1);
    unsigned char longer[sizeof value + 1];
    memcpy (longer, value, sizeof value);
    longer[sizeof value] = 0xc0;
    assert_int_equal (s_check (longer, sizeof longer, 2, &root), -1);
    assert_int_equal (s_check (value, 0, 2, &root), -1);
}

/*  Nesting: at the limit accepted, one past refused; the limit never exceeds
    PROTO_MSGPACK_MAX_DEPTH whatever the caller asks. */
static void
test_check_depth (void **state)
{
    static const unsigned char three[] = {0x91, 0x91, 0x90}; /* [[[]]] */
    unsigned char root;
    assert_int_equal (s_check (three, sizeof three, 3, &root), 0);
    assert_int_equal (s_check (three, sizeof three, 2, &root), -1);
    unsigned char deep[PROTO_MSGPACK_MAX_DEPTH + 1];
    memset (deep, 0x91, sizeof deep - 1);
    deep[sizeof deep - 1] = 0x90; /* MAX_DEPTH + 1 arrays */
    assert_int_equal (s_check (deep, sizeof deep, PROTO_MSGPACK_MAX_DEPTH + 10, &root), -1);
    assert_int_equal (s_check (deep + 1, sizeof deep - 1, PROTO_MSGPACK_MAX_DEPTH, &root), 0);
}

/*  Headers announcing more than the bytes hold, and the reserved byte 0xc1. */
static void
test_check_announced (void **state)
{
    static const unsigned char headers[][6] = {
        {0xdd, 0xff, 0xff, 0xff, 0xff}, /* array32 of 4 billion */
        {0xdf, 0x00, 0x00, 0x00, 0x03}, /* map32 of 3 pairs, no bytes after */
        {0xde, 0x00, 0x02, 0xc0},       /* map16 of 2 pairs, one byte after */
        {0xdb, 0xff, 0xff, 0xff, 0xff}, /* str32 of 4 GB */
        {0xc6, 0x00, 0x00, 0x00, 0x02}, /* bin32 of 2 bytes, none after */
        {0xc1},                         /* never used */
    };
    static const size_t sizes[] = {5, 5, 4, 5, 5, 1};
    unsigned char root;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        assert_int_equal (s_check (headers[i], sizes[i], PROTO_MSGPACK_MAX_DEPTH, &root), -1);
}

/*  The map test and the big-endian reader. */
static void
test_check_helpers (void **state)
{
    assert_true (proto_msgpack_is_map (0x80));
    assert_true (proto_msgpack_is_map (0x8f));
    assert_true (proto_msgpack_is_map (0xde));
    assert_true (proto_msgpack_is_map (0xdf));
    assert_false (proto_msgpack_is_map (0x90));
    assert_false (proto_msgpack_is_map (0xa0));
    assert_false (proto_msgpack_is_map (0xc0));
    static const unsigned char be[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
    assert_int_equal (proto_msgpack_be (be, 1), 0x01);
    assert_int_equal (proto_msgpack_be (be, 2), 0x0102);
    assert_int_equal (proto_msgpack_be (be, 4), 0x01020304);
    assert_true (proto_msgpack_be (be, 8) == 0x0102030405060708ULL);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_check_values),
        cmocka_unit_test (test_check_depth),
        cmocka_unit_test (test_check_announced),
        cmocka_unit_test (test_check_helpers),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
