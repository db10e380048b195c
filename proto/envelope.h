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

/*  One file pair per type: envelope_request (the request), envelope_writer (builds a
    body), envelope_reply (the reply, its cache field, the visitor), and msgpack_check
    (internal: the structural check they share). Including envelope.h gives all three. */
#include "envelope_reply.h"
#include "envelope_request.h"
#include "envelope_writer.h"

#endif
