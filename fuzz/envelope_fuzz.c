/*  libFuzzer target: the msgpack envelope decoders (proto/envelope_request.c and
    envelope_reply.c) that read what comes over the broker's socket: requests (a service reads them) and replies (the gateway reads
    them and renders their body). Beyond "no crash, no sanitizer report": a decoded request
    encodes again and decodes to the same op, params and fields; a decoded reply's status is
    within 100..599 and its body can be walked. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"

static int
s_map (void *arg, uint32_t n)
{
    (void) n;
    (*(size_t *) arg)++;
    return 0;
}
static int
s_str (void *arg, const char *text, size_t len)
{
    (void) text;
    (*(size_t *) arg) += len > 0;
    return 0;
}
static int
s_int (void *arg, int64_t v)
{
    (void) v;
    (*(size_t *) arg)++;
    return 0;
}
static int
s_double (void *arg, double v)
{
    (void) v;
    (*(size_t *) arg)++;
    return 0;
}
static int
s_bool (void *arg, bool v)
{
    (void) v;
    (*(size_t *) arg)++;
    return 0;
}
static int
s_nil (void *arg)
{
    (*(size_t *) arg)++;
    return 0;
}

static bool
s_same (const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp (a, b) == 0);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    proto_request_t *req = proto_request_decode (data, size);
    if (req) {
        size_t again_size = 0;
        char *again = proto_request_encode (req, &again_size);
        proto_request_t *back = again ? proto_request_decode (again, again_size) : NULL;
        if (!back || !s_same (req->op, back->op) || req->param_count != back->param_count
            || !s_same (req->sub, back->sub) || !s_same (req->request_id, back->request_id)
            || !s_same (req->base_url, back->base_url))
            abort ();
        for (size_t i = 0; i < req->param_count; i++)
            if (!s_same (req->params[i].key, back->params[i].key)
                || !s_same (req->params[i].value, back->params[i].value))
                abort ();
        proto_request_param (req, "page");
        proto_request_destroy (&back);
        proto_request_destroy (&req);
        free (again);
    }
    proto_reply_t *reply = proto_reply_decode (data, size);
    if (reply) {
        int status = proto_reply_status (reply);
        if (status < 100 || status > 599)
            abort ();
        proto_reply_cache_hit (reply);
        size_t seen = 0;
        proto_visitor_t visitor = {s_map, s_map, s_str, s_int, s_double, s_bool, s_nil, s_nil};
        proto_reply_visit_body (reply, &visitor, &seen);
        proto_reply_destroy (&reply);
    }
    return 0;
}
