#include "engine_browse.h"

#include <stdlib.h>
#include <string.h>

struct _engine_browse_t {
    long long version;
    uint32_t customers, product_slots;
    uint32_t *customer_order[ENGINE_BY_COUNT]; /* NULL: not computed yet */
    uint32_t *product_order[ENGINE_BY_COUNT];
    uint32_t products; /* the length of each product ordering */
    engine_text_t *product_text;
};

engine_browse_t *
engine_browse_of (engine_browse_t **cache, const store_t *store)
{
    engine_browse_t *self = *cache;
    if (self && self->version == store->version && self->customers == store->customers
        && self->product_slots == store->product_slots)
        return self;
    engine_browse_destroy (cache);
    self = calloc (1, sizeof *self);
    if (self) {
        self->version = store->version;
        self->customers = store->customers;
        self->product_slots = store->product_slots;
    }
    *cache = self;
    return self;
}

void
engine_browse_destroy (engine_browse_t **self_p)
{
    engine_browse_t *self = *self_p;
    if (!self)
        return;
    for (int by = 0; by < ENGINE_BY_COUNT; by++) {
        free (self->customer_order[by]);
        free (self->product_order[by]);
    }
    engine_text_destroy (&self->product_text);
    free (self);
    *self_p = NULL;
}

/*  ---------------------------------------------------------------------------------------
    Sorting */

/*  Sorts the n items stably by key[item] ascending: an LSD radix sort, 16 bits a pass,
    a pass skipped when every key has the same digit there. Returns 0, or -1 when out of
    memory (items unchanged). */
static int
s_radix_sort (uint32_t *items, uint32_t n, const uint64_t *key)
{
    uint32_t *tmp = malloc ((n ? n : 1) * sizeof *tmp);
    uint64_t *k = malloc ((n ? n : 1) * sizeof *k), *ktmp = malloc ((n ? n : 1) * sizeof *k);
    uint32_t *counts = malloc (65536 * sizeof *counts);
    if (!tmp || !k || !ktmp || !counts) {
        free (tmp), free (k), free (ktmp), free (counts);
        return -1;
    }
    for (uint32_t i = 0; i < n; i++)
        k[i] = key[items[i]];
    uint32_t *from = items, *to = tmp;
    uint64_t *kfrom = k, *kto = ktmp;
    for (int shift = 0; shift < 64; shift += 16) {
        memset (counts, 0, 65536 * sizeof *counts);
        for (uint32_t i = 0; i < n; i++)
            counts[(kfrom[i] >> shift) & 0xFFFF]++;
        if (n == 0 || counts[(kfrom[0] >> shift) & 0xFFFF] == n)
            continue;
        uint32_t sum = 0;
        for (int d = 0; d < 65536; d++) {
            uint32_t c = counts[d];
            counts[d] = sum;
            sum += c;
        }
        for (uint32_t i = 0; i < n; i++) {
            uint32_t at = counts[(kfrom[i] >> shift) & 0xFFFF]++;
            to[at] = from[i];
            kto[at] = kfrom[i];
        }
        uint32_t *t = from;
        from = to, to = t;
        uint64_t *kt = kfrom;
        kfrom = kto, kto = kt;
    }
    if (from != items)
        memcpy (items, from, n * sizeof *items);
    free (tmp), free (k), free (ktmp), free (counts);
    return 0;
}

/*  A copy of the n items of base, sorted stably by key (by item) ascending; NULL when out
    of memory. Frees key. */
static uint32_t *
s_sorted (const uint32_t *base, uint32_t n, uint64_t *key)
{
    uint32_t *items = key ? malloc ((n ? n : 1) * sizeof *items) : NULL;
    if (items) {
        memcpy (items, base, n * sizeof *items);
        if (s_radix_sort (items, n, key) != 0) {
            free (items);
            items = NULL;
        }
    }
    free (key);
    return items;
}

/*  A descending key of a non-negative count or sum: ascending order of the result. */
static inline uint64_t
s_desc (int64_t value)
{
    return UINT64_MAX - (uint64_t) (value < 0 ? 0 : value);
}

/*  ---------------------------------------------------------------------------------------
    Customers */

static uint32_t *
s_customer_order (const store_t *store, const uint32_t *by_id, engine_by_t by)
{
    uint32_t n = store->customers;
    if (by == ENGINE_BY_ID) {
        uint32_t *items = malloc ((n ? n : 1) * sizeof *items);
        for (uint32_t c = 0; items && c < n; c++)
            items[c] = c; /* numbers are in customer_id byte order */
        return items;
    }
    uint64_t *key = malloc ((n ? n : 1) * sizeof *key);
    for (uint32_t c = 0; key && c < n; c++) {
        size_t orders = store->customer_start[c + 1] - store->customer_start[c];
        int32_t last = store->customer_last_day[c];
        key[c] = by == ENGINE_BY_REVENUE  ? s_desc (store->customer_cents[c])
                 : by == ENGINE_BY_ORDERS ? s_desc ((int64_t) orders)
                 : last == STORE_NO_DAY   ? UINT64_MAX /* after every day, day 0 too */
                                          : s_desc ((int64_t) last) - 1;
    }
    return s_sorted (by_id, n, key);
}

const uint32_t *
engine_browse_customers (engine_browse_t *self, const store_t *store, engine_by_t by,
                         uint32_t *count)
{
    if (by != ENGINE_BY_ID && by != ENGINE_BY_REVENUE && by != ENGINE_BY_ORDERS
        && by != ENGINE_BY_LAST_ORDER)
        return NULL;
    if (!self->customer_order[ENGINE_BY_ID])
        self->customer_order[ENGINE_BY_ID] = s_customer_order (store, NULL, ENGINE_BY_ID);
    if (self->customer_order[ENGINE_BY_ID] && !self->customer_order[by])
        self->customer_order[by] = s_customer_order (store, self->customer_order[ENGINE_BY_ID], by);
    *count = store->customers;
    return self->customer_order[by];
}

/*  ---------------------------------------------------------------------------------------
    Products */

static const store_t *s_sort_store; /* qsort has no context argument */

static int
s_by_product_id (const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;
    return strcmp (s_sort_store->product_id[x], s_sort_store->product_id[y]);
}

static uint32_t *
s_product_order (const store_t *store, const uint32_t *by_id, uint32_t n, engine_by_t by)
{
    if (by == ENGINE_BY_ID) {
        uint32_t *items = malloc ((n ? n : 1) * sizeof *items);
        uint32_t at = 0;
        for (uint32_t k = 0; items && k < store->product_slots; k++)
            if (store->product_id[k] && at < n)
                items[at++] = k;
        if (items) {
            s_sort_store = store;
            qsort (items, at, sizeof *items, s_by_product_id); /* strcmp: byte order */
        }
        return items;
    }
    uint64_t *key = malloc ((store->product_slots ? store->product_slots : 1) * sizeof *key);
    for (uint32_t k = 0; key && k < store->product_slots; k++)
        key[k] =
            s_desc (by == ENGINE_BY_REVENUE ? store->product_cents[k] : store->product_units[k]);
    return s_sorted (by_id, n, key);
}

const uint32_t *
engine_browse_products (engine_browse_t *self, const store_t *store, engine_by_t by,
                        uint32_t *count)
{
    if (by != ENGINE_BY_ID && by != ENGINE_BY_REVENUE && by != ENGINE_BY_UNITS)
        return NULL;
    if (!self->product_order[ENGINE_BY_ID]) {
        self->products = 0;
        for (uint32_t k = 0; k < store->product_slots; k++)
            self->products += store->product_id[k] != NULL;
        self->product_order[ENGINE_BY_ID] =
            s_product_order (store, NULL, self->products, ENGINE_BY_ID);
    }
    if (self->product_order[ENGINE_BY_ID] && !self->product_order[by])
        self->product_order[by] =
            s_product_order (store, self->product_order[ENGINE_BY_ID], self->products, by);
    *count = self->products;
    return self->product_order[by];
}

const engine_text_t *
engine_browse_product_text (engine_browse_t *self, const store_t *store)
{
    if (self->product_text)
        return self->product_text;
    engine_text_t *text = engine_text_new (store->product_slots);
    for (uint32_t k = 0; text && k < store->product_slots; k++) {
        if (!store->product_id[k])
            continue;
        const char *fields[] = {store->product_id[k], store->product_name[k]};
        size_t lens[] = {strlen (fields[0]), strlen (fields[1])};
        if (engine_text_add (text, k, 2, fields, lens) != 0)
            engine_text_destroy (&text);
    }
    if (text)
        engine_text_shrink (text);
    self->product_text = text;
    return text;
}

/*  ---------------------------------------------------------------------------------------
    Sets */

int
engine_browse_customer_set (const store_t *store, const engine_filter_t *filter, engine_set_t *set)
{
    bool everyone = !filter->by_country && !filter->none;
    if (engine_set_init (set, store->customers, everyone) != 0)
        return -1;
    if (everyone || filter->none)
        return 0;
    for (uint32_t c = 0; c < store->customers; c++)
        if (store->customer_country[c] == filter->country)
            engine_set_add (set, c);
    return 0;
}

int
engine_browse_product_set (const store_t *store, const engine_filter_t *filter, engine_set_t *set)
{
    if (engine_set_init (set, store->product_slots, false) != 0)
        return -1;
    if (filter->none)
        return 0;
    for (uint32_t k = 0; k < store->product_slots; k++)
        if (store->product_id[k]
            && (!filter->by_category || store->product_category[k] == filter->category))
            engine_set_add (set, k);
    return 0;
}

void
engine_browse_keep_keys (engine_set_t *set, const store_t *store, const engine_set_t *keys)
{
    for (uint32_t c = 0; c < set->size && c < store->customers; c++)
        if (engine_set_has (set, c) && !engine_set_has (keys, store->customer_key[c]))
            engine_set_remove (set, c);
}

engine_cursor_t
engine_browse_cursor (const uint32_t *order, uint32_t n, const engine_set_t *set)
{
    return (engine_cursor_t){order, n, 0, set};
}
