/*  export_stream: the lists' CSV, a page at a time (export_stream.h). */
#include "export_stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecom_log.h"
#include "export.h"
#include "render.h"
#include "respond.h"

/*  The lists, their file names and their columns when they have no row (SPEC §6, §10). */
static const struct {
    const char *service, *filename, *empty_header;
} s_lists[] = {
    {"orders", "orders",
     "order_id,order_date,customer_id,customer_name,product_id,product_name,product_category,"
     "quantity,unit_price,total_amount"},
    {"customer", "customers",
     "customer_id,name,email,city,country,first_order_date,last_order_date,orders,revenue"},
    {"product", "products",
     "product_id,name,category,first_order_date,last_order_date,orders,units_sold,revenue"},
};

/*  One export: an h2o generator (proceed: the last chunk is out, ask for the next page;
    stop: the client is gone). Lives in the request's pool; s_dispose runs when h2o lets go
    of the request. */
typedef struct {
    h2o_generator_t super;
    h2o_req_t *req;
    broker_t *broker;
    const route_t *route;
    const char *empty_header;
    const char *filename;
    proto_request_t request; /* its params are params, without page and page_size */
    proto_param_t *params;   /* in the pool, with room for page and page_size */
    size_t base_params;
    h2o_timeout_t *timeouts;
    h2o_timeout_entry_t timeout;
    broker_call_t *call; /* the page in flight, or NULL */
    char *chunk;         /* the bytes h2o is sending (malloc()), or NULL */
    long page;           /* the next page to ask for, from 1 */
    long long sent, count, max_rows;
    bool started, finished, stopped;
} s_stream_t;

/*  The entry of s_lists for route, or -1 when route is not a list's. */
static int
s_list_of (const route_t *route)
{
    if (!route->op || strcmp (route->op, "list") != 0 || !route->service)
        return -1;
    for (size_t i = 0; i < sizeof s_lists / sizeof s_lists[0]; i++)
        if (strcmp (route->service, s_lists[i].service) == 0)
            return (int) i;
    return -1;
}

bool
export_stream_supported (const route_t *route, const char **filename)
{
    int list = s_list_of (route);
    if (list >= 0 && filename)
        *filename = s_lists[list].filename;
    return list >= 0;
}

/*  Ends the export in error: before the first byte an HTTP error, after it a connection
    closed without the last chunk. */
static void
s_fail (s_stream_t *self, int status, const char *code, const char *detail)
{
    self->finished = true;
    ecom_warn ("msg=\"export failed\" upstream=%s page=%ld rows=%lld reason=\"%s\"",
               self->route->service, self->page, self->sent, detail);
    if (!self->started)
        respond_error (self->req, status, code, "%s", detail);
    else
        h2o_send (self->req, NULL, 0, H2O_SEND_STATE_ERROR);
}

static void s_on_reply (void *arg, broker_result_t result, const void *data, size_t size);

/*  Asks for the next page. */
static void
s_ask (s_stream_t *self)
{
    char page[24], page_size[8];
    snprintf (page, sizeof page, "%ld", self->page);
    snprintf (page_size, sizeof page_size, "%d", EXPORT_STREAM_PAGE);
    self->params[self->base_params] = (proto_param_t){"page", page};
    self->params[self->base_params + 1] = (proto_param_t){"page_size", page_size};
    self->request.param_count = self->base_params + 2;
    size_t size = 0;
    char *body = proto_request_encode (&self->request, &size);
    if (!body) {
        s_fail (self, 500, "internal_error", "out of memory");
        return;
    }
    self->call = broker_call (self->broker, self->route->service, body, size, self->route->retry,
                              s_on_reply, self);
    free (body);
    if (!self->call) {
        s_fail (self, 503, "service_unavailable", "no instance of the service is running");
        return;
    }
    h2o_timeout_link (self->req->conn->ctx->loop, self->timeouts, &self->timeout);
}

/*  Before the first chunk: the answer's head, from the first page's count. */
static void
s_start (s_stream_t *self)
{
    h2o_req_t *req = self->req;
    respond_csv_head (req, self->filename);
    if (self->count > self->max_rows)
        h2o_add_header_by_str (&req->pool, &req->res.headers, H2O_STRLIT ("x-export-truncated"), 0,
                               NULL, H2O_STRLIT ("true"));
    h2o_start_response (req, &self->super);
    self->started = true;
}

/*  A page's answer: its rows sent as CSV (the head first, with the first page). */
static void
s_on_page (s_stream_t *self, const proto_reply_t *reply)
{
    int status = proto_reply_status (reply);
    size_t len = 0;
    char *json = render_reply_json (reply, &len);
    if (!json) {
        s_fail (self, 502, "bad_gateway", "the service sent a malformed reply");
        return;
    }
    if (status != 200) {
        if (!self->started) /* the list's own answer: 400, 401, 404 ... as the JSON list */
            respond_json (self->req, status, json, len);
        else if (status == 404) { /* the list shrank under the export: it ends here */
            self->finished = true;
            h2o_send (self->req, NULL, 0, H2O_SEND_STATE_FINAL);
        }
        else
            s_fail (self, status, "bad_gateway", "a page of the export failed");
        free (json);
        return;
    }
    long long count = 0;
    size_t rows = 0, csv_len = 0;
    char *csv = export_list_csv (json, len, !self->started, self->empty_header,
                                 self->max_rows - self->sent, &count, &rows, &csv_len);
    free (json);
    if (!csv) {
        s_fail (self, 502, "bad_gateway", "the service's page could not be exported");
        return;
    }
    if (!self->started) {
        self->count = count;
        s_start (self);
    }
    self->sent += (long long) rows;
    self->page++;
    self->finished =
        rows < EXPORT_STREAM_PAGE || self->sent >= self->count || self->sent >= self->max_rows;
    self->chunk = csv;
    h2o_iovec_t buf = h2o_iovec_init (csv, csv_len);
    h2o_send (self->req, &buf, 1,
              self->finished ? H2O_SEND_STATE_FINAL : H2O_SEND_STATE_IN_PROGRESS);
}

static void
s_on_reply (void *arg, broker_result_t result, const void *data, size_t size)
{
    s_stream_t *self = arg;
    self->call = NULL;
    h2o_timeout_unlink (&self->timeout);
    if (result != BROKER_OK) {
        s_fail (self, 503, "service_unavailable",
                result == BROKER_NO_WORKER ? "no instance of the service is available"
                                           : "the instance handling the export stopped answering");
        return;
    }
    proto_reply_t *reply = proto_reply_decode (data, size);
    if (!reply)
        s_fail (self, 502, "bad_gateway", "the service sent a malformed reply");
    else
        s_on_page (self, reply);
    proto_reply_destroy (&reply);
}

static void
s_on_timeout (h2o_timeout_entry_t *entry)
{
    s_stream_t *self = H2O_STRUCT_FROM_MEMBER (s_stream_t, timeout, entry);
    bool dispatched = self->call && broker_call_dispatched (self->call);
    broker_call_cancel (self->broker, self->call);
    self->call = NULL;
    s_fail (self, dispatched ? 504 : 503, dispatched ? "gateway_timeout" : "service_unavailable",
            "a page of the export was not answered in time");
}

/*  Stops asking: the call in flight cancelled (its worker told), the chunk freed. */
static void
s_stop_all (s_stream_t *self)
{
    if (self->call)
        broker_call_cancel (self->broker, self->call);
    self->call = NULL;
    h2o_timeout_unlink (&self->timeout);
    free (self->chunk);
    self->chunk = NULL;
}

/*  h2o sent the last chunk: the next page, unless that was the end. */
static void
s_proceed (h2o_generator_t *generator, h2o_req_t *req)
{
    (void) req;
    s_stream_t *self = (s_stream_t *) generator;
    free (self->chunk);
    self->chunk = NULL;
    if (!self->finished && !self->stopped)
        s_ask (self);
}

/*  The client is gone (or the server stops): nothing more is asked for. */
static void
s_stop (h2o_generator_t *generator, h2o_req_t *req)
{
    (void) req;
    s_stream_t *self = (s_stream_t *) generator;
    if (!self->finished)
        ecom_info ("msg=\"export stopped: the client left\" upstream=%s rows=%lld",
                   self->route->service, self->sent);
    self->stopped = true;
    s_stop_all (self);
}

static void
s_dispose (void *arg)
{
    s_stop_all (arg);
}

/*  A copy of text in pool (NULL stays NULL). */
static char *
s_pool_copy (h2o_mem_pool_t *pool, const char *text)
{
    if (!text)
        return NULL;
    size_t len = strlen (text);
    char *copy = h2o_mem_alloc_pool (pool, len + 1);
    memcpy (copy, text, len + 1);
    return copy;
}

void
export_stream_start (h2o_req_t *req, broker_t *broker, const route_t *route,
                     const proto_request_t *request, h2o_timeout_t *timeouts, long long max_rows)
{
    int list = s_list_of (route);
    if (list < 0) { /* not a list: api.c asks export_stream_supported() first */
        respond_error (req, 400, "bad_request", "format=csv is not available for %s", route->path);
        return;
    }
    s_stream_t *self = h2o_mem_alloc_shared (&req->pool, sizeof *self, s_dispose);
    memset (self, 0, sizeof *self);
    self->super.proceed = s_proceed;
    self->super.stop = s_stop;
    self->req = req;
    self->broker = broker;
    self->route = route;
    self->timeouts = timeouts;
    self->timeout.cb = s_on_timeout;
    self->page = 1;
    self->max_rows = max_rows;
    self->filename = s_lists[list].filename;
    self->empty_header = s_lists[list].empty_header;
    self->request.op = s_pool_copy (&req->pool, request->op);
    self->request.sub = s_pool_copy (&req->pool, request->sub);
    self->request.request_id = s_pool_copy (&req->pool, request->request_id);
    self->request.base_url = s_pool_copy (&req->pool, request->base_url);
    self->params =
        h2o_mem_alloc_pool (&req->pool, (request->param_count + 2) * sizeof (proto_param_t));
    self->request.params = self->params;
    for (size_t i = 0; i < request->param_count; i++)
        self->params[i] = (proto_param_t){s_pool_copy (&req->pool, request->params[i].key),
                                          s_pool_copy (&req->pool, request->params[i].value)};
    self->base_params = request->param_count;
    s_ask (self);
}
