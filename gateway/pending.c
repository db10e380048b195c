/*  pending: the calls waiting for a service, until their HTTP answer (pending.h). */
#include "pending.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ecom_log.h"
#include "envelope.h"
#include "export.h"
#include "render.h"
#include "respond.h"

/*  A request waiting for its service. Allocated in the request's pool as shared memory, so
    s_dispose runs when h2o lets go of the request, whatever the reason. */
typedef struct {
    pending_set_t *set;
    h2o_req_t *req;
    const route_t *route;
    broker_call_t *call; /* NULL once answered or cancelled */
    bool throttled;      /* counted by throttle_begin, not yet by throttle_end */
    bool csv;            /* a 200 answer goes out as CSV (export.h) */
    double began;        /* when, in seconds of the loop's clock */
    char addr[THROTTLE_ADDR_MAX + 1];
    h2o_timeout_entry_t timeout;
    h2o_linklist_t link;
} pending_t;

/*  Ends the throttled attempt of p (once): answered with status, or 0 for no answer (a
    timeout, a cancel, a lost worker; then the loop's clock is not read, as it may be going
    away with the server). */
static void
s_throttle_end (pending_t *p, int status)
{
    if (!p->throttled)
        return;
    p->throttled = false;
    double now = status ? h2o_now (p->set->loop) / 1000.0 : p->began;
    throttle_end (p->set->throttle, p->addr, status == 401, status >= 200 && status < 300, now);
}

/*  Takes p out of the set; the call is no longer pending (answered or cancelled by the
    caller). */
static void
s_finish (pending_t *p)
{
    s_throttle_end (p, 0);
    p->call = NULL;
    h2o_timeout_unlink (&p->timeout);
    if (h2o_linklist_is_linked (&p->link)) {
        h2o_linklist_unlink (&p->link);
        p->set->count--;
    }
}

/*  Cancels p's call at the broker, when it still has one, and takes p out of the set. */
static void
s_cancel (pending_t *p)
{
    if (p->call)
        broker_call_cancel (p->set->broker, p->call);
    s_finish (p);
}

/*  The request's pool is being cleared: the client went away, or the server shuts down. */
static void
s_dispose (void *arg)
{
    pending_t *p = arg;
    if (p->call)
        ecom_debug ("msg=\"call cancelled\" upstream=%s op=%s", p->route->service, p->route->op);
    s_cancel (p);
}

/*  Makes the answer to req close its connection when the gateway is stopping. */
static void
s_answer_closing (pending_set_t *self, h2o_req_t *req)
{
    if (self->stopping)
        req->http1_is_persistent = 0;
}

/*  Answers req with a 200 reply's body (json, len bytes) as the CSV download of route's op
    (export.h); 502 when the body is not an answer of its shape. */
static void
s_answer_csv (h2o_req_t *req, const route_t *route, const char *json, size_t len)
{
    const char *name = NULL;
    size_t csv_len = 0;
    char *csv = export_supported (route->op, &name) ? export_csv (route->op, json, len, &csv_len)
                                                    : NULL;
    if (!csv) {
        ecom_warn ("msg=\"reply not exportable as CSV\" upstream=%s op=%s", route->service,
                   route->op);
        respond_error (req, 502, "bad_gateway", "the %s service's answer could not be exported",
                       route->service);
        return;
    }
    respond_csv (req, name, csv, csv_len);
    free (csv);
}

/*  Answers req with the service's reply (data, size): its status, its body as JSON (as CSV
    for a 200 when csv) and X-Cache from its "cache" field; 502 when the reply is
    malformed. */
static void
s_answer_reply (h2o_req_t *req, const route_t *route, const void *data, size_t size, bool csv)
{
    proto_reply_t *reply = proto_reply_decode (data, size);
    size_t len = 0;
    char *json = reply ? render_reply_json (reply, &len) : NULL;
    if (!json) {
        ecom_warn ("msg=\"malformed reply\" upstream=%s op=%s bytes=%zu", route->service, route->op,
                   size);
        respond_error (req, 502, "bad_gateway", "the %s service sent a malformed reply",
                       route->service);
        proto_reply_destroy (&reply);
        return;
    }
    int hit = proto_reply_cache_hit (reply);
    if (hit >= 0)
        h2o_add_header_by_str (&req->pool, &req->res.headers, H2O_STRLIT ("x-cache"), 0, NULL,
                               hit ? "HIT" : "MISS", hit ? 3 : 4);
    if (csv && proto_reply_status (reply) == 200)
        s_answer_csv (req, route, json, len);
    else
        respond_json (req, proto_reply_status (reply), json, len);
    free (json);
    proto_reply_destroy (&reply);
}

/*  The broker's callback: the call ended with result (and, when BROKER_OK, a reply). */
static void
s_on_reply (void *arg, broker_result_t result, const void *data, size_t size)
{
    pending_t *p = arg;
    if (p->throttled && result == BROKER_OK) {
        proto_reply_t *answer = proto_reply_decode (data, size);
        s_throttle_end (p, answer ? proto_reply_status (answer) : 0);
        proto_reply_destroy (&answer);
    }
    s_finish (p);
    h2o_req_t *req = p->req;
    const char *service = p->route->service;
    s_answer_closing (p->set, req);
    if (result == BROKER_NO_WORKER)
        respond_error (req, 503, "service_unavailable",
                       "no instance of the %s service is available", service);
    else if (result == BROKER_WORKER_LOST)
        respond_error (req, 503, "service_unavailable",
                       "the %s instance handling this request stopped answering", service);
    else
        s_answer_reply (req, p->route, data, size, p->csv);
}

/*  The call's timeout: 504 when a worker had it, 503 when it was still queued. */
static void
s_on_timeout (h2o_timeout_entry_t *entry)
{
    pending_t *p = H2O_STRUCT_FROM_MEMBER (pending_t, timeout, entry);
    bool dispatched = p->call && broker_call_dispatched (p->call);
    s_cancel (p);
    s_answer_closing (p->set, p->req);
    if (dispatched)
        respond_error (p->req, 504, "gateway_timeout", "the %s service did not answer within %d ms",
                       p->route->service, p->set->timeout_ms);
    else
        respond_error (p->req, 503, "service_unavailable",
                       "no instance of the %s service was free to answer within %d ms",
                       p->route->service, p->set->timeout_ms);
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

/*  Every PENDING_SWEEP_MS while calls are pending: cancels those whose client has gone. */
static void
s_on_sweep (h2o_timeout_entry_t *entry)
{
    pending_set_t *self = H2O_STRUCT_FROM_MEMBER (pending_set_t, sweep_entry, entry);
    h2o_linklist_t *node = self->calls.next;
    while (node != &self->calls) {
        pending_t *p = H2O_STRUCT_FROM_MEMBER (pending_t, link, node);
        node = node->next;
        if (s_client_gone (p->req)) {
            ecom_debug ("msg=\"client gone, call cancelled\" upstream=%s op=%s", p->route->service,
                        p->route->op);
            s_cancel (p);
            p->req->http1_is_persistent = 0;
            respond_error (p->req, 499, "client_closed_request",
                           "the client closed the connection before the answer");
        }
    }
    if (!h2o_linklist_is_empty (&self->calls))
        h2o_timeout_link (self->loop, &self->sweep, &self->sweep_entry);
}

void
pending_init (pending_set_t *self, broker_t *broker, throttle_t *throttle, int timeout_ms)
{
    memset (self, 0, sizeof *self);
    self->broker = broker;
    self->throttle = throttle;
    self->timeout_ms = timeout_ms;
    self->sweep_entry.cb = s_on_sweep;
    h2o_linklist_init_anchor (&self->calls);
}

void
pending_start (pending_set_t *self, h2o_loop_t *loop)
{
    self->loop = loop;
    h2o_timeout_init (loop, &self->timeout, (uint64_t) self->timeout_ms);
    h2o_timeout_init (loop, &self->sweep, PENDING_SWEEP_MS);
}

void
pending_stop (pending_set_t *self, h2o_loop_t *loop)
{
    /* pending_shutdown() answered every call; cancel whatever came later, unanswered. */
    while (!h2o_linklist_is_empty (&self->calls))
        s_cancel (H2O_STRUCT_FROM_MEMBER (pending_t, link, self->calls.next));
    h2o_timeout_unlink (&self->sweep_entry);
    h2o_timeout_dispose (loop, &self->timeout);
    h2o_timeout_dispose (loop, &self->sweep);
}

void
pending_call (pending_set_t *self, h2o_req_t *req, const route_t *route, const char *body,
              size_t size, const char *addr, bool csv)
{
    pending_t *p = h2o_mem_alloc_shared (&req->pool, sizeof *p, s_dispose);
    memset (p, 0, sizeof *p);
    p->csv = csv;
    p->set = self;
    p->req = req;
    p->route = route;
    p->timeout.cb = s_on_timeout;
    p->call = broker_call (self->broker, route->service, body, size, route->retry, s_on_reply, p);
    if (!p->call) {
        respond_error (req, 503, "service_unavailable", "no instance of the %s service is running",
                       route->service);
        return;
    }
    if (addr) {
        p->throttled = true;
        p->began = h2o_now (self->loop) / 1000.0;
        snprintf (p->addr, sizeof p->addr, "%s", addr);
        throttle_begin (self->throttle, addr, p->began);
    }
    h2o_linklist_insert (&self->calls, &p->link);
    self->count++;
    h2o_timeout_link (self->loop, &self->timeout, &p->timeout);
    if (!h2o_timeout_is_linked (&self->sweep_entry))
        h2o_timeout_link (self->loop, &self->sweep, &self->sweep_entry);
}

void
pending_shutdown (pending_set_t *self)
{
    self->stopping = true;
    while (!h2o_linklist_is_empty (&self->calls)) {
        pending_t *p = H2O_STRUCT_FROM_MEMBER (pending_t, link, self->calls.next);
        s_cancel (p);
        p->req->http1_is_persistent = 0;
        respond_error (p->req, 503, "service_unavailable", "the gateway is shutting down");
    }
    h2o_timeout_unlink (&self->sweep_entry);
}
