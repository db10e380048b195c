/*  ecom-kpi: the KPI service (MDP service "kpi"), behind GET /api/v1/kpis/ and
    GET /api/v1/revenue/trends/ (SPEC §6). Both are computed from the analytics store
    (services/engine: engine_totals); everything else is the framework's. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ecom_date.h"
#include "svc.h"
#include "engine_totals.h"
#include "svc_range.h"

/*  A daily trend over 27 years is 10,000 points; longer series must use a coarser
    granularity (a range of 0001-01-01..9999-12-31 must not make a 100 MB answer). */
#define KPI_MAX_POINTS 10000

static void
s_write_range (proto_writer_t *body, const svc_range_t *range)
{
    proto_writer_str (body, "start_date");
    proto_writer_str (body, range->has_start ? range->start_text : NULL);
    proto_writer_str (body, "end_date");
    proto_writer_str (body, range->has_end ? range->end_text : NULL);
}

static double
s_money (int64_t cents)
{
    return (double) cents / 100.0;
}

/*  ---------------------------------------------------------------------------------------
    kpis: {start_date, end_date, total_revenue, total_orders, average_order_value,
           unique_customers, units_sold} */

static int
s_kpis (svc_ctx_t *ctx)
{
    svc_range_t range;
    const store_t *store;
    int rc = svc_range_read_store (ctx, &range, &store);
    if (rc != 0)
        return rc;
    engine_totals_t totals = {0};
    if (svc_range_complete (&range) && engine_totals (store, range.start, range.end, &totals))
        return svc_error (ctx, 500, "internal_error", "out of memory");
    proto_writer_t *body = svc_body (ctx);
    proto_writer_map (body, 7);
    s_write_range (body, &range);
    proto_writer_str (body, "total_revenue");
    proto_writer_double (body, s_money (totals.cents));
    proto_writer_str (body, "total_orders");
    proto_writer_int (body, totals.orders);
    proto_writer_str (body, "average_order_value");
    proto_writer_double (body, s_money (totals.average_cents));
    proto_writer_str (body, "unique_customers");
    proto_writer_int (body, totals.customers);
    proto_writer_str (body, "units_sold");
    proto_writer_int (body, totals.units);
    return 200;
}

/*  ---------------------------------------------------------------------------------------
    revenue_trends: {granularity, start_date, end_date, points: [{period, revenue, orders}]} */

typedef struct {
    const char *name;     /* the granularity parameter's value */
    engine_unit_t unit;
} kpi_granularity_t;

static const kpi_granularity_t s_granularities[] = {
    {"daily", ENGINE_DAY}, {"weekly", ENGINE_WEEK}, {"monthly", ENGINE_MONTH}, {NULL, ENGINE_DAY}};

/*  The number of periods of unit from the one holding start to the one holding end. */
static int64_t
s_period_count (const kpi_granularity_t *granularity, int32_t start, int32_t end)
{
    if (granularity->unit == ENGINE_DAY)
        return (int64_t) end - start + 1;
    if (granularity->unit == ENGINE_WEEK)
        return ((int64_t) ecom_date_week_start (end) - ecom_date_week_start (start)) / 7 + 1;
    int y1, m1, d1, y2, m2, d2;
    ecom_date_to_ymd (start, &y1, &m1, &d1);
    ecom_date_to_ymd (end, &y2, &m2, &d2);
    return (int64_t) (y2 * 12 + m2) - (y1 * 12 + m1) + 1;
}

static int
s_revenue_trends (svc_ctx_t *ctx)
{
    const char *name = svc_param (ctx, "granularity");
    const kpi_granularity_t *granularity = s_granularities;
    while (name && granularity->name && strcmp (granularity->name, name) != 0)
        granularity++;
    if (!granularity->name)
        return svc_error (ctx, 400, "bad_request",
                          "granularity must be one of daily, weekly, monthly");

    svc_range_t range;
    const store_t *store;
    int rc = svc_range_read_store (ctx, &range, &store);
    if (rc != 0)
        return rc;
    int64_t count = 0;
    if (svc_range_complete (&range)) {
        count = s_period_count (granularity, range.start, range.end);
        if (count > KPI_MAX_POINTS)
            return svc_error (ctx, 400, "bad_request",
                              "the range holds %lld %s periods, more than the %d a trend may "
                              "have: use a coarser granularity or a shorter range",
                              (long long) count, granularity->name, KPI_MAX_POINTS);
    }
    engine_point_t *points = calloc (count ? (size_t) count : 1, sizeof *points);
    if (!points)
        return svc_error (ctx, 500, "internal_error", "out of memory");
    if (count)
        engine_trend (store, range.start, range.end, granularity->unit, points, (size_t) count);
    proto_writer_t *body = svc_body (ctx);
    proto_writer_map (body, 4);
    proto_writer_str (body, "granularity");
    proto_writer_str (body, granularity->name);
    s_write_range (body, &range);
    proto_writer_str (body, "points");
    proto_writer_array (body, (uint32_t) count);
    for (int64_t i = 0; i < count; i++) {
        char period[11];
        ecom_date_format (points[i].period, period);
        proto_writer_map (body, 3);
        proto_writer_str (body, "period");
        proto_writer_str (body, period);
        proto_writer_str (body, "revenue");
        proto_writer_double (body, s_money (points[i].cents));
        proto_writer_str (body, "orders");
        proto_writer_int (body, points[i].orders);
    }
    free (points);
    return 200;
}

/*  ---------------------------------------------------------------------------------------
    The handler table */

static const svc_op_t s_ops[] = {
    {"kpis", s_kpis, true, SVC_PARAMS ("start_date", "end_date")},
    {"revenue_trends", s_revenue_trends, true,
     SVC_PARAMS ("start_date", "end_date", "granularity")},
    {NULL, NULL, false, NULL}};

static const svc_def_t s_def = {
    .name = "kpi",
    .summary = "The KPI service: totals and revenue trends over a date range (SPEC §6).",
    .ops = s_ops,
    .store = true,
    .warm = SVC_WARM ({"kpis", NULL}, {"revenue_trends", NULL},
                      {"revenue_trends", SVC_PARAMS ("granularity", "monthly")})};

int
main (int argc, char **argv)
{
    return svc_main (argc, argv, &s_def);
}
