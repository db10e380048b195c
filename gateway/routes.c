#include "routes.h"

#include <stdio.h>
#include <string.h>

/*  Every route of SPEC §6 that the gateway serves. Retry is true for reads only: an ETL
    trigger or a token request must never run twice because a worker died holding it.
    The token routes go to the auth service (services/auth), which owns the users table and
    the slow password checks; they take a JSON body and are throttled per client address. */
static const route_t s_routes[] = {
    {"GET", "/healthz", ROUTE_HEALTHZ, NULL, NULL, false, false, false, false},
    {"GET", "/api/v1/kpis/", ROUTE_RPC, "kpi", "kpis", true, false, false, false},
    {"GET", "/api/v1/revenue/trends/", ROUTE_RPC, "kpi", "revenue_trends", true, false, false,
     false},
    {"GET", "/api/v1/customers/segments/", ROUTE_RPC, "customer", "segments", true, false, false,
     false},
    {"GET", "/api/v1/products/top-sellers/", ROUTE_RPC, "product", "top_sellers", true, false,
     false, false},
    {"GET", "/api/v1/revenue/breakdown/", ROUTE_RPC, "kpi", "revenue_breakdown", true, false, false,
     false},
    {"GET", "/api/v1/customers/cohorts/", ROUTE_RPC, "customer", "cohorts", true, false, false,
     false},
    {"GET", "/api/v1/orders/", ROUTE_RPC, "orders", "list", true, true, false, false},
    {"POST", "/api/v1/auth/token/", ROUTE_RPC, "auth", "token", false, false, true, true},
    {"POST", "/api/v1/auth/token/refresh/", ROUTE_RPC, "auth", "token_refresh", false, false, true,
     true},
    {"GET", "/api/v1/etl/status/", ROUTE_RPC, "etl", "status", true, true, false, false},
    {"POST", "/api/v1/etl/trigger/", ROUTE_RPC, "etl", "trigger", false, true, false, false},
    {.method = "GET",
     .path = "/api/v1/customers/",
     .kind = ROUTE_RPC,
     .service = "customer",
     .op = "list",
     .retry = true,
     .auth = true},
    {.method = "GET",
     .path = "/api/v1/products/",
     .kind = ROUTE_RPC,
     .service = "product",
     .op = "list",
     .retry = true,
     .auth = true},
    {.method = "GET",
     .path = "/api/v1/etl/runs/{task_id}/rejects/",
     .kind = ROUTE_RPC,
     .service = "etl",
     .op = "rejects",
     .retry = true,
     .auth = true},
    {"GET", "/api/schema/", ROUTE_LOCAL, NULL, NULL, false, false, false, false},
    {"GET", "/api/docs/", ROUTE_LOCAL_FOLDER, NULL, NULL, false, false, false, false},
    {"GET", "/metrics", ROUTE_LOCAL, NULL, NULL, false, false, false, false},
};
#define ROUTE_COUNT (sizeof s_routes / sizeof s_routes[0])

const char *const routes_services[] = {"kpi", "product", "customer", "orders", "auth", "etl", NULL};

static bool
s_equal (const char *text, const char *data, size_t len)
{
    return strlen (text) == len && memcmp (text, data, len) == 0;
}

/*  Finds the route's path parameter: sets *at to the offset of its '{' in the route's
    path and *len to the length of "{name}". Returns false when the path has none. */
static bool
s_template (const route_t *route, size_t *at, size_t *len)
{
    const char *open = strchr (route->path, '{');
    const char *close = open ? strchr (open, '}') : NULL;
    if (!close)
        return false;
    *at = (size_t) (open - route->path);
    *len = (size_t) (close - open) + 1;
    return true;
}

/*  True when path (plen bytes) matches a route path with a parameter: the same bytes
    before and after it, and for it one or more bytes without '/'. Sets *value, *vlen. */
static bool
s_template_matches (const route_t *route, const char *path, size_t plen, const char **value,
                    size_t *vlen)
{
    size_t at, len;
    if (!s_template (route, &at, &len))
        return false;
    const char *suffix = route->path + at + len;
    size_t slen = strlen (suffix);
    if (plen < at + 1 + slen || memcmp (route->path, path, at) != 0
        || memcmp (suffix, path + plen - slen, slen) != 0)
        return false;
    *value = path + at;
    *vlen = plen - slen - at;
    return memchr (*value, '/', *vlen) == NULL;
}

/*  True when path (plen bytes) is the route's path, or below it for a folder route, or
    fills its parameter. */
static bool
s_path_matches (const route_t *route, const char *path, size_t plen)
{
    size_t len = strlen (route->path);
    const char *value;
    size_t vlen;
    if (route->kind == ROUTE_LOCAL_FOLDER)
        return plen >= len && memcmp (route->path, path, len) == 0;
    return s_equal (route->path, path, plen)
           || s_template_matches (route, path, plen, &value, &vlen);
}

bool
routes_path_param (const route_t *route, const char *path, size_t plen, const char **name,
                   size_t *nlen, const char **value, size_t *vlen)
{
    size_t at, len;
    if (!s_template (route, &at, &len) || !s_template_matches (route, path, plen, value, vlen))
        return false;
    *name = route->path + at + 1;
    *nlen = len - 2;
    return true;
}

const route_t *
routes_all (size_t *count)
{
    *count = ROUTE_COUNT;
    return s_routes;
}

const route_t *
routes_find_path (const char *path, size_t plen)
{
    for (size_t i = 0; i < ROUTE_COUNT; i++)
        if (s_path_matches (&s_routes[i], path, plen))
            return &s_routes[i];
    return NULL;
}

const route_t *
routes_match (const char *method, size_t mlen, const char *path, size_t plen, bool *path_known,
              char *allow, size_t allow_size)
{
    *path_known = false;
    if (allow && allow_size)
        allow[0] = '\0';
    size_t used = 0;
    for (size_t i = 0; i < ROUTE_COUNT; i++) {
        const route_t *route = &s_routes[i];
        if (!s_path_matches (route, path, plen))
            continue;
        if (s_equal (route->method, method, mlen))
            return route;
        *path_known = true;
        if (allow && allow_size) {
            int n =
                snprintf (allow + used, allow_size - used, "%s%s", used ? ", " : "", route->method);
            if (n > 0 && (size_t) n < allow_size - used)
                used += (size_t) n;
        }
    }
    return NULL;
}

const char *
routes_service_of (const char *path, size_t plen)
{
    const route_t *route = routes_find_path (path, plen);
    if (!route)
        return "-";
    return route->service ? route->service : "gateway";
}
