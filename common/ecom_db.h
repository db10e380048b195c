/*  ecom_db: PostgreSQL connection helpers over libpq. */
#ifndef ECOM_DB_H
#define ECOM_DB_H

#include <libpq-fe.h>
#include <stddef.h>

/*  Connects to the database at url (a DATABASE_URL). On failure returns NULL and writes
    "cannot connect to PostgreSQL at host:port: <reason>" into err; the password never
    appears in it. */
PGconn *ecom_db_connect (const char *url, char *err, size_t errlen);

/*  Writes the first line of res's error message (the line that says what went wrong; libpq
    adds hints after it) into err. */
void ecom_db_error (const PGresult *res, char *err, size_t errlen);

/*  Runs sql (one or more statements, no parameters). Returns 0, or -1 with the server's
    message in err. */
int ecom_db_exec (PGconn *conn, const char *sql, char *err, size_t errlen);

/*  Runs a query that returns one row of one column and parses it as a 64-bit integer.
    Returns 0 and sets *value, or -1 with a message in err. */
int ecom_db_query_int64 (PGconn *conn, const char *sql, long long *value, char *err, size_t errlen);

/*  The same with count text parameters ($1 = values[0], ...). */
int ecom_db_query_int64_params (PGconn *conn, const char *sql, int count, const char *const *values,
                                long long *value, char *err, size_t errlen);

/*  Reads res (of a query on conn, which may be NULL) as one row of one column holding a
    64-bit integer: the one place that does. Returns 0 and sets *value, or -1 with a message
    in err (the server's, the connection's when res is NULL, or what the result holds
    instead). */
int ecom_db_result_int64 (PGconn *conn, const PGresult *res, long long *value, char *err,
                          size_t errlen);

/*  The cell (row, col) of res as a 64-bit integer: 0 when it is NULL or not within res,
    else its leading decimal digits (a column the query itself declares an integer, such as
    a count(*) or a bigint key, so the text is the server's). The one reader of an integer
    cell for the rows of a known query; ecom_db_result_int64 checks a single value. */
long long ecom_db_int64 (const PGresult *res, int row, int col);

/*  Makes sure conn is usable: when its connection was lost, resets it once.
    Returns 0 when the connection is ready, -1 when it is still down. */
int ecom_db_ensure (PGconn *conn);

#endif
