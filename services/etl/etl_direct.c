#include "etl_direct.h"

#include "ecom_copy.h"
#include "etl_rising_ids.h"

#include <stdio.h>
#include <stdlib.h>

struct _etl_direct_t {
    ecom_copy_t *copy;
    long long run_id;
    etl_rising_ids_t ids; /* the largest order_id so far: the table's, then the stream's */
};

etl_direct_t *
etl_direct_begin (PGconn *conn, long long run_id, const char *after, size_t after_len,
                  char *err, size_t errlen)
{
    etl_direct_t *self = calloc (1, sizeof *self);
    if (!self || (after && etl_rising_ids_keep (&self->ids, after, after_len))) {
        free (self);
        snprintf (err, errlen, "out of memory");
        return NULL;
    }
    self->run_id = run_id;
    self->copy = ecom_copy_begin_binary (conn,
                                         "COPY fact_order (order_id, order_date, customer_key,"
                                         " product_key, quantity, unit_price, etl_run_id)"
                                         " FROM STDIN (FORMAT binary)",
                                         err, errlen);
    if (!self->copy) {
        etl_rising_ids_clear (&self->ids);
        free (self);
        return NULL;
    }
    return self;
}

bool
etl_direct_takes (const etl_direct_t *self, const char *order_id, size_t len)
{
    return etl_rising_ids_after (&self->ids, order_id, len);
}

int
etl_direct_row (etl_direct_t *self, const etl_csv_record_t *record,
                const etl_row_values_t *values, int32_t customer_key, int32_t product_key)
{
    const char *id = record->fields[ETL_ORDER_ID];
    size_t len = record->lengths[ETL_ORDER_ID];
    if (etl_rising_ids_keep (&self->ids, id, len))
        return -1;
    ecom_copy_bin_row (self->copy, 7);
    ecom_copy_bin_bytes (self->copy, id, len);
    ecom_copy_bin_date (self->copy, values->order_day);
    ecom_copy_bin_int4 (self->copy, customer_key);
    ecom_copy_bin_int4 (self->copy, product_key);
    ecom_copy_bin_int4 (self->copy, values->quantity);
    ecom_copy_bin_cents (self->copy, values->cents);
    ecom_copy_bin_int8 (self->copy, self->run_id);
    return 0;
}

long long
etl_direct_end (etl_direct_t **self_p, char *err, size_t errlen)
{
    etl_direct_t *self = *self_p;
    long long rows = ecom_copy_end (&self->copy, err, errlen);
    etl_rising_ids_clear (&self->ids);
    free (self);
    *self_p = NULL;
    return rows;
}
