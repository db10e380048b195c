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
#include "svc_range.h"

extern const ecom_embedded_t customer_sql[];

/*  The seven segments, in the order SPEC §6 lists them (and segments.sql answers them). */
#define CUSTOMER_SEGMENTS 7

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
    svc_range_t range;
    int rc = svc_range_read (ctx, "bounds.sql", &range);
    if (rc != 0)
        return rc;
    PGresult *res = NULL;
    if (svc_range_overlaps_data (&range)) {
        svc_range_split_t split;
        svc_range_split (&range, &split);
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
    svc_range_write_date (body, "start_date", range.has_start, range.start);
    svc_range_write_date (body, "end_date", range.has_end, range.end);
    svc_range_write_date (body, "reference_date", range.has_end, range.end);
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
