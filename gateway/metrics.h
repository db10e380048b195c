/*  metrics: GET /metrics, the Prometheus text exposition format 0.0.4.

      ecom_http_requests_total{route,method,status}        counter
      ecom_http_request_duration_seconds{route}            histogram, 0.001 s .. 10 s
      ecom_http_requests_in_flight                          gauge
      ecom_cache_requests_total{service,result="hit|miss"}  counter
      ecom_service_workers{service}                         gauge (live workers, the broker's)

    Every answered request is counted when h2o lets go of it (a logger, like accesslog.c),
    so h2o's own errors (413 ...) and requests the client gave up on (status 499) count too.
    Label values are bounded: route is a path of the route table (routes.c; /api/docs/ for
    every Swagger UI asset) or "unmatched"; method is GET, HEAD, POST, PUT, DELETE, PATCH,
    OPTIONS or "other"; status is 100..599. Cache hits and misses come from the X-Cache of
    the answers (the services' "cache" field); a service shows once it answered a cached
    operation. In-flight requests are counted when scraped:
    the HTTP requests received and not yet answered, the scrape itself included. */
#ifndef GATEWAY_METRICS_H
#define GATEWAY_METRICS_H

#include <stddef.h>

#include <h2o.h>

#include "broker.h"

typedef struct _metrics_t metrics_t;

/*  Makes an empty set of metrics; broker (may be NULL: no worker gauges) must outlive it.
    Returns NULL when out of memory. */
metrics_t *metrics_new (broker_t *broker);

/*  Frees self and nulls the caller's pointer. NULL-safe. */
void metrics_destroy (metrics_t **self_p);

/*  Counts one answered request: method (mlen bytes), path without query (plen bytes),
    status (0 counts as 499), duration in seconds, and cache: "HIT", "MISS" or NULL. */
void metrics_observe (metrics_t *self, const char *method, size_t mlen, const char *path,
                      size_t plen, int status, double seconds, const char *cache);

/*  The exposition text of everything counted so far, with in_flight as the gauge's value.
    Returns a malloc'd, NUL-terminated string (*len its length), or NULL when out of
    memory. */
char *metrics_render (metrics_t *self, size_t in_flight, size_t *len);

/*  Registers the handler of GET /metrics on pathconf, after api's (which declines the
    route, routes.h ROUTE_LOCAL). */
void metrics_register (h2o_pathconf_t *pathconf, metrics_t *self);

/*  Registers the logger that counts every request answered on pathconf. */
void metrics_register_logger (h2o_pathconf_t *pathconf, metrics_t *self);

#endif
