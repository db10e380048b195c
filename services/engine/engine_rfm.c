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

/*  Scoring without sorting. Row i's score is 1 + the number of bucket starts (positions in
    the order by (key, i)) at or before its position, so only the four rows at those
    positions matter: row i scores past start b when (key[i], i) >= the row at start b.
    One pass builds a histogram of the keys' top 16 bits (the keys shifted right until the
    largest fits), which tells the bucket holding each start and its offset inside; the few
    rows of those (at most four) buckets give the four threshold rows exactly (by their
    rank inside the bucket); a second pass compares every row with them. Two sequential passes, and
    exactly PostgreSQL's ntile(5) OVER (ORDER BY key, customer_id). (A bucket holding
    several keys is not sorted: a quickselect finds the row at the start's rank.) */
#define S_BUCKETS 65536

typedef struct {
    uint64_t key;
    uint32_t row;
} s_row_t;

static bool
s_less (s_row_t x, s_row_t y)
{
    return x.key < y.key || (x.key == y.key && x.row < y.row);
}

/*  The rank-th smallest (0-based) of the m rows at a by (key, row): quickselect (Hoare's
    partition around the middle row; rows are distinct, so it always narrows). Reorders a. */
static s_row_t
s_select (s_row_t *a, size_t m, size_t rank)
{
    size_t lo = 0, hi = m - 1;
    while (lo < hi) {
        s_row_t pivot = a[lo + (hi - lo) / 2];
        size_t i = lo, j = hi;
        for (;;) {
            while (s_less (a[i], pivot))
                i++;
            while (s_less (pivot, a[j]))
                j--;
            if (i >= j)
                break;
            s_row_t swap = a[i];
            a[i++] = a[j];
            a[j--] = swap;
        }
        if (rank <= j)
            hi = j;
        else
            lo = j + 1;
    }
    return a[rank];
}

/*  The four threshold rows, and their buckets. */
typedef struct {
    uint32_t bucket[4];
    s_row_t at[4];
} s_thresholds_t;

/*  Finds each start's bucket from the histogram (made cumulative: counts[k] = rows in
    buckets below k) and the start's rank inside it; returns how many rows those buckets hold. */
static size_t
s_locate (uint32_t *counts, const s_ntile_t *t, uint32_t n, s_thresholds_t *th, uint32_t rank[4])
{
    uint32_t sum = 0;
    for (uint32_t k = 0; k < S_BUCKETS; k++) {
        uint32_t c = counts[k];
        counts[k] = sum;
        for (int b = 0; b < 4; b++)
            if (t->starts[b] >= sum && t->starts[b] < sum + c && t->starts[b] < n) {
                th->bucket[b] = k;
                rank[b] = t->starts[b] - sum;
            }
        sum += c;
    }
    size_t rows = 0;
    for (int b = 0; b < 4; b++) {
        bool seen = false; /* two starts in one bucket: count its rows once */
        for (int e = 0; e < b; e++)
            seen = seen || th->bucket[e] == th->bucket[b];
        uint32_t k = th->bucket[b];
        if (!seen && k < S_BUCKETS)
            rows += (k + 1 < S_BUCKETS ? counts[k + 1] : n) - counts[k];
    }
    return rows;
}

/*  Sets score[i] (1..5) of each active customer i by key[i] ascending (no key above max),
    ties by i. With fewer than five rows a start may lie past the last row; such starts are
    never reached. */
static int
s_score (const uint64_t *key, uint32_t n, uint64_t max, uint8_t *score, uint32_t *counts)
{
    unsigned shift = 0;
    while ((max >> shift) >= S_BUCKETS)
        shift++;
    memset (counts, 0, S_BUCKETS * sizeof *counts);
    for (uint32_t i = 0; i < n; i++)
        counts[key[i] >> shift]++;
    s_ntile_t t = s_ntile_of (n);
    s_thresholds_t th = {{S_BUCKETS, S_BUCKETS, S_BUCKETS, S_BUCKETS}, {{0, 0}}};
    uint32_t rank[4] = {0};
    size_t many = s_locate (counts, &t, n, &th, rank);
    s_row_t *rows = malloc ((many ? many : 1) * sizeof *rows);
    if (!rows)
        return -1;
    /*  The rows of each start's bucket, in a list of their own (buckets shared by starts
        share a list), in row order; sorted by (key, row) when a bucket holds several keys. */
    size_t list_at[4];
    size_t used = 0;
    for (int b = 0; b < 4; b++) {
        list_at[b] = used;
        for (int e = 0; e < b; e++)
            if (th.bucket[e] == th.bucket[b])
                list_at[b] = list_at[e];
        uint32_t k = th.bucket[b];
        if (list_at[b] == used && k < S_BUCKETS)
            used += (k + 1 < S_BUCKETS ? counts[k + 1] : n) - counts[k];
    }
    size_t fill[4] = {0};
    for (uint32_t i = 0; i < n; i++) {
        uint32_t k = (uint32_t) (key[i] >> shift);
        for (int b = 0; b < 4; b++)
            if (k == th.bucket[b]) {
                size_t at = list_at[b];
                rows[at + fill[b]] = (s_row_t){key[i], i};
                for (int e = 0; e < 4; e++) /* every start sharing the list moves on */
                    fill[e] += list_at[e] == at && th.bucket[e] == k;
                break;
            }
    }
    for (int b = 0; b < 4; b++) {
        if (th.bucket[b] == S_BUCKETS)
            continue; /* no such start: fewer than five rows */
        /*  One key per bucket: the list is in (key, row) order already. */
        th.at[b] = shift == 0 ? rows[list_at[b] + rank[b]]
                              : s_select (rows + list_at[b], fill[b], rank[b]);
    }
    free (rows);
    /*  A start past the last row (fewer than five rows) is never reached. */
    s_row_t never = {UINT64_MAX, UINT32_MAX};
    for (int b = 0; b < 4; b++)
        if (th.bucket[b] == S_BUCKETS)
            th.at[b] = never;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t s = 1;
        for (int b = 0; b < 4; b++) /* (key, row) at or past the start's row */
            s += key[i] > th.at[b].key || (key[i] == th.at[b].key && i >= th.at[b].row);
        score[i] = s;
    }
    return 0;
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
    uint64_t *last, *orders, *cents; /* of the active customers, in customer_id order: the
                                       keys of R (last order day), F and M */
    uint64_t max_last, max_orders, max_cents;
    uint8_t *r, *f, *m;
    uint32_t *counts; /* S_BUCKETS */
} s_work_t;

static void
s_work_free (s_work_t *w)
{
    free (w->last);
    free (w->orders);
    free (w->cents);
    free (w->r);
    free (w->f);
    free (w->m);
    free (w->counts);
    *w = (s_work_t){0};
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
    *w = (s_work_t){.last = malloc (k * 8),
                    .orders = malloc (k * 8),
                    .cents = malloc (k * 8),
                    .r = malloc (k),
                    .f = malloc (k),
                    .m = malloc (k),
                    .counts = malloc (S_BUCKETS * 4)};
    if (w->last && w->orders && w->cents && w->r && w->f && w->m && w->counts) {
        s_work_capacity = n;
        return w;
    }
    s_work_free (w);
    return NULL;
}

/*  Lists every customer (that passes the filter) with orders (that pass it) on days lo..hi,
    in customer_id order, with the last such day, their number and their revenue. Returns
    how many. */
static uint32_t
s_scan (const store_t *store, int32_t lo, int32_t hi, const engine_filter_t *filter, s_work_t *w)
{
    uint32_t n = 0;
    w->max_last = w->max_orders = w->max_cents = 0;
    bool all = store_all_days (store, lo, hi) && !filter->by_category;
    uint32_t span = (uint32_t) (hi - lo);
    const int32_t *day = store->order_day;
    const int64_t *cents = store->order_cents;
    for (uint32_t c = 0; c < store->customers; c++) {
        if (!engine_filter_customer (filter, store, c))
            continue;
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
                if ((uint32_t) (day[i] - lo) <= span && engine_filter_order (filter, store, i)) {
                    last = day[i] > last ? day[i] : last;
                    orders++;
                    sum += cents[i];
                }
        if (orders) {
            w->last[n] = (uint64_t) last;
            w->orders[n] = orders;
            w->cents[n++] = (uint64_t) sum;
            w->max_last = (uint64_t) last > w->max_last ? (uint64_t) last : w->max_last;
            w->max_orders = orders > w->max_orders ? orders : w->max_orders;
            w->max_cents = (uint64_t) sum > w->max_cents ? (uint64_t) sum : w->max_cents;
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
            const engine_filter_t *filter, engine_rfm_t *rfm)
{
    memset (rfm, 0, sizeof *rfm);
    int32_t lo, hi;
    if (filter->none || !store_days (store, start, end, &lo, &hi))
        return 0;
    s_work_t *w = s_work_get (store->customers_with_orders);
    if (!w)
        return -1;
    uint32_t n = s_scan (store, lo, hi, filter, w);
    /*  R: recency descending = last order day ascending; F, M: ascending. */
    if (s_score (w->last, n, w->max_last, w->r, w->counts) != 0
        || s_score (w->orders, n, w->max_orders, w->f, w->counts) != 0
        || s_score (w->cents, n, w->max_cents, w->m, w->counts) != 0)
        return -1;
    s_sum_segments (w, n, reference - store->first_day, rfm);
    return 0;
}
