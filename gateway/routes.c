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
    {"GET", "/api/v1/revenue/breakdown/", ROUTE_RPC, "kpi", "revenue_breakdown", true, false,
     false, false},
    {"GET", "/api/v1/customers/cohorts/", ROUTE_RPC, "customer", "cohorts", true, false, false,
     false},
    {"GET", "/api/v1/orders/", ROUTE_RPC, "orders", "list", true, true, false, false},
    {"POST", "/api/v1/auth/token/", ROUTE_RPC, "auth", "token", false, false, true, true},
    {"POST", "/api/v1/auth/token/refresh/", ROUTE_RPC, "auth", "token_refresh", false, false,
     true, true},
    {"GET", "/api/v1/etl/status/", ROUTE_RPC, "etl", "status", true, true, false, false},
    {"POST", "/api/v1/etl/trigger/", ROUTE_RPC, "etl", "trigger", false, true, false, false},
    {"GET", "/api/schema/", ROUTE_LOCAL, NULL, NULL, false, false, false, false},
    {"GET", "/api/docs/", ROUTE_LOCAL_FOLDER, NULL, NULL, false, false, false, false},
    {"GET", "/metrics", ROUTE_LOCAL, NULL, NULL, false, false, false, false},
};
#define ROUTE_COUNT (sizeof s_routes / sizeof s_routes[0])

const char *const routes_services[] = {"kpi", "product", "customer", "orders", "auth", "etl",
                                        NULL};

static bool
s_equal (const char *text, const char *data, size_t len)
{
    return strlen (text) == len && memcmp (text, data, len) == 0;
}

/*  True when path (plen bytes) is the route's path, or below it for a folder route. */
static bool
s_path_matches (const route_t *route, const char *path, size_t plen)
{
    size_t len = strlen (route->path);
    if (route->kind == ROUTE_LOCAL_FOLDER)
        return plen >= len && memcmp (route->path, path, len) == 0;
    return s_equal (route->path, path, plen);
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
