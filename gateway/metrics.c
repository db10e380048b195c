#include "metrics.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "respond.h"
#include "routes.h"

#define METRICS_STATUS_MIN 100
#define METRICS_STATUSES 500 /* 100..599 */

static const char *const s_methods[] = {"GET",    "HEAD",  "POST",    "PUT",
                                        "DELETE", "PATCH", "OPTIONS", "other"};
#define METHOD_COUNT (sizeof s_methods / sizeof s_methods[0])

/*  The histogram's upper bounds, in seconds, as written in the le label. */
static const char *const s_bounds_text[] = {"0.001", "0.0025", "0.005", "0.01", "0.025",
                                            "0.05",  "0.1",    "0.25",  "0.5",  "1",
                                            "2.5",   "5",      "10"};
static const double s_bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                  0.25,  0.5,    1,     2.5,  5,     10};
#define BOUND_COUNT (sizeof s_bounds / sizeof s_bounds[0])

typedef struct {
    uint64_t buckets[BOUND_COUNT + 1]; /* per bucket, not cumulative; the last is > 10 s */
    uint64_t count;
    double sum;
} histogram_t;

struct _metrics_t {
    broker_t *broker;
    const route_t *routes;
    size_t route_count;
    size_t label_count;     /* distinct route paths + 1 ("unmatched", the last) */
    const char **labels;    /* label_count route labels */
    size_t *label_of;       /* route index -> label index */
    uint64_t **requests;    /* [label * METHOD_COUNT + method] -> counts by status, lazily */
    histogram_t *durations; /* per label */
    size_t service_count;   /* routes_services */
    uint64_t (*cache)[2];   /* per service: hits, misses */
};

metrics_t *
metrics_new (broker_t *broker)
{
    metrics_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->broker = broker;
    self->routes = routes_all (&self->route_count);
    while (routes_services[self->service_count])
        self->service_count++;
    self->labels = calloc (self->route_count + 1, sizeof *self->labels);
    self->label_of = calloc (self->route_count + 1, sizeof *self->label_of);
    self->requests = calloc ((self->route_count + 1) * METHOD_COUNT, sizeof *self->requests);
    self->durations = calloc (self->route_count + 1, sizeof *self->durations);
    self->cache = calloc (self->service_count + 1, sizeof *self->cache);
    if (!self->labels || !self->label_of || !self->requests || !self->durations || !self->cache) {
        metrics_destroy (&self);
        return NULL;
    }
    /* One label per path: the routes of a path with several methods share it. */
    for (size_t i = 0; i < self->route_count; i++) {
        size_t j = 0;
        while (j < i && strcmp (self->routes[j].path, self->routes[i].path) != 0)
            j++;
        if (j < i)
            self->label_of[i] = self->label_of[j];
        else {
            self->label_of[i] = self->label_count;
            self->labels[self->label_count++] = self->routes[i].path;
        }
    }
    self->labels[self->label_count++] = "unmatched";
    return self;
}

void
metrics_destroy (metrics_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    metrics_t *self = *self_p;
    if (self->requests)
        for (size_t i = 0; i < (self->route_count + 1) * METHOD_COUNT; i++)
            free (self->requests[i]);
    free (self->requests);
    free (self->labels);
    free (self->label_of);
    free (self->durations);
    free (self->cache);
    free (self);
    *self_p = NULL;
}

/*  ---------------------------------------------------------------------------------------
    Counting */

static size_t
s_method_index (const char *method, size_t mlen)
{
    for (size_t i = 0; i + 1 < METHOD_COUNT; i++)
        if (strlen (s_methods[i]) == mlen && memcmp (s_methods[i], method, mlen) == 0)
            return i;
    return METHOD_COUNT - 1;
}

void
metrics_observe (metrics_t *self, const char *method, size_t mlen, const char *path, size_t plen,
                 int status, double seconds, const char *cache)
{
    const route_t *route = routes_find_path (path, plen);
    size_t label = route ? self->label_of[route - self->routes] : self->label_count - 1;
    if (status == 0)
        status = 499;
    if (status < METRICS_STATUS_MIN || status >= METRICS_STATUS_MIN + METRICS_STATUSES)
        status = 500;
    uint64_t **counts = &self->requests[label * METHOD_COUNT + s_method_index (method, mlen)];
    if (!*counts)
        *counts = calloc (METRICS_STATUSES, sizeof **counts);
    if (*counts)
        (*counts)[status - METRICS_STATUS_MIN]++;

    histogram_t *h = &self->durations[label];
    if (seconds < 0)
        seconds = 0;
    size_t bucket = 0;
    while (bucket < BOUND_COUNT && seconds > s_bounds[bucket])
        bucket++;
    h->buckets[bucket]++;
    h->count++;
    h->sum += seconds;

    if (cache && route && route->service)
        for (size_t i = 0; i < self->service_count; i++)
            if (strcmp (routes_services[i], route->service) == 0)
                self->cache[i][strcmp (cache, "HIT") == 0 ? 0 : 1]++;
}

/*  ---------------------------------------------------------------------------------------
    The exposition text */

typedef struct {
    char *data;
    size_t len, size;
    bool failed;
} text_t;

static void s_append (text_t *t, const char *format, ...) __attribute__ ((format (printf, 2, 3)));

static void
s_append (text_t *t, const char *format, ...)
{
    while (!t->failed) {
        va_list args;
        va_start (args, format);
        int n = vsnprintf (t->data + t->len, t->size - t->len, format, args);
        va_end (args);
        if (n < 0) {
            t->failed = true;
            return;
        }
        if ((size_t) n < t->size - t->len) {
            t->len += (size_t) n;
            return;
        }
        size_t size = t->size * 2 + (size_t) n;
        char *data = realloc (t->data, size);
        if (!data) {
            t->failed = true;
            return;
        }
        t->data = data;
        t->size = size;
    }
}

static void
s_header (text_t *t, const char *name, const char *type, const char *help)
{
    s_append (t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

char *
metrics_render (metrics_t *self, size_t in_flight, size_t *len)
{
    text_t t = {malloc (16384), 0, 16384, false};
    t.failed = t.data == NULL;

    s_header (&t, "ecom_http_requests_total", "counter",
              "HTTP requests answered, by route (\"unmatched\": no route), method and status.");
    for (size_t label = 0; label < self->label_count; label++)
        for (size_t m = 0; m < METHOD_COUNT; m++) {
            const uint64_t *counts = self->requests[label * METHOD_COUNT + m];
            for (size_t s = 0; counts && s < METRICS_STATUSES; s++)
                if (counts[s])
                    s_append (&t,
                              "ecom_http_requests_total{route=\"%s\",method=\"%s\","
                              "status=\"%zu\"} %llu\n",
                              self->labels[label], s_methods[m], s + METRICS_STATUS_MIN,
                              (unsigned long long) counts[s]);
        }

    s_header (&t, "ecom_http_request_duration_seconds", "histogram",
              "Time from the request's first byte to its answer, by route.");
    for (size_t label = 0; label < self->label_count; label++) {
        const histogram_t *h = &self->durations[label];
        uint64_t cumulative = 0;
        for (size_t b = 0; b < BOUND_COUNT; b++) {
            cumulative += h->buckets[b];
            s_append (&t,
                      "ecom_http_request_duration_seconds_bucket{route=\"%s\",le=\"%s\"} %llu\n",
                      self->labels[label], s_bounds_text[b], (unsigned long long) cumulative);
        }
        s_append (&t, "ecom_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
                  self->labels[label], (unsigned long long) h->count);
        s_append (&t, "ecom_http_request_duration_seconds_sum{route=\"%s\"} %.9g\n",
                  self->labels[label], h->sum);
        s_append (&t, "ecom_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
                  self->labels[label], (unsigned long long) h->count);
    }

    s_header (&t, "ecom_http_requests_in_flight", "gauge",
              "HTTP requests received and not answered yet (this scrape included).");
    s_append (&t, "ecom_http_requests_in_flight %zu\n", in_flight);

    s_header (&t, "ecom_cache_requests_total", "counter",
              "Answers of cached operations, by service and result (hit or miss).");
    for (size_t i = 0; i < self->service_count; i++)
        for (int r = 0; r < 2 && self->cache[i][0] + self->cache[i][1] > 0; r++)
            s_append (&t, "ecom_cache_requests_total{service=\"%s\",result=\"%s\"} %llu\n",
                      routes_services[i], r == 0 ? "hit" : "miss",
                      (unsigned long long) self->cache[i][r]);

    s_header (&t, "ecom_service_workers", "gauge",
              "Live instances of a service, as the broker sees them.");
    for (size_t i = 0; i < self->service_count; i++)
        s_append (&t, "ecom_service_workers{service=\"%s\"} %zu\n", routes_services[i],
                  self->broker ? broker_worker_count (self->broker, routes_services[i]) : 0);

    if (t.failed) {
        free (t.data);
        return NULL;
    }
    *len = t.len;
    return t.data;
}

/*  ---------------------------------------------------------------------------------------
    h2o: the handler and the logger */

typedef struct {
    h2o_handler_t super; /* first: h2o calls us through it */
    metrics_t *metrics;
} metrics_handler_t;

typedef struct {
    h2o_logger_t super; /* first */
    metrics_t *metrics;
} metrics_logger_t;

/*  foreach_request callback: counts the requests being answered (an idle keep-alive
    connection's request has version 0). */
static int
s_count_busy (h2o_req_t *req, void *arg)
{
    if (req->version != 0)
        (*(size_t *) arg)++;
    return 0;
}

static int
s_on_req (h2o_handler_t *handler, h2o_req_t *req)
{
    metrics_handler_t *self = (metrics_handler_t *) handler;
    size_t plen = req->query_at != SIZE_MAX ? req->query_at : req->path.len;
    if (!h2o_memis (req->path.base, plen, H2O_STRLIT ("/metrics"))
        || !h2o_memis (req->method.base, req->method.len, H2O_STRLIT ("GET")))
        return -1;
    size_t in_flight = 0;
    h2o_context_t *ctx = req->conn->ctx;
    if (ctx->globalconf->http1.callbacks.foreach_request)
        ctx->globalconf->http1.callbacks.foreach_request (ctx, s_count_busy, &in_flight);
    if (in_flight == 0)
        in_flight = 1; /* this one, whatever the protocol */
    size_t len = 0;
    char *text = metrics_render (self->metrics, in_flight, &len);
    if (!text) {
        respond_error (req, 500, "internal_error", "out of memory");
        return 0;
    }
    req->res.status = 200;
    req->res.reason = "OK";
    h2o_add_header (&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                    H2O_STRLIT ("text/plain; version=0.0.4; charset=utf-8"));
    h2o_send_inline (req, text, len);
    free (text);
    return 0;
}

static void
s_log_access (h2o_logger_t *logger, h2o_req_t *req)
{
    metrics_logger_t *self = (metrics_logger_t *) logger;
    size_t plen = req->query_at != SIZE_MAX ? req->query_at : req->path.len;
    struct timeval now;
    gettimeofday (&now, NULL);
    struct timeval begin = req->timestamps.request_begin_at;
    double seconds = begin.tv_sec == 0 ? 0.0
                                       : (double) (now.tv_sec - begin.tv_sec)
                                             + (double) (now.tv_usec - begin.tv_usec) / 1e6;
    const char *cache = NULL;
    ssize_t at = h2o_find_header_by_str (&req->res.headers, H2O_STRLIT ("x-cache"), -1);
    if (at != -1) {
        h2o_iovec_t value = req->res.headers.entries[at].value;
        if (h2o_memis (value.base, value.len, H2O_STRLIT ("HIT")))
            cache = "HIT";
        else if (h2o_memis (value.base, value.len, H2O_STRLIT ("MISS")))
            cache = "MISS";
    }
    metrics_observe (self->metrics, req->method.base, req->method.len, req->path.base, plen,
                     req->res.status, seconds, cache);
}

void
metrics_register (h2o_pathconf_t *pathconf, metrics_t *self)
{
    metrics_handler_t *handler =
        (metrics_handler_t *) h2o_create_handler (pathconf, sizeof *handler);
    handler->super.on_req = s_on_req;
    handler->metrics = self;
}

void
metrics_register_logger (h2o_pathconf_t *pathconf, metrics_t *self)
{
    metrics_logger_t *logger = (metrics_logger_t *) h2o_create_logger (pathconf, sizeof *logger);
    logger->super.log_access = s_log_access;
    logger->metrics = self;
}
