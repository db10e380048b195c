/*  etl_stage: the staging table of one load, and the rows the reader streams into it with
    one COPY. The table is temporary (dropped at commit) and partitioned by kind, so that
    each set-wise step of the load reads only its own rows:
      etl_stage_o  an order, one per valid row: line, order_id, order_date, customer_id,
                   product_id, quantity, unit_price;
      etl_stage_c  a customer's attributes (customer_id, name, email, city, country), staged
                   only when they differ from the ones last staged for that customer_id
                   (etl_dim_cache), so the row with the highest line for a customer_id holds
                   the attributes of the last valid row of the file that names it;
      etl_stage_p  the same for products (product_id, name, category);
      etl_stage_r  a rejected record: line, reason, raw text;
      etl_stage_d  each distinct order date of the valid rows, once, staged at the end. */
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

/*  Starts the COPY into the staging table. Returns NULL with the reason in err. */
etl_stage_t *etl_stage_begin (PGconn *conn, char *err, size_t errlen);

/*  Stages a valid row (one that etl_row_check() accepted, with the values it gave). */
void etl_stage_row (etl_stage_t *self, const etl_csv_record_t *record,
                    const etl_row_values_t *values);

/*  Stages a rejected record with its reason. Raw text that is not UTF-8 is staged with
    each byte above 0x7f written as \xNN, so it can be stored as text. */
void etl_stage_reject (etl_stage_t *self, const etl_csv_record_t *record, const char *reason);

typedef struct {
    long long orders;     /* valid rows staged */
    bool ids_increasing;  /* each valid row's order_id above the one before (byte order):
                             no order_id repeats, and the orders are staged in key order */
} etl_stage_summary_t;

/*  Stages the order dates, ends the COPY and frees self. Returns 0 with the summary, or -1
    with the reason in err (the COPY was refused, or memory ran out). */
int etl_stage_end (etl_stage_t **self_p, etl_stage_summary_t *summary, char *err,
                   size_t errlen);

#endif
