#include "testdb.h"

#include "ecom_db.h"
#include "ecom_url.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*  The admin URL (DATABASE_URL) with its path replaced by dbname, or NULL. */
static char *
s_url_for (const char *dbname)
{
    const char *admin = getenv ("DATABASE_URL");
    char err[256];
    ecom_url_t *url = admin ? ecom_url_parse (admin, err, sizeof err) : NULL;
    if (!url) {
        fprintf (stderr, "testdb: DATABASE_URL is missing or invalid\n");
        return NULL;
    }
    char *out = NULL;
    char host[300];
    ecom_url_describe (url, host, sizeof host);
    if (asprintf (&out, "postgresql://%s%s%s%s%s/%s", url->user ? url->user : "",
                  url->password ? ":" : "", url->password ? url->password : "",
                  url->user ? "@" : "", host, dbname)
        < 0)
        out = NULL;
    ecom_url_destroy (&url);
    return out;
}

char *
testdb_create (const char *prefix)
{
    static int counter;
    char name[64];
    snprintf (name, sizeof name, "%s_%d_%d", prefix, (int) getpid (), ++counter);
    char err[512], sql[256];
    PGconn *admin = ecom_db_connect (getenv ("DATABASE_URL"), err, sizeof err);
    if (!admin) {
        fprintf (stderr, "testdb: %s\n", err);
        return NULL;
    }
    snprintf (sql, sizeof sql, "DROP DATABASE IF EXISTS %s", name);
    int rc = ecom_db_exec (admin, sql, err, sizeof err);
    snprintf (sql, sizeof sql, "CREATE DATABASE %s", name);
    rc = rc ? rc : ecom_db_exec (admin, sql, err, sizeof err);
    PQfinish (admin);
    if (rc) {
        fprintf (stderr, "testdb: %s\n", err);
        return NULL;
    }
    return s_url_for (name);
}

void
testdb_drop (char **url_p)
{
    if (!url_p || !*url_p)
        return;
    const char *name = strrchr (*url_p, '/') + 1;
    char err[512], sql[256];
    PGconn *admin = ecom_db_connect (getenv ("DATABASE_URL"), err, sizeof err);
    if (admin) {
        snprintf (sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
        if (ecom_db_exec (admin, sql, err, sizeof err))
            fprintf (stderr, "testdb: %s\n", err);
        PQfinish (admin);
    }
    free (*url_p);
    *url_p = NULL;
}
