/*  engine_browse: the customer and product lists of SPEC §10 over the store: their
    orderings, computed once per store (data version) and kept, and the sets their filters
    and search select. A page, or an export, is a cursor (engine_set.h) over an ordering
    restricted to a set: count = the set's size, page n = the items after skipping
    (n - 1) x size of them.

    Orderings (ties by id ascending, byte order, whatever the key):
    - customers (numbers): ENGINE_BY_ID (customer_id), ENGINE_BY_REVENUE, ENGINE_BY_ORDERS,
      ENGINE_BY_LAST_ORDER (last order date descending, customers without orders last);
    - products (keys): ENGINE_BY_ID (product_id), ENGINE_BY_REVENUE, ENGINE_BY_UNITS.
    Descending keys are sorted stably (LSD radix) from the id order, so ties keep it. */
#ifndef ENGINE_BROWSE_H
#define ENGINE_BROWSE_H

#include <stdint.h>

#include "engine_filter.h"
#include "engine_set.h"
#include "engine_text.h"
#include "store.h"

typedef enum {
    ENGINE_BY_ID,
    ENGINE_BY_REVENUE,
    ENGINE_BY_ORDERS,
    ENGINE_BY_UNITS,
    ENGINE_BY_LAST_ORDER,
    ENGINE_BY_COUNT
} engine_by_t;

typedef struct _engine_browse_t engine_browse_t;

/*  Returns the browse state of store, reusing *cache when it is of the same data version
    (else destroying it): the orderings already computed stay. Returns *cache, or NULL when
    out of memory. */
engine_browse_t *engine_browse_of (engine_browse_t **cache, const store_t *store);

/*  Frees the state and nulls the caller's pointer. NULL-safe. */
void engine_browse_destroy (engine_browse_t **self_p);

/*  The customer numbers (by) or product keys (products) in an ordering, *count of them;
    computed on first use. NULL when out of memory. store must be the state's. */
const uint32_t *engine_browse_customers (engine_browse_t *self, const store_t *store,
                                         engine_by_t by, uint32_t *count);
const uint32_t *engine_browse_products (engine_browse_t *self, const store_t *store, engine_by_t by,
                                        uint32_t *count);

/*  The search index of the products' ids and names (items: product keys), built on first
    use. NULL when out of memory. */
const engine_text_t *engine_browse_product_text (engine_browse_t *self, const store_t *store);

/*  Makes set the customer numbers that pass filter's country (none for a value the store
    has never seen). Returns 0, or -1 when out of memory. */
int engine_browse_customer_set (const store_t *store, const engine_filter_t *filter,
                                engine_set_t *set);

/*  Makes set the product keys that exist and pass filter's category. Returns 0, or -1. */
int engine_browse_product_set (const store_t *store, const engine_filter_t *filter,
                               engine_set_t *set);

/*  Keeps in set (of customer numbers) only the customers whose customer_key is in keys. */
void engine_browse_keep_keys (engine_set_t *set, const store_t *store, const engine_set_t *keys);

/*  The cursor over ordering order (n items) restricted to set. */
engine_cursor_t engine_browse_cursor (const uint32_t *order, uint32_t n, const engine_set_t *set);

#endif
