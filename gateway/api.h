/*  api: the HTTP handler that turns a request into a service call and the service's reply
    into the HTTP answer (SPEC §6, §7).

    For each request, one step each (api.c's s_on_req, as h2o's lib/handler files): match the
    route (404 unknown path, 405 + Allow for a known path with another method), refuse a
    throttled route to an address with too many failed attempts (429 + Retry-After,
    throttle.h; the address is the client's behind a trusted proxy, clientip.h), parse the
    query (400), merge a JSON body for routes that take one (400: not JSON, not
    application/json, not an object of strings), verify the access token of protected
    routes (401), encode the msgpack request (with the client's base URL, "http://" +
    Host) and hand it to the broker. From there pending.h answers: no live worker 503 at
    once; the service's reply status and body pass through (body rendered as JSON, X-Cache
    from its "cache" field); a worker that dies holding a non-retryable call, or the last
    worker of the service leaving: 503; no reply within REQUEST_TIMEOUT_MS: 504 when a
    worker had the call, 503 when it was still queued; a client that disconnects before
    its answer has its call cancelled. */
#ifndef GATEWAY_API_H
#define GATEWAY_API_H

#include <stddef.h>

#include <h2o.h>

#include "auth.h"
#include "broker.h"
#include "clientip.h"
#include "throttle.h"

typedef struct _api_t api_t;

/*  Registers the API handler on pathconf; the handler belongs to h2o's configuration and is
    freed with it. broker, auth and throttle (for the routes marked throttled) must outlive
    the configuration. default_host ("API_HOST:API_PORT", copied, at most 255 bytes) makes
    the request's base_url when its Host header is missing or unusable. timeout_ms is the
    per-request timeout. */
api_t *api_register (h2o_pathconf_t *pathconf, broker_t *broker, auth_t *auth,
                     throttle_t *throttle, const char *default_host, int timeout_ms);

/*  Lets the trusted proxies in clientip (which must outlive the configuration) name the
    client of a throttled route's request in X-Forwarded-For (clientip.h). Without it the
    connection's peer is the client. */
void api_set_clientip (api_t *self, const clientip_t *clientip);

/*  The most rows a list's CSV export streams (EXPORT_MAX_ROWS; 1,048,576 until set). */
void api_set_export_max_rows (api_t *self, long long rows);

/*  Starts the shutdown: every pending call is cancelled and answered 503, later requests
    are answered 503, and every answer from now on closes its connection. */
void api_shutdown (api_t *self);

/*  The number of requests waiting for a service. */
size_t api_pending_count (const api_t *self);

#endif
