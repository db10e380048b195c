/*  svc_db: a service's PostgreSQL connection, reset and retried once after a loss. */
#include "svc_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecom_db.h"
#include "ecom_log.h"

struct _svc_db_t {
    PGconn *conn;
    bool down;        /* the last attempt found the server unreachable: logged once */
    char error[256];  /* reason of the last failure, one line, no double quotes */
};

/*  Copies text into out as one log-safe line: newlines become spaces, double quotes become
    single quotes, trailing blanks go. */
static void
s_one_line (char *out, size_t outlen, const char *text)
{
    size_t n = 0;
    for (; text && *text && n + 1 < outlen; text++) {
        char c = *text;
        out[n++] = c == '\n' || c == '\r' || c == '\t' ? ' ' : c == '"' ? '\'' : c;
    }
    while (n > 0 && out[n - 1] == ' ')
        n--;
    out[n] = '\0';
}

svc_db_t *
svc_db_new (const char *url, char *err, size_t errlen)
{
    PGconn *conn = ecom_db_connect (url, err, errlen);
    if (!conn)
        return NULL;
    svc_db_t *self = calloc (1, sizeof *self);
    if (!self) {
        PQfinish (conn);
        snprintf (err, errlen, "out of memory");
        return NULL;
    }
    self->conn = conn;
    return self;
}

void
svc_db_destroy (svc_db_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    svc_db_t *self = *self_p;
    PQfinish (self->conn);
    free (self);
    *self_p = NULL;
}

/*  Resets a connection that libpq reports as bad. Returns 0 when it is usable, -1 (logged
    once per outage) when the server is still unreachable. */
static int
s_ensure (svc_db_t *self)
{
    if (PQstatus (self->conn) == CONNECTION_OK)
        return 0;
    PQreset (self->conn);
    if (PQstatus (self->conn) == CONNECTION_OK) {
        if (self->down)
            ecom_info ("msg=\"PostgreSQL is reachable again\"");
        self->down = false;
        return 0;
    }
    char reason[200];
    s_one_line (reason, sizeof reason, PQerrorMessage (self->conn));
    snprintf (self->error, sizeof self->error, "PostgreSQL unavailable: %s", reason);
    if (!self->down)
        ecom_error ("msg=\"%s\"", self->error);
    self->down = true;
    return -1;
}

PGresult *
svc_db_query (svc_db_t *self, const char *sql, int nparams, const char *const *values)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        if (s_ensure (self) != 0)
            return NULL;
        PGresult *res = PQexecParams (self->conn, sql, nparams, NULL, values, NULL, NULL, 0);
        ExecStatusType status = PQresultStatus (res);
        if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
            self->error[0] = '\0';
            return res;
        }
        char reason[200];
        s_one_line (reason, sizeof reason,
                    res ? PQresultErrorMessage (res) : PQerrorMessage (self->conn));
        PQclear (res);
        snprintf (self->error, sizeof self->error, "query failed: %s", reason);
        if (PQstatus (self->conn) != CONNECTION_BAD) {
            ecom_error ("msg=\"%s\"", self->error);
            return NULL; /* an SQL error: retrying would fail the same way */
        }
        ecom_warn ("msg=\"PostgreSQL connection lost, resetting\" reason=\"%s\"", reason);
    }
    ecom_error ("msg=\"%s\"", self->error);
    return NULL;
}

bool
svc_db_connected (svc_db_t *self)
{
    return PQstatus (self->conn) == CONNECTION_OK;
}

const char *
svc_db_error (svc_db_t *self)
{
    return self->error;
}

PGconn *
svc_db_conn (svc_db_t *self)
{
    return self->conn;
}
