/*  seed: the deterministic demo data generator of SPEC §4. The same options (random seed
    included) always give the same rows, byte for byte. Loaded with COPY in one transaction. */
#ifndef ECOMCTL_SEED_H
#define ECOMCTL_SEED_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct {
    long customers;        /* 1 .. SEED_MAX_CUSTOMERS, or 0 (the default) for
                              seed_default_customers (orders) */
    long products;         /* 1 .. SEED_MAX_PRODUCTS, or 0 (the default) for
                              seed_default_products (orders) */
    long orders;           /* 0 .. SEED_MAX_ORDERS, default 50,000 */
    int days;              /* 1 .. SEED_MAX_DAYS, default 730: orders fall in the last N days */
    uint64_t random_seed;  /* default 42 */
    int32_t end_date;      /* last day of the data (days since 1970-01-01), default 2025-12-31 */
    bool reset;            /* replace existing star data instead of refusing */
} seed_options_t;

#define SEED_MAX_CUSTOMERS 10000000L
#define SEED_MAX_PRODUCTS 1000000L
#define SEED_MAX_ORDERS 100000000L
#define SEED_MAX_DAYS 36500

/*  The defaults (seed_options_default, seed_default_customers, seed_default_products), which
    ecomctl's help prints. */
#define SEED_DEFAULT_ORDERS 50000
#define SEED_DEFAULT_DAYS 730
#define SEED_DEFAULT_RANDOM_SEED 42
#define SEED_DEFAULT_END_YEAR 2025
#define SEED_DEFAULT_END_MONTH 12
#define SEED_DEFAULT_END_DAY 31
#define SEED_ORDERS_PER_CUSTOMER 3
#define SEED_ORDERS_PER_PRODUCT 500
#define SEED_MIN_DEFAULT_PRODUCTS 50

/*  Row counts of the four star tables after a seed. */
typedef struct {
    long long customers, products, dates, orders;
} seed_counts_t;

/*  Called as orders are generated: done of total. */
typedef void (seed_progress_fn) (void *arg, long done, long total);

/*  Fills options with the defaults above. */
void seed_options_default (seed_options_t *options);

/*  The customers of a seed of orders orders when --customers is not given: one per three
    orders, max (1, orders / 3), at most SEED_MAX_CUSTOMERS. */
long seed_default_customers (long orders);

/*  The products of a seed of orders orders when --products is not given: one per 500
    orders, orders / 500, at least 50 (a small seed still fills every category and a long
    top-sellers list), at most SEED_MAX_PRODUCTS. */
long seed_default_products (long orders);

/*  Returns the number of rows in fact_order, dim_customer and dim_product together, or -1
    with a message in err. */
long long seed_existing_rows (PGconn *conn, char *err, size_t errlen);

/*  Generates and loads the demo data, bumps the data version and fills counts. Refuses
    (returns -1 with a message) when the star tables hold data and options->reset is false;
    with reset, the old star data is replaced in the same transaction. On any failure the
    transaction is rolled back: the database is as it was. Returns 0, or -1 with err. */
int seed_run (PGconn *conn, const seed_options_t *options, seed_progress_fn *progress,
              void *arg, seed_counts_t *counts, long long *data_version, char *err,
              size_t errlen);

#endif
