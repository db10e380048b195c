/*  engine_filter: the country and category filters of SPEC §9 over the store: country is
    the customer's (current) country, category the product's (current) category, both
    compared exactly; given together both apply. A value the store has never seen matches
    nothing. */
#ifndef ENGINE_FILTER_H
#define ENGINE_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

typedef struct {
    bool by_country, by_category;
    bool none;         /* a value that matches nothing: every figure is zero */
    uint32_t country;  /* into the store's countries, when by_country */
    uint32_t category; /* into the store's categories, when by_category */
} engine_filter_t;

/*  The filter of the two values (NULL: not filtered by it). */
engine_filter_t engine_filter (const store_t *store, const char *country, const char *category);

/*  True when the filter restricts anything. */
static inline bool
engine_filter_any (const engine_filter_t *f)
{
    return f->by_country || f->by_category || f->none;
}

/*  True when customer number c passes the country filter. */
static inline bool
engine_filter_customer (const engine_filter_t *f, const store_t *store, uint32_t c)
{
    return !f->by_country || store->customer_country[c] == f->country;
}

/*  True when order i passes the category filter. */
static inline bool
engine_filter_order (const engine_filter_t *f, const store_t *store, size_t i)
{
    return !f->by_category || store->product_category[store->order_product[i]] == f->category;
}

#endif
