/*  engine_totals: the KPI totals and the revenue trend of a date range, computed from the
    store (SPEC §6 kpis and revenue trends). Orders, units and revenue come from the store's
    per-day sums (one step per day); unique customers from one sequential pass over the
    order days, customer by customer, stopping at each customer's first order in range (or
    the store's count of customers with orders, for all the days). With a filter, one pass
    over the orders of the customers that pass sums everything. */
#ifndef ENGINE_TOTALS_H
#define ENGINE_TOTALS_H

#include <stdint.h>

#include "engine_filter.h"
#include "store.h"

typedef struct {
    int64_t orders, units, customers;
    int64_t new_customers; /* customers whose first order ever (that passes the
                                      filter) is in the range */
    int64_t cents;         /* revenue */
    int64_t average_cents; /* revenue / orders, rounded half away from zero; 0 with
                                      no orders */
} engine_totals_t;

/*  The totals of the orders dated start..end (inclusive days) that pass the filter.
    Returns 0. */
int engine_totals (const store_t *store, int32_t start, int32_t end, const engine_filter_t *filter,
                   engine_totals_t *totals);

/*  The periods of a trend: day, ISO week (from Monday) or calendar month. */
typedef enum { ENGINE_DAY, ENGINE_WEEK, ENGINE_MONTH } engine_unit_t;

/*  The first day of the period of unit holding day. */
int32_t engine_period_start (engine_unit_t unit, int32_t day);

/*  The first day of the period after the one starting at period. */
int32_t engine_period_next (engine_unit_t unit, int32_t period);

typedef struct {
    int32_t period; /* its first day */
    int64_t orders, cents;
} engine_point_t;

/*  Fills points[0 .. count) with every period of unit from the one holding start to the one
    holding end (count must be their number), each summing only the orders of days
    start..end inside it that pass the filter; periods without orders are zeros. Returns 0,
    or -1 when out of memory. */
int engine_trend (const store_t *store, int32_t start, int32_t end, engine_unit_t unit,
                  const engine_filter_t *filter, engine_point_t *points, size_t count);

#endif
