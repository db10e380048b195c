/*  envelope: the msgpack bodies of SPEC §7. The only place msgpack is read or written.

    Request: map {"op": str, "params": {str: str}, "sub"?: str, "request_id"?: str,
                  "base_url"?: str}
      sub is the verified identity (JWT subject) the gateway adds for protected routes;
      request_id is the X-Request-Id of the HTTP request, for logs; base_url is the
      scheme and authority the client used ("http://host:port", no path), for the
      absolute links of an answer (the order list's next/previous).
    Reply:   map {"status": int (HTTP status), "body": map}
      body is exactly the JSON body of the HTTP answer. */
#ifndef PROTO_ENVELOPE_H
#define PROTO_ENVELOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*  Limits a decoded request must respect, else it is malformed. */
#define PROTO_MAX_PARAMS 32
#define PROTO_MAX_STRING 4096
/*  base_url: 1..PROTO_MAX_BASE_URL printable ASCII bytes (0x21..0x7e). */
#define PROTO_MAX_BASE_URL 300

/*  ---------------------------------------------------------------------------------------
    Requests */

typedef struct {
    char *key;
    char *value;
} proto_param_t;

typedef struct {
    char *op;
    size_t param_count;
    proto_param_t *params;
    char *sub;        /* NULL when absent */
    char *request_id; /* NULL when absent */
    char *base_url;   /* NULL when absent */
} proto_request_t;

/*  Encodes req into a new buffer of *size bytes (free with free()). Returns NULL on
    allocation failure. */
char *proto_request_encode (const proto_request_t *req, size_t *size);

/*  Decodes and validates a request. Returns NULL when data is not exactly one msgpack map of
    the shape above: a missing or non-string op, params not a map of strings to strings, more
    than PROTO_MAX_PARAMS params, a string over PROTO_MAX_STRING bytes or holding a NUL,
    a base_url that is empty, longer than PROTO_MAX_BASE_URL or not printable ASCII
    without spaces, a repeated or unknown key, or trailing bytes. */
proto_request_t *proto_request_decode (const void *data, size_t size);

/*  Destroys a decoded request and nulls the caller's pointer. NULL-safe. */
void proto_request_destroy (proto_request_t **self_p);

/*  Returns the value of param key, or NULL when it is absent or empty (SPEC §6: an empty
    value counts as absent). */
const char *proto_request_param (const proto_request_t *req, const char *key);

/*  ---------------------------------------------------------------------------------------
    Writer: builds a msgpack value (a reply body) without exposing msgpack to callers.
    Maps and arrays are written as a header with their element count, then the elements;
    a map's elements are key, value, key, value ... */

typedef struct _proto_writer_t proto_writer_t;

proto_writer_t *proto_writer_new (void);
void proto_writer_destroy (proto_writer_t **self_p);
void proto_writer_reset (proto_writer_t *self);
void proto_writer_map (proto_writer_t *self, uint32_t pairs);
void proto_writer_array (proto_writer_t *self, uint32_t items);
void proto_writer_str (proto_writer_t *self, const char *text); /* NULL writes nil */
void proto_writer_int (proto_writer_t *self, int64_t value);
void proto_writer_double (proto_writer_t *self, double value);
void proto_writer_bool (proto_writer_t *self, bool value);
void proto_writer_nil (proto_writer_t *self);
/*  The bytes written so far. */
const char *proto_writer_data (const proto_writer_t *self);
size_t proto_writer_size (const proto_writer_t *self);

/*  ---------------------------------------------------------------------------------------
    Replies */

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
char *proto_reply_encode_error (int status, const char *code, const char *detail,
                                size_t *size);

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

int proto_reply_visit_body (const proto_reply_t *self, const proto_visitor_t *visitor,
                            void *arg);

#endif
