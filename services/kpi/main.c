/*  ecom-kpi: the KPI service (MDP service "kpi"), behind GET /api/v1/kpis/,
    GET /api/v1/revenue/trends/ and GET /api/v1/revenue/breakdown/ (SPEC §6, §9). Every
    answer is computed from the analytics store (services/engine: engine_totals,
    engine_breakdown); everything else is the framework's. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ecom_date.h"
#include "engine_breakdown.h"
#include "engine_totals.h"
#include "svc.h"
#include "svc_filters.h"
#include "svc_range.h"

/*  A daily trend over 27 years is 10,000 points; longer series must use a coarser
    granularity (a range of 0001-01-01..9999-12-31 must not make a 100 MB answer). */
#define KPI_MAX_POINTS 10000
#define KPI_BREAKDOWN_LIMIT 20
#define KPI_BREAKDOWN_MAX 100

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

/*  Reads the filters, the range, the store and the comparison. Returns 0, or the status to
    answer. */
static int
s_read_compared (svc_ctx_t *ctx, svc_view_t *v, svc_range_t *previous, bool *compare)
{
    int rc = svc_view_read (ctx, v);
    return rc ? rc : svc_range_compare (ctx, &v->range, previous, compare);
}

/*  ---------------------------------------------------------------------------------------
    kpis: {start_date, end_date, total_revenue, total_orders, average_order_value,
           unique_customers, units_sold, new_customers, returning_customers
           [, filters] [, comparison]} */

/*  The seven figures of a kpis answer, in the order they are written. */
#define KPI_FIGURES 7
static const char *const s_figures[KPI_FIGURES] = {
    "total_revenue", "total_orders",  "average_order_value", "unique_customers",
    "units_sold",    "new_customers", "returning_customers"};

/*  The figures of totals as integers (money in cents), in s_figures order. */
static void
s_figures_of (const engine_totals_t *t, int64_t out[KPI_FIGURES])
{
    int64_t values[KPI_FIGURES] = {t->cents,
                                   t->orders,
                                   t->average_cents,
                                   t->customers,
                                   t->units,
                                   t->new_customers,
                                   t->customers - t->new_customers};
    memcpy (out, values, sizeof values);
}

static void
s_write_figures (proto_writer_t *body, const int64_t v[KPI_FIGURES])
{
    for (int i = 0; i < KPI_FIGURES; i++) {
        proto_writer_str (body, s_figures[i]);
        if (i == 0 || i == 2)
            proto_writer_double (body, s_money (v[i]));
        else
            proto_writer_int (body, v[i]);
    }
}

/*  (current - previous) / previous in 1/10000, rounded half away from zero. */
static int64_t
s_change_e4 (int64_t current, int64_t previous)
{
    __int128 num = (__int128) (current - previous) * 10000 * 2, den = (__int128) previous * 2;
    if (den < 0) {
        num = -num;
        den = -den;
    }
    return (int64_t) (num >= 0 ? (num + den / 2) / den : -((-num + den / 2) / den));
}

static void
s_write_comparison (proto_writer_t *body, const svc_range_t *previous, const int64_t now[],
                    const int64_t before[])
{
    proto_writer_str (body, "comparison");
    if (!svc_range_complete (previous)) {
        proto_writer_nil (body);
        return;
    }
    proto_writer_map (body, 3 + KPI_FIGURES);
    s_write_range (body, previous);
    s_write_figures (body, before);
    proto_writer_str (body, "change");
    proto_writer_map (body, KPI_FIGURES);
    for (int i = 0; i < KPI_FIGURES; i++) {
        proto_writer_str (body, s_figures[i]);
        if (before[i] == 0)
            proto_writer_nil (body);
        else
            proto_writer_double (body, (double) s_change_e4 (now[i], before[i]) / 10000.0);
    }
}

static int
s_kpis (svc_ctx_t *ctx)
{
    svc_view_t v;
    svc_range_t previous;
    bool compare;
    int rc = s_read_compared (ctx, &v, &previous, &compare);
    if (rc != 0)
        return rc;
    engine_totals_t totals = {0}, before = {0};
    if (svc_range_complete (&v.range))
        engine_totals (v.store, v.range.start, v.range.end, &v.filter, &totals);
    if (svc_range_complete (&previous))
        engine_totals (v.store, previous.start, previous.end, &v.filter, &before);
    int64_t now[KPI_FIGURES], then[KPI_FIGURES];
    s_figures_of (&totals, now);
    s_figures_of (&before, then);
    proto_writer_t *body = svc_body (ctx);
    proto_writer_map (body, 2 + KPI_FIGURES + svc_filters_given (&v.filters) + compare);
    s_write_range (body, &v.range);
    s_write_figures (body, now);
    if (svc_filters_given (&v.filters))
        svc_filters_write (body, &v.filters);
    if (compare)
        s_write_comparison (body, &previous, now, then);
    return 200;
}

/*  ---------------------------------------------------------------------------------------
    revenue_trends: {granularity, start_date, end_date, points: [{period, revenue, orders}]
                     [, filters] [, comparison: {start_date, end_date, points}]} */

typedef struct {
    const char *name; /* the granularity parameter's value */
    engine_unit_t unit;
} kpi_granularity_t;

static const kpi_granularity_t s_granularities[] = {{"daily", ENGINE_DAY},
                                                    {"weekly", ENGINE_WEEK},
                                                    {"monthly", ENGINE_MONTH},
                                                    {NULL, ENGINE_DAY}};

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

/*  Writes "points": [...] of the range (none when it is incomplete). Returns 0, or the
    status to answer (a trend too long, no memory). */
static int
s_write_points (svc_ctx_t *ctx, const store_t *store, const svc_range_t *range,
                const kpi_granularity_t *granularity, const engine_filter_t *filter)
{
    int64_t count =
        svc_range_complete (range) ? s_period_count (granularity, range->start, range->end) : 0;
    if (count > KPI_MAX_POINTS)
        return svc_error (ctx, 400, "bad_request",
                          "the range holds %lld %s periods, more than the %d a trend may "
                          "have: use a coarser granularity or a shorter range",
                          (long long) count, granularity->name, KPI_MAX_POINTS);
    engine_point_t *points = calloc (count ? (size_t) count : 1, sizeof *points);
    if (!points
        || (count
            && engine_trend (store, range->start, range->end, granularity->unit, filter, points,
                             (size_t) count)
                   != 0)) {
        free (points);
        return svc_error (ctx, 500, "internal_error", "out of memory");
    }
    proto_writer_t *body = svc_body (ctx);
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
    return 0;
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
    svc_view_t v;
    svc_range_t previous;
    bool compare;
    int rc = s_read_compared (ctx, &v, &previous, &compare);
    if (rc != 0)
        return rc;
    proto_writer_t *body = svc_body (ctx);
    proto_writer_map (body, 4 + svc_filters_given (&v.filters) + compare);
    proto_writer_str (body, "granularity");
    proto_writer_str (body, granularity->name);
    s_write_range (body, &v.range);
    if ((rc = s_write_points (ctx, v.store, &v.range, granularity, &v.filter)) != 0)
        return rc;
    if (svc_filters_given (&v.filters))
        svc_filters_write (body, &v.filters);
    if (compare) {
        proto_writer_str (body, "comparison");
        if (!svc_range_complete (&previous))
            proto_writer_nil (body);
        else {
            proto_writer_map (body, 3);
            s_write_range (body, &previous);
            rc = s_write_points (ctx, v.store, &previous, granularity, &v.filter);
        }
    }
    return rc ? rc : 200;
}

/*  ---------------------------------------------------------------------------------------
    revenue_breakdown: {by, start_date, end_date, filters, total: {revenue, orders,
                        units_sold, customers}, items: [{key, [country,] revenue, orders,
                        units_sold, customers, share}]} */

static const char *const s_by_names[] = {"country", "category", "city"};

static void
s_write_group (proto_writer_t *body, const engine_group_t *g)
{
    proto_writer_str (body, "revenue");
    proto_writer_double (body, s_money (g->cents));
    proto_writer_str (body, "orders");
    proto_writer_int (body, g->orders);
    proto_writer_str (body, "units_sold");
    proto_writer_int (body, g->units);
    proto_writer_str (body, "customers");
    proto_writer_int (body, g->customers);
}

/*  revenue / total in 1/10000, rounded half away from zero; 0 when total is 0. */
static int64_t
s_share_e4 (int64_t revenue, int64_t total)
{
    return total ? (int64_t) (((__int128) revenue * 20000 + total) / ((__int128) total * 2)) : 0;
}

static void
s_write_key (proto_writer_t *body, const store_t *store, engine_by_t by, uint32_t key)
{
    proto_writer_str (body, "key");
    if (by != ENGINE_BY_CITY) {
        proto_writer_str (
            body,
            store_dict_text (by == ENGINE_BY_COUNTRY ? store->countries : store->categories, key));
        return;
    }
    const char *city, *country;
    size_t city_len, country_len;
    store_city_name (store, key, &city, &city_len, &country, &country_len);
    char *c = strndup (city, city_len), *n = strndup (country, country_len);
    proto_writer_str (body, c ? c : "");
    proto_writer_str (body, "country");
    proto_writer_str (body, n ? n : "");
    free (c);
    free (n);
}

static int
s_revenue_breakdown (svc_ctx_t *ctx)
{
    const char *by_name = svc_param (ctx, "by");
    int by = 0;
    while (by_name && by < 3 && strcmp (s_by_names[by], by_name) != 0)
        by++;
    if (by == 3)
        return svc_error (ctx, 400, "bad_request", "by must be one of country, category, city");
    long limit;
    int rc = svc_param_clamped (ctx, "limit", KPI_BREAKDOWN_LIMIT, 1, KPI_BREAKDOWN_MAX, &limit);
    svc_view_t v;
    if (rc == 0)
        rc = svc_view_read (ctx, &v);
    if (rc != 0)
        return rc;
    engine_group_t items[KPI_BREAKDOWN_MAX], total = {0};
    size_t count = 0;
    if (svc_range_complete (&v.range)
        && engine_breakdown (v.store, v.range.start, v.range.end, &v.filter, (engine_by_t) by,
                             (size_t) limit, items, &count, &total)
               != 0)
        return svc_error (ctx, 500, "internal_error", "out of memory");
    proto_writer_t *body = svc_body (ctx);
    proto_writer_map (body, 6);
    proto_writer_str (body, "by");
    proto_writer_str (body, s_by_names[by]);
    s_write_range (body, &v.range);
    svc_filters_write (body, &v.filters);
    proto_writer_str (body, "total");
    proto_writer_map (body, 4);
    s_write_group (body, &total);
    proto_writer_str (body, "items");
    proto_writer_array (body, (uint32_t) count);
    for (size_t i = 0; i < count; i++) {
        proto_writer_map (body, (by == ENGINE_BY_CITY ? 7 : 6));
        s_write_key (body, v.store, (engine_by_t) by, items[i].key);
        s_write_group (body, &items[i]);
        proto_writer_str (body, "share");
        proto_writer_double (body, (double) s_share_e4 (items[i].cents, total.cents) / 10000.0);
    }
    return 200;
}

/*  ---------------------------------------------------------------------------------------
    The handler table */

static const svc_op_t s_ops[] = {
    {.op = "kpis",
     .fn = s_kpis,
     .cacheable = true,
     .params = SVC_PARAMS ("start_date", "end_date", "country", "category", "compare")},
    {.op = "revenue_trends",
     .fn = s_revenue_trends,
     .cacheable = true,
     .params =
         SVC_PARAMS ("start_date", "end_date", "granularity", "country", "category", "compare")},
    {.op = "revenue_breakdown",
     .fn = s_revenue_breakdown,
     .cacheable = true,
     .params = SVC_PARAMS ("start_date", "end_date", "by", "limit", "country", "category")},
    {.op = NULL}};

static const svc_def_t s_def = {
    .name = "kpi",
    .summary = "The KPI service: totals, revenue trends and breakdowns over a date range "
               "(SPEC §6, §9).",
    .ops = s_ops,
    .store = true,
    .read_only = true,
    /* each route without parameters, and what the Overview asks for when it opens
       (dashboard/public/js/panels/kpis.js, trend.js, breakdown.js, views/filters.js) */
    .warm = SVC_WARM (
        {"kpis", NULL}, {"kpis", SVC_PARAMS ("compare", "previous_period")},
        {"revenue_trends", NULL}, {"revenue_trends", SVC_PARAMS ("granularity", "monthly")},
        {"revenue_trends", SVC_PARAMS ("granularity", "monthly", "compare", "previous_period")},
        {"revenue_breakdown", NULL},
        {"revenue_breakdown", SVC_PARAMS ("by", "country", "limit", "10")},
        {"revenue_breakdown", SVC_PARAMS ("by", "country", "limit", "100")},
        {"revenue_breakdown", SVC_PARAMS ("by", "category", "limit", "100")})};

int
main (int argc, char **argv)
{
    return svc_main (argc, argv, &s_def);
}
