#include "etl_stage.h"

#include "ecom_copy.h"
#include "ecom_date.h"
#include "ecom_utf8.h"
#include "etl_attr_cache.h"
#include "etl_rising_ids.h"
#include "etl_row.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char etl_stage_create_sql[] =
    "CREATE TEMP TABLE etl_stage ("
    "  line bigint NOT NULL, kind \"char\" NOT NULL,"
    "  order_id text COLLATE \"C\", order_date date, customer_id text COLLATE \"C\","
    "  product_id text COLLATE \"C\", quantity integer, unit_price numeric(12,2),"
    "  name text, email text, city text, country text, category text, dim_key integer,"
    "  reason text, raw text"
    ") PARTITION BY LIST (kind) ON COMMIT DROP;"
    "CREATE TEMP TABLE etl_stage_orders PARTITION OF etl_stage FOR VALUES IN ('o');"
    "CREATE TEMP TABLE etl_stage_customers PARTITION OF etl_stage FOR VALUES IN ('c');"
    "CREATE TEMP TABLE etl_stage_products PARTITION OF etl_stage FOR VALUES IN ('p');"
    "CREATE TEMP TABLE etl_stage_rejects PARTITION OF etl_stage FOR VALUES IN ('r');"
    "CREATE TEMP TABLE etl_stage_dates PARTITION OF etl_stage FOR VALUES IN ('d');";

/*  The bytes of the products' attribute cache: about 15,000 products; the customers' is
    the caller's (etl_load shares a budget with the customers' key map). A file that names
    more of them than fit only costs attribute rows staged again after the cache starts
    over. */
#define S_PRODUCT_BYTES ((size_t) 1 << 20)

struct _etl_stage_t {
    ecom_copy_t *copy;
    etl_attr_cache_t *customers, *products;
    uint8_t *dates;  /* one bit per day from 0001-01-01 to 9999-12-31 */
    int32_t first_day;
    long long orders;
    bool increasing;
    etl_rising_ids_t ids; /* the staged orders' ids */
};

/*  The COPY of the staging table. */
static const char s_copy_sql[] = "COPY etl_stage FROM STDIN (FORMAT binary)";

/*  The days the date bitmap covers, 0001-01-01 to 9999-12-31 (every date etl_row accepts). */
static int32_t
s_day_count (void)
{
    return ecom_date_from_ymd (9999, 12, 31) - ecom_date_from_ymd (1, 1, 1) + 1;
}

etl_stage_t *
etl_stage_begin (PGconn *conn, size_t customer_bytes, char *err, size_t errlen)
{
    etl_stage_t *self = calloc (1, sizeof *self);
    if (self) {
        self->customers = etl_attr_cache_new (customer_bytes);
        self->products = etl_attr_cache_new (S_PRODUCT_BYTES);
        self->dates = calloc ((size_t) s_day_count () / 8 + 1, 1);
        self->first_day = ecom_date_from_ymd (1, 1, 1);
        self->increasing = true;
    }
    if (!self || !self->customers || !self->products || !self->dates) {
        snprintf (err, errlen, "out of memory");
        goto fail;
    }
    self->copy = conn ? ecom_copy_begin_binary (conn, s_copy_sql, err, errlen)
                      : ecom_copy_spool_binary (err, errlen);
    if (self->copy)
        return self;
fail:
    if (self) {
        etl_attr_cache_destroy (&self->customers);
        etl_attr_cache_destroy (&self->products);
        free (self->dates);
        free (self);
    }
    return NULL;
}

int
etl_stage_send (etl_stage_t *self, PGconn *conn, char *err, size_t errlen)
{
    return ecom_copy_send (self->copy, conn, s_copy_sql, err, errlen);
}

/*  The staging table's columns: line, kind, and the 14 after them. The rows go in COPY's
    binary format, so the server parses no dates, integers or numerics and the reader
    escapes no text. */
#define S_COLUMNS 16

/*  A row's first two columns: line and kind. */
static void
s_start (etl_stage_t *self, long long line, char kind)
{
    ecom_copy_bin_row (self->copy, S_COLUMNS);
    ecom_copy_bin_int8 (self->copy, line);
    ecom_copy_bin_bytes (self->copy, &kind, 1);
}

/*  n NULL columns. */
static void
s_nulls (etl_stage_t *self, int n)
{
    for (int i = 0; i < n; i++)
        ecom_copy_bin_null (self->copy);
}

/*  A field of the record, as text. */
static void
s_field (etl_stage_t *self, const etl_csv_record_t *record, etl_row_field_t field)
{
    ecom_copy_bin_bytes (self->copy, record->fields[field], record->lengths[field]);
}

/*  The columns after line and kind of an attribute row, in table order: the field that
    fills each, S_KEY for dim_key, or S_NULL. */
#define S_NULL (-1)
#define S_KEY (-2)

static const int s_customer_columns[S_COLUMNS - 2] = {
    S_NULL, S_NULL, ETL_CUSTOMER_ID, S_NULL, S_NULL, S_NULL, ETL_CUSTOMER_NAME,
    ETL_CUSTOMER_EMAIL, ETL_CUSTOMER_CITY, ETL_CUSTOMER_COUNTRY, S_NULL, S_KEY, S_NULL, S_NULL};
static const int s_product_columns[S_COLUMNS - 2] = {
    S_NULL, S_NULL, S_NULL, ETL_PRODUCT_ID, S_NULL, S_NULL, ETL_PRODUCT_NAME,
    S_NULL, S_NULL, S_NULL, ETL_PRODUCT_CATEGORY, S_KEY, S_NULL, S_NULL};

/*  The dimension fields the attribute caches compare, the id first. */
static const etl_row_field_t s_customer_fields[] = {ETL_CUSTOMER_ID, ETL_CUSTOMER_NAME,
                                                    ETL_CUSTOMER_EMAIL, ETL_CUSTOMER_CITY,
                                                    ETL_CUSTOMER_COUNTRY};
static const etl_row_field_t s_product_fields[] = {ETL_PRODUCT_ID, ETL_PRODUCT_NAME,
                                                   ETL_PRODUCT_CATEGORY};

/*  An attribute row of kind from record, its columns as the layout says, with key (0:
    NULL). */
static void
s_write_attributes (etl_stage_t *self, const etl_csv_record_t *record, char kind,
                    const int layout[S_COLUMNS - 2], int32_t key)
{
    s_start (self, record->line, kind);
    for (size_t i = 0; i < S_COLUMNS - 2; i++) {
        if (layout[i] == S_KEY && key)
            ecom_copy_bin_int4 (self->copy, key);
        else if (layout[i] < 0)
            s_nulls (self, 1);
        else
            s_field (self, record, (etl_row_field_t) layout[i]);
    }
}

/*  The dimension row of kind, when its fields changed since the cache last saw them. */
static void
s_write_dimension (etl_stage_t *self, const etl_csv_record_t *record, etl_attr_cache_t *cache,
                   const etl_row_field_t *fields, size_t count, char kind,
                   const int layout[S_COLUMNS - 2], int32_t key)
{
    const char *values[8];
    size_t lengths[8];
    for (size_t i = 0; i < count; i++) {
        values[i] = record->fields[fields[i]];
        lengths[i] = record->lengths[fields[i]];
    }
    if (etl_attr_cache_changed (cache, values, lengths, count))
        s_write_attributes (self, record, kind, layout, key);
}

void
etl_stage_order (etl_stage_t *self, const etl_csv_record_t *record,
                 const etl_row_values_t *values)
{
    /*  line, o, order_id, order_date, customer_id, product_id, quantity, unit_price,
        NULL x 8 */
    s_start (self, record->line, 'o');
    s_field (self, record, ETL_ORDER_ID);
    ecom_copy_bin_date (self->copy, values->order_day);
    s_field (self, record, ETL_CUSTOMER_ID);
    s_field (self, record, ETL_PRODUCT_ID);
    ecom_copy_bin_int4 (self->copy, values->quantity);
    ecom_copy_bin_cents (self->copy, values->cents);
    s_nulls (self, 8);
    const char *id = record->fields[ETL_ORDER_ID];
    size_t len = record->lengths[ETL_ORDER_ID];
    /*  Out of memory, the ids are taken as not increasing: not knowing is always safe. */
    self->increasing = self->increasing && etl_rising_ids_after (&self->ids, id, len)
                       && etl_rising_ids_keep (&self->ids, id, len) == 0;
    self->orders++;
}

void
etl_stage_dimensions (etl_stage_t *self, const etl_csv_record_t *record,
                      const etl_row_values_t *values, int32_t customer_key, int32_t product_key)
{
    uint32_t bit = (uint32_t) (values->order_day - self->first_day);
    self->dates[bit / 8] |= (uint8_t) (1U << (bit % 8));
    s_write_dimension (self, record, self->customers, s_customer_fields, 5, 'c',
                       s_customer_columns, customer_key);
    s_write_dimension (self, record, self->products, s_product_fields, 3, 'p',
                       s_product_columns, product_key);
}

/*  Whether a byte of raw text is shown as \xNN: not UTF-8 (or NUL), so not storable. */
static bool
s_shown_as_hex (unsigned char c)
{
    return c >= 0x80 || c == 0;
}

void
etl_stage_reject (etl_stage_t *self, const etl_csv_record_t *record, const char *reason)
{
    /*  line, r, NULL x 12, reason, raw */
    s_start (self, record->line, 'r');
    s_nulls (self, 12);
    ecom_copy_bin_bytes (self->copy, reason, strlen (reason));
    if (ecom_utf8_text_valid (record->raw, record->raw_len)) {
        ecom_copy_bin_bytes (self->copy, record->raw, record->raw_len);
        return;
    }
    size_t shown = 0;
    for (size_t i = 0; i < record->raw_len; i++)
        shown += s_shown_as_hex ((unsigned char) record->raw[i]) ? 4 : 1;
    ecom_copy_bin_field (self->copy, shown);
    for (size_t i = 0; i < record->raw_len; i++) {
        unsigned char c = (unsigned char) record->raw[i];
        if (s_shown_as_hex (c)) {
            static const char hex[] = "0123456789abcdef";
            const char text[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
            ecom_copy_raw (self->copy, text, sizeof text);
        }
        else
            ecom_copy_raw (self->copy, record->raw + i, 1);
    }
}

int
etl_stage_end (etl_stage_t **self_p, etl_stage_summary_t *summary, char *err, size_t errlen)
{
    etl_stage_t *self = *self_p;
    /*  line 0, d, NULL, the date, NULL x 12 */
    for (int32_t bit = 0, days = s_day_count (); bit < days; bit++) {
        if (!self->dates[bit / 8]) {
            bit += 7 - bit % 8; /* a byte without dates */
            continue;
        }
        if (!(self->dates[bit / 8] & (1U << (bit % 8))))
            continue;
        s_start (self, 0, 'd');
        s_nulls (self, 1);
        ecom_copy_bin_date (self->copy, self->first_day + bit);
        s_nulls (self, 12);
    }
    summary->orders = self->orders;
    summary->ids_increasing = self->increasing;
    int rc = ecom_copy_end (&self->copy, err, errlen) < 0 ? -1 : 0;
    etl_attr_cache_destroy (&self->customers);
    etl_attr_cache_destroy (&self->products);
    free (self->dates);
    etl_rising_ids_clear (&self->ids);
    free (self);
    *self_p = NULL;
    return rc;
}
