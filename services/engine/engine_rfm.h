/*  engine_rfm: RFM segments (SPEC §6 "RFM segments") of the customers with at least one
    order in a date range, computed from the store.

    Per customer: recency = reference - last order date in the range, frequency = orders,
    monetary = revenue (a pass over the range's orders, or the store's all-time sums when
    the range holds every day of the data). The three ntile(5) scores need each customer's
    position in three orders with customer_id (byte order) as the tie-break. The store
    numbers customers in customer_id order, so the active customers are listed by number,
    and a score needs no sort: only the four rows at the buckets' starts in (key, number)
    order matter, found from a histogram of the keys and a sort of the few rows sharing
    their histogram buckets; every row is then compared with them. Exactly PostgreSQL's
    ntile(5) OVER (ORDER BY key, customer_id COLLATE "C"), in two sequential passes. */
#ifndef ENGINE_RFM_H
#define ENGINE_RFM_H

#include <stdint.h>

#include "engine_filter.h"
#include "store.h"

#define ENGINE_SEGMENTS 7

/*  The segment names in SPEC order (the order of engine_rfm_t.segments). */
extern const char *const engine_segment_names[ENGINE_SEGMENTS];

typedef struct {
    int64_t customers;
    int64_t share_e4;       /* customers / total, in 1/10000, rounded half away from 0 */
    int64_t recency_e2;     /* average recency in days, in 1/100, rounded likewise */
    int64_t frequency_e2;   /* average orders, in 1/100 */
    int64_t monetary_cents; /* average revenue, in cents */
} engine_segment_t;

typedef struct {
    int64_t total_customers;
    engine_segment_t segments[ENGINE_SEGMENTS];
} engine_rfm_t;

/*  The segments of the customers with orders dated start..end that pass the filter (their
    figures from those orders alone), scored against reference. Returns 0, or -1 when out
    of memory. */
int engine_rfm (const store_t *store, int32_t start, int32_t end, int32_t reference,
                const engine_filter_t *filter, engine_rfm_t *rfm);

#endif
