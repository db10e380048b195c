#include "engine_rfm.h"

#include <stdlib.h>
#include <string.h>

const char *const engine_segment_names[ENGINE_SEGMENTS] = {
    "champions", "loyal_customers", "potential_loyalists", "new_customers",
    "at_risk",   "hibernating",     "needs_attention"};

/*  One customer's figures over the range. */
typedef struct {
    int32_t last_day;
    uint32_t orders;
    int64_t cents;
} s_rfm_t;

/*  The figures of every customer with orders in [from, to) (the store's orders), indexed by
    customer key; a customer without orders in range has orders 0. */
static s_rfm_t *
s_scan (const store_t *store, uint32_t day_lo, uint32_t day_hi)
{
    s_rfm_t *per = calloc (store->customer_slots, sizeof *per);
    if (!per)
        return NULL;
    if (day_lo == 0 && day_hi + 1 == store->span) { /* every day: the all-time sums */
        for (uint32_t c = 0; c < store->customer_slots; c++)
            per[c] = (s_rfm_t) {store->customer_last_day[c], store->customer_orders[c],
                                store->customer_cents[c]};
        return per;
    }
    for (uint32_t d = day_lo; d <= day_hi; d++) {
        int32_t day = store->first_day + (int32_t) d;
        for (size_t i = store->day_start[d]; i < store->day_start[d + 1]; i++) {
            s_rfm_t *r = &per[store->order_customer[i]];
            r->last_day = day; /* orders come day by day: the last seen is the last */
            r->orders++;
            r->cents += store->order_cents[i];
        }
    }
    return per;
}

/*  Sorts the n indexes in order (0..n-1 on entry) stably by key[index], ascending: a least
    significant digit first radix sort, 16 bits a pass, as many passes as the largest key
    needs. tmp has room for n indexes. */
static void
s_radix (uint32_t *order, uint32_t *tmp, const uint64_t *key, uint32_t n, uint32_t *counts)
{
    uint64_t max = 0;
    for (uint32_t i = 0; i < n; i++)
        max = key[i] > max ? key[i] : max;
    for (unsigned shift = 0; shift < 64 && (shift == 0 || (max >> shift) != 0); shift += 16) {
        memset (counts, 0, 65536 * sizeof *counts);
        for (uint32_t i = 0; i < n; i++)
            counts[(key[order[i]] >> shift) & 0xFFFF]++;
        uint32_t sum = 0;
        for (uint32_t b = 0; b < 65536; b++) {
            uint32_t c = counts[b];
            counts[b] = sum;
            sum += c;
        }
        for (uint32_t i = 0; i < n; i++)
            tmp[counts[(key[order[i]] >> shift) & 0xFFFF]++] = order[i];
        memcpy (order, tmp, n * sizeof *order);
    }
}

/*  PostgreSQL's ntile(5) of the row at position (0-based) among n rows: the first n % 5
    buckets hold one row more. */
static uint8_t
s_ntile (uint32_t position, uint32_t n)
{
    uint32_t q = n / 5, r = n % 5, big = r * (q + 1);
    return (uint8_t) (1 + (position < big ? position / (q + 1) : r + (position - big) / q));
}

/*  Sets score[i] (1..5) of each active customer i (in id order) by key ascending. */
static void
s_score (const uint64_t *key, uint32_t n, uint8_t *score, uint32_t *order, uint32_t *tmp,
         uint32_t *counts)
{
    for (uint32_t i = 0; i < n; i++)
        order[i] = i;
    s_radix (order, tmp, key, n, counts);
    for (uint32_t position = 0; position < n; position++)
        score[order[position]] = s_ntile (position, n);
}

static int
s_segment_of (int r, int f, int m)
{
    if (r >= 4 && f >= 4 && m >= 4)
        return 0;
    if (f >= 4)
        return 1;
    if (r >= 4 && f >= 2)
        return 2;
    if (r >= 4)
        return 3;
    if (r <= 2 && f >= 3)
        return 4;
    if (r <= 2)
        return 5;
    return 6;
}

static int64_t
s_round_div (__int128 sum, int64_t count)
{
    return count ? (int64_t) ((2 * sum + count) / (2 * (__int128) count)) : 0;
}

/*  The work arrays of one computation. */
typedef struct {
    uint32_t *active;       /* customer keys with orders, in customer_id order */
    uint64_t *key;
    uint8_t *r, *f, *m;
    uint32_t *order, *tmp, *counts;
} s_work_t;

static void
s_work_free (s_work_t *w)
{
    free (w->active);
    free (w->key);
    free (w->r);
    free (w->f);
    free (w->m);
    free (w->order);
    free (w->tmp);
    free (w->counts);
}

static int
s_work_alloc (s_work_t *w, uint32_t n)
{
    size_t k = n ? n : 1;
    *w = (s_work_t) {malloc (k * 4), malloc (k * 8), malloc (k), malloc (k), malloc (k),
                     malloc (k * 4), malloc (k * 4), malloc (65536 * 4)};
    return w->active && w->key && w->r && w->f && w->m && w->order && w->tmp && w->counts
               ? 0
               : -1;
}

static void
s_sum_segments (const s_work_t *w, const s_rfm_t *per, uint32_t n, int32_t reference,
                engine_rfm_t *rfm)
{
    int64_t recency[ENGINE_SEGMENTS] = {0}, orders[ENGINE_SEGMENTS] = {0};
    __int128 cents[ENGINE_SEGMENTS] = {0};
    for (uint32_t i = 0; i < n; i++) {
        const s_rfm_t *c = &per[w->active[i]];
        int s = s_segment_of (w->r[i], w->f[i], w->m[i]);
        rfm->segments[s].customers++;
        recency[s] += reference - c->last_day;
        orders[s] += c->orders;
        cents[s] += c->cents;
    }
    rfm->total_customers = n;
    for (int s = 0; s < ENGINE_SEGMENTS; s++) {
        engine_segment_t *seg = &rfm->segments[s];
        seg->share_e4 = s_round_div ((__int128) seg->customers * 10000, n);
        seg->recency_e2 = s_round_div ((__int128) recency[s] * 100, seg->customers);
        seg->frequency_e2 = s_round_div ((__int128) orders[s] * 100, seg->customers);
        seg->monetary_cents = s_round_div (cents[s], seg->customers);
    }
}

int
engine_rfm (const store_t *store, int32_t start, int32_t end, int32_t reference,
            engine_rfm_t *rfm)
{
    memset (rfm, 0, sizeof *rfm);
    uint32_t lo, hi;
    size_t from, to;
    if (!store_slice (store, start, end, &lo, &hi, &from, &to) || from == to)
        return 0;
    s_rfm_t *per = s_scan (store, lo, hi);
    s_work_t w = {0};
    if (!per || s_work_alloc (&w, store->customers) != 0) {
        free (per);
        s_work_free (&w);
        return -1;
    }
    uint32_t n = 0;
    for (uint32_t i = 0; i < store->customers; i++)
        if (per[store->customers_by_id[i]].orders)
            w.active[n++] = store->customers_by_id[i];
    /*  R: recency descending = last order date ascending; F, M: ascending. */
    for (uint32_t i = 0; i < n; i++)
        w.key[i] = (uint64_t) ((int64_t) per[w.active[i]].last_day - store->first_day);
    s_score (w.key, n, w.r, w.order, w.tmp, w.counts);
    for (uint32_t i = 0; i < n; i++)
        w.key[i] = per[w.active[i]].orders;
    s_score (w.key, n, w.f, w.order, w.tmp, w.counts);
    for (uint32_t i = 0; i < n; i++)
        w.key[i] = (uint64_t) per[w.active[i]].cents;
    s_score (w.key, n, w.m, w.order, w.tmp, w.counts);
    s_sum_segments (&w, per, n, reference, rfm);
    s_work_free (&w);
    free (per);
    return 0;
}
