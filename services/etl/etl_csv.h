/*  etl_csv: reads a CSV file (RFC 4180, UTF-8) one record at a time, in flat memory, with
    Debian's libcsv doing the quoting rules (a line without quotes or carriage returns the
    reader splits at its commas itself: that is all the rules make of it).

    Each record comes with its first physical line number and its raw text (the lines it
    spans), so a rejected row can be stored as it was. Broken records never stop the reader:
      - a quote in the wrong place (strict RFC 4180) rejects the record and reading goes on at
        the next line;
      - a record that spans several lines (a quoted field with line breaks) but then breaks
        the quoting rules or has the wrong number of fields was most likely opened by a stray
        quote: its first line is rejected as an unterminated quote and the others are read
        again as new records;
      - an unterminated quoted field (at end of file, or running past ETL_CSV_MAX_RECORD bytes)
        rejects the line where the record began, and the lines after it are read again as
        new records, so one stray quote costs one row, not the rest of the file;
      - a line longer than ETL_CSV_MAX_RECORD is rejected and skipped. */
#ifndef ETL_CSV_H
#define ETL_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define ETL_CSV_MAX_RECORD (1024 * 1024)
#define ETL_CSV_MAX_FIELDS 64

typedef struct {
    long long line;           /* physical line where the record starts, from 1 */
    const char *raw;          /* the record's lines, without the final line ending */
    size_t raw_len;
    size_t field_count;       /* fields parsed (up to ETL_CSV_MAX_FIELDS are kept) */
    const char *fields[ETL_CSV_MAX_FIELDS]; /* NUL-terminated, valid until the next read */
    size_t lengths[ETL_CSV_MAX_FIELDS];
    const char *error;        /* NULL, or why the record could not be parsed */
} etl_csv_record_t;

typedef struct _etl_csv_t etl_csv_t;

/*  Reads from file (not closed by the reader). expected_fields is the number of fields a
    good record has (0: any). Returns NULL on allocation failure. */
etl_csv_t *etl_csv_new (FILE *file, size_t expected_fields);
void etl_csv_destroy (etl_csv_t **self_p);

/*  Reads the next record. Returns 1 with *record filled (check record->error), 0 at end
    of file, -1 on a read error (errno set). Blank lines are skipped. */
int etl_csv_next (etl_csv_t *self, etl_csv_record_t *record);

#endif
