/*  render: a service's reply body (msgpack, read through proto_reply_visit_body) as JSON.
    The only place the gateway writes JSON bodies; numbers print with 15 significant digits
    so money like 19.99 comes out as 19.99. */
#ifndef GATEWAY_RENDER_H
#define GATEWAY_RENDER_H

#include <stddef.h>

#include "envelope.h"

/*  Renders reply's body as compact JSON, keys in the order the service wrote them.
    Returns a new string (free()) of *len bytes, or NULL when the body cannot be JSON:
    a map key that is not a string, a string that is not valid UTF-8, NaN or infinity,
    nesting deeper than RENDER_MAX_DEPTH, or allocation failure. */
#define RENDER_MAX_DEPTH 32
char *render_reply_json (const proto_reply_t *reply, size_t *len);

/*  Renders body/size, one msgpack map as a proto_writer_t writes it (the gateway's own
    answers, such as /healthz), as render_reply_json() renders a reply's body. */
char *render_body_json (const char *body, size_t size, size_t *len);

/*  Renders {"error": code, "detail": detail} (SPEC §6) as a new string (free()).
    Invalid UTF-8 in detail is replaced, so this never fails but on allocation failure
    (NULL). */
char *render_error_json (const char *code, const char *detail, size_t *len);

#endif
