/*  libFuzzer target: the ETL's CSV reader (services/etl/etl_csv.c) over a whole file, and
    the header and row checks (etl_row.c) on every record it returns, as a load does. Beyond
    "no crash, no sanitizer report": the reader ends (each record starts on a later line than
    the one before and every call consumes input), a record holds at most
    ETL_CSV_MAX_FIELDS fields of the lengths it says, and a refused row says why. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etl_csv.h"
#include "etl_row.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0; /* fmemopen refuses an empty buffer; an empty file is tested elsewhere */
    FILE *file = fmemopen ((void *) data, size, "r");
    if (!file)
        abort ();
    etl_csv_t *csv = etl_csv_new (file, ETL_ROW_FIELDS);
    if (!csv)
        abort ();
    etl_csv_record_t record;
    long long last_line = 0;
    size_t records = 0;
    int rc;
    while ((rc = etl_csv_next (csv, &record)) == 1) {
        if (record.line <= last_line || ++records > size)
            abort (); /* no progress */
        last_line = record.line;
        if (record.raw_len > size || (record.raw_len > 0 && !record.raw))
            abort ();
        if (!record.error) {
            size_t kept =
                record.field_count < ETL_CSV_MAX_FIELDS ? record.field_count : ETL_CSV_MAX_FIELDS;
            for (size_t i = 0; i < kept; i++)
                if (!record.fields[i] || record.lengths[i] > record.raw_len
                    || record.fields[i][record.lengths[i]] != '\0')
                    abort ();
            etl_row_is_header (&record);
        }
        char reason[512] = "";
        etl_row_values_t values;
        if (etl_row_check (&record, &values, reason, sizeof reason) && strlen (reason) == 0)
            abort ();
    }
    if (rc != 0)
        abort (); /* a memory file has no read errors */
    etl_csv_destroy (&csv);
    fclose (file);
    return 0;
}
