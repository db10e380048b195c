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

/*  A request never owns its strings one by one, so every field is const: to encode, the
    caller fills one with strings it keeps (the encoder only reads them); a decoded one is a
    single allocation that holds its params and strings, freed by proto_request_destroy(). */
typedef struct {
    const char *key;
    const char *value;
} proto_param_t;

typedef struct {
    const char *op;
    size_t param_count;
    const proto_param_t *params;
    const char *sub;        /* NULL when absent */
    const char *request_id; /* NULL when absent */
    const char *base_url;   /* NULL when absent */
} proto_request_t;

/*  Encodes req into a new buffer of *size bytes (free with free()). Returns NULL on
    allocation failure. */
char *proto_request_encode (const proto_request_t *req, size_t *size);

/*  Decodes and validates a request into one block (the request, its params and their
    strings; free with proto_request_destroy()). Returns NULL when data is not exactly one msgpack map of
    the shape above: a missing or non-string op, params not a map of strings to strings, more
    than PROTO_MAX_PARAMS params, a string over PROTO_MAX_STRING bytes or holding a NUL,
    a base_url that is empty, longer than PROTO_MAX_BASE_URL or not printable ASCII
    without spaces, a repeated or unknown key, or trailing bytes; or when out of memory. */
proto_request_t *proto_request_decode (const void *data, size_t size);

/*  Frees a decoded request (its strings with it) and nulls the caller's pointer. NULL-safe. */
void proto_request_destroy (proto_request_t **self_p);

/*  Returns the value of param key, or NULL when it is absent or empty (SPEC §6: an empty
    value counts as absent). */
const char *proto_request_param (const proto_request_t *req, const char *key);

#endif
