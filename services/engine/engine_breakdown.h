/*  engine_breakdown: revenue, orders, units and distinct customers per country, category
    or city (SPEC §9 breakdown) of a date range, computed from the store in one pass over the
    orders that pass the filter. A customer counts once in each group it bought in (per
    category it may count in several); a city is a (city, country) pair. Groups are ordered
    by revenue descending, then by key in byte order (for cities, city then country). */
#ifndef ENGINE_BREAKDOWN_H
#define ENGINE_BREAKDOWN_H

#include <stddef.h>
#include <stdint.h>

#include "engine_filter.h"
#include "store.h"

typedef enum { ENGINE_BY_COUNTRY, ENGINE_BY_CATEGORY, ENGINE_BY_CITY } engine_by_t;

typedef struct {
    uint32_t key; /* into the store's countries, categories or cities */
    int64_t orders, units, cents, customers;
} engine_group_t;

/*  Writes the best (at most limit) groups by into items (room for limit), sets *count, and
    the totals over every group into *total (key unused; customers distinct overall).
    Returns 0, or -1 when out of memory. */
int engine_breakdown (const store_t *store, int32_t start, int32_t end,
                      const engine_filter_t *filter, engine_by_t by, size_t limit,
                      engine_group_t *items, size_t *count, engine_group_t *total);

#endif
