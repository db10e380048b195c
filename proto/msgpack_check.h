/*  msgpack_check: what the envelope's decoders share (internal to proto/, not part of the
    API): the structural check that makes msgpack-c safe on hostile bytes, the checked
    unpack, and two small helpers. */
#ifndef PROTO_MSGPACK_CHECK_H
#define PROTO_MSGPACK_CHECK_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*  Deepest nesting accepted anywhere (msgpack-c's own parser stops at 32). */
#define PROTO_MSGPACK_MAX_DEPTH 32

/*  Reads a big-endian unsigned integer of width bytes at p. */
uint64_t proto_msgpack_be (const unsigned char *p, size_t width);

/*  Returns 0 when data holds exactly one well-formed msgpack value, nested at most
    max_depth containers deep, each container count no larger than the bytes after its
    header; else -1. Sets *root to the first byte (the root's type) when it returns 0. */
int proto_msgpack_check (const unsigned char *data, size_t size, int max_depth,
                         unsigned char *root);

/*  True when type (the first byte of a value) starts a map. */
bool proto_msgpack_is_map (unsigned char type);

/*  Checks and unpacks data into *unpacked (which the caller destroys whatever happens).
    Returns 0, or -1 when data is not one well-formed value within max_depth. */
int proto_msgpack_unpack (msgpack_unpacked *unpacked, const void *data, size_t size, int max_depth);

/*  True when o is the string key. */
bool proto_msgpack_str_is (const msgpack_object *o, const char *key);

/*  Packs text as a msgpack string. Returns 0, or -1 when the buffer could not grow. */
int proto_msgpack_pack_str (msgpack_packer *pk, const char *text);

#endif
