#include "migrate.h"

#include "ecom_db.h"

#include <stdbool.h>
#include <string.h>

/*  True when name is already recorded in the open transaction's schema_migrations. */
static int
s_applied (PGconn *conn, const char *name, bool *applied, char *err, size_t errlen)
{
    const char *params[] = {name};
    PGresult *res = PQexecParams (conn, "SELECT 1 FROM schema_migrations WHERE name = $1", 1,
                                  NULL, params, NULL, NULL, 0);
    int rc = 0;
    if (PQresultStatus (res) != PGRES_TUPLES_OK) {
        snprintf (err, errlen, "%s", PQresultErrorMessage (res));
        rc = -1;
    }
    else
        *applied = PQntuples (res) > 0;
    PQclear (res);
    return rc;
}

static int
s_record (PGconn *conn, const char *name, char *err, size_t errlen)
{
    const char *params[] = {name};
    PGresult *res = PQexecParams (conn, "INSERT INTO schema_migrations (name) VALUES ($1)", 1,
                                  NULL, params, NULL, NULL, 0);
    int rc = PQresultStatus (res) == PGRES_COMMAND_OK ? 0 : -1;
    if (rc)
        snprintf (err, errlen, "%s", PQresultErrorMessage (res));
    PQclear (res);
    return rc;
}

int
migrate_apply (PGconn *conn, const ecom_embedded_t *migrations, FILE *out, char *err,
               size_t errlen)
{
    char why[1024] = "";
    const char *failed = "setup";
    int applied = 0;
    if (ecom_db_exec (conn,
                      "BEGIN;"
                      "SELECT pg_advisory_xact_lock(hashtext('ecommerce-analytics:migrate'));"
                      "CREATE TABLE IF NOT EXISTS schema_migrations ("
                      "  name text COLLATE \"C\" PRIMARY KEY,"
                      "  applied_at timestamptz NOT NULL DEFAULT now())",
                      why, sizeof why))
        goto fail;
    for (const ecom_embedded_t *m = migrations; m->name; m++) {
        bool done = false;
        failed = m->name;
        if (s_applied (conn, m->name, &done, why, sizeof why))
            goto fail;
        if (done)
            continue;
        if (ecom_db_exec (conn, m->text, why, sizeof why) || s_record (conn, m->name, why, sizeof why))
            goto fail;
        if (out)
            fprintf (out, "applied %s\n", m->name);
        applied++;
    }
    failed = "commit";
    if (ecom_db_exec (conn, "COMMIT", why, sizeof why))
        goto fail;
    return applied;
fail:
    snprintf (err, errlen, "migration %s failed, nothing was applied: %s", failed, why);
    size_t n = strlen (err);
    while (n > 0 && err[n - 1] == '\n')
        err[--n] = '\0';
    PQclear (PQexec (conn, "ROLLBACK"));
    return -1;
}
