/*  engine_cohorts: monthly acquisition cohorts and their retention (SPEC §9 cohorts),
    computed from the store. A customer's cohort is the month of its first order ever that
    passes the filter (possibly before the range); a customer whose first such order is
    after the range's end is not yet in any cohort. The cohorts listed are the months from
    start's to end's; for each, per month offset k from 0 to end's month: the cohort's
    customers with an order (that passes) in month cohort + k on or before end, and that
    revenue. */
#ifndef ENGINE_COHORTS_H
#define ENGINE_COHORTS_H

#include <stddef.h>
#include <stdint.h>

#include "engine_filter.h"
#include "store.h"

/*  The most cohorts an answer lists (20 years of months). */
#define ENGINE_MAX_COHORTS 240

typedef struct {
    size_t cohorts;          /* months from start's to end's */
    int32_t first_month;     /* the first cohort's first day (days since 1970-01-01) */
    int64_t *customers;      /* [cohorts] */
    int64_t *active, *cents; /* [cohort * cohorts + offset], offsets < cohorts - cohort */
} engine_cohorts_t;

/*  Fills out for start..end (start <= end; at most ENGINE_MAX_COHORTS months). Returns
    0, or -1 when out of memory; free with engine_cohorts_free. */
int engine_cohorts (const store_t *store, int32_t start, int32_t end, const engine_filter_t *filter,
                    engine_cohorts_t *out);

void engine_cohorts_free (engine_cohorts_t *cohorts);

/*  The number of months from start's to end's, both counted. */
int64_t engine_months (int32_t start, int32_t end);

#endif
