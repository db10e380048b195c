/*  envelope_reply: the reply envelope of SPEC §7, map {"status": int (HTTP status),
    "body": map}; body is exactly the JSON body of the HTTP answer. */
#ifndef PROTO_ENVELOPE_REPLY_H
#define PROTO_ENVELOPE_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*  Encodes {"status": status, "body": body} into a new buffer of *size bytes (free()),
    where body/body_size is one encoded msgpack map (from a proto_writer_t). When cache_hit
    is 0 or 1, the pair "cache": {"hit": false|true} is appended to the body map (SPEC §6),
    so a cached body is stored without it. Returns NULL when body is not a map. */
char *proto_reply_encode (int status, const char *body, size_t body_size, int cache_hit,
                          size_t *size);

/*  True when body/body_size is exactly one well-formed msgpack map that proto_reply_encode()
    accepts as a reply body (a cache entry read back from Redis is checked with this before
    it is served: a planted value is a miss). */
bool proto_body_valid (const char *body, size_t body_size);

/*  Encodes an error reply {"status": status, "body": {"error": code, "detail": detail}}. */
char *proto_reply_encode_error (int status, const char *code, const char *detail, size_t *size);

/*  A decoded reply: its status and a pointer to its body inside the decoded data. */
typedef struct _proto_reply_t proto_reply_t;

/*  Decodes a reply. Returns NULL unless data is one map with an integer status in 100..599
    and a map body. */
proto_reply_t *proto_reply_decode (const void *data, size_t size);
void proto_reply_destroy (proto_reply_t **self_p);
int proto_reply_status (const proto_reply_t *self);

/*  Returns 1 or 0 for the body's "cache": {"hit": true|false}, or -1 when it has none. */
int proto_reply_cache_hit (const proto_reply_t *self);

/*  Visits the body as a tree, for converting it to another format (the gateway's JSON).
    The callbacks mirror the writer: map and array announce their count, then the elements
    follow; strings are not NUL-terminated. Returns 0, or the first non-zero callback result. */
typedef struct {
    int (*on_map) (void *arg, uint32_t pairs);
    int (*on_array) (void *arg, uint32_t items);
    int (*on_str) (void *arg, const char *text, size_t len);
    int (*on_int) (void *arg, int64_t value);
    int (*on_double) (void *arg, double value);
    int (*on_bool) (void *arg, bool value);
    int (*on_nil) (void *arg);
    /* called after the last element of a map or array */
    int (*on_end) (void *arg);
} proto_visitor_t;

int proto_reply_visit_body (const proto_reply_t *self, const proto_visitor_t *visitor, void *arg);

#endif
