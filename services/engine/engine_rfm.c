#include "engine_rfm.h"

#include <stdlib.h>
#include <string.h>

const char *const engine_segment_names[ENGINE_SEGMENTS] = {
    "champions", "loyal_customers", "potential_loyalists", "new_customers",
    "at_risk",   "hibernating",     "needs_attention"};

/*  PostgreSQL's ntile(5) among n rows: the first n % 5 buckets hold one row more. The
    first positions of buckets 2..5, so that a score is four comparisons, no division. */
typedef struct {
    uint32_t starts[4];
} s_ntile_t;

static s_ntile_t
s_ntile_of (uint32_t n)
{
    s_ntile_t t;
    uint32_t q = n / 5, r = n % 5, at = 0;
    for (uint32_t b = 0; b < 4; b++)
        t.starts[b] = at += q + (b < r);
    return t;
}

static inline uint8_t
s_ntile (const s_ntile_t *t, uint32_t position)
{
    return (uint8_t) (1 + (position >= t->starts[0]) + (position >= t->starts[1])
                      + (position >= t->starts[2]) + (position >= t->starts[3]));
}

/*  Keys up to this are scored by a counting sort: a histogram of the keys, then each row's
    position straight from it (the score of R and F: days and order counts). */
#define S_COUNTING_MAX (1U << 20)
/*  Room for the histogram of either sort. */
#define S_COUNTS (S_COUNTING_MAX + 1 > 65536 ? S_COUNTING_MAX + 1 : 65536)

/*  Scores by counting: position of row i = rows with a smaller key + rows before i with
    the same key. counts has room for max + 1. */
static void
s_score_counting (const uint64_t *key, uint32_t n, uint64_t max, uint8_t *score,
                  uint32_t *counts)
{
    memset (counts, 0, (max + 1) * sizeof *counts);
    for (uint32_t i = 0; i < n; i++)
        counts[key[i]]++;
    uint32_t sum = 0;
    for (uint64_t k = 0; k <= max; k++) {
        uint32_t c = counts[k];
        counts[k] = sum;
        sum += c;
    }
    s_ntile_t t = s_ntile_of (n);
    for (uint32_t i = 0; i < n; i++)
        score[i] = s_ntile (&t, counts[key[i]]++);
}

/*  Scores by sorting (key << 32 | row) with a least significant digit first radix sort on
    the key's 16-bit digits (the rows are already ascending, and the sort is stable): for
    keys below 2^32 (the score of M: revenue in cents). tmp and sorted have room for n. */
static void
s_score_radix (const uint64_t *key, uint32_t n, uint64_t max, uint8_t *score, uint64_t *sorted,
               uint64_t *tmp, uint32_t *counts)
{
    for (uint32_t i = 0; i < n; i++)
        sorted[i] = key[i] << 32 | i;
    for (unsigned shift = 32; shift < 64 && (max >> (shift - 32)) != 0; shift += 16) {
        memset (counts, 0, 65536 * sizeof *counts);
        for (uint32_t i = 0; i < n; i++)
            counts[(sorted[i] >> shift) & 0xFFFF]++;
        uint32_t sum = 0;
        for (uint32_t b = 0; b < 65536; b++) {
            uint32_t c = counts[b];
            counts[b] = sum;
            sum += c;
        }
        for (uint32_t i = 0; i < n; i++)
            tmp[counts[(sorted[i] >> shift) & 0xFFFF]++] = sorted[i];
        memcpy (sorted, tmp, n * sizeof *sorted);
    }
    s_ntile_t t = s_ntile_of (n);
    for (uint32_t position = 0; position < n; position++)
        score[sorted[position] & 0xFFFFFFFF] = s_ntile (&t, position);
}

/*  Orders rows by (key, row) for keys of any size: an index sort. */
static _Thread_local const uint64_t *s_keys;

static int
s_by_key_then_row (const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;
    if (s_keys[x] != s_keys[y])
        return s_keys[x] < s_keys[y] ? -1 : 1;
    return (x > y) - (x < y);
}

/*  The work arrays of one computation. */
typedef struct {
    uint64_t *last, *orders, *cents; /* of the active customers, in customer_id order: the
                                       keys of R (last order day), F and M */
    uint64_t *key;                   /* the key being scored */
    uint8_t *r, *f, *m;
    uint64_t *sorted, *tmp;
    uint32_t *counts;                /* S_COUNTS */
} s_work_t;

/*  Sets score[i] (1..5) of each active customer i (in id order) by key[i] ascending, ties
    by i: ntile(5) OVER (ORDER BY key, customer_id). */
static void
s_score (s_work_t *w, uint32_t n, uint8_t *score)
{
    uint64_t max = 0;
    for (uint32_t i = 0; i < n; i++)
        max = w->key[i] > max ? w->key[i] : max;
    if (max <= S_COUNTING_MAX)
        s_score_counting (w->key, n, max, score, w->counts);
    else if (max < ((uint64_t) 1 << 32))
        s_score_radix (w->key, n, max, score, w->sorted, w->tmp, w->counts);
    else { /* a customer with more than 2^32 cents (43 million): qsort is fine for rare data */
        uint32_t *rows = (uint32_t *) w->sorted;
        for (uint32_t i = 0; i < n; i++)
            rows[i] = i;
        s_keys = w->key;
        qsort (rows, n, sizeof *rows, s_by_key_then_row);
        s_ntile_t t = s_ntile_of (n);
        for (uint32_t position = 0; position < n; position++)
            score[rows[position]] = s_ntile (&t, position);
    }
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

static void
s_work_free (s_work_t *w)
{
    free (w->last);
    free (w->orders);
    free (w->cents);
    free (w->r);
    free (w->f);
    free (w->m);
    free (w->sorted);
    free (w->tmp);
    free (w->counts);
    *w = (s_work_t) {0};
}

/*  The work arrays, kept from one computation to the next on the same thread (tens of MB
    for a million customers: allocating them afresh costs a page fault per 4 kB each time),
    grown when more customers are needed. */
static _Thread_local s_work_t s_work;
static _Thread_local uint32_t s_work_capacity;

static s_work_t *
s_work_get (uint32_t n)
{
    s_work_t *w = &s_work;
    if (w->counts && n <= s_work_capacity)
        return w;
    s_work_free (w);
    size_t k = n ? n : 1;
    *w = (s_work_t) {.last = malloc (k * 8), .orders = malloc (k * 8), .cents = malloc (k * 8),
                     .r = malloc (k), .f = malloc (k), .m = malloc (k), .sorted = malloc (k * 8),
                     .tmp = malloc (k * 8), .counts = malloc (S_COUNTS * 4)};
    if (w->last && w->orders && w->cents && w->r && w->f && w->m && w->sorted && w->tmp
        && w->counts) {
        s_work_capacity = n;
        return w;
    }
    s_work_free (w);
    return NULL;
}

/*  Lists every customer with orders on days lo..hi, in customer_id order, with the last
    such day, their number and their revenue. Returns how many. */
static uint32_t
s_scan (const store_t *store, int32_t lo, int32_t hi, s_work_t *w)
{
    uint32_t n = 0;
    bool all = store_all_days (store, lo, hi);
    uint32_t span = (uint32_t) (hi - lo);
    const int32_t *day = store->order_day;
    const int64_t *cents = store->order_cents;
    for (uint32_t c = 0; c < store->customers; c++) {
        size_t from = store->customer_start[c], to = store->customer_start[c + 1];
        int32_t last = INT32_MIN;
        uint64_t orders = 0;
        int64_t sum = 0;
        if (all && from < to) {
            last = store->customer_last_day[c];
            orders = to - from;
            sum = store->customer_cents[c];
        }
        else if (!all)
            for (size_t i = from; i < to; i++)
                if ((uint32_t) (day[i] - lo) <= span) {
                    last = day[i] > last ? day[i] : last;
                    orders++;
                    sum += cents[i];
                }
        if (orders) {
            w->last[n] = (uint64_t) last;
            w->orders[n] = orders;
            w->cents[n++] = (uint64_t) sum;
        }
    }
    return n;
}

static void
s_sum_segments (const s_work_t *w, uint32_t n, int32_t reference_day, engine_rfm_t *rfm)
{
    int64_t recency[ENGINE_SEGMENTS] = {0}, orders[ENGINE_SEGMENTS] = {0};
    __int128 cents[ENGINE_SEGMENTS] = {0};
    for (uint32_t i = 0; i < n; i++) {
        int s = s_segment_of (w->r[i], w->f[i], w->m[i]);
        rfm->segments[s].customers++;
        recency[s] += reference_day - (int64_t) w->last[i];
        orders[s] += (int64_t) w->orders[i];
        cents[s] += (int64_t) w->cents[i];
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
    int32_t lo, hi;
    if (!store_days (store, start, end, &lo, &hi))
        return 0;
    s_work_t *w = s_work_get (store->customers_with_orders);
    if (!w)
        return -1;
    uint32_t n = s_scan (store, lo, hi, w);
    /*  R: recency descending = last order day ascending; F, M: ascending. */
    w->key = w->last;
    s_score (w, n, w->r);
    w->key = w->orders;
    s_score (w, n, w->f);
    w->key = w->cents;
    s_score (w, n, w->m);
    s_sum_segments (w, n, reference - store->first_day, rfm);
    return 0;
}
