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

/*  The same day one year earlier (February 29 becomes February 28). */
static int32_t
s_year_before (int32_t days)
{
    int y, m, d;
    ecom_date_to_ymd (days, &y, &m, &d);
    return ecom_date_from_ymd (y - 1, m, m == 2 && d == 29 ? 28 : d);
}

int
svc_range_compare (svc_ctx_t *ctx, const svc_range_t *range, svc_range_t *previous,
                   bool *wanted)
{
    const char *compare = svc_param (ctx, "compare");
    *wanted = compare != NULL;
    memset (previous, 0, sizeof *previous);
    if (compare && strcmp (compare, "previous_period") != 0
        && strcmp (compare, "previous_year") != 0)
        return svc_error (ctx, 400, "bad_request",
                          "compare must be previous_period or previous_year");
    if (!compare || !svc_range_complete (range))
        return 0;
    if (strcmp (compare, "previous_period") == 0) {
        previous->end = range->start - 1;
        previous->start = previous->end - (range->end - range->start);
    }
    else {
        previous->start = s_year_before (range->start);
        previous->end = s_year_before (range->end);
    }
    /*  Before 0001-01-01 there are no dates to name: no comparison. */
    previous->has_start = previous->has_end = previous->start >= ecom_date_from_ymd (1, 1, 1);
    s_format (previous);
    return 0;
}
