/*  ecom_copy: streams rows into PostgreSQL with COPY ... FROM STDIN (text format) through
    libpq's copy protocol, buffered in 1 MiB chunks. */
#ifndef ECOM_COPY_H
#define ECOM_COPY_H

#include <libpq-fe.h>
#include <stddef.h>

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

/*  Ends the COPY (aborting it when anything went wrong while appending) and frees self.
    Returns the number of rows copied, or -1 with a message in err. */
long long ecom_copy_end (ecom_copy_t **self_p, char *err, size_t errlen);

#endif
