#include "engine_totals.h"

#include <stdlib.h>

#include "ecom_date.h"

/*  Half away from zero: sum / count for non-negative sums. */
static int64_t
s_round_div (int64_t sum, int64_t count)
{
    return count ? (int64_t) (((__int128) 2 * sum + count) / (2 * (__int128) count)) : 0;
}

/*  Unfiltered: the customers with an order on a day lo..hi (one pass over the order days,
    stopping at each customer's first hit), and those whose first order ever is among them. */
static void
s_customers (const store_t *store, int32_t lo, int32_t hi, engine_totals_t *totals)
{
    uint32_t span = (uint32_t) (hi - lo);
    for (uint32_t c = 0; c < store->customers; c++) /* STORE_NO_DAY: far below lo */
        totals->new_customers += (uint64_t) ((int64_t) store->customer_first_day[c] - lo) <= span;
    if (store_all_days (store, lo, hi)) {
        totals->customers = store->customers_with_orders;
        return;
    }
    const int32_t *day = store->order_day;
    for (uint32_t c = 0; c < store->customers; c++)
        for (size_t i = store->customer_start[c]; i < store->customer_start[c + 1]; i++)
            if ((uint32_t) (day[i] - lo) <= span) {
                totals->customers++;
                break;
            }
}

/*  Filtered: one pass over the orders of the customers that pass, summing those that pass
    and fall on days lo..hi; a customer is new when its first order ever that passes is in
    the range. */
static void
s_filtered (const store_t *store, int32_t lo, int32_t hi, const engine_filter_t *filter,
            engine_totals_t *totals)
{
    uint32_t span = (uint32_t) (hi - lo);
    for (uint32_t c = 0; c < store->customers; c++) {
        if (!engine_filter_customer (filter, store, c))
            continue;
        int32_t first = INT32_MAX;
        bool active = false;
        for (size_t i = store->customer_start[c]; i < store->customer_start[c + 1]; i++) {
            if (!engine_filter_order (filter, store, i))
                continue;
            int32_t day = store->order_day[i];
            first = day < first ? day : first;
            if ((uint32_t) (day - lo) <= span) {
                active = true;
                totals->orders++;
                totals->units += store->order_quantity[i];
                totals->cents += store->order_cents[i];
            }
        }
        totals->customers += active;
        totals->new_customers += active && first >= lo;
    }
}

int
engine_totals (const store_t *store, int32_t start, int32_t end, const engine_filter_t *filter,
               engine_totals_t *totals)
{
    *totals = (engine_totals_t){0};
    int32_t lo, hi;
    if (filter->none || !store_days (store, start, end, &lo, &hi))
        return 0;
    if (engine_filter_any (filter))
        s_filtered (store, lo, hi, filter, totals);
    else {
        for (int32_t d = lo; d <= hi; d++) {
            totals->orders += store->day_orders[d];
            totals->units += store->day_units[d];
            totals->cents += store->day_cents[d];
        }
        s_customers (store, lo, hi, totals);
    }
    totals->average_cents = s_round_div (totals->cents, totals->orders);
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

/*  Adds the per-day orders and cents of days lo..hi to the points' periods. */
static void
s_add_days (const store_t *store, int32_t lo, int32_t hi, const int64_t *orders,
            const int64_t *cents, engine_point_t *points, size_t count)
{
    size_t at = 0;
    for (int32_t d = lo; d <= hi; d++) {
        int32_t day = store->first_day + d;
        while (at + 1 < count && points[at + 1].period <= day)
            at++;
        points[at].orders += orders[d];
        points[at].cents += cents[d];
    }
}

int
engine_trend (const store_t *store, int32_t start, int32_t end, engine_unit_t unit,
              const engine_filter_t *filter, engine_point_t *points, size_t count)
{
    int32_t period = engine_period_start (unit, start);
    for (size_t i = 0; i < count; i++) {
        points[i] = (engine_point_t){.period = period};
        period = engine_period_next (unit, period);
    }
    int32_t lo, hi;
    if (count == 0 || filter->none || !store_days (store, start, end, &lo, &hi))
        return 0;
    if (!engine_filter_any (filter)) {
        s_add_days (store, lo, hi, store->day_orders, store->day_cents, points, count);
        return 0;
    }
    int64_t *orders = calloc (store->span, sizeof *orders);
    int64_t *cents = calloc (store->span, sizeof *cents);
    if (!orders || !cents) {
        free (orders);
        free (cents);
        return -1;
    }
    uint32_t span = (uint32_t) (hi - lo);
    for (uint32_t c = 0; c < store->customers; c++) {
        if (!engine_filter_customer (filter, store, c))
            continue;
        for (size_t i = store->customer_start[c]; i < store->customer_start[c + 1]; i++) {
            int32_t day = store->order_day[i];
            if ((uint32_t) (day - lo) <= span && engine_filter_order (filter, store, i)) {
                orders[day]++;
                cents[day] += store->order_cents[i];
            }
        }
    }
    s_add_days (store, lo, hi, orders, cents, points, count);
    free (orders);
    free (cents);
    return 0;
}
