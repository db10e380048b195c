/*  svc_range: the date range of an analytics request (SPEC §6 common rules), shared by the
    services that read start_date / end_date.

    start_date and end_date are optional, inclusive, exactly YYYY-MM-DD; a malformed one or
    start > end is 400. With one missing, that end is the data's first (or last) order date,
    which the analytics store tells. */
#ifndef SVC_RANGE_H
#define SVC_RANGE_H

#include <stdbool.h>
#include <stdint.h>

#include "svc.h"

typedef struct {
    bool has_start, has_end;          /* the effective ends are known */
    int32_t start, end;               /* days since 1970-01-01 */
    char start_text[11], end_text[11]; /* the same as YYYY-MM-DD, when known */
    bool has_data;                    /* the data has orders: first and last are set */
    int32_t first, last;              /* the data's first and last order dates */
} svc_range_t;

/*  Reads and checks start_date and end_date (which the op must declare) without asking the
    data: the ends given are set, the others left unknown. Returns 0, or 400 (recorded). */
int svc_range_read_params (svc_ctx_t *ctx, svc_range_t *range);

/*  svc_range_read_params(), then sets *store to the analytics store (svc_store) and
    completes the range from its first and last order dates. Returns 0, or the status to
    answer (400 recorded, or SVC_FAILED when the store cannot be loaded). */
int svc_range_read_store (svc_ctx_t *ctx, svc_range_t *range, const store_t **store);

/*  Reads the compare parameter (which the op must declare): absent, previous_period (the
    range of as many days ending the day before range's start) or previous_year (range one
    calendar year earlier, February 29 as February 28), else 400 (recorded). Sets *wanted
    when given, and previous to the range to compare with when range is complete and the
    comparison starts on or after 0001-01-01 (else previous is left incomplete: no
    comparison). Returns 0 or 400. */
int svc_range_compare (svc_ctx_t *ctx, const svc_range_t *range, svc_range_t *previous,
                       bool *wanted);

/*  True when both ends are known and start <= end. */
bool svc_range_complete (const svc_range_t *range);

/*  Writes "name": the date, or nil when has is false, into a body map. */
void svc_range_write_date (proto_writer_t *body, const char *name, bool has, int32_t days);

#endif
