#include "engine_totals.h"

#include <stdlib.h>

#include "ecom_date.h"

/*  Half away from zero: sum / count for non-negative sums. */
static int64_t
s_round_div (int64_t sum, int64_t count)
{
    return count ? (int64_t) (((__int128) 2 * sum + count) / (2 * (__int128) count)) : 0;
}

/*  The distinct customers of the orders [from, to). */
static int64_t
s_distinct_customers (const store_t *store, size_t from, size_t to, uint64_t *seen)
{
    int64_t count = 0;
    const uint32_t *customer = store->order_customer;
    for (size_t i = from; i < to; i++) {
        uint32_t c = customer[i];
        uint64_t bit = (uint64_t) 1 << (c & 63);
        count += !(seen[c >> 6] & bit);
        seen[c >> 6] |= bit;
    }
    return count;
}

int
engine_totals (const store_t *store, int32_t start, int32_t end, engine_totals_t *totals)
{
    *totals = (engine_totals_t) {0};
    uint32_t lo, hi;
    size_t from, to;
    if (!store_slice (store, start, end, &lo, &hi, &from, &to))
        return 0;
    for (uint32_t d = lo; d <= hi; d++) {
        totals->units += store->day_units[d];
        totals->cents += store->day_cents[d];
    }
    totals->orders = (int64_t) (to - from);
    totals->average_cents = s_round_div (totals->cents, totals->orders);
    uint64_t *seen = calloc ((store->customers + 64) / 64, sizeof *seen);
    if (!seen)
        return -1;
    totals->customers = s_distinct_customers (store, from, to, seen);
    free (seen);
    return 0;
}

int32_t
engine_period_start (engine_unit_t unit, int32_t day)
{
    return unit == ENGINE_DAY    ? day
           : unit == ENGINE_WEEK ? ecom_date_week_start (day)
                                 : ecom_date_month_start (day);
}

int32_t
engine_period_next (engine_unit_t unit, int32_t period)
{
    return unit == ENGINE_DAY    ? period + 1
           : unit == ENGINE_WEEK ? period + 7
                                 : ecom_date_next_month (period);
}

void
engine_trend (const store_t *store, int32_t start, int32_t end, engine_unit_t unit,
              engine_point_t *points, size_t count)
{
    int32_t period = engine_period_start (unit, start);
    for (size_t i = 0; i < count; i++) {
        points[i] = (engine_point_t) {.period = period};
        period = engine_period_next (unit, period);
    }
    uint32_t lo, hi;
    size_t from, to;
    if (count == 0 || !store_slice (store, start, end, &lo, &hi, &from, &to))
        return;
    size_t at = 0;
    for (uint32_t d = lo; d <= hi; d++) {
        int32_t day = store->first_day + (int32_t) d;
        while (at + 1 < count && points[at + 1].period <= day)
            at++;
        points[at].orders += (int64_t) (store->day_start[d + 1] - store->day_start[d]);
        points[at].cents += store->day_cents[d];
    }
}
