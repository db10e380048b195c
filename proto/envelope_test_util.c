/*  envelope_test_util: what the envelope's tests share (envelope_test_util.h). */

#include "envelope_test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "envelope.h"

void
put (buf_t *b, const void *data, size_t size)
{
    assert_true (b->size + size <= sizeof b->data);
    memcpy (b->data + b->size, data, size);
    b->size += size;
}

void
put_byte (buf_t *b, unsigned char c)
{
    put (b, &c, 1);
}

void
put_be (buf_t *b, uint64_t value, int width)
{
    for (int i = width - 1; i >= 0; i--)
        put_byte (b, (unsigned char) (value >> (8 * i)));
}

void
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

void
put_str (buf_t *b, const char *text)
{
    put_strn (b, text, strlen (text));
}

void
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

/*  Fills b with round round's input from valid (size bytes): see fuzz_each. */
static void
s_garble (buf_t *b, const char *valid, size_t size, int round)
{
    if (round % 2) {
        b->size = (size_t) (rand () % 64);
        for (size_t i = 0; i < b->size; i++)
            b->data[i] = (unsigned char) rand ();
    }
    else {
        b->size = size;
        memcpy (b->data, valid, size);
        for (int k = 0; k < 3; k++)
            b->data[rand () % size] = (unsigned char) rand ();
    }
}

void
fuzz_each (void (*try_input) (const unsigned char *data, size_t size))
{
    static buf_t b;
    proto_param_t params[] = {{"a", "1"}, {"bb", "22"}};
    proto_request_t req = {.op = "top_sellers", .param_count = 2, .params = params, .sub = "s"};
    size_t size;
    char *valid = proto_request_encode (&req, &size);
    assert_non_null (valid);
    srand (12345);
    for (int round = 0; round < 20000; round++) {
        s_garble (&b, valid, size, round);
        try_input (b.data, b.size);
    }
    free (valid);
}
