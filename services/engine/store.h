/*  store: a compact, read-only copy of the star schema in a service's memory, from which
    the analytics answers are computed in C (docs/architecture.md, "The analytics store").

    Orders are grouped by customer, and customers are numbered in customer_id byte order:
    an answer is one sequential pass over four parallel arrays (20 bytes an order) with no
    random access into anything larger than a cache, whatever the range; the per-day and
    all-time sums answer what needs no pass at all. Products are indexed by product_key.
    Everything is loaded in one REPEATABLE READ snapshot together with data_version, so the
    store's version is exactly its data's.

    Exact by construction: money is kept as cents (int64), counts are counts; nothing is
    estimated. */
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
    long long version;       /* data_version of the snapshot */
    long long fact_filenode; /* fact_order's file: another one after a TRUNCATE */
    int64_t etl_run_max;     /* the largest etl_run_id of its orders, 0: none */
    size_t refreshed_orders; /* the orders this load read from fact_order */

    /*  Days: [first_day, last_day] are the first and last order dates (days since
        1970-01-01), span = last_day - first_day + 1 of them; span is 0 with no orders.
        Days are kept as indexes 0 .. span - 1 from first_day. */
    int32_t first_day, last_day;
    uint32_t span;
    int64_t *day_orders, *day_units, *day_cents;

    /*  Orders, grouped by customer: customer c's are [customer_start[c],
        customer_start[c + 1]), in no particular order. */
    size_t orders;
    int32_t *order_day;      /* day index */
    uint32_t *order_product; /* product_key */
    uint32_t *order_quantity;
    int64_t *order_cents; /* total_amount in cents */

    /*  Customers, numbered 0 .. customers - 1 in customer_id byte order (COLLATE "C"): the
        tie-break of RFM's scores is then the number itself. */
    uint32_t customers; /* rows of dim_customer */
    uint32_t customers_with_orders;
    uint32_t customer_slots;     /* the largest customer_key + 1 */
    uint32_t *customer_index;    /* customer_key -> number, STORE_NO_CUSTOMER: no row */
    uint32_t *customer_key;      /* number -> customer_key */
    size_t *customer_start;      /* customers + 1 offsets into the order arrays */
    uint32_t *customer_country;  /* into countries */
    uint32_t *customer_city;     /* into cities: a (city, country) pair, store_city_name() */
    int32_t *customer_first_day; /* first and last order day indexes, STORE_NO_DAY: none */
    int32_t *customer_last_day;
    int64_t *customer_cents; /* revenue ever, cents */

    /*  Products, by product_key in 0 .. product_slots - 1. */
    uint32_t product_slots;
    uint32_t products;                                       /* rows of dim_product */
    char **product_id, **product_name;                       /* NULL for an unused slot */
    uint32_t *product_category;                              /* into categories */
    int64_t *product_orders, *product_units, *product_cents; /* ever */
    int32_t *product_first_day, *product_last_day; /* day indexes, STORE_NO_DAY: no order */

    store_dict_t *countries, *categories, *cities;
} store_t;

/*  Loads the store from conn (which must not be inside a transaction) in one read-only
    snapshot. With previous (an older store of the same database, or NULL), only the orders
    of the ETL runs after the last it holds are read from fact_order (through the BRIN index
    of sql/0008) and merged with previous's; the dimensions are always read whole. When
    those orders do not add up to what the table holds (a TRUNCATE, a seed, a run that
    committed out of order), everything is read instead. Returns the store, or NULL with a
    one-line reason in err (a failed query, a lost connection, no memory, data that breaks
    the schema's promises such as an order whose customer_key has no customer). */
store_t *store_load (PGconn *conn, const store_t *previous, char *err, size_t errlen);

/*  Frees the store and nulls the caller's pointer. NULL-safe. */
void store_destroy (store_t **self_p);

/*  The bytes the store holds (for the log and docs/performance.md). */
size_t store_bytes (const store_t *self);

/*  Clamps the inclusive range [start, end] (days since 1970-01-01) to the data's days and
    sets the day indexes *lo .. *hi it holds. Returns false when it holds no day of the
    data. */
bool store_days (const store_t *self, int32_t start, int32_t end, int32_t *lo, int32_t *hi);

/*  The city and its country of cities' entry index: pointers into the store, lengths in
    *city_len and *country_len (not NUL-terminated where they end). */
void store_city_name (const store_t *self, uint32_t index, const char **city, size_t *city_len,
                      const char **country, size_t *country_len);

/*  True when lo .. hi (day indexes) are all the data's days: the all-time sums answer. */
bool store_all_days (const store_t *self, int32_t lo, int32_t hi);

#endif
