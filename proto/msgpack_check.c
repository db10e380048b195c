/*  msgpack_check: the structural check every envelope decoder runs before msgpack-c sees
    the bytes, and the small msgpack helpers the request and reply share (msgpack_check.h).

    Everything that arrives here may come from a rogue peer, so nothing is handed to
    msgpack-c before proto_msgpack_check() has walked the bytes: msgpack-c allocates an
    array or map from the count in its header before it reads a single element, so a
    5-byte body announcing 4 billion elements would ask for 64 GB. proto_msgpack_check()
    accepts only one complete value whose every container count fits in the bytes left,
    nested no deeper than asked, with nothing after it. After that, msgpack_unpack_next()
    needs memory proportional to the input only. */

#include "msgpack_check.h"

#include <string.h>

/*  Reads a big-endian unsigned integer of width bytes at p. */
uint64_t
proto_msgpack_be (const unsigned char *p, size_t width)
{
    uint64_t value = 0;
    for (size_t i = 0; i < width; i++)
        value = (value << 8) | p[i];
    return value;
}

/*  Returns 0 when data holds exactly one well-formed msgpack value, nested at most
    max_depth containers deep, each container count no larger than the bytes after its
    header; else -1. Sets *root to the first byte (the root's type) when it returns 0. */
int
proto_msgpack_check (const unsigned char *data, size_t size, int max_depth, unsigned char *root)
{
    uint64_t pending[PROTO_MSGPACK_MAX_DEPTH + 1]; /* elements still expected at each level */
    int depth = 1;
    size_t pos = 0;
    pending[0] = 1;
    if (max_depth > PROTO_MSGPACK_MAX_DEPTH)
        max_depth = PROTO_MSGPACK_MAX_DEPTH;

    while (depth > 0) {
        if (pending[depth - 1] == 0) {
            depth--;
            continue;
        }
        pending[depth - 1]--;
        if (pos >= size)
            return -1;
        unsigned char type = data[pos++];
        size_t width = 0;   /* bytes of a length or count field that follows */
        uint64_t skip = 0;  /* payload bytes to skip */
        uint64_t items = 0; /* elements of a container */
        bool container = false;

        if (type <= 0x7f || type >= 0xe0 || type == 0xc0 || type == 0xc2 || type == 0xc3)
            ;
        else if (type <= 0x8f) { /* fixmap */
            container = true;
            items = 2 * (uint64_t) (type & 0x0f);
        }
        else if (type <= 0x9f) { /* fixarray */
            container = true;
            items = type & 0x0f;
        }
        else if (type <= 0xbf) /* fixstr */
            skip = type & 0x1f;
        else {
            switch (type) {
            case 0xc4:
            case 0xd9:
                width = 1;
                break; /* bin8, str8 */
            case 0xc5:
            case 0xda:
                width = 2;
                break; /* bin16, str16 */
            case 0xc6:
            case 0xdb:
                width = 4;
                break; /* bin32, str32 */
            case 0xc7:
                width = 1;
                skip = 1;
                break; /* ext8: length, type */
            case 0xc8:
                width = 2;
                skip = 1;
                break;
            case 0xc9:
                width = 4;
                skip = 1;
                break;
            case 0xca:
                skip = 4;
                break; /* float32 */
            case 0xcb:
                skip = 8;
                break; /* float64 */
            case 0xcc:
            case 0xd0:
                skip = 1;
                break;
            case 0xcd:
            case 0xd1:
                skip = 2;
                break;
            case 0xce:
            case 0xd2:
                skip = 4;
                break;
            case 0xcf:
            case 0xd3:
                skip = 8;
                break;
            case 0xd4:
                skip = 2;
                break; /* fixext1..16: type + data */
            case 0xd5:
                skip = 3;
                break;
            case 0xd6:
                skip = 5;
                break;
            case 0xd7:
                skip = 9;
                break;
            case 0xd8:
                skip = 17;
                break;
            case 0xdc:
                width = 2;
                container = true;
                break; /* array16 */
            case 0xdd:
                width = 4;
                container = true;
                break; /* array32 */
            case 0xde:
                width = 2;
                container = true;
                break; /* map16 */
            case 0xdf:
                width = 4;
                container = true;
                break; /* map32 */
            default:
                return -1; /* 0xc1 is never used */
            }
            if (width) {
                if (size - pos < width)
                    return -1;
                uint64_t n = proto_msgpack_be (data + pos, width);
                pos += width;
                if (container)
                    items = type >= 0xde ? 2 * n : n;
                else
                    skip += n;
            }
        }
        if (container) {
            /*  This container is nested depth deep; each element takes at least a byte. */
            if (depth > max_depth || items > size - pos)
                return -1;
            if (items > 0)
                pending[depth++] = items;
        }
        else {
            if (skip > size - pos)
                return -1;
            pos += (size_t) skip;
        }
    }
    if (pos != size)
        return -1;
    *root = data[0];
    return 0;
}

/*  True when type (the first byte of a value) starts a map. */
bool
proto_msgpack_is_map (unsigned char type)
{
    return (type >= 0x80 && type <= 0x8f) || type == 0xde || type == 0xdf;
}

/*  Checks and unpacks data into *unpacked (which the caller destroys whatever happens).
    Returns 0, or -1 when data is not one well-formed value within max_depth. */
int
proto_msgpack_unpack (msgpack_unpacked *unpacked, const void *data, size_t size, int max_depth)
{
    unsigned char root;
    msgpack_unpacked_init (unpacked);
    if (!data || size == 0 || proto_msgpack_check (data, size, max_depth, &root))
        return -1;
    size_t offset = 0;
    if (msgpack_unpack_next (unpacked, data, size, &offset) != MSGPACK_UNPACK_SUCCESS
        || offset != size)
        return -1;
    return 0;
}

/*  True when o is the string key. */
bool
proto_msgpack_str_is (const msgpack_object *o, const char *key)
{
    size_t len = strlen (key);
    return o->type == MSGPACK_OBJECT_STR && o->via.str.size == len
           && memcmp (o->via.str.ptr, key, len) == 0;
}

/*  Packs text as a msgpack string. Returns 0, or -1 when the buffer could not grow. */
int
proto_msgpack_pack_str (msgpack_packer *pk, const char *text)
{
    size_t len = strlen (text);
    if (msgpack_pack_str (pk, len))
        return -1;
    return msgpack_pack_str_body (pk, text, len);
}
