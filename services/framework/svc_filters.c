#include "svc_filters.h"

#include <string.h>

#include "svc_range.h"

int
svc_filter_read (svc_ctx_t *ctx, const char *name, const char **value)
{
    *value = svc_param (ctx, name);
    if (*value && strlen (*value) > SVC_FILTER_MAX)
        return svc_error (ctx, 400, "bad_request", "%s must be at most %d bytes", name,
                          SVC_FILTER_MAX);
    return 0;
}

int
svc_filters_read (svc_ctx_t *ctx, svc_filters_t *filters)
{
    int rc = svc_filter_read (ctx, "country", &filters->country);
    return rc ? rc : svc_filter_read (ctx, "category", &filters->category);
}

bool
svc_filters_given (const svc_filters_t *filters)
{
    return filters->country || filters->category;
}

engine_filter_t
svc_filters_engine (const svc_filters_t *filters, const store_t *store)
{
    return engine_filter (store, filters->country, filters->category);
}

void
svc_filters_write (proto_writer_t *body, const svc_filters_t *filters)
{
    proto_writer_str (body, "filters");
    proto_writer_map (body, 2);
    proto_writer_str (body, "country");
    proto_writer_str (body, filters->country);
    proto_writer_str (body, "category");
    proto_writer_str (body, filters->category);
}

int
svc_view_read (svc_ctx_t *ctx, svc_view_t *view)
{
    int rc = svc_filters_read (ctx, &view->filters);
    if (rc == 0)
        rc = svc_range_read_store (ctx, &view->range, &view->store);
    if (rc == 0)
        view->filter = svc_filters_engine (&view->filters, view->store);
    return rc;
}
