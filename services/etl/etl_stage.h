/*  etl_stage: the staging table of one load, and the rows the reader streams into it with
    one COPY. The table is temporary (dropped at commit) and partitioned by kind, so that
    each set-wise step of the load reads only its own rows:
      etl_stage_orders     an order that did not go straight into fact_order (etl_direct):
                           line, order_id, order_date, customer_id, product_id, quantity,
                           unit_price;
      etl_stage_customers  a customer's attributes (customer_id, name, email, city,
                           country), staged only when they differ from the ones last staged
                           for that customer_id (etl_attr_cache), so the row with the
                           highest line for a customer_id holds the attributes of the last
                           valid row of the file that names it; with dim_key, the
                           customer_key the reader knows for it (etl_key_map), if any;
      etl_stage_products   the same for products (product_id, name, category, dim_key);
      etl_stage_rejects    a rejected record: line, reason, raw text;
      etl_stage_dates      each distinct order date of the valid rows, once, staged at the
                           end. */
#ifndef ETL_STAGE_H
#define ETL_STAGE_H

#include "etl_csv.h"
#include "etl_row.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

/*  Creates the staging table (inside the load's transaction). */
extern const char etl_stage_create_sql[];

typedef struct _etl_stage_t etl_stage_t;

/*  Starts the COPY into the staging table on conn or, when conn is NULL (the connection is
    busy with etl_direct's COPY), into a temporary file until etl_stage_send. The customers'
    attribute cache takes at most customer_bytes (etl_attr_cache). Returns NULL with the
    reason in err. */
etl_stage_t *etl_stage_begin (PGconn *conn, size_t customer_bytes, char *err, size_t errlen);

/*  For a stage begun without a connection: starts its COPY on conn and sends what was
    staged so far. Returns 0, or -1 with the reason in err. */
int etl_stage_send (etl_stage_t *self, PGconn *conn, char *err, size_t errlen);

/*  Stages the order of a valid row (one that etl_row_check() accepted, with the values it
    gave), for a row that did not go straight into fact_order. */
void etl_stage_order (etl_stage_t *self, const etl_csv_record_t *record,
                      const etl_row_values_t *values);

/*  Stages what any valid row brings to the dimensions: its order date, and its customer's
    and product's attributes when they changed, with the keys the reader knows for them
    (0: none). */
void etl_stage_dimensions (etl_stage_t *self, const etl_csv_record_t *record,
                           const etl_row_values_t *values, int32_t customer_key,
                           int32_t product_key);

/*  Stages a rejected record with its reason. Raw text that is not UTF-8 is staged with
    each byte above 0x7f written as \xNN, so it can be stored as text. */
void etl_stage_reject (etl_stage_t *self, const etl_csv_record_t *record, const char *reason);

typedef struct {
    long long orders;     /* orders staged */
    bool ids_increasing;  /* each staged order's order_id above the one before (byte
                             order): no order_id repeats among them, and they are staged
                             in key order */
} etl_stage_summary_t;

/*  Stages the order dates, ends the COPY and frees self. Returns 0 with the summary, or -1
    with the reason in err (the COPY was refused, or memory ran out). */
int etl_stage_end (etl_stage_t **self_p, etl_stage_summary_t *summary, char *err,
                   size_t errlen);

#endif
