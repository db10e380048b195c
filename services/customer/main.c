/*  ecom-customer: the customer service (MDP service "customer"), behind
    GET /api/v1/customers/segments/ (SPEC §6, "RFM segments"), /api/v1/customers/cohorts/
    (SPEC §9) and GET /api/v1/customers/ (SPEC §10, op list: customer_list.c). Computed from
    the analytics store (services/engine: engine_rfm, engine_cohorts, engine_browse);
    everything else is the framework's.

    segments: {start_date, end_date, reference_date, total_customers,
               segments: [{segment, customers, share, avg_recency_days, avg_frequency,
                           avg_monetary}]}
    over the customers with at least one order in the effective range (the given dates, a
    missing one completed by the data's first or last order date); reference_date is end_date
    when given, else the data's last order date, which is the effective end_date either way. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "customer_list.h"
#include "ecom_date.h"
#include "engine_rfm.h"
#include "engine_cohorts.h"
#include "svc.h"
#include "svc_filters.h"
#include "svc_range.h"

extern const ecom_embedded_t customer_sql[];

/*  ---------------------------------------------------------------------------------------
    segments */

static int
s_segments (svc_ctx_t *ctx)
{
    svc_view_t v;
    int rc = svc_view_read (ctx, &v);
    if (rc != 0)
        return rc;
    engine_rfm_t rfm = {0};
    if (svc_range_complete (&v.range)
        && engine_rfm (v.store, v.range.start, v.range.end, v.range.end, &v.filter, &rfm) != 0)
        return svc_error (ctx, 500, "internal_error", "out of memory");
    proto_writer_t *body = svc_body (ctx);
    proto_writer_map (body, 5 + svc_filters_given (&v.filters));
    if (svc_filters_given (&v.filters))
        svc_filters_write (body, &v.filters);
    svc_range_write_date (body, "start_date", v.range.has_start, v.range.start);
    svc_range_write_date (body, "end_date", v.range.has_end, v.range.end);
    svc_range_write_date (body, "reference_date", v.range.has_end, v.range.end);
    proto_writer_str (body, "total_customers");
    proto_writer_int (body, rfm.total_customers);
    proto_writer_str (body, "segments");
    proto_writer_array (body, ENGINE_SEGMENTS);
    for (int s = 0; s < ENGINE_SEGMENTS; s++) {
        const engine_segment_t *seg = &rfm.segments[s];
        proto_writer_map (body, 6);
        proto_writer_str (body, "segment");
        proto_writer_str (body, engine_segment_names[s]);
        proto_writer_str (body, "customers");
        proto_writer_int (body, seg->customers);
        proto_writer_str (body, "share");
        proto_writer_double (body, (double) seg->share_e4 / 10000.0);
        proto_writer_str (body, "avg_recency_days");
        proto_writer_double (body, (double) seg->recency_e2 / 100.0);
        proto_writer_str (body, "avg_frequency");
        proto_writer_double (body, (double) seg->frequency_e2 / 100.0);
        proto_writer_str (body, "avg_monetary");
        proto_writer_double (body, (double) seg->monetary_cents / 100.0);
    }
    return 200;
}

/*  ---------------------------------------------------------------------------------------
    cohorts: {start_date, end_date, filters, cohorts: [{cohort, customers,
              periods: [{offset, active, retention, revenue}]}]} */

/*  part / whole in 1/10000, rounded half away from zero; 0 when whole is 0. */
static int64_t
s_ratio_e4 (int64_t part, int64_t whole)
{
    return whole ? (part * 20000 + whole) / (whole * 2) : 0;
}

static void
s_write_periods (proto_writer_t *body, const engine_cohorts_t *grid, size_t row)
{
    size_t n = grid->cohorts - row;
    int64_t members = grid->customers[row];
    proto_writer_str (body, "periods");
    proto_writer_array (body, (uint32_t) n);
    for (size_t k = 0; k < n; k++) {
        int64_t active = grid->active[row * grid->cohorts + k];
        proto_writer_map (body, 4);
        proto_writer_str (body, "offset");
        proto_writer_int (body, (int64_t) k);
        proto_writer_str (body, "active");
        proto_writer_int (body, active);
        proto_writer_str (body, "retention");
        proto_writer_double (body, (double) s_ratio_e4 (active, members) / 10000.0);
        proto_writer_str (body, "revenue");
        proto_writer_double (body, (double) grid->cents[row * grid->cohorts + k] / 100.0);
    }
}

static int
s_cohorts (svc_ctx_t *ctx)
{
    svc_view_t v;
    int rc = svc_view_read (ctx, &v);
    if (rc != 0)
        return rc;
    bool complete = svc_range_complete (&v.range);
    if (complete && engine_months (v.range.start, v.range.end) > ENGINE_MAX_COHORTS)
        return svc_error (ctx, 400, "bad_request",
                          "the range spans more than %d months of cohorts: use a shorter range",
                          ENGINE_MAX_COHORTS);
    engine_cohorts_t grid = {0};
    if (complete && engine_cohorts (v.store, v.range.start, v.range.end, &v.filter, &grid) != 0)
        return svc_error (ctx, 500, "internal_error", "out of memory");
    proto_writer_t *body = svc_body (ctx);
    proto_writer_map (body, 4);
    svc_range_write_date (body, "start_date", v.range.has_start, v.range.start);
    svc_range_write_date (body, "end_date", v.range.has_end, v.range.end);
    svc_filters_write (body, &v.filters);
    proto_writer_str (body, "cohorts");
    size_t n = complete ? grid.cohorts : 0;
    proto_writer_array (body, (uint32_t) n);
    int32_t month = grid.first_month;
    for (size_t row = 0; row < n; row++) {
        proto_writer_map (body, 3);
        svc_range_write_date (body, "cohort", true, month);
        proto_writer_str (body, "customers");
        proto_writer_int (body, grid.customers[row]);
        s_write_periods (body, &grid, row);
        month = ecom_date_next_month (month);
    }
    engine_cohorts_free (&grid);
    return 200;
}

/*  ---------------------------------------------------------------------------------------
    The handler table */

static const svc_op_t s_ops[] = {
    {.op = "segments",
     .fn = s_segments,
     .cacheable = true,
     .params = SVC_PARAMS ("start_date", "end_date", "country", "category")},
    {.op = "cohorts",
     .fn = s_cohorts,
     .cacheable = true,
     .params = SVC_PARAMS ("start_date", "end_date", "country", "category")},
    {.op = "list", .fn = customer_list, .cacheable = false, .params = CUSTOMER_LIST_PARAMS},
    {.op = NULL}};

static const svc_def_t s_def = {
    .name = "customer",
    .summary = "The customer service: RFM customer segments and cohorts over a date range "
               "(SPEC §6, §9) and the customer list (SPEC §10).",
    .ops = s_ops,
    .sql = customer_sql,
    .stop = customer_list_stop,
    .store = true,
    .read_only = true,
    .warm = SVC_WARM ({"segments", NULL}, {"cohorts", NULL})};

int
main (int argc, char **argv)
{
    return svc_main (argc, argv, &s_def);
}
