#include "api.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ecom_log.h"
#include "envelope.h"
#include "healthz.h"
#include "query.h"
#include "render.h"
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
    const clientip_t *clientip; /* the trusted proxies (NULL: none) */
    char default_host[API_MAX_HOST + 1]; /* API_HOST:API_PORT, when Host is unusable */
    h2o_loop_t *loop;
    int timeout_ms;
    h2o_timeout_t timeout; /* one list: every request has the same timeout */
    h2o_timeout_t sweep;   /* API_SWEEP_MS, for the disconnect check */
    h2o_timeout_entry_t sweep_entry;
    h2o_linklist_t pending; /* pending_t.link, oldest first */
    size_t pending_count;
    bool stopping;
    unsigned long long request_seq;
    unsigned pid;           /* in generated request ids */
};

/*  A request waiting for its service. Allocated in the request's pool as shared memory, so
    s_pending_dispose runs when h2o lets go of the request, whatever the reason. */
typedef struct {
    api_t *api;
    h2o_req_t *req;
    const route_t *route;
    broker_call_t *call; /* NULL once answered or cancelled */
    bool throttled;      /* counted by throttle_begin, not yet by throttle_end */
    double began;        /* when, in seconds of the loop's clock */
    char addr[THROTTLE_ADDR_MAX + 1];
    h2o_timeout_entry_t timeout;
    h2o_linklist_t link;
} pending_t;

/*  ---------------------------------------------------------------------------------------
    Pending calls */

/*  Ends the throttled attempt of p (once): answered with status, or 0 for no answer (a
    timeout, a cancel, a lost worker; then the loop's clock is not read, as it may be going
    away with the server). */
static void
s_throttle_end (pending_t *p, int status)
{
    if (!p->throttled)
        return;
    p->throttled = false;
    double now = status ? h2o_now (p->api->loop) / 1000.0 : p->began;
    throttle_end (p->api->throttle, p->addr, status == 401, status >= 200 && status < 300, now);
}

/*  Takes p out of the api's bookkeeping; the call is no longer pending (answered or
    cancelled by the caller). */
static void
s_pending_finish (pending_t *p)
{
    s_throttle_end (p, 0);
    p->call = NULL;
    h2o_timeout_unlink (&p->timeout);
    if (h2o_linklist_is_linked (&p->link)) {
        h2o_linklist_unlink (&p->link);
        p->api->pending_count--;
    }
}

static void
s_pending_cancel (pending_t *p)
{
    if (p->call)
        broker_call_cancel (p->api->broker, p->call);
    s_pending_finish (p);
}

/*  The request's pool is being cleared: the client went away, or the server shuts down. */
static void
s_pending_dispose (void *arg)
{
    pending_t *p = arg;
    if (p->call)
        ecom_debug ("msg=\"call cancelled\" upstream=%s op=%s", p->route->service, p->route->op);
    s_pending_cancel (p);
}

static void
s_answer_closing (api_t *self, h2o_req_t *req)
{
    if (self->stopping)
        req->http1_is_persistent = 0;
}

static void
s_on_reply (void *arg, broker_result_t result, const void *data, size_t size)
{
    pending_t *p = arg;
    if (p->throttled && result == BROKER_OK) {
        proto_reply_t *answer = proto_reply_decode (data, size);
        s_throttle_end (p, answer ? proto_reply_status (answer) : 0);
        proto_reply_destroy (&answer);
    }
    s_pending_finish (p);
    h2o_req_t *req = p->req;
    const char *service = p->route->service;
    s_answer_closing (p->api, req);
    if (result == BROKER_NO_WORKER) {
        respond_error (req, 503, "service_unavailable",
                       "no instance of the %s service is available", service);
        return;
    }
    if (result == BROKER_WORKER_LOST) {
        respond_error (req, 503, "service_unavailable",
                       "the %s instance handling this request stopped answering", service);
        return;
    }
    proto_reply_t *reply = proto_reply_decode (data, size);
    size_t len = 0;
    char *json = reply ? render_reply_json (reply, &len) : NULL;
    if (!json) {
        ecom_warn ("msg=\"malformed reply\" upstream=%s op=%s bytes=%zu", service, p->route->op,
                   size);
        respond_error (req, 502, "bad_gateway", "the %s service sent a malformed reply", service);
        proto_reply_destroy (&reply);
        return;
    }
    int hit = proto_reply_cache_hit (reply);
    if (hit >= 0)
        h2o_add_header_by_str (&req->pool, &req->res.headers, H2O_STRLIT ("x-cache"), 0, NULL,
                               hit ? "HIT" : "MISS", hit ? 3 : 4);
    respond_json (req, proto_reply_status (reply), json, len);
    free (json);
    proto_reply_destroy (&reply);
}

static void
s_on_timeout (h2o_timeout_entry_t *entry)
{
    pending_t *p = H2O_STRUCT_FROM_MEMBER (pending_t, timeout, entry);
    bool dispatched = p->call && broker_call_dispatched (p->call);
    s_pending_cancel (p);
    s_answer_closing (p->api, p->req);
    if (dispatched)
        respond_error (p->req, 504, "gateway_timeout", "the %s service did not answer within %d ms",
                       p->route->service, p->api->timeout_ms);
    else
        respond_error (p->req, 503, "service_unavailable",
                       "no instance of the %s service was free to answer within %d ms",
                       p->route->service, p->api->timeout_ms);
}

/*  True when the client of req closed its connection (reads end-of-file or an error). */
static bool
s_client_gone (h2o_req_t *req)
{
    if (!req->conn->callbacks->get_socket)
        return false;
    h2o_socket_t *sock = req->conn->callbacks->get_socket (req->conn);
    if (!sock)
        return false;
    int fd = h2o_socket_get_fd (sock);
    if (fd < 0)
        return false;
    char byte;
    ssize_t n = recv (fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n > 0)
        return false;
    if (n == 0)
        return true;
    return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
}

static void
s_on_sweep (h2o_timeout_entry_t *entry)
{
    api_t *self = H2O_STRUCT_FROM_MEMBER (api_t, sweep_entry, entry);
    h2o_linklist_t *node = self->pending.next;
    while (node != &self->pending) {
        pending_t *p = H2O_STRUCT_FROM_MEMBER (pending_t, link, node);
        node = node->next;
        if (s_client_gone (p->req)) {
            ecom_debug ("msg=\"client gone, call cancelled\" upstream=%s op=%s", p->route->service,
                        p->route->op);
            s_pending_cancel (p);
            p->req->http1_is_persistent = 0;
            respond_error (p->req, 499, "client_closed_request",
                           "the client closed the connection before the answer");
        }
    }
    if (!h2o_linklist_is_empty (&self->pending))
        h2o_timeout_link (self->loop, &self->sweep, &self->sweep_entry);
}

/*  ---------------------------------------------------------------------------------------
    Request handling */

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

static int
s_on_req (h2o_handler_t *handler, h2o_req_t *req)
{
    api_t *self = (api_t *) handler;
    const char *request_id = s_request_id (self, req);
    if (self->stopping) {
        req->http1_is_persistent = 0;
        respond_error (req, 503, "service_unavailable", "the gateway is shutting down");
        return 0;
    }
    size_t plen = req->query_at != SIZE_MAX ? req->query_at : req->path.len;
    bool path_known = false;
    char allow[64];
    const route_t *route = routes_match (req->method.base, req->method.len, req->path.base, plen,
                                         &path_known, allow, sizeof allow);
    if (!route) {
        s_not_routed (req, plen, path_known, allow);
        return 0;
    }
    if (route->kind == ROUTE_HEALTHZ) {
        healthz_respond (req, self->broker);
        return 0;
    }
    if (route->kind == ROUTE_LOCAL || route->kind == ROUTE_LOCAL_FOLDER)
        return -1; /* the next handler answers: openapi.c, docs.c, metrics.c (server.c) */
    char addr[THROTTLE_ADDR_MAX + 1] = "";
    if (route->throttled) {
        s_client_addr (self, req, addr, sizeof addr);
        int wait = throttle_check (self->throttle, addr, h2o_now (self->loop) / 1000.0);
        if (wait > 0) {
            char seconds[16];
            int n = snprintf (seconds, sizeof seconds, "%d", wait);
            h2o_add_header (&req->pool, &req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL,
                            h2o_strdup (&req->pool, seconds, (size_t) n).base, (size_t) n);
            respond_error (req, 429, "too_many_requests",
                           "too many failed attempts from your address; try again in %d s",
                           wait);
            return 0;
        }
    }
    char err[256];
    const char *raw_query = req->query_at != SIZE_MAX ? req->path.base + req->query_at + 1 : NULL;
    size_t raw_len = raw_query ? req->path.len - req->query_at - 1 : 0;
    query_t *q = query_new (raw_query, raw_len, err, sizeof err);
    if (!q || (route->body && s_merge_body (req, q, err, sizeof err) != 0)
        || s_add_path_param (route, req->path.base, plen, q, err, sizeof err) != 0) {
        query_destroy (&q);
        respond_error (req, 400, "bad_request", "%s", err);
        return 0;
    }
    const char *sub = NULL;
    if (route->auth) {
        int status = auth_check (self->auth, req, &sub, err, sizeof err);
        if (status != 0) {
            query_destroy (&q);
            h2o_add_header (&req->pool, &req->res.headers, H2O_TOKEN_WWW_AUTHENTICATE, NULL,
                            H2O_STRLIT ("Bearer"));
            respond_error (req, status, "unauthorized", "%s", err);
            return 0;
        }
    }
    proto_param_t params[QUERY_MAX_PARAMS];
    size_t count = query_count (q);
    for (size_t i = 0; i < count; i++) {
        params[i].key = (char *) query_name (q, i);
        params[i].value = (char *) query_value (q, i);
    }
    proto_request_t request = {(char *) route->op, count,
                               params,     (char *) sub,
                               (char *) request_id, (char *) s_base_url (self, req)};
    size_t size = 0;
    char *body = proto_request_encode (&request, &size);
    query_destroy (&q);
    if (!body) {
        respond_error (req, 500, "internal_error", "out of memory");
        return 0;
    }
    pending_t *p = h2o_mem_alloc_shared (&req->pool, sizeof *p, s_pending_dispose);
    memset (p, 0, sizeof *p);
    p->api = self;
    p->req = req;
    p->route = route;
    p->timeout.cb = s_on_timeout;
    p->call = broker_call (self->broker, route->service, body, size, route->retry, s_on_reply, p);
    free (body);
    if (!p->call) {
        respond_error (req, 503, "service_unavailable", "no instance of the %s service is running",
                       route->service);
        return 0;
    }
    if (route->throttled) {
        p->throttled = true;
        p->began = h2o_now (self->loop) / 1000.0;
        snprintf (p->addr, sizeof p->addr, "%s", addr);
        throttle_begin (self->throttle, addr, p->began);
    }
    h2o_linklist_insert (&self->pending, &p->link);
    self->pending_count++;
    h2o_timeout_link (self->loop, &self->timeout, &p->timeout);
    if (!h2o_timeout_is_linked (&self->sweep_entry))
        h2o_timeout_link (self->loop, &self->sweep, &self->sweep_entry);
    return 0;
}

/*  ---------------------------------------------------------------------------------------
    Life cycle */

static void
s_on_context_init (h2o_handler_t *handler, h2o_context_t *ctx)
{
    api_t *self = (api_t *) handler;
    self->loop = ctx->loop;
    h2o_timeout_init (ctx->loop, &self->timeout, (uint64_t) self->timeout_ms);
    h2o_timeout_init (ctx->loop, &self->sweep, API_SWEEP_MS);
}

static void
s_on_context_dispose (h2o_handler_t *handler, h2o_context_t *ctx)
{
    api_t *self = (api_t *) handler;
    /* api_shutdown() answered every request; cancel whatever came later, unanswered. */
    while (!h2o_linklist_is_empty (&self->pending))
        s_pending_cancel (H2O_STRUCT_FROM_MEMBER (pending_t, link, self->pending.next));
    h2o_timeout_unlink (&self->sweep_entry);
    h2o_timeout_dispose (ctx->loop, &self->timeout);
    h2o_timeout_dispose (ctx->loop, &self->sweep);
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
    snprintf (self->default_host, sizeof self->default_host, "%s", default_host);
    self->timeout_ms = timeout_ms;
    memset (&self->sweep_entry, 0, sizeof self->sweep_entry);
    self->sweep_entry.cb = s_on_sweep;
    h2o_linklist_init_anchor (&self->pending);
    self->pending_count = 0;
    self->stopping = false;
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
api_shutdown (api_t *self)
{
    self->stopping = true;
    while (!h2o_linklist_is_empty (&self->pending)) {
        pending_t *p = H2O_STRUCT_FROM_MEMBER (pending_t, link, self->pending.next);
        s_pending_cancel (p);
        p->req->http1_is_persistent = 0;
        respond_error (p->req, 503, "service_unavailable", "the gateway is shutting down");
    }
    h2o_timeout_unlink (&self->sweep_entry);
}

size_t
api_pending_count (const api_t *self)
{
    return self->pending_count;
}
