/*  svc_db: a service's PostgreSQL connection. It survives a lost connection: a query that
    fails because the server went away is retried once on a fresh connection (PQreset), and a
    connection found down before a query is reset first. Queries are parameterised, results
    are text. */
#ifndef SVC_DB_H
#define SVC_DB_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct _svc_db_t svc_db_t;

/*  Connects to url (a DATABASE_URL). Returns NULL with a one-line reason in err when the
    server cannot be reached or refuses the login. */
svc_db_t *svc_db_new (const char *url, char *err, size_t errlen);

/*  Closes the connection and nulls the caller's pointer. NULL-safe. */
void svc_db_destroy (svc_db_t **self_p);

/*  Runs sql with nparams text parameters ($1..$n; a NULL value is SQL NULL) and returns its
    result (free with PQclear). A failure that comes from a lost connection is retried once
    after a reset. Returns NULL on failure, with the reason in the log and in
    svc_db_error(). */
PGresult *svc_db_query (svc_db_t *self, const char *sql, int nparams,
                        const char *const *values);

/*  True when the connection is up (as far as libpq knows after the last call). */
bool svc_db_connected (svc_db_t *self);

/*  The reason of the last failed query, or "" after a success. */
const char *svc_db_error (svc_db_t *self);

/*  The underlying connection, for code that needs libpq directly. Never NULL. */
PGconn *svc_db_conn (svc_db_t *self);

#endif
