/*  etl_rollup: the rollup groups (sql/0006, rollups_add) of the orders a load writes
    straight into fact_order (etl_direct), summed by the reader as it writes them: a day's
    orders, units and revenue; a customer's month (orders, revenue, last order date); a
    product's month (orders, units, revenue). The load then hands them to rollups_add() in
    one statement, instead of fact_order's insert trigger hashing the same rows again.

    Bounded: at most `limit` groups in memory (32 bytes each, in a table of 5/4 as many
    slots, and as many again to keep some while writing the others out). When
    a row needs a group more, the groups of the months before the newest month a row brought
    are written out to a temporary file (a binary COPY stream, ecom_copy_spool_binary), and
    the newest month's kept (all of them, when they alone fill the table): a million orders
    over 300,000 customers make about half a million customer months, far more than memory
    should hold, but an export in date order names each month's groups in one stretch, so
    none is written out twice. etl_rollup_apply() sends the file and what the table holds;
    when a group of a month already written out came again (a file not in date order), it
    has PostgreSQL add up the groups written out more than once before rollups_add(). A row
    is refused (nothing of it is added) only when a sum would go beyond 64 bits (or the file
    cannot be made): the load stages it and every row after it, and their insert's trigger
    adds their groups. */
#ifndef ETL_ROLLUP_H
#define ETL_ROLLUP_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _etl_rollup_t etl_rollup_t;

/*  Groups of at most limit (>= 3) entries in memory. Returns NULL when out of memory. */
etl_rollup_t *etl_rollup_new (size_t limit);

void etl_rollup_destroy (etl_rollup_t **self_p);

/*  Adds one order: its date (days since 1970-01-01), keys, quantity and unit price in cents.
    Returns 0, or -1 when refused (see above). */
int etl_rollup_add (etl_rollup_t *self, int32_t day, int32_t customer_key, int32_t product_key,
                    int32_t quantity, int64_t unit_cents);

/*  Inside the load's transaction on conn: adds the groups (those written out too) to the
    three rollups with rollups_add(). exclusive: nobody else can write the rollups until the
    transaction ends (the load holds fact_order exclusively); then, when the rollups are
    empty (a first load), the groups go in with plain inserts and the rollups' indexes are
    built again after them. Returns 0, or -1 with the reason in err. */
int etl_rollup_apply (etl_rollup_t *self, PGconn *conn, bool exclusive, char *err,
                      size_t errlen);

/*  How many times groups were written out (the table was full). */
size_t etl_rollup_spills (const etl_rollup_t *self);

/*  Whether a group may have been written out more than once (they are added up first). */
bool etl_rollup_repeats (const etl_rollup_t *self);

#endif
