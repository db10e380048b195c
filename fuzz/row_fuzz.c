/*  libFuzzer target: the ETL's row checker (services/etl/etl_row.c) on records made
    straight from the input (cut at its commas, as the CSV reader does a line without
    quotes), so the fuzzer reaches the field checks without having to get the quoting
    right. Beyond "no crash, no sanitizer report": a refused row says why; an accepted row
    has 12 fields, a date that formats back to its text, a quantity 1..1000000 equal to its
    text, a price in cents below 10^12 and quantity x price within NUMERIC(12,2). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecom_date.h"
#include "etl_csv.h"
#include "etl_row.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char *copy = malloc (size + 1);
    if (!copy)
        return 0;
    memcpy (copy, data, size);
    copy[size] = '\0';
    etl_csv_record_t record = {.line = 2, .raw = (const char *) data, .raw_len = size};
    char *start = copy;
    for (size_t i = 0; i <= size; i++)
        if (i == size || copy[i] == ',') {
            copy[i] = '\0';
            if (record.field_count < ETL_CSV_MAX_FIELDS) {
                record.fields[record.field_count] = start;
                record.lengths[record.field_count] = (size_t) (copy + i - start);
            }
            record.field_count++;
            start = copy + i + 1;
        }
    char reason[512] = "";
    etl_row_values_t values;
    const char *refused = etl_row_check (&record, &values, reason, sizeof reason);
    if (refused && strlen (reason) == 0)
        abort ();
    if (!refused) {
        char date[11];
        ecom_date_format (values.order_day, date);
        long long quantity = strtoll (record.fields[ETL_QUANTITY], NULL, 10);
        if (record.field_count != ETL_ROW_FIELDS
            || strcmp (date, record.fields[ETL_ORDER_DATE]) != 0 || quantity != values.quantity
            || quantity < 1 || quantity > 1000000 || values.cents < 0
            || values.cents >= 1000000000000LL || values.cents * quantity > 999999999999LL)
            abort ();
    }
    etl_row_is_header (&record);
    free (copy);
    return 0;
}
