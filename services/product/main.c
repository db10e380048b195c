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

extern const ecom_embedded_t product_sql[];

#define PRODUCT_DEFAULT_LIMIT 10
#define PRODUCT_MAX_LIMIT 100

/*  A date range of a request and what the data says about it. */
typedef struct {
    bool has_start, has_end; /* the effective bounds are known */
    int32_t start, end;
    bool has_data;       /* the data has orders: first and last are set */
    int32_t first, last; /* the data's first and last order dates */
} product_range_t;

/*  Parses one optional date parameter. Returns 0, or an error status. */
static int
s_read_date (svc_ctx_t *ctx, const char *name, bool *has, int32_t *days)
{
    const char *text = svc_param (ctx, name);
    *has = text != NULL;
    if (text && ecom_date_parse (text, days) != 0)
        return svc_error (ctx, 400, "bad_request", "%s must be a calendar date written YYYY-MM-DD",
                          name);
    return 0;
}

/*  Reads start_date and end_date, learns the data's first and last order dates and
    completes the range with them. Returns 0, or the status to answer. */
static int
s_read_range (svc_ctx_t *ctx, product_range_t *range)
{
    memset (range, 0, sizeof *range);
    int rc = s_read_date (ctx, "start_date", &range->has_start, &range->start);
    if (rc == 0)
        rc = s_read_date (ctx, "end_date", &range->has_end, &range->end);
    if (rc != 0)
        return rc;
    if (range->has_start && range->has_end && range->start > range->end)
        return svc_error (ctx, 400, "bad_request", "start_date must not be after end_date");
    PGresult *res = svc_query (ctx, "bounds.sql", 0, NULL);
    if (!res)
        return SVC_FAILED;
    range->has_data = !PQgetisnull (res, 0, 0) && !PQgetisnull (res, 0, 1)
                      && ecom_date_parse (PQgetvalue (res, 0, 0), &range->first) == 0
                      && ecom_date_parse (PQgetvalue (res, 0, 1), &range->last) == 0;
    PQclear (res);
    if (range->has_data && !range->has_start) {
        range->has_start = true;
        range->start = range->first;
    }
    if (range->has_data && !range->has_end) {
        range->has_end = true;
        range->end = range->last;
    }
    return 0;
}

/*  True when the range can hold orders. */
static bool
s_range_holds_data (const product_range_t *range)
{
    return range->has_data && range->has_start && range->has_end && range->start <= range->end
           && range->start <= range->last && range->end >= range->first;
}

/*  The parameters of a rollup query (top_sellers.sql): the range [from, to] to read, split into
    the whole calendar months [month_lo, month_hi) read from the monthly rollup and the days
    around them read from fact_order. A range that reaches the data's first (last) order
    date is first widened to the start (end) of that date's month, since no orders lie
    beyond: a request over all the data reads the rollup alone. Every date stays inside
    0001-01-01..9999-12-31 (December 9999 is never a whole month), so it formats as
    YYYY-MM-DD. The range must hold data (s_range_holds_data). */
typedef struct {
    char from[11], to[11], month_lo[11], month_hi[11];
} product_split_t;

static void
s_split (const product_range_t *range, product_split_t *split)
{
    int32_t from =
        range->start <= range->first ? ecom_date_month_start (range->first) : range->start;
    int32_t to = range->end >= range->last ? ecom_date_next_month (range->last) - 1 : range->end;
    int32_t lo = ecom_date_month_start (from) == from ? from : ecom_date_next_month (from);
    int32_t hi = ecom_date_month_start (to + 1) == to + 1 ? to + 1 : ecom_date_month_start (to);
    int32_t last_month = ecom_date_from_ymd (9999, 12, 1);
    if (hi > last_month)
        hi = last_month;
    if (lo >= hi)
        lo = hi = to; /* no whole month: [from, to) and [to, to] from fact_order */
    ecom_date_format (from, split->from);
    ecom_date_format (to, split->to);
    ecom_date_format (lo, split->month_lo);
    ecom_date_format (hi, split->month_hi);
}

static void
s_write_date (proto_writer_t *body, const char *name, bool has, int32_t days)
{
    char text[11];
    proto_writer_str (body, name);
    if (has) {
        ecom_date_format (days, text);
        proto_writer_str (body, text);
    }
    else
        proto_writer_nil (body);
}

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
    product_range_t range;
    int rc = svc_param_clamped (ctx, "limit", PRODUCT_DEFAULT_LIMIT, 1, PRODUCT_MAX_LIMIT, &limit);
    if (rc == 0)
        rc = s_read_range (ctx, &range);
    if (rc != 0)
        return rc;
    PGresult *res = NULL;
    if (s_range_holds_data (&range)) {
        product_split_t split;
        s_split (&range, &split);
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
    s_write_date (body, "start_date", range.has_start, range.start);
    s_write_date (body, "end_date", range.has_end, range.end);
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
