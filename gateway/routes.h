/*  routes: the gateway's route table (SPEC §6). Which HTTP method and path go to which
    service and op, whether the op may be retried on another worker, and whether it needs a
    Bearer access token. The gateway holds no business logic: this table is all it knows
    about the API.

    Paths match byte for byte, without decoding, exactly as SPEC §6 writes them (with their
    trailing slash); the query string is not part of the match. A path may hold one
    parameter, "{name}" (SPEC §10's /api/v1/etl/runs/{task_id}/rejects/, written so in the
    OpenAPI document too): it matches one or more bytes but '/', which go to the service as
    the parameter name (routes_path_param). */
#ifndef GATEWAY_ROUTES_H
#define GATEWAY_ROUTES_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    ROUTE_RPC,         /* forwarded to a service over the broker */
    ROUTE_HEALTHZ,     /* answered by the gateway itself */
    ROUTE_LOCAL,       /* answered by a handler registered after api's: openapi.c (/api/schema/),
                      metrics.c (/metrics) */
    ROUTE_LOCAL_FOLDER /* the same, and every path below this one matches it too: docs.c
                          (/api/docs/ and its assets) */
} route_kind_t;

typedef struct {
    const char *method; /* "GET" or "POST" */
    const char *path;   /* e.g. "/api/v1/kpis/" */
    route_kind_t kind;
    const char *service; /* MDP service name; NULL for local routes */
    const char *op;      /* the request's "op" (proto/README.md); NULL for local routes */
    bool retry;          /* idempotent: may be resent when its worker dies */
    bool auth;           /* needs a Bearer access token (auth.h) */
    bool body;           /* a JSON object body is accepted and merged into params */
    bool throttled;      /* a login: refused (429) after repeated 401s from one address
                            (throttle.h) */
} route_t;

/*  The services every deployment runs, in the order /healthz lists them. NULL-terminated. */
extern const char *const routes_services[];

/*  Finds the route for method and path (path without its query, plen bytes). Returns it, or
    NULL. When NULL is returned and the path is known under other methods, *path_known is
    set to true and allow receives them as an Allow header value ("GET, POST");
    otherwise *path_known is false. allow may be NULL. */
const route_t *routes_match (const char *method, size_t mlen, const char *path, size_t plen,
                             bool *path_known, char *allow, size_t allow_size);

/*  When route's path has a parameter and path (plen bytes, no query) matches it, sets
    *name (nlen bytes, into the route's path) and *value (vlen bytes, into path) and
    returns true; else returns false. */
bool routes_path_param (const route_t *route, const char *path, size_t plen, const char **name,
                        size_t *nlen, const char **value, size_t *vlen);

/*  The whole table, in order; *count receives its length. The OpenAPI document
    (openapi.json) must describe exactly these routes but /api/schema/ and /api/docs/
    (openapi_test.c proves it). */
const route_t *routes_all (size_t *count);

/*  Returns the first route whose path matches path (plen bytes, no query), whatever its
    method, or NULL for an unknown path. */
const route_t *routes_find_path (const char *path, size_t plen);

/*  Returns the MDP service a path goes to (for the access log), "gateway" for local routes,
    or "-" for unknown paths. Never NULL. */
const char *routes_service_of (const char *path, size_t plen);

#endif
