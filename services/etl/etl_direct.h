/*  etl_direct: the orders a load writes straight into fact_order, with one COPY in the
    binary format and the keys the reader resolved (etl_key_map), instead of staging them
    and inserting them from the staging table. PostgreSQL then writes them a page at a time
    (COPY's multi-insert) rather than a row at a time (INSERT ... SELECT), and reads them
    once instead of twice.

    Only rows that need none of the set-wise steps may go this way: while each order_id is
    above the one before it and above every order_id fact_order held (byte order, the key's
    COLLATE "C"), no row of the stream repeats an id or one already loaded. The first row
    that breaks this, or whose customer or product has no key, ends the stream: it and
    every row after it are staged (docs/architecture.md, "The CSV load"). */
#ifndef ETL_DIRECT_H
#define ETL_DIRECT_H

#include "etl_csv.h"
#include "etl_row.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _etl_direct_t etl_direct_t;

/*  Starts the COPY into fact_order on conn, for the run run_id; the rows' order_ids must be
    above the after_len bytes at after (the table's largest; NULL: an empty table). Returns
    NULL with the reason in err. */
etl_direct_t *etl_direct_begin (PGconn *conn, long long run_id, const char *after, size_t after_len,
                                char *err, size_t errlen);

/*  True when a row with this order_id may go into the stream: above the last one. */
bool etl_direct_takes (const etl_direct_t *self, const char *order_id, size_t len);

/*  Writes a valid row (one etl_direct_takes() took) with its keys. Returns 0, or -1 when
    out of memory (the row was not written). */
int etl_direct_row (etl_direct_t *self, const etl_csv_record_t *record,
                    const etl_row_values_t *values, int32_t customer_key, int32_t product_key);

/*  Ends the COPY (unless the load sums the days itself, the insert trigger of fact_order adds its
    rows to agg_daily_sales) and
    frees self. Returns the rows written, or -1 with the reason in err. */
long long etl_direct_end (etl_direct_t **self_p, char *err, size_t errlen);

#endif
