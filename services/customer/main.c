/*  ecom-customer: the customer service (MDP service "customer"), behind
    GET /api/v1/customers/segments/ (SPEC §6, "RFM segments"). Its queries are bounds.sql and
    segments.sql beside this file; everything else is the framework's (services/framework).

    segments: {start_date, end_date, reference_date, total_customers,
               segments: [{segment, customers, share, avg_recency_days, avg_frequency,
                           avg_monetary}]}
    over the customers with at least one order in the effective range (the given dates, a
    missing one completed by the data's first or last order date); reference_date is end_date
    when given, else the data's last order date, which is the effective end_date either way. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ecom_date.h"
#include "svc.h"

extern const ecom_embedded_t customer_sql[];

/*  The seven segments, in the order SPEC §6 lists them (and segments.sql answers them). */
#define CUSTOMER_SEGMENTS 7

/*  A date range of a request and what the data says about it. */
typedef struct {
    bool has_start, has_end; /* the effective bounds are known */
    int32_t start, end;
    bool has_data;       /* the data has orders: first and last are set */
    int32_t first, last; /* the data's first and last order dates */
} customer_range_t;

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
s_read_range (svc_ctx_t *ctx, customer_range_t *range)
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
s_range_holds_data (const customer_range_t *range)
{
    return range->has_data && range->has_start && range->has_end && range->start <= range->end
           && range->start <= range->last && range->end >= range->first;
}

/*  The parameters of a rollup query (segments.sql): the range [from, to] to read, split into
    the whole calendar months [month_lo, month_hi) read from the monthly rollup and the days
    around them read from fact_order. A range that reaches the data's first (last) order
    date is first widened to the start (end) of that date's month, since no orders lie
    beyond: a request over all the data reads the rollup alone. Every date stays inside
    0001-01-01..9999-12-31 (December 9999 is never a whole month), so it formats as
    YYYY-MM-DD. The range must hold data (s_range_holds_data). */
typedef struct {
    char from[11], to[11], month_lo[11], month_hi[11];
} customer_split_t;

static void
s_split (const customer_range_t *range, customer_split_t *split)
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
    segments */

static const char *const s_segment_names[CUSTOMER_SEGMENTS] = {
    "champions", "loyal_customers", "potential_loyalists", "new_customers",
    "at_risk",   "hibernating",     "needs_attention"};

/*  True when res holds the seven segments in order, as segments.sql promises. */
static bool
s_result_ok (PGresult *res)
{
    if (PQntuples (res) != CUSTOMER_SEGMENTS || PQnfields (res) != 7)
        return false;
    for (int row = 0; row < CUSTOMER_SEGMENTS; row++)
        if (strcmp (PQgetvalue (res, row, 0), s_segment_names[row]) != 0)
            return false;
    return true;
}

static int
s_segments (svc_ctx_t *ctx)
{
    customer_range_t range;
    int rc = s_read_range (ctx, &range);
    if (rc != 0)
        return rc;
    PGresult *res = NULL;
    if (s_range_holds_data (&range)) {
        customer_split_t split;
        s_split (&range, &split);
        char reference[11];
        ecom_date_format (range.end, reference);
        const char *values[] = {split.from, split.to, reference, split.month_lo, split.month_hi};
        res = svc_query (ctx, "segments.sql", 5, values);
        if (!res)
            return SVC_FAILED;
        if (!s_result_ok (res)) {
            PQclear (res);
            return svc_error (ctx, 500, "internal_error",
                              "segments.sql did not answer the seven segments");
        }
    }
    proto_writer_t *body = svc_body (ctx);
    proto_writer_map (body, 5);
    s_write_date (body, "start_date", range.has_start, range.start);
    s_write_date (body, "end_date", range.has_end, range.end);
    s_write_date (body, "reference_date", range.has_end, range.end);
    proto_writer_str (body, "total_customers");
    proto_writer_int (body, res ? strtoll (PQgetvalue (res, 0, 2), NULL, 10) : 0);
    proto_writer_str (body, "segments");
    proto_writer_array (body, CUSTOMER_SEGMENTS);
    for (int row = 0; row < CUSTOMER_SEGMENTS; row++) {
        proto_writer_map (body, 6);
        proto_writer_str (body, "segment");
        proto_writer_str (body, s_segment_names[row]);
        proto_writer_str (body, "customers");
        proto_writer_int (body, res ? strtoll (PQgetvalue (res, row, 1), NULL, 10) : 0);
        static const char *const numbers[] = {"share", "avg_recency_days", "avg_frequency",
                                              "avg_monetary"};
        for (int col = 0; col < 4; col++) {
            proto_writer_str (body, numbers[col]);
            proto_writer_double (body, res ? strtod (PQgetvalue (res, row, 3 + col), NULL) : 0);
        }
    }
    PQclear (res);
    return 200;
}

/*  ---------------------------------------------------------------------------------------
    The handler table */

static const svc_op_t s_ops[] = {
    {"segments", s_segments, true, SVC_PARAMS ("start_date", "end_date")},
    {NULL, NULL, false, NULL}};

static const svc_def_t s_def = {
    .name = "customer",
    .summary = "The customer service: RFM customer segments over a date range (SPEC §6).",
    .ops = s_ops,
    .sql = customer_sql};

int
main (int argc, char **argv)
{
    return svc_main (argc, argv, &s_def);
}
