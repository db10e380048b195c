#include "svc_range.h"

#include "ecom_date.h"

#include <string.h>

/*  Parses one optional date parameter. Returns 0, or the status to answer. */
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

/*  Writes the known ends as text. */
static void
s_format (svc_range_t *range)
{
    if (range->has_start)
        ecom_date_format (range->start, range->start_text);
    if (range->has_end)
        ecom_date_format (range->end, range->end_text);
}

int
svc_range_read_params (svc_ctx_t *ctx, svc_range_t *range)
{
    memset (range, 0, sizeof *range);
    int rc = s_read_date (ctx, "start_date", &range->has_start, &range->start);
    if (rc == 0)
        rc = s_read_date (ctx, "end_date", &range->has_end, &range->end);
    if (rc != 0)
        return rc;
    if (range->has_start && range->has_end && range->start > range->end)
        return svc_error (ctx, 400, "bad_request", "start_date must not be after end_date");
    s_format (range);
    return 0;
}

/*  Completes the missing ends with the data's first and last order dates, when it has any. */
static void
s_complete (svc_range_t *range)
{
    if (range->has_data && !range->has_start) {
        range->has_start = true;
        range->start = range->first;
    }
    if (range->has_data && !range->has_end) {
        range->has_end = true;
        range->end = range->last;
    }
    s_format (range);
}

int
svc_range_read (svc_ctx_t *ctx, const char *bounds_file, svc_range_t *range)
{
    int rc = svc_range_read_params (ctx, range);
    if (rc != 0)
        return rc;
    PGresult *res = svc_query (ctx, bounds_file, 0, NULL);
    if (!res)
        return SVC_FAILED;
    range->has_data = !PQgetisnull (res, 0, 0) && !PQgetisnull (res, 0, 1)
                      && ecom_date_parse (PQgetvalue (res, 0, 0), &range->first) == 0
                      && ecom_date_parse (PQgetvalue (res, 0, 1), &range->last) == 0;
    PQclear (res);
    s_complete (range);
    return 0;
}

int
svc_range_read_store (svc_ctx_t *ctx, svc_range_t *range, const store_t **store)
{
    int rc = svc_range_read_params (ctx, range);
    if (rc != 0)
        return rc;
    if (!(*store = svc_store (ctx)))
        return SVC_FAILED;
    range->has_data = (*store)->span > 0;
    range->first = (*store)->first_day;
    range->last = (*store)->last_day;
    s_complete (range);
    return 0;
}

bool
svc_range_complete (const svc_range_t *range)
{
    return range->has_start && range->has_end && range->start <= range->end;
}

bool
svc_range_overlaps_data (const svc_range_t *range)
{
    return svc_range_complete (range) && range->has_data && range->start <= range->last
           && range->end >= range->first;
}

void
svc_range_write_date (proto_writer_t *body, const char *name, bool has, int32_t days)
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

void
svc_range_split (const svc_range_t *range, svc_range_split_t *split)
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
