#include "engine_breakdown.h"

#include <stdlib.h>
#include <string.h>

/*  qsort's comparison needs the store and the grouping: one sort at a time per thread. */
typedef struct {
    const store_t *store;
    engine_by_t by;
} s_order_t;

static _Thread_local s_order_t s_order;

/*  Compares len-counted byte strings in byte order. */
static int
s_bytes (const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp (a, b, alen < blen ? alen : blen);
    return c ? c : (alen > blen) - (alen < blen);
}

static int
s_key_order (uint32_t x, uint32_t y)
{
    const store_t *store = s_order.store;
    if (s_order.by == ENGINE_BY_CITY) {
        const char *xc, *xn, *yc, *yn;
        size_t xcl, xnl, ycl, ynl;
        store_city_name (store, x, &xc, &xcl, &xn, &xnl);
        store_city_name (store, y, &yc, &ycl, &yn, &ynl);
        int c = s_bytes (xc, xcl, yc, ycl);
        return c ? c : s_bytes (xn, xnl, yn, ynl);
    }
    const store_dict_t *dict =
        s_order.by == ENGINE_BY_COUNTRY ? store->countries : store->categories;
    return strcmp (store_dict_text (dict, x), store_dict_text (dict, y));
}

static int
s_better_first (const void *a, const void *b)
{
    const engine_group_t *x = a, *y = b;
    if (x->cents != y->cents)
        return x->cents > y->cents ? -1 : 1;
    return s_key_order (x->key, y->key);
}

static uint32_t
s_groups (const store_t *store, engine_by_t by)
{
    return store_dict_size (by == ENGINE_BY_COUNTRY    ? store->countries
                            : by == ENGINE_BY_CATEGORY ? store->categories
                                                       : store->cities);
}

/*  One pass: sums per group and overall, customers counted once per group (last[g] holds
    the last customer number + 1 that counted in g) and once overall. */
static void
s_sum (const store_t *store, int32_t lo, int32_t hi, const engine_filter_t *filter, engine_by_t by,
       engine_group_t *restrict groups, uint32_t *restrict last, engine_group_t *total)
{
    uint32_t span = (uint32_t) (hi - lo);
    engine_group_t sum = {0}; /* the total, kept apart from groups: no aliasing */
    for (uint32_t c = 0; c < store->customers; c++) {
        if (!engine_filter_customer (filter, store, c))
            continue;
        bool active = false;
        for (size_t i = store->customer_start[c]; i < store->customer_start[c + 1]; i++) {
            if ((uint32_t) (store->order_day[i] - lo) > span
                || !engine_filter_order (filter, store, i))
                continue;
            uint32_t g = by == ENGINE_BY_COUNTRY ? store->customer_country[c]
                         : by == ENGINE_BY_CATEGORY
                             ? store->product_category[store->order_product[i]]
                             : store->customer_city[c];
            engine_group_t *group = &groups[g];
            group->orders++;
            group->units += store->order_quantity[i];
            group->cents += store->order_cents[i];
            group->customers += last[g] != c + 1;
            last[g] = c + 1;
            sum.orders++;
            sum.units += store->order_quantity[i];
            sum.cents += store->order_cents[i];
            active = true;
        }
        sum.customers += active;
    }
    *total = sum;
}

int
engine_breakdown (const store_t *store, int32_t start, int32_t end, const engine_filter_t *filter,
                  engine_by_t by, size_t limit, engine_group_t *items, size_t *count,
                  engine_group_t *total)
{
    *count = 0;
    *total = (engine_group_t){0};
    int32_t lo, hi;
    if (filter->none || !store_days (store, start, end, &lo, &hi))
        return 0;
    uint32_t n = s_groups (store, by);
    engine_group_t *groups = calloc (n ? n : 1, sizeof *groups);
    uint32_t *last = calloc (n ? n : 1, sizeof *last);
    if (!groups || !last) {
        free (groups);
        free (last);
        return -1;
    }
    s_sum (store, lo, hi, filter, by, groups, last, total);
    size_t sold = 0;
    for (uint32_t g = 0; g < n; g++)
        if (groups[g].orders) {
            groups[sold] = groups[g];
            groups[sold++].key = g;
        }
    s_order = (s_order_t){store, by};
    qsort (groups, sold, sizeof *groups, s_better_first);
    *count = sold < limit ? sold : limit;
    memcpy (items, groups, *count * sizeof *items);
    free (groups);
    free (last);
    return 0;
}
