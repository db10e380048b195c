/*  ecom_copy: streams rows into PostgreSQL with COPY ... FROM STDIN through libpq's copy
    protocol, buffered in 1 MiB chunks, in COPY's text format (ecom_copy_begin, then the
    text writers) or its binary format (ecom_copy_begin_binary, then the ecom_copy_bin_*
    writers): the binary one spares the server parsing dates, integers and numerics and the
    client escaping text. One stream uses one format. */
#ifndef ECOM_COPY_H
#define ECOM_COPY_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _ecom_copy_t ecom_copy_t;

/*  Starts sql (a COPY ... FROM STDIN) on conn. Returns NULL with the server's message in err
    when the server refused it. */
ecom_copy_t *ecom_copy_begin (PGconn *conn, const char *sql, char *err, size_t errlen);

/*  Appends one printf-formatted piece of a row, as is (the caller writes tabs and the
    newline, and escapes nothing: for values that need it, use ecom_copy_text). */
void ecom_copy_printf (ecom_copy_t *self, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));

/*  Appends len bytes as they are: separators, and values that need no escaping. */
void ecom_copy_raw (ecom_copy_t *self, const char *data, size_t len);

/*  Appends an integer in decimal. */
void ecom_copy_int (ecom_copy_t *self, long long value);

/*  Appends len bytes of text as one escaped column value (backslash, tab, newline and
    carriage return escaped); NULL appends SQL NULL (\N). */
void ecom_copy_text (ecom_copy_t *self, const char *text, size_t len);

/*  Like ecom_copy_begin for a COPY ... FROM STDIN (FORMAT binary): sends the format's
    header. */
ecom_copy_t *ecom_copy_begin_binary (PGconn *conn, const char *sql, char *err, size_t errlen);

/*  Like ecom_copy_begin_binary, but the rows go to an anonymous temporary file until
    ecom_copy_send: for rows written while the connection is busy with another COPY.
    Returns NULL with the reason in err. */
ecom_copy_t *ecom_copy_spool_binary (char *err, size_t errlen);

/*  Starts sql (a COPY ... FROM STDIN (FORMAT binary)) on conn for a spooled stream, sends
    what was spooled, and from then on streams to conn. Returns 0, or -1 with the reason in
    err (the stream stays spooled; ecom_copy_end frees it). */
int ecom_copy_send (ecom_copy_t *self, PGconn *conn, const char *sql, char *err, size_t errlen);

/*  Binary format: starts a row of fields columns; then one writer call per column. */
void ecom_copy_bin_row (ecom_copy_t *self, int fields);

/*  Binary format: SQL NULL. */
void ecom_copy_bin_null (ecom_copy_t *self);

/*  Binary format: len bytes as they are, for text (valid in the database's encoding) and
    "char" (one byte). */
void ecom_copy_bin_bytes (ecom_copy_t *self, const char *data, size_t len);

/*  Binary format: the length of a field of len bytes, which the caller then appends in
    pieces with ecom_copy_raw (for values built while they are written). */
void ecom_copy_bin_field (ecom_copy_t *self, size_t len);

/*  Binary format: integer, bigint. */
void ecom_copy_bin_int4 (ecom_copy_t *self, int32_t value);
void ecom_copy_bin_int8 (ecom_copy_t *self, int64_t value);

/*  Binary format: a date, given as days since 1970-01-01 (as ecom_date counts). */
void ecom_copy_bin_date (ecom_copy_t *self, int32_t days);

/*  Binary format: a NUMERIC of cents / 100, with two decimals. */
void ecom_copy_bin_cents (ecom_copy_t *self, int64_t cents);

/*  Ends the COPY (aborting it when anything went wrong while appending) and frees self.
    Returns the number of rows copied, or -1 with a message in err (also for a spooled
    stream never sent). */
long long ecom_copy_end (ecom_copy_t **self_p, char *err, size_t errlen);

#endif
