/*  migrate: applies the SQL migrations of sql/ (compiled in) to a database. */
#ifndef ECOMCTL_MIGRATE_H
#define ECOMCTL_MIGRATE_H

#include "ecom_embedded.h"

#include <libpq-fe.h>
#include <stdio.h>

/*  Applies, in name order, every migration of table not yet recorded in the table
    schema_migrations, and records each. All of it happens in one transaction holding an
    advisory lock, so concurrent runs wait for each other and a failing migration leaves the
    database exactly as it was. Writes one line per applied migration to out (may be NULL).
    Returns the number applied (0 when the database is up to date), or -1 with the failing
    migration's name and the server's message in err. */
int migrate_apply (PGconn *conn, const ecom_embedded_t *migrations, FILE *out, char *err,
                   size_t errlen);

#endif
