/*  store: a compact, read-only copy of the star schema in a service's memory, from which
    the analytics answers are computed in C (docs/architecture.md, "The analytics store").

    Orders are sorted by day (the order within a day is arbitrary), so a date range is one
    contiguous slice [day_start[a], day_start[b + 1]) of four parallel arrays: 20 bytes an
    order. Customers and products are indexed by their surrogate keys (customer_key,
    product_key; slots without a row are unused). Everything is loaded in one REPEATABLE READ
    snapshot together with data_version, so the store's version is exactly its data's.

    Exact by construction: money is kept as cents (int64) and summed in 128 bits, counts are
    counts; nothing is estimated. */
#ifndef STORE_H
#define STORE_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store_dict.h"

#define STORE_NO_DAY INT32_MIN
#define STORE_NO_CUSTOMER UINT32_MAX

typedef struct {
    long long version;            /* data_version of the snapshot */

    /*  Days: [first_day, last_day] are the first and last order dates (days since
        1970-01-01), span = last_day - first_day + 1 of them; span is 0 with no orders. */
    int32_t first_day, last_day;
    uint32_t span;
    size_t *day_start;            /* span + 1 offsets into the order arrays */
    int64_t *day_units, *day_cents;

    /*  Orders, sorted by day. */
    size_t orders;
    uint32_t *order_customer;     /* the customer's number (not its key) */
    uint32_t *order_product;      /* product_key */
    uint32_t *order_quantity;
    int64_t *order_cents;         /* total_amount in cents */

    /*  Customers, numbered 0 .. customers - 1 in customer_id byte order (COLLATE "C"): the
        tie-break of RFM's scores is then the number itself. */
    uint32_t customers;           /* rows of dim_customer */
    uint32_t customer_slots;      /* the largest customer_key + 1 */
    uint32_t *customer_index;     /* customer_key -> number, STORE_NO_CUSTOMER: no row */
    uint32_t *customer_country;   /* into countries */
    int32_t *customer_first_day;  /* first and last order dates ever, STORE_NO_DAY: none */
    int32_t *customer_last_day;
    uint32_t *customer_orders;    /* orders ever */
    int64_t *customer_cents;      /* revenue ever, cents */

    /*  Products, by product_key in 0 .. product_slots - 1. */
    uint32_t product_slots;
    uint32_t products;            /* rows of dim_product */
    char **product_id, **product_name; /* NULL for an unused slot */
    uint32_t *product_category;   /* into categories */

    store_dict_t *countries, *categories;
} store_t;

/*  Loads the store from conn (which must not be inside a transaction) in one read-only
    snapshot. Returns it, or NULL with a one-line reason in err (a failed query, a lost
    connection, no memory, data that breaks the schema's promises such as an order whose
    customer_key has no customer). */
store_t *store_load (PGconn *conn, char *err, size_t errlen);

/*  Frees the store and nulls the caller's pointer. NULL-safe. */
void store_destroy (store_t **self_p);

/*  The bytes the store holds (for the log and docs/performance.md). */
size_t store_bytes (const store_t *self);

/*  Clamps the inclusive range [start, end] (days) to the data's days and returns the slice
    of orders in it as [*from, *to) with the clamped days in *day_lo, *day_hi (day indexes,
    0-based from first_day). Returns false when the range holds no day of the data. */
bool store_slice (const store_t *self, int32_t start, int32_t end, uint32_t *day_lo,
                  uint32_t *day_hi, size_t *from, size_t *to);

#endif
