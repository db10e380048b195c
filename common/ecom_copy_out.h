/*  ecom_copy_out: reads the rows of a COPY ... TO STDOUT (FORMAT binary) through libpq's copy
    protocol, one row at a time, without holding more than one row's message: the way to
    pull millions of rows out of PostgreSQL into compact arrays (services/engine) without a
    PGresult that holds them all as text.

        ecom_copy_out_t out;
        if (ecom_copy_out_begin (&out, conn, "COPY (SELECT ...) TO STDOUT (FORMAT binary)",
                                 err, errlen) == 0) {
            ecom_field_t fields[3];
            int rc;
            while ((rc = ecom_copy_out_next (&out, fields, 3, err, errlen)) == 1)
                ... fields[i].data / fields[i].len (len -1: NULL) ...
            ecom_copy_out_end (&out);  (always, also after an error)
        }

    The field decoders read PostgreSQL's binary send formats (network byte order). */
#ifndef ECOM_COPY_OUT_H
#define ECOM_COPY_OUT_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    PGconn *conn;
    char *message;    /* the current CopyData message (PQfreemem) */
    size_t size, pos; /* its length and the read position */
    bool header_read; /* the PGCOPY signature, flags and extension are consumed */
    bool ended;       /* the trailer or the end of the copy was seen */
} ecom_copy_out_t;

typedef struct {
    const char *data; /* into the current message: valid until the next call */
    int32_t len;      /* -1 for NULL */
} ecom_field_t;

/*  Starts sql (a COPY ... TO STDOUT (FORMAT binary)) on conn. Returns 0, or -1 with the
    server's message in err. */
int ecom_copy_out_begin (ecom_copy_out_t *self, PGconn *conn, const char *sql, char *err,
                         size_t errlen);

/*  Reads the next row, which must have exactly nfields fields, into fields. Returns 1 for a
    row, 0 at the end of the data (the COPY's result was read and was a success), -1 with
    the reason in err (a malformed stream, another field count, a server error). */
int ecom_copy_out_next (ecom_copy_out_t *self, ecom_field_t *fields, int nfields, char *err,
                        size_t errlen);

/*  Releases the current message and, when the copy did not reach its end, drains it so the
    connection is usable again. */
void ecom_copy_out_end (ecom_copy_out_t *self);

/*  Decoders of one field's binary value; each returns 0, or -1 when the field is NULL or
    has the wrong length. */
int ecom_field_int32 (const ecom_field_t *field, int32_t *value);
int ecom_field_int64 (const ecom_field_t *field, int64_t *value);
/*  A date as days since 1970-01-01 (PostgreSQL sends days since 2000-01-01). */
int ecom_field_date (const ecom_field_t *field, int32_t *days);
/*  A NUMERIC with at most 2 decimals as hundredths (cents); -1 also for NaN, infinities,
    more than 2 decimals, or a value beyond +-9.2e16. */
int ecom_field_cents (const ecom_field_t *field, int64_t *cents);

#endif
