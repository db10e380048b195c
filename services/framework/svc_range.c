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
