/*  ecom-kpi: the KPI service (MDP service "kpi"), behind GET /api/v1/kpis/ and
    GET /api/v1/revenue/trends/ (SPEC §6). Its queries are bounds.sql, kpis.sql and
    trends.sql beside this file; everything else is the framework's (services/framework). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ecom_date.h"
#include "svc.h"

extern const ecom_embedded_t kpi_sql[];

/*  A daily trend over 27 years is 10,000 points; longer series must use a coarser
    granularity (a range of 0001-01-01..9999-12-31 must not make a 100 MB answer). */
#define KPI_MAX_POINTS 10000

/*  The effective date range of a request (SPEC §6): the given dates, else the data's first
    and last order dates. A bound is unknown only when it was not given and there is no data;
    the range may come out inverted when one given date lies beyond the data (then it holds
    no orders). */
typedef struct {
    bool has_start, has_end;
    int32_t start, end;
    char start_text[11], end_text[11];
} kpi_range_t;

/*  Parses one optional date parameter. Returns 0, or an error status. */
static int
s_read_date (svc_ctx_t *ctx, const char *name, bool *has, int32_t *days)
{
    const char *text = svc_param (ctx, name);
    *has = text != NULL;
    if (text && ecom_date_parse (text, days) != 0)
        return svc_error (ctx, 400, "bad_request",
                          "%s must be a calendar date written YYYY-MM-DD", name);
    return 0;
}

/*  Reads start_date and end_date and completes them from the data. Returns 0, or the
    status to answer (an error recorded, or SVC_FAILED). */
static int
s_read_range (svc_ctx_t *ctx, kpi_range_t *range)
{
    memset (range, 0, sizeof *range);
    int rc = s_read_date (ctx, "start_date", &range->has_start, &range->start);
    if (rc == 0)
        rc = s_read_date (ctx, "end_date", &range->has_end, &range->end);
    if (rc != 0)
        return rc;
    if (range->has_start && range->has_end && range->start > range->end)
        return svc_error (ctx, 400, "bad_request", "start_date must not be after end_date");
    if (!range->has_start || !range->has_end) {
        PGresult *res = svc_query (ctx, "bounds.sql", 0, NULL);
        if (!res)
            return SVC_FAILED;
        if (!range->has_start && !PQgetisnull (res, 0, 0))
            range->has_start = ecom_date_parse (PQgetvalue (res, 0, 0), &range->start) == 0;
        if (!range->has_end && !PQgetisnull (res, 0, 1))
            range->has_end = ecom_date_parse (PQgetvalue (res, 0, 1), &range->end) == 0;
        PQclear (res);
    }
    if (range->has_start)
        ecom_date_format (range->start, range->start_text);
    if (range->has_end)
        ecom_date_format (range->end, range->end_text);
    return 0;
}

/*  True when the range can hold orders: both ends known and in order. */
static bool
s_range_holds_data (const kpi_range_t *range)
{
    return range->has_start && range->has_end && range->start <= range->end;
}

static void
s_write_range (proto_writer_t *body, const kpi_range_t *range)
{
    proto_writer_str (body, "start_date");
    proto_writer_str (body, range->has_start ? range->start_text : NULL);
    proto_writer_str (body, "end_date");
    proto_writer_str (body, range->has_end ? range->end_text : NULL);
}

static int64_t
s_int (PGresult *res, int row, int col)
{
    return strtoll (PQgetvalue (res, row, col), NULL, 10);
}

static double
s_money (PGresult *res, int row, int col)
{
    return strtod (PQgetvalue (res, row, col), NULL);
}

/*  ---------------------------------------------------------------------------------------
    kpis: {start_date, end_date, total_revenue, total_orders, average_order_value,
           unique_customers, units_sold} */

static int
s_kpis (svc_ctx_t *ctx)
{
    kpi_range_t range;
    int rc = s_read_range (ctx, &range);
    if (rc != 0)
        return rc;
    PGresult *res = NULL;
    if (s_range_holds_data (&range)) {
        const char *values[] = {range.start_text, range.end_text};
        res = svc_query (ctx, "kpis.sql", 2, values);
        if (!res)
            return SVC_FAILED;
    }
    proto_writer_t *body = svc_body (ctx);
    proto_writer_map (body, 7);
    s_write_range (body, &range);
    proto_writer_str (body, "total_revenue");
    proto_writer_double (body, res ? s_money (res, 0, 2) : 0);
    proto_writer_str (body, "total_orders");
    proto_writer_int (body, res ? s_int (res, 0, 0) : 0);
    proto_writer_str (body, "average_order_value");
    proto_writer_double (body, res ? s_money (res, 0, 3) : 0);
    proto_writer_str (body, "unique_customers");
    proto_writer_int (body, res ? s_int (res, 0, 4) : 0);
    proto_writer_str (body, "units_sold");
    proto_writer_int (body, res ? s_int (res, 0, 1) : 0);
    PQclear (res);
    return 200;
}

/*  ---------------------------------------------------------------------------------------
    revenue_trends: {granularity, start_date, end_date, points: [{period, revenue, orders}]} */

typedef struct {
    const char *name; /* the granularity parameter's value */
    const char *unit; /* date_trunc's unit */
} kpi_granularity_t;

static const kpi_granularity_t s_granularities[] = {
    {"daily", "day"}, {"weekly", "week"}, {"monthly", "month"}, {NULL, NULL}};

/*  The number of periods of unit from the one holding start to the one holding end. */
static int64_t
s_period_count (const kpi_granularity_t *granularity, int32_t start, int32_t end)
{
    if (strcmp (granularity->unit, "day") == 0)
        return (int64_t) end - start + 1;
    if (strcmp (granularity->unit, "week") == 0)
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

    kpi_range_t range;
    int rc = s_read_range (ctx, &range);
    if (rc != 0)
        return rc;
    PGresult *res = NULL;
    if (s_range_holds_data (&range)) {
        int64_t points = s_period_count (granularity, range.start, range.end);
        if (points > KPI_MAX_POINTS)
            return svc_error (ctx, 400, "bad_request",
                              "the range holds %lld %s periods, more than the %d a trend may "
                              "have: use a coarser granularity or a shorter range",
                              (long long) points, granularity->name, KPI_MAX_POINTS);
        const char *values[] = {range.start_text, range.end_text, granularity->unit};
        res = svc_query (ctx, "trends.sql", 3, values);
        if (!res)
            return SVC_FAILED;
    }
    proto_writer_t *body = svc_body (ctx);
    proto_writer_map (body, 4);
    proto_writer_str (body, "granularity");
    proto_writer_str (body, granularity->name);
    s_write_range (body, &range);
    proto_writer_str (body, "points");
    int rows = res ? PQntuples (res) : 0;
    proto_writer_array (body, (uint32_t) rows);
    for (int row = 0; row < rows; row++) {
        proto_writer_map (body, 3);
        proto_writer_str (body, "period");
        proto_writer_str (body, PQgetvalue (res, row, 0));
        proto_writer_str (body, "revenue");
        proto_writer_double (body, s_money (res, row, 1));
        proto_writer_str (body, "orders");
        proto_writer_int (body, s_int (res, row, 2));
    }
    PQclear (res);
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
    .sql = kpi_sql};

int
main (int argc, char **argv)
{
    return svc_main (argc, argv, &s_def);
}
