/*  envelope_request: the request envelope of SPEC §7,
      map {"op": str, "params": {str: str}, "sub"?: str, "request_id"?: str, "base_url"?: str}
    sub is the verified identity (JWT subject) the gateway adds for protected routes;
    request_id is the X-Request-Id of the HTTP request, for logs; base_url is the scheme
    and authority the client used ("http://host:port", no path), for the absolute links of
    an answer (the order list's next/previous). */
#ifndef PROTO_ENVELOPE_REQUEST_H
#define PROTO_ENVELOPE_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*  Limits a decoded request must respect, else it is malformed. */
#define PROTO_MAX_PARAMS 32
#define PROTO_MAX_STRING 4096
/*  base_url: 1..PROTO_MAX_BASE_URL printable ASCII bytes (0x21..0x7e). */
#define PROTO_MAX_BASE_URL 300

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

#endif
