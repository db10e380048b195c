#include "ecom_db.h"

#include "ecom_log.h"
#include "ecom_url.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  Copies a libpq message into err without its trailing newline. */
static void
s_message (char *err, size_t errlen, const char *prefix, const char *message)
{
    snprintf (err, errlen, "%s%s", prefix, message ? message : "unknown error");
    size_t n = strlen (err);
    while (n > 0 && (err[n - 1] == '\n' || err[n - 1] == ' '))
        err[--n] = '\0';
}

/*  Server notices ("relation already exists, skipping") are not errors: keep them off the
    terminal, in the debug log. */
static void
s_notice (void *arg, const char *message)
{
    ecom_debug ("msg=\"postgres notice\" notice=\"%.*s\"", (int) strcspn (message, "\n"), message);
}

PGconn *
ecom_db_connect (const char *url, char *err, size_t errlen)
{
    char where[300] = "?";
    char why[256];
    ecom_url_t *parsed = ecom_url_parse (url, why, sizeof why);
    if (!parsed || strcmp (parsed->scheme, "postgresql") != 0) {
        snprintf (err, errlen, "DATABASE_URL is not a postgresql:// URL: %s",
                  parsed ? "wrong scheme" : why);
        ecom_url_destroy (&parsed);
        return NULL;
    }
    ecom_url_describe (parsed, where, sizeof where);
    ecom_url_destroy (&parsed);

    /* libpq reads the URL itself (including its query parameters); its messages name the host
       and port but never the password. A short connect timeout unless the URL sets one. */
    const char *keys[] = {"dbname", "connect_timeout", "application_name", NULL};
    const char *values[] = {url, "5", "ecommerce-analytics", NULL};
    PGconn *conn = PQconnectdbParams (keys, values, 1);
    if (!conn) {
        snprintf (err, errlen, "cannot connect to PostgreSQL at %s: out of memory", where);
        return NULL;
    }
    if (PQstatus (conn) != CONNECTION_OK) {
        char prefix[340];
        snprintf (prefix, sizeof prefix, "cannot connect to PostgreSQL at %s: ", where);
        const char *message = PQerrorMessage (conn);
        /* libpq says "connection to server at ... failed: <reason>": keep the reason. */
        const char *reason = strstr (message, "failed: ");
        s_message (err, errlen, prefix, reason ? reason + 8 : message);
        err[strcspn (err, "\n")] = '\0'; /* the first line says it; libpq adds hints */
        PQfinish (conn);
        return NULL;
    }
    PQsetErrorVerbosity (conn, PQERRORS_DEFAULT);
    PQsetNoticeProcessor (conn, s_notice, NULL);
    return conn;
}

void
ecom_db_error (const PGresult *res, char *err, size_t errlen)
{
    snprintf (err, errlen, "%s", PQresultErrorMessage (res));
    err[strcspn (err, "\n")] = '\0';
}

int
ecom_db_exec (PGconn *conn, const char *sql, char *err, size_t errlen)
{
    PGresult *res = PQexec (conn, sql);
    ExecStatusType status = PQresultStatus (res);
    int rc = 0;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        s_message (err, errlen, "", PQresultErrorMessage (res));
        rc = -1;
    }
    PQclear (res);
    return rc;
}

int
ecom_db_result_int64 (PGconn *conn, const PGresult *res, long long *value, char *err, size_t errlen)
{
    if (PQresultStatus (res) != PGRES_TUPLES_OK) {
        /*  No result at all (a lost connection): the reason is the connection's. */
        const char *why = res && *PQresultErrorMessage (res) ? PQresultErrorMessage (res)
                          : conn                             ? PQerrorMessage (conn)
                                                             : NULL;
        s_message (err, errlen, "", why);
        return -1;
    }
    if (PQntuples (res) != 1 || PQnfields (res) != 1 || PQgetisnull (res, 0, 0)) {
        snprintf (err, errlen, "expected one value, got %d rows", PQntuples (res));
        return -1;
    }
    const char *text = PQgetvalue (res, 0, 0);
    char *end;
    errno = 0;
    long long parsed = strtoll (text, &end, 10);
    if (!*text || *end || errno) {
        snprintf (err, errlen, "not an integer: %.40s", text);
        return -1;
    }
    *value = parsed;
    return 0;
}

int
ecom_db_query_int64 (PGconn *conn, const char *sql, long long *value, char *err, size_t errlen)
{
    PGresult *res = PQexec (conn, sql);
    int rc = ecom_db_result_int64 (conn, res, value, err, errlen);
    PQclear (res);
    return rc;
}

int
ecom_db_query_int64_params (PGconn *conn, const char *sql, int count, const char *const *values,
                            long long *value, char *err, size_t errlen)
{
    PGresult *res = PQexecParams (conn, sql, count, NULL, values, NULL, NULL, 0);
    int rc = ecom_db_result_int64 (conn, res, value, err, errlen);
    PQclear (res);
    return rc;
}

long long
ecom_db_int64 (const PGresult *res, int row, int col)
{
    if (row < 0 || row >= PQntuples (res) || col < 0 || col >= PQnfields (res)
        || PQgetisnull (res, row, col))
        return 0;
    return strtoll (PQgetvalue (res, row, col), NULL, 10);
}

int
ecom_db_ensure (PGconn *conn)
{
    if (PQstatus (conn) == CONNECTION_OK)
        return 0;
    PQreset (conn);
    return PQstatus (conn) == CONNECTION_OK ? 0 : -1;
}
