#include "engine_top.h"

#include <stdlib.h>
#include <string.h>

/*  qsort's comparison needs the store's ids and the metric: one sort at a time per thread. */
typedef struct {
    const store_t *store;
    bool by_units;
} s_order_t;

static _Thread_local s_order_t s_order;

static int
s_better_first (const void *a, const void *b)
{
    const engine_top_t *x = a, *y = b;
    int64_t vx = s_order.by_units ? x->units : x->cents;
    int64_t vy = s_order.by_units ? y->units : y->cents;
    if (vx != vy)
        return vx > vy ? -1 : 1;
    const unsigned char *ix = (const unsigned char *) s_order.store->product_id[x->product];
    const unsigned char *iy = (const unsigned char *) s_order.store->product_id[y->product];
    return strcmp ((const char *) ix, (const char *) iy); /* strcmp compares as unsigned */
}

/*  Sums the orders of days lo..hi that pass the filter per product key into per. */
static void
s_sum (const store_t *store, int32_t lo, int32_t hi, const engine_filter_t *filter,
       engine_top_t *per)
{
    if (store_all_days (store, lo, hi) && !engine_filter_any (filter)) {
        for (uint32_t k = 0; k < store->product_slots; k++)
            per[k] = (engine_top_t){k, store->product_orders[k], store->product_units[k],
                                    store->product_cents[k]};
        return;
    }
    uint32_t span = (uint32_t) (hi - lo);
    for (uint32_t c = 0; c < store->customers; c++) {
        if (!engine_filter_customer (filter, store, c))
            continue;
        for (size_t i = store->customer_start[c]; i < store->customer_start[c + 1]; i++)
            if ((uint32_t) (store->order_day[i] - lo) <= span
                && engine_filter_order (filter, store, i)) {
                engine_top_t *p = &per[store->order_product[i]];
                p->orders++;
                p->units += store->order_quantity[i];
                p->cents += store->order_cents[i];
            }
    }
}

int
engine_top (const store_t *store, int32_t start, int32_t end, const engine_filter_t *filter,
            bool by_units, size_t limit, engine_top_t *items, size_t *count)
{
    *count = 0;
    int32_t lo, hi;
    if (filter->none || !store_days (store, start, end, &lo, &hi))
        return 0;
    engine_top_t *per = calloc (store->product_slots, sizeof *per);
    if (!per)
        return -1;
    s_sum (store, lo, hi, filter, per);
    size_t sold = 0;
    for (uint32_t k = 0; k < store->product_slots; k++)
        if (per[k].orders) {
            per[sold] = per[k];
            per[sold++].product = k;
        }
    s_order = (s_order_t){store, by_units};
    qsort (per, sold, sizeof *per, s_better_first);
    *count = sold < limit ? sold : limit;
    memcpy (items, per, *count * sizeof *items);
    free (per);
    return 0;
}
