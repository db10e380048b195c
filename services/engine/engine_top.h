/*  engine_top: the best-selling products of a date range (SPEC §6 top sellers), computed
    from the store: one pass over the orders summing those in range per product key (or the
    store's all-time sums, for all the days), then the products sold ordered by the metric
    descending and product_id ascending (byte order). */
#ifndef ENGINE_TOP_H
#define ENGINE_TOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine_filter.h"
#include "store.h"

typedef struct {
    uint32_t product; /* product_key: the store's product_id / name / category */
    int64_t orders, units, cents;
} engine_top_t;

/*  Writes the best (at most limit) products of the orders dated start..end that pass the
    filter into items by units when by_units, else by revenue, and sets *count. items has
    room for limit. Returns 0, or -1 when out of memory. */
int engine_top (const store_t *store, int32_t start, int32_t end, const engine_filter_t *filter,
                bool by_units, size_t limit, engine_top_t *items, size_t *count);

#endif
