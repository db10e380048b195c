/*  etl_rollup: the day groups of agg_daily_sales (sql/0002: a day's orders, units and
    revenue) of the orders a load writes straight into fact_order (etl_direct), summed by
    the reader as it writes them. The load then hands them to daily_sales_add() (sql/0009)
    in one statement, instead of fact_order's insert trigger hashing the same rows again.

    Bounded: at most `limit` days in memory (24 bytes each, in a table of 5/4 as many
    slots). When a row needs a day more, every day held is written out to a temporary file
    (a binary COPY stream, ecom_copy_spool_binary) and the table starts again: a file of a
    few years names a few thousand days and never fills it; a hostile one (dates over
    thousands of years) costs a file, not memory. etl_rollup_apply() sends the file and what
    the table holds, and PostgreSQL adds up the days written out more than once. A row is
    refused (nothing of it is added) only when a sum would go beyond 64 bits (or the file
    cannot be made): the load stages it and every row after it, and their insert's trigger
    adds their days. */
#ifndef ETL_ROLLUP_H
#define ETL_ROLLUP_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _etl_rollup_t etl_rollup_t;

/*  Days of at most limit (>= 1) entries in memory. Returns NULL when out of memory. */
etl_rollup_t *etl_rollup_new (size_t limit);

void etl_rollup_destroy (etl_rollup_t **self_p);

/*  Adds one order: its date (days since 1970-01-01), quantity and unit price in cents.
    Returns 0, or -1 when refused (see above). */
int etl_rollup_add (etl_rollup_t *self, int32_t day, int32_t quantity, int64_t unit_cents);

/*  Inside the load's transaction on conn: adds the days (those written out too) to
    agg_daily_sales with daily_sales_add(). Returns 0, or -1 with the reason in err. */
int etl_rollup_apply (etl_rollup_t *self, PGconn *conn, char *err, size_t errlen);

/*  How many times the days were written out (the table was full). */
size_t etl_rollup_spills (const etl_rollup_t *self);

#endif
