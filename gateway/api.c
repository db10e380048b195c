#include "api.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ecom_config.h"
#include "envelope.h"
#include "export.h"
#include "export_stream.h"
#include "healthz.h"
#include "pending.h"
#include "query.h"
#include "respond.h"
#include "routes.h"
#include "throttle.h"

/*  Longest Host header used for base_url; the envelope takes up to PROTO_MAX_BASE_URL. */
#define API_MAX_HOST 255

struct _api_t {
    h2o_handler_t super; /* first: h2o calls us through it */
    broker_t *broker;
    auth_t *auth;
    throttle_t *throttle;
    const clientip_t *clientip;          /* the trusted proxies (NULL: none) */
    char default_host[API_MAX_HOST + 1]; /* API_HOST:API_PORT, when Host is unusable */
    h2o_loop_t *loop;
    pending_set_t pending; /* the calls waiting for a service (pending.h) */
    unsigned long long request_seq;
    unsigned pid;              /* in generated request ids */
    long long export_max_rows; /* the most rows a list's CSV export streams (EXPORT_MAX_ROWS) */
};

/*  ---------------------------------------------------------------------------------------
    Request handling: the steps of s_on_req, in order. Each step that refuses the request
    answers it itself. */

/*  Sets X-Request-Id on the answer: the client's when it is a sane token, else a new one.
    Returns it (in req->pool). */
static const char *
s_request_id (api_t *self, h2o_req_t *req)
{
    ssize_t at = h2o_find_header_by_str (&req->headers, H2O_STRLIT ("x-request-id"), -1);
    h2o_iovec_t id = {NULL, 0};
    if (at != -1) {
        h2o_iovec_t given = req->headers.entries[at].value;
        bool sane = given.len >= 1 && given.len <= 64;
        for (size_t i = 0; sane && i < given.len; i++) {
            char c = given.base[i];
            sane = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                   || c == '-' || c == '_' || c == '.';
        }
        if (sane)
            id = h2o_strdup (&req->pool, given.base, given.len);
    }
    if (!id.base) {
        char buf[48];
        int n = snprintf (buf, sizeof buf, "gw%x-%llu", self->pid, ++self->request_seq);
        id = h2o_strdup (&req->pool, buf, (size_t) n);
    }
    h2o_add_header_by_str (&req->pool, &req->res.headers, H2O_STRLIT ("x-request-id"), 0, NULL,
                           id.base, id.len);
    return id.base;
}

/*  True when the request's Content-Type is application/json (any case, parameters such as
    charset allowed). */
static bool
s_is_json (h2o_req_t *req)
{
    ssize_t at = h2o_find_header (&req->headers, H2O_TOKEN_CONTENT_TYPE, -1);
    if (at == -1)
        return false;
    h2o_iovec_t value = req->headers.entries[at].value;
    static const char type[] = "application/json";
    size_t n = sizeof type - 1;
    if (value.len < n || strncasecmp (value.base, type, n) != 0)
        return false;
    return value.len == n || value.base[n] == ';' || value.base[n] == ' ' || value.base[n] == '\t';
}

/*  The base URL of the request's answers' links: "http://" and its Host when that is
    1..API_MAX_HOST bytes of letters, digits and . - : [ ] (a host name or IP literal and a
    port), else "http://" API_HOST:API_PORT. In req->pool. */
static const char *
s_base_url (api_t *self, h2o_req_t *req)
{
    h2o_iovec_t host = req->authority;
    bool usable = host.len >= 1 && host.len <= API_MAX_HOST;
    for (size_t i = 0; usable && i < host.len; i++) {
        char c = host.base[i];
        usable = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                 || c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
    }
    const char *authority = self->default_host;
    size_t len = strlen (authority);
    if (usable) {
        authority = host.base;
        len = host.len;
    }
    char *url = h2o_mem_alloc_pool (&req->pool, len + 8);
    memcpy (url, "http://", 7);
    memcpy (url + 7, authority, len);
    url[len + 7] = '\0';
    return url;
}

/*  The connection's peer address as text into addr, or "unknown". */
static void
s_peer_addr (h2o_req_t *req, char *addr, size_t size)
{
    struct sockaddr_storage ss;
    socklen_t len = req->conn->callbacks->get_peername
                        ? req->conn->callbacks->get_peername (req->conn, (struct sockaddr *) &ss)
                        : 0;
    const void *ip = NULL;
    if (len > 0 && ss.ss_family == AF_INET)
        ip = &((struct sockaddr_in *) &ss)->sin_addr;
    else if (len > 0 && ss.ss_family == AF_INET6)
        ip = &((struct sockaddr_in6 *) &ss)->sin6_addr;
    if (!ip || !inet_ntop (ss.ss_family, ip, addr, (socklen_t) size))
        snprintf (addr, size, "unknown");
}

/*  The client's IP address as text into addr (THROTTLE_ADDR_MAX + 1 bytes): the peer, or
    the client a trusted proxy names in its last X-Forwarded-For header (clientip.h). */
static void
s_client_addr (api_t *self, h2o_req_t *req, char *addr, size_t size)
{
    char peer[THROTTLE_ADDR_MAX + 1];
    s_peer_addr (req, peer, sizeof peer);
    const h2o_header_t *forwarded = NULL;
    for (ssize_t at = -1;
         self->clientip
         && (at = h2o_find_header (&req->headers, H2O_TOKEN_X_FORWARDED_FOR, at)) != -1;)
        forwarded = &req->headers.entries[at];
    if (self->clientip)
        clientip_resolve (self->clientip, peer, forwarded ? forwarded->value.base : NULL,
                          forwarded ? forwarded->value.len : 0, addr, size);
    else
        snprintf (addr, size, "%s", peer);
}

/*  Adds the route's path parameter, when it has one, to q (with a query parameter's checks:
    a query naming it too is refused). Returns 0, or -1 with a message. */
static int
s_add_path_param (const route_t *route, const char *path, size_t plen, query_t *q, char *err,
                  size_t errlen)
{
    const char *name, *value;
    size_t nlen, vlen;
    if (!routes_path_param (route, path, plen, &name, &nlen, &value, &vlen))
        return 0;
    return query_add (q, name, nlen, value, vlen, err, errlen);
}

/*  Merges the members of a JSON object body into q. Returns 0, or -1 with a message. */
static int
s_merge_body (h2o_req_t *req, query_t *q, char *err, size_t errlen)
{
    if (req->entity.base == NULL || req->entity.len == 0)
        return 0;
    if (!s_is_json (req)) {
        snprintf (err, errlen, "the body must be JSON, sent with Content-Type: application/json");
        return -1;
    }
    return query_add_json (q, req->entity.base, req->entity.len, err, errlen);
}

static void
s_not_routed (h2o_req_t *req, size_t plen, bool path_known, const char *allow)
{
    if (path_known) {
        h2o_add_header (&req->pool, &req->res.headers, H2O_TOKEN_ALLOW, NULL,
                        h2o_strdup (&req->pool, allow, SIZE_MAX).base, strlen (allow));
        respond_error (req, 405, "method_not_allowed", "use %s for this route", allow);
        return;
    }
    /* A known route but for its trailing slash gets a hint, not a redirect. */
    char with_slash[256];
    bool hint = false;
    if (plen + 2 <= sizeof with_slash) {
        memcpy (with_slash, req->path.base, plen);
        with_slash[plen] = '/';
        with_slash[plen + 1] = '\0';
        hint = strcmp (routes_service_of (with_slash, plen + 1), "-") != 0;
    }
    if (hint)
        respond_error (req, 404, "not_found", "no such route; did you mean %s ?", with_slash);
    else
        respond_error (req, 404, "not_found", "no such route");
}

/*  Step 1, route: the route of req (its path without the query: plen bytes), or NULL when
    there is none (answered 404, or 405 with Allow). */
static const route_t *
s_route (h2o_req_t *req, size_t plen)
{
    bool path_known = false;
    char allow[64];
    const route_t *route = routes_match (req->method.base, req->method.len, req->path.base, plen,
                                         &path_known, allow, sizeof allow);
    if (!route)
        s_not_routed (req, plen, path_known, allow);
    return route;
}

/*  Step 2, throttle (routes marked throttled): sets addr (THROTTLE_ADDR_MAX + 1 bytes) to
    the client's address. False when the address has too many failed attempts (answered
    429 with Retry-After). */
static bool
s_throttle_allows (api_t *self, h2o_req_t *req, char *addr, size_t size)
{
    s_client_addr (self, req, addr, size);
    int wait = throttle_check (self->throttle, addr, h2o_now (self->loop) / 1000.0);
    if (wait <= 0)
        return true;
    char seconds[16];
    int n = snprintf (seconds, sizeof seconds, "%d", wait);
    h2o_add_header (&req->pool, &req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL,
                    h2o_strdup (&req->pool, seconds, (size_t) n).base, (size_t) n);
    respond_error (req, 429, "too_many_requests",
                   "too many failed attempts from your address; try again in %d s", wait);
    return false;
}

/*  Steps 3 and 4, query and body: the request's parameters: its query string, the members
    of its JSON body (routes that take one) and its path parameter. NULL when one is
    malformed (answered 400). */
static query_t *
s_params (h2o_req_t *req, const route_t *route, size_t plen)
{
    char err[256];
    const char *raw_query = req->query_at != SIZE_MAX ? req->path.base + req->query_at + 1 : NULL;
    size_t raw_len = raw_query ? req->path.len - req->query_at - 1 : 0;
    query_t *q = query_new (raw_query, raw_len, err, sizeof err);
    if (!q || (route->body && s_merge_body (req, q, err, sizeof err) != 0)
        || s_add_path_param (route, req->path.base, plen, q, err, sizeof err) != 0) {
        query_destroy (&q);
        respond_error (req, 400, "bad_request", "%s", err);
    }
    return q;
}

/*  Step 4b, format (SPEC §10): none, empty or "json" answers JSON; "csv" the CSV download
    of an analytics answer (export.h: *csv) or of a whole list, streamed (export_stream.h:
    *stream). False when refused (answered 400): another value, or csv for a route that has
    no CSV (auth, etl). */
static bool
s_format (h2o_req_t *req, const route_t *route, const query_t *q, bool *csv, bool *stream)
{
    const char *format = query_get (q, "format");
    bool wants_csv = format && strcmp (format, "csv") == 0;
    if (format && *format && strcmp (format, "json") != 0 && !wants_csv) {
        respond_error (req, 400, "bad_request", "format must be json or csv");
        return false;
    }
    *stream = wants_csv && export_stream_supported (route, NULL);
    *csv = wants_csv && !*stream;
    if (*csv && !export_supported (route->op, NULL)) {
        respond_error (req, 400, "bad_request", "format=csv is not available for %s", route->path);
        return false;
    }
    return true;
}

/*  Step 5, auth (protected routes): sets *sub to the access token's subject. False when
    the token is missing or invalid (answered 401 with WWW-Authenticate). */
static bool
s_authorized (api_t *self, h2o_req_t *req, const char **sub)
{
    char err[256];
    int status = auth_check (self->auth, req, sub, err, sizeof err);
    if (status == 0)
        return true;
    h2o_add_header (&req->pool, &req->res.headers, H2O_TOKEN_WWW_AUTHENTICATE, NULL,
                    H2O_STRLIT ("Bearer"));
    respond_error (req, status, "unauthorized", "%s", err);
    return false;
}

/*  The request for route with the parameters of q (but those named in skip, a NULL-ended
    list), sub (NULL for none), request_id and the request's base URL, its strings borrowed
    (the encoder only reads them) into params (QUERY_MAX_PARAMS of them). */
static proto_request_t
s_request (api_t *self, h2o_req_t *req, const route_t *route, const query_t *q, const char *sub,
           const char *request_id, const char *const *skip, proto_param_t *params)
{
    size_t count = 0;
    for (size_t i = 0; i < query_count (q); i++) {
        bool skipped = false;
        for (const char *const *s = skip; s && *s; s++)
            skipped = skipped || strcmp (query_name (q, i), *s) == 0;
        if (!skipped)
            params[count++] = (proto_param_t){query_name (q, i), query_value (q, i)};
    }
    return (proto_request_t){.op = route->op,
                             .param_count = count,
                             .params = params,
                             .sub = sub,
                             .request_id = request_id,
                             .base_url = s_base_url (self, req)};
}

/*  Step 6, encode: the msgpack request for route (s_request), as a new buffer (free()) of
    *size bytes. NULL when out of memory (answered 500). */
static char *
s_encode (api_t *self, h2o_req_t *req, const route_t *route, const query_t *q, const char *sub,
          const char *request_id, size_t *size)
{
    proto_param_t params[QUERY_MAX_PARAMS];
    proto_request_t request = s_request (self, req, route, q, sub, request_id, NULL, params);
    char *body = proto_request_encode (&request, size);
    if (!body)
        respond_error (req, 500, "internal_error", "out of memory");
    return body;
}

/*  h2o's handler: the steps above, then step 7, the call (pending.h answers it). Returns -1
    for the routes the next handler answers (openapi.c, docs.c, metrics.c: server.c). */
static int
s_on_req (h2o_handler_t *handler, h2o_req_t *req)
{
    api_t *self = (api_t *) handler;
    const char *request_id = s_request_id (self, req);
    if (self->pending.stopping) {
        req->http1_is_persistent = 0;
        respond_error (req, 503, "service_unavailable", "the gateway is shutting down");
        return 0;
    }
    size_t plen = req->query_at != SIZE_MAX ? req->query_at : req->path.len;
    const route_t *route = s_route (req, plen);
    if (!route)
        return 0;
    if (route->kind == ROUTE_HEALTHZ) {
        healthz_respond (req, self->broker);
        return 0;
    }
    if (route->kind == ROUTE_LOCAL || route->kind == ROUTE_LOCAL_FOLDER)
        return -1;
    char addr[THROTTLE_ADDR_MAX + 1] = "";
    if (route->throttled && !s_throttle_allows (self, req, addr, sizeof addr))
        return 0;
    query_t *q = s_params (req, route, plen);
    const char *sub = NULL;
    bool csv = false, stream = false;
    if (!q || (route->auth && !s_authorized (self, req, &sub))
        || !s_format (req, route, q, &csv, &stream)) {
        query_destroy (&q);
        return 0;
    }
    if (stream) { /* a whole list as CSV: its pages, one after the other */
        static const char *const paging[] = {"page", "page_size", "format", NULL};
        proto_param_t params[QUERY_MAX_PARAMS];
        proto_request_t request = s_request (self, req, route, q, sub, request_id, paging, params);
        export_stream_start (req, self->broker, route, &request, &self->pending.timeout,
                             self->export_max_rows);
        query_destroy (&q);
        return 0;
    }
    size_t size = 0;
    char *body = s_encode (self, req, route, q, sub, request_id, &size);
    query_destroy (&q);
    if (body)
        pending_call (&self->pending, req, route, body, size, route->throttled ? addr : NULL, csv);
    free (body);
    return 0;
}

/*  ---------------------------------------------------------------------------------------
    Life cycle */

/*  h2o's context is up: the loop the calls' timers run on. */
static void
s_on_context_init (h2o_handler_t *handler, h2o_context_t *ctx)
{
    api_t *self = (api_t *) handler;
    self->loop = ctx->loop;
    pending_start (&self->pending, ctx->loop);
}

/*  h2o's context goes away: the calls left are cancelled. */
static void
s_on_context_dispose (h2o_handler_t *handler, h2o_context_t *ctx)
{
    api_t *self = (api_t *) handler;
    pending_stop (&self->pending, ctx->loop);
}

api_t *
api_register (h2o_pathconf_t *pathconf, broker_t *broker, auth_t *auth, throttle_t *throttle,
              const char *default_host, int timeout_ms)
{
    api_t *self = (api_t *) h2o_create_handler (pathconf, sizeof *self);
    self->super.on_context_init = s_on_context_init;
    self->super.on_context_dispose = s_on_context_dispose;
    self->super.on_req = s_on_req;
    self->broker = broker;
    self->auth = auth;
    self->throttle = throttle;
    self->clientip = NULL;
    self->export_max_rows = ECOM_DEFAULT_EXPORT_MAX_ROWS;
    snprintf (self->default_host, sizeof self->default_host, "%s", default_host);
    pending_init (&self->pending, broker, throttle, timeout_ms);
    self->request_seq = 0;
    self->pid = (unsigned) getpid ();
    return self;
}

void
api_set_clientip (api_t *self, const clientip_t *clientip)
{
    self->clientip = clientip;
}

void
api_set_export_max_rows (api_t *self, long long rows)
{
    self->export_max_rows = rows;
}

void
api_shutdown (api_t *self)
{
    pending_shutdown (&self->pending);
}

size_t
api_pending_count (const api_t *self)
{
    return self->pending.count;
}
