/*  ecom-product: the product service (MDP service "product"), behind
    GET /api/v1/products/top-sellers/ (SPEC §6). Its queries are bounds.sql and top_sellers.sql
    beside this file; everything else is the framework's (services/framework).

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
#include "svc.h"
#include "svc_range.h"

extern const ecom_embedded_t product_sql[];

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
    svc_range_t range;
    int rc = svc_param_clamped (ctx, "limit", PRODUCT_DEFAULT_LIMIT, 1, PRODUCT_MAX_LIMIT, &limit);
    if (rc == 0)
        rc = svc_range_read (ctx, "bounds.sql", &range);
    if (rc != 0)
        return rc;
    PGresult *res = NULL;
    if (svc_range_overlaps_data (&range)) {
        svc_range_split_t split;
        svc_range_split (&range, &split);
        char limit_text[16];
        snprintf (limit_text, sizeof limit_text, "%ld", limit);
        const char *values[] = {split.from,     split.to, split.month_lo,
                                split.month_hi, metric,   limit_text};
        res = svc_query (ctx, "top_sellers.sql", 6, values);
        if (!res)
            return SVC_FAILED;
    }
    proto_writer_t *body = svc_body (ctx);
    proto_writer_map (body, 5);
    proto_writer_str (body, "metric");
    proto_writer_str (body, metric);
    proto_writer_str (body, "limit");
    proto_writer_int (body, limit);
    svc_range_write_date (body, "start_date", range.has_start, range.start);
    svc_range_write_date (body, "end_date", range.has_end, range.end);
    proto_writer_str (body, "items");
    int rows = res ? PQntuples (res) : 0;
    proto_writer_array (body, (uint32_t) rows);
    for (int row = 0; row < rows; row++) {
        proto_writer_map (body, 7);
        proto_writer_str (body, "rank");
        proto_writer_int (body, row + 1);
        proto_writer_str (body, "product_id");
        proto_writer_str (body, PQgetvalue (res, row, 0));
        proto_writer_str (body, "name");
        proto_writer_str (body, PQgetvalue (res, row, 1));
        proto_writer_str (body, "category");
        proto_writer_str (body, PQgetvalue (res, row, 2));
        proto_writer_str (body, "revenue");
        proto_writer_double (body, strtod (PQgetvalue (res, row, 3), NULL));
        proto_writer_str (body, "units_sold");
        proto_writer_int (body, strtoll (PQgetvalue (res, row, 4), NULL, 10));
        proto_writer_str (body, "orders");
        proto_writer_int (body, strtoll (PQgetvalue (res, row, 5), NULL, 10));
    }
    PQclear (res);
    return 200;
}

/*  ---------------------------------------------------------------------------------------
    The handler table */

static const svc_op_t s_ops[] = {
    {"top_sellers", s_top_sellers, true, SVC_PARAMS ("start_date", "end_date", "metric", "limit")},
    {NULL, NULL, false, NULL}};

static const svc_def_t s_def = {
    .name = "product",
    .summary = "The product service: top-selling products over a date range (SPEC §6).",
    .ops = s_ops,
    .sql = product_sql};

int
main (int argc, char **argv)
{
    return svc_main (argc, argv, &s_def);
}
