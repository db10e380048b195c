#include "engine_cohorts.h"

#include <stdlib.h>

#include "ecom_date.h"

/*  Months since year 0 of days. */
static int32_t
s_month (int32_t days)
{
    int y, m, d;
    ecom_date_to_ymd (days, &y, &m, &d);
    return y * 12 + m - 1;
}

int64_t
engine_months (int32_t start, int32_t end)
{
    return (int64_t) s_month (end) - s_month (start) + 1;
}

void
engine_cohorts_free (engine_cohorts_t *cohorts)
{
    free (cohorts->customers);
    free (cohorts->active);
    free (cohorts->cents);
    cohorts->customers = cohorts->active = cohorts->cents = NULL;
}

/*  The first order day index (that passes the filter) of customer c, or INT32_MAX. */
static int32_t
s_first (const store_t *store, const engine_filter_t *filter, uint32_t c)
{
    if (!filter->by_category) {
        int32_t first = store->customer_first_day[c];
        return first == STORE_NO_DAY ? INT32_MAX : first;
    }
    int32_t first = INT32_MAX;
    for (size_t i = store->customer_start[c]; i < store->customer_start[c + 1]; i++)
        if (engine_filter_order (filter, store, i) && store->order_day[i] < first)
            first = store->order_day[i];
    return first;
}

/*  Adds customer c (cohort row, its first month) to the grid: its orders up to day index
    hi, per month offset; stamp[k] == c + 1 once it counted as active at offset k. */
static void
s_add_customer (const store_t *store, const engine_filter_t *filter, uint32_t c, int32_t hi,
                const int32_t *month_of, int32_t cohort_month, size_t row, engine_cohorts_t *out,
                uint32_t *stamp)
{
    out->customers[row]++;
    /*  Locals the stores below cannot alias: no pointer reloaded per order. */
    int64_t *restrict cents = out->cents + row * out->cohorts;
    int64_t *restrict active = out->active + row * out->cohorts;
    const int32_t *restrict days = store->order_day;
    const int64_t *restrict order_cents = store->order_cents;
    size_t from = store->customer_start[c], to = store->customer_start[c + 1];
    for (size_t i = from; i < to; i++) {
        int32_t day = days[i];
        if (day > hi || !engine_filter_order (filter, store, i))
            continue;
        size_t k = (size_t) (month_of[day] - cohort_month);
        cents[k] += order_cents[i];
        active[k] += stamp[k] != c + 1;
        stamp[k] = c + 1;
    }
}

int
engine_cohorts (const store_t *store, int32_t start, int32_t end, const engine_filter_t *filter,
                engine_cohorts_t *out)
{
    int64_t months = engine_months (start, end);
    size_t n = months < 1 ? 1 : months > ENGINE_MAX_COHORTS ? ENGINE_MAX_COHORTS : (size_t) months;
    *out = (engine_cohorts_t){.cohorts = n,
                              .first_month = ecom_date_month_start (start),
                              .customers = calloc (n, sizeof (int64_t)),
                              .active = calloc (n * n, sizeof (int64_t)),
                              .cents = calloc (n * n, sizeof (int64_t))};
    int32_t *month_of = calloc (store->span ? store->span : 1, sizeof *month_of);
    uint32_t *stamp = calloc (n, sizeof *stamp);
    int rc = out->customers && out->active && out->cents && month_of && stamp ? 0 : -1;
    int32_t hi = end - store->first_day; /* the last day index counted (may lie beyond) */
    int32_t first_month = s_month (start);
    for (uint32_t d = 0; rc == 0 && d < store->span; d++)
        month_of[d] = s_month (store->first_day + (int32_t) d);
    for (uint32_t c = 0; rc == 0 && !filter->none && store->span && c < store->customers; c++) {
        if (!engine_filter_customer (filter, store, c))
            continue;
        int32_t first = s_first (store, filter, c);
        if (first == INT32_MAX || first > hi)
            continue;
        int32_t row = month_of[first] - first_month;
        if (row >= 0 && (size_t) row < n)
            s_add_customer (store, filter, c, hi, month_of, month_of[first], (size_t) row, out,
                            stamp);
    }
    free (month_of);
    free (stamp);
    if (rc != 0)
        engine_cohorts_free (out);
    return rc;
}
