#include "etl_row.h"

#include "ecom_date.h"
#include "ecom_utf8.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

const char *const etl_row_header[ETL_ROW_FIELDS] = {
    "order_id",      "order_date",       "customer_id",      "customer_name",
    "customer_email", "customer_city",   "customer_country", "product_id",
    "product_name",  "product_category", "quantity",         "unit_price"};

bool
etl_row_is_header (const etl_csv_record_t *record)
{
    if (record->error || record->field_count != ETL_ROW_FIELDS)
        return false;
    for (size_t i = 0; i < ETL_ROW_FIELDS; i++) {
        const char *name = record->fields[i];
        if (i == 0 && strncmp (name, "\xef\xbb\xbf", 3) == 0)
            name += 3;
        if (strcmp (name, etl_row_header[i]) != 0)
            return false;
    }
    return true;
}

static bool
s_blank (const char *text)
{
    return text[strspn (text, " \t")] == '\0';
}

/*  Parses a decimal with at most 2 decimals into cents. Returns 0, or -1. */
static int
s_cents (const char *text, long long *cents)
{
    long long whole = 0;
    const char *p = text;
    if (!(*p >= '0' && *p <= '9'))
        return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        whole = whole * 10 + (*p - '0');
        if (whole >= 10000000000LL) /* NUMERIC(12,2): below 10^10 */
            return -1;
    }
    long long frac = 0;
    if (*p == '.') {
        p++;
        int digits = 0;
        for (; *p >= '0' && *p <= '9'; p++) {
            if (++digits > 2)
                return -1;
            frac = frac * 10 + (*p - '0');
        }
        if (digits == 0)
            return -1;
        if (digits == 1)
            frac *= 10;
    }
    if (*p)
        return -1;
    *cents = whole * 100 + frac;
    return 0;
}

/*  Writes a field for a message: at most 40 bytes, enough to recognise it. */
static const char *
s_show (const char *text, char *out, size_t size)
{
    size_t len = strlen (text), cut = len > 40 ? 40 : len;
    while (cut > 0 && cut < len && ((unsigned char) text[cut] & 0xc0) == 0x80)
        cut--; /* never split a UTF-8 sequence: the reason is stored as text */
    snprintf (out, size, "%.*s%s", (int) cut, text, cut < len ? "..." : "");
    return out;
}

const char *
etl_row_check (const etl_csv_record_t *record, etl_row_values_t *values, char *reason,
               size_t size)
{
    char shown[64];
    if (!ecom_utf8_text_valid (record->raw, record->raw_len)) {
        snprintf (reason, size, "the row is not valid UTF-8");
        return reason;
    }
    if (record->error) {
        snprintf (reason, size, "%s", record->error);
        return reason;
    }
    if (record->field_count != ETL_ROW_FIELDS) {
        snprintf (reason, size, "expected %d fields, got %zu", ETL_ROW_FIELDS,
                  record->field_count);
        return reason;
    }
    const char *const *f = record->fields;
    static const etl_row_field_t ids[] = {ETL_ORDER_ID, ETL_CUSTOMER_ID, ETL_PRODUCT_ID};
    for (size_t i = 0; i < 3; i++)
        if (s_blank (f[ids[i]])) {
            snprintf (reason, size, "%s is empty", etl_row_header[ids[i]]);
            return reason;
        }
    if (ecom_date_parse (f[ETL_ORDER_DATE], &values->order_day) != 0) {
        snprintf (reason, size, "order_date must be a date YYYY-MM-DD, got '%s'",
                  s_show (f[ETL_ORDER_DATE], shown, sizeof shown));
        return reason;
    }
    long long quantity = 0;
    const char *q = f[ETL_QUANTITY];
    bool digits = *q != '\0';
    for (const char *p = q; *p && digits; p++) {
        digits = *p >= '0' && *p <= '9';
        quantity = quantity * 10 + (*p - '0');
        if (quantity > 1000000)
            digits = false;
    }
    if (!digits || quantity < 1) {
        snprintf (reason, size, "quantity must be a whole number from 1 to 1000000, got '%s'",
                  s_show (q, shown, sizeof shown));
        return reason;
    }
    long long cents;
    if (s_cents (f[ETL_UNIT_PRICE], &cents) != 0) {
        snprintf (reason, size,
                  "unit_price must be a decimal >= 0 with at most 2 decimals, got '%s'",
                  s_show (f[ETL_UNIT_PRICE], shown, sizeof shown));
        return reason;
    }
    if (cents > 0 && quantity > 999999999999LL / cents) {
        snprintf (reason, size, "quantity x unit_price exceeds 9999999999.99");
        return reason;
    }
    values->quantity = (int32_t) quantity;
    values->cents = cents;
    return NULL;
}
