#include "etl_stage.h"

#include "ecom_copy.h"
#include "ecom_date.h"
#include "etl_dim_cache.h"
#include "etl_row.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char etl_stage_create_sql[] =
    "CREATE TEMP TABLE etl_stage ("
    "  line bigint NOT NULL, kind \"char\" NOT NULL,"
    "  order_id text COLLATE \"C\", order_date date, customer_id text COLLATE \"C\","
    "  product_id text COLLATE \"C\", quantity integer, unit_price numeric(12,2),"
    "  name text, email text, city text, country text, category text,"
    "  reason text, raw text"
    ") PARTITION BY LIST (kind) ON COMMIT DROP;"
    "CREATE TEMP TABLE etl_stage_o PARTITION OF etl_stage FOR VALUES IN ('o');"
    "CREATE TEMP TABLE etl_stage_c PARTITION OF etl_stage FOR VALUES IN ('c');"
    "CREATE TEMP TABLE etl_stage_p PARTITION OF etl_stage FOR VALUES IN ('p');"
    "CREATE TEMP TABLE etl_stage_r PARTITION OF etl_stage FOR VALUES IN ('r');"
    "CREATE TEMP TABLE etl_stage_d PARTITION OF etl_stage FOR VALUES IN ('d');";

/*  Slots of the attribute caches: enough for every customer and product of a typical
    store; a bigger catalogue only costs repeated attribute rows. */
#define S_CUSTOMER_SLOTS 65536
#define S_PRODUCT_SLOTS 16384

struct _etl_stage_t {
    ecom_copy_t *copy;
    etl_dim_cache_t *customers, *products;
    uint8_t *dates;  /* one bit per day from 0001-01-01 to 9999-12-31 */
    int32_t first_day;
    long long orders;
    bool increasing;
    char *last_id;   /* the order_id of the last valid row */
    size_t last_len, last_cap;
    bool failed;     /* out of memory */
};

/*  The days the date bitmap covers, 0001-01-01 to 9999-12-31 (every date etl_row accepts). */
static int32_t
s_day_count (void)
{
    return ecom_date_from_ymd (9999, 12, 31) - ecom_date_from_ymd (1, 1, 1) + 1;
}

etl_stage_t *
etl_stage_begin (PGconn *conn, char *err, size_t errlen)
{
    etl_stage_t *self = calloc (1, sizeof *self);
    if (self) {
        self->customers = etl_dim_cache_new (S_CUSTOMER_SLOTS);
        self->products = etl_dim_cache_new (S_PRODUCT_SLOTS);
        self->dates = calloc ((size_t) s_day_count () / 8 + 1, 1);
        self->first_day = ecom_date_from_ymd (1, 1, 1);
        self->increasing = true;
    }
    if (!self || !self->customers || !self->products || !self->dates) {
        snprintf (err, errlen, "out of memory");
        goto fail;
    }
    self->copy = ecom_copy_begin (conn, "COPY etl_stage FROM STDIN", err, errlen);
    if (self->copy)
        return self;
fail:
    if (self) {
        etl_dim_cache_destroy (&self->customers);
        etl_dim_cache_destroy (&self->products);
        free (self->dates);
        free (self);
    }
    return NULL;
}

/*  "\t" and the field, escaped. */
static void
s_field (etl_stage_t *self, const etl_csv_record_t *record, etl_row_field_t field)
{
    ecom_copy_raw (self->copy, "\t", 1);
    ecom_copy_text (self->copy, record->fields[field], record->lengths[field]);
}

/*  "line\tkind". */
static void
s_start (etl_stage_t *self, const etl_csv_record_t *record, char kind)
{
    ecom_copy_int (self->copy, record->line);
    const char tag[2] = {'\t', kind};
    ecom_copy_raw (self->copy, tag, 2);
}

#define S_NULLS(n) ("\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N" + 3 * (13 - (n)))

/*  n NULL columns ("\t\N" each), 0..13. */
static void
s_nulls (etl_stage_t *self, int n)
{
    ecom_copy_raw (self->copy, S_NULLS (n), 3 * (size_t) n);
}

/*  Tracks whether order_ids keep increasing (byte order, like COLLATE "C"). */
static void
s_track_order_id (etl_stage_t *self, const char *id, size_t len)
{
    if (self->increasing && self->orders > 0) {
        size_t common = len < self->last_len ? len : self->last_len;
        int cmp = memcmp (id, self->last_id, common);
        if (cmp < 0 || (cmp == 0 && len <= self->last_len))
            self->increasing = false;
    }
    if (!self->increasing)
        return;
    if (len > self->last_cap) {
        char *grown = realloc (self->last_id, len);
        if (!grown) {
            self->increasing = false; /* not knowing is always safe */
            return;
        }
        self->last_id = grown;
        self->last_cap = len;
    }
    memcpy (self->last_id, id, len);
    self->last_len = len;
}

/*  The columns after line and kind, in table order, for each kind of row written from a
    valid record: the field that fills each, or S_NULL. */
#define S_NULL (-1)
#define S_COLUMNS 13

static const int s_order_columns[S_COLUMNS] = {
    ETL_ORDER_ID, ETL_ORDER_DATE, ETL_CUSTOMER_ID, ETL_PRODUCT_ID, ETL_QUANTITY,
    ETL_UNIT_PRICE, S_NULL, S_NULL, S_NULL, S_NULL, S_NULL, S_NULL, S_NULL};
static const int s_customer_columns[S_COLUMNS] = {
    S_NULL, S_NULL, ETL_CUSTOMER_ID, S_NULL, S_NULL, S_NULL, ETL_CUSTOMER_NAME,
    ETL_CUSTOMER_EMAIL, ETL_CUSTOMER_CITY, ETL_CUSTOMER_COUNTRY, S_NULL, S_NULL, S_NULL};
static const int s_product_columns[S_COLUMNS] = {
    S_NULL, S_NULL, S_NULL, ETL_PRODUCT_ID, S_NULL, S_NULL, ETL_PRODUCT_NAME,
    S_NULL, S_NULL, S_NULL, ETL_PRODUCT_CATEGORY, S_NULL, S_NULL};

/*  The dimension fields the attribute caches compare, the id first. */
static const etl_row_field_t s_customer_fields[] = {ETL_CUSTOMER_ID, ETL_CUSTOMER_NAME,
                                                    ETL_CUSTOMER_EMAIL, ETL_CUSTOMER_CITY,
                                                    ETL_CUSTOMER_COUNTRY};
static const etl_row_field_t s_product_fields[] = {ETL_PRODUCT_ID, ETL_PRODUCT_NAME,
                                                   ETL_PRODUCT_CATEGORY};

/*  One staging row of kind from record, its columns as the layout says. */
static void
s_write (etl_stage_t *self, const etl_csv_record_t *record, char kind,
         const int layout[S_COLUMNS])
{
    s_start (self, record, kind);
    for (size_t i = 0; i < S_COLUMNS; i++) {
        if (layout[i] == S_NULL)
            s_nulls (self, 1);
        else
            s_field (self, record, (etl_row_field_t) layout[i]);
    }
    ecom_copy_raw (self->copy, "\n", 1);
}

/*  The dimension row of kind, when its fields changed since the cache last saw them. */
static void
s_write_dimension (etl_stage_t *self, const etl_csv_record_t *record, etl_dim_cache_t *cache,
                   const etl_row_field_t *fields, size_t count, char kind,
                   const int layout[S_COLUMNS])
{
    const char *values[8];
    size_t lengths[8];
    for (size_t i = 0; i < count; i++) {
        values[i] = record->fields[fields[i]];
        lengths[i] = record->lengths[fields[i]];
    }
    if (etl_dim_cache_changed (cache, values, lengths, count))
        s_write (self, record, kind, layout);
}

void
etl_stage_row (etl_stage_t *self, const etl_csv_record_t *record, int32_t order_day)
{
    s_write (self, record, 'o', s_order_columns);
    s_track_order_id (self, record->fields[ETL_ORDER_ID], record->lengths[ETL_ORDER_ID]);
    self->orders++;
    uint32_t bit = (uint32_t) (order_day - self->first_day);
    self->dates[bit / 8] |= (uint8_t) (1U << (bit % 8));
    s_write_dimension (self, record, self->customers, s_customer_fields, 5, 'c',
                       s_customer_columns);
    s_write_dimension (self, record, self->products, s_product_fields, 3, 'p',
                       s_product_columns);
}

void
etl_stage_reject (etl_stage_t *self, const etl_csv_record_t *record, const char *reason)
{
    /*  line, r, NULL x 11, reason, raw */
    s_start (self, record, 'r');
    s_nulls (self, 11);
    ecom_copy_raw (self->copy, "\t", 1);
    ecom_copy_text (self->copy, reason, strlen (reason));
    ecom_copy_raw (self->copy, "\t", 1);
    if (etl_row_utf8_valid (record->raw, record->raw_len))
        ecom_copy_text (self->copy, record->raw, record->raw_len);
    else {
        for (size_t i = 0; i < record->raw_len; i++) {
            unsigned char c = (unsigned char) record->raw[i];
            if (c >= 0x80 || c == 0) {
                /*  \xNN, its backslash escaped for COPY */
                static const char hex[] = "0123456789abcdef";
                const char shown[5] = {'\\', '\\', 'x', hex[c >> 4], hex[c & 15]};
                ecom_copy_raw (self->copy, shown, sizeof shown);
            }
            else
                ecom_copy_text (self->copy, record->raw + i, 1);
        }
    }
    ecom_copy_raw (self->copy, "\n", 1);
}

int
etl_stage_end (etl_stage_t **self_p, etl_stage_summary_t *summary, char *err, size_t errlen)
{
    etl_stage_t *self = *self_p;
    /*  line 0, d, NULL, the date, NULL x 11 */
    etl_csv_record_t none = {.line = 0};
    for (int32_t bit = 0, days = s_day_count (); bit < days; bit++) {
        if (!self->dates[bit / 8]) {
            bit += 7 - bit % 8; /* a byte without dates */
            continue;
        }
        if (!(self->dates[bit / 8] & (1U << (bit % 8))))
            continue;
        char date[11];
        ecom_date_format (self->first_day + bit, date);
        s_start (self, &none, 'd');
        s_nulls (self, 1);
        ecom_copy_raw (self->copy, "\t", 1);
        ecom_copy_raw (self->copy, date, 10);
        s_nulls (self, 11);
        ecom_copy_raw (self->copy, "\n", 1);
    }
    summary->orders = self->orders;
    summary->ids_increasing = self->increasing;
    int rc = ecom_copy_end (&self->copy, err, errlen) < 0 ? -1 : 0;
    etl_dim_cache_destroy (&self->customers);
    etl_dim_cache_destroy (&self->products);
    free (self->dates);
    free (self->last_id);
    free (self);
    *self_p = NULL;
    return rc;
}
