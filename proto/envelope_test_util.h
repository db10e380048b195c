/*  envelope_test_util: what the envelope's tests share (envelope_test_util.c). Test code
    only: a tiny msgpack encoder written by hand from the msgpack spec, independent of
    envelope_*.c and msgpack-c, for building expected bytes and hostile input. */
#ifndef PROTO_ENVELOPE_TEST_UTIL_H
#define PROTO_ENVELOPE_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

/*  A buffer being written; tests keep them static (1 MiB). */
typedef struct {
    unsigned char data[1 << 20];
    size_t size;
} buf_t;

/*  Appends size bytes of data (fails the test when the buffer is full). */
void put (buf_t *b, const void *data, size_t size);

/*  Appends one byte. */
void put_byte (buf_t *b, unsigned char c);

/*  Appends value as width bytes, big-endian. */
void put_be (buf_t *b, uint64_t value, int width);

/*  Appends a string of len bytes (fixstr, str8 or str16 header). */
void put_strn (buf_t *b, const char *text, size_t len);

/*  Appends a C string. */
void put_str (buf_t *b, const char *text);

/*  Appends a map header of pairs pairs (fixmap, map16 or map32). */
void put_map (buf_t *b, uint32_t pairs);

/*  Calls try_input on 20,000 fuzzed inputs, the same every time (rand() seeded with 12345):
    odd rounds pure noise of up to 63 bytes, even ones the valid request {"op":
    "top_sellers", "params": {"a": "1", "bb": "22"}, "sub": "s"} with three bytes flipped. */
void fuzz_each (void (*try_input) (const unsigned char *data, size_t size));

#endif
