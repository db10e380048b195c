#include "engine_totals.h"


#include "ecom_date.h"

/*  Half away from zero: sum / count for non-negative sums. */
static int64_t
s_round_div (int64_t sum, int64_t count)
{
    return count ? (int64_t) (((__int128) 2 * sum + count) / (2 * (__int128) count)) : 0;
}

/*  The customers with an order on a day lo..hi: one pass over the order days, stopping at
    each customer's first hit. */
static int64_t
s_distinct_customers (const store_t *store, int32_t lo, int32_t hi)
{
    if (store_all_days (store, lo, hi))
        return store->customers_with_orders;
    int64_t count = 0;
    const int32_t *day = store->order_day;
    uint32_t span = (uint32_t) (hi - lo);
    for (uint32_t c = 0; c < store->customers; c++)
        for (size_t i = store->customer_start[c]; i < store->customer_start[c + 1]; i++)
            if ((uint32_t) (day[i] - lo) <= span) {
                count++;
                break;
            }
    return count;
}

int
engine_totals (const store_t *store, int32_t start, int32_t end, engine_totals_t *totals)
{
    *totals = (engine_totals_t) {0};
    int32_t lo, hi;
    if (!store_days (store, start, end, &lo, &hi))
        return 0;
    for (int32_t d = lo; d <= hi; d++) {
        totals->orders += store->day_orders[d];
        totals->units += store->day_units[d];
        totals->cents += store->day_cents[d];
    }
    totals->average_cents = s_round_div (totals->cents, totals->orders);
    totals->customers = s_distinct_customers (store, lo, hi);
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
    int32_t lo, hi;
    if (count == 0 || !store_days (store, start, end, &lo, &hi))
        return;
    size_t at = 0;
    for (int32_t d = lo; d <= hi; d++) {
        int32_t day = store->first_day + d;
        while (at + 1 < count && points[at + 1].period <= day)
            at++;
        points[at].orders += store->day_orders[d];
        points[at].cents += store->day_cents[d];
    }
}
