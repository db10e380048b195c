/*  ecom-product: the product service (MDP service "product"), behind
    GET /api/v1/products/top-sellers/ (SPEC §6) and GET /api/v1/products/ (SPEC §10, op
    list: product_list.c), computed from the analytics store (services/engine: engine_top,
    engine_browse); everything else is the framework's.

    top_sellers: {metric, limit, start_date, end_date,
                  items: [{rank, product_id, name, category, revenue, units_sold, orders}]}
    the products sold in the effective range (the given dates, a missing one completed by the
    data's first or last order date), best first by the metric (revenue or units sold), then
    product_id in byte order; limit is the number of items asked for after clamping. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecom_date.h"
#include "engine_top.h"
#include "product_list.h"
#include "svc.h"
#include "svc_filters.h"
#include "svc_range.h"

#define PRODUCT_DEFAULT_LIMIT 10
#define PRODUCT_MAX_LIMIT 100

/*  ---------------------------------------------------------------------------------------
    top_sellers */

static int
s_top_sellers (svc_ctx_t *ctx)
{
    const char *metric = svc_param (ctx, "metric");
    if (!metric)
        metric = "revenue";
    if (strcmp (metric, "revenue") != 0 && strcmp (metric, "quantity") != 0)
        return svc_error (ctx, 400, "bad_request", "metric must be revenue or quantity");
    long limit;
    svc_view_t v;
    int rc = svc_param_clamped (ctx, "limit", PRODUCT_DEFAULT_LIMIT, 1, PRODUCT_MAX_LIMIT, &limit);
    if (rc == 0)
        rc = svc_view_read (ctx, &v);
    if (rc != 0)
        return rc;
    engine_top_t items[PRODUCT_MAX_LIMIT];
    size_t count = 0;
    if (svc_range_complete (&v.range)
        && engine_top (v.store, v.range.start, v.range.end, &v.filter,
                       strcmp (metric, "quantity") == 0, (size_t) limit, items, &count)
               != 0)
        return svc_error (ctx, 500, "internal_error", "out of memory");
    proto_writer_t *body = svc_body (ctx);
    proto_writer_map (body, 5 + svc_filters_given (&v.filters));
    if (svc_filters_given (&v.filters))
        svc_filters_write (body, &v.filters);
    proto_writer_str (body, "metric");
    proto_writer_str (body, metric);
    proto_writer_str (body, "limit");
    proto_writer_int (body, limit);
    svc_range_write_date (body, "start_date", v.range.has_start, v.range.start);
    svc_range_write_date (body, "end_date", v.range.has_end, v.range.end);
    proto_writer_str (body, "items");
    proto_writer_array (body, (uint32_t) count);
    for (size_t i = 0; i < count; i++) {
        const engine_top_t *item = &items[i];
        proto_writer_map (body, 7);
        proto_writer_str (body, "rank");
        proto_writer_int (body, (int64_t) i + 1);
        proto_writer_str (body, "product_id");
        proto_writer_str (body, v.store->product_id[item->product]);
        proto_writer_str (body, "name");
        proto_writer_str (body, v.store->product_name[item->product]);
        proto_writer_str (body, "category");
        proto_writer_str (
            body, store_dict_text (v.store->categories, v.store->product_category[item->product]));
        proto_writer_str (body, "revenue");
        proto_writer_double (body, (double) item->cents / 100.0);
        proto_writer_str (body, "units_sold");
        proto_writer_int (body, item->units);
        proto_writer_str (body, "orders");
        proto_writer_int (body, item->orders);
    }
    return 200;
}

/*  ---------------------------------------------------------------------------------------
    The handler table */

static const svc_op_t s_ops[] = {
    {.op = "top_sellers",
     .fn = s_top_sellers,
     .cacheable = true,
     .params = SVC_PARAMS ("start_date", "end_date", "metric", "limit", "country", "category")},
    {.op = "list", .fn = product_list, .cacheable = false, .params = PRODUCT_LIST_PARAMS},
    {.op = NULL}};

static const svc_def_t s_def = {
    .name = "product",
    .summary = "The product service: top-selling products over a date range (SPEC §6) and "
               "the product list (SPEC §10).",
    .ops = s_ops,
    .stop = product_list_stop,
    .store = true,
    .read_only = true,
    .warm = SVC_WARM ({"top_sellers", NULL},
                      {"top_sellers", SVC_PARAMS ("metric", "revenue", "limit", "10")})};

int
main (int argc, char **argv)
{
    return svc_main (argc, argv, &s_def);
}
