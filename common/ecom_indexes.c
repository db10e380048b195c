#include "ecom_indexes.h"

#include "ecom_db.h"

#include <stdio.h>
#include <stdlib.h>

static const char s_drop_sql[] =
    "CREATE TEMP TABLE %s ON COMMIT DROP AS"
    " SELECT i.indexrelid,"
    "        CASE WHEN k.oid IS NULL THEN format('DROP INDEX %%s', i.indexrelid::regclass)"
    "             ELSE format('ALTER TABLE %%s DROP CONSTRAINT %%I', i.indrelid::regclass,"
    "                         k.conname)"
    "        END AS drop_sql,"
    "        CASE WHEN k.oid IS NULL THEN pg_get_indexdef(i.indexrelid)"
    "             ELSE format('ALTER TABLE %%s ADD CONSTRAINT %%I %%s', i.indrelid::regclass,"
    "                         k.conname, pg_get_constraintdef(k.oid))"
    "        END AS create_sql,"
    "        k.oid IS NOT NULL AS is_constraint"
    " FROM pg_index i"
    " LEFT JOIN pg_constraint k ON k.conindid = i.indexrelid AND k.conrelid = i.indrelid"
    " WHERE i.indrelid IN (SELECT t::regclass FROM unnest(ARRAY[%s]) t)"
    "   AND NOT (%s AND i.indisprimary);"
    "DO $$DECLARE r record; BEGIN"
    " FOR r IN SELECT drop_sql FROM %s LOOP EXECUTE r.drop_sql; END LOOP;"
    " END$$;";

static const char s_build_sql[] =
    "DO $$DECLARE r record; BEGIN"
    " FOR r IN SELECT create_sql FROM %s ORDER BY is_constraint DESC, indexrelid"
    " LOOP EXECUTE r.create_sql; END LOOP;"
    " END$$;"
    "DROP TABLE %s";

int
ecom_indexes_drop (PGconn *conn, const char *saved, const char *tables, bool keep_primary_keys,
                   char *err, size_t errlen)
{
    char sql[sizeof s_drop_sql + 256];
    if ((size_t) snprintf (sql, sizeof sql, s_drop_sql, saved, tables,
                           keep_primary_keys ? "true" : "false", saved)
        >= sizeof sql) {
        snprintf (err, errlen, "ecom_indexes: names too long");
        return -1;
    }
    return ecom_db_exec (conn, sql, err, errlen);
}

int
ecom_indexes_build (PGconn *conn, const char *saved, char *err, size_t errlen)
{
    char sql[sizeof s_build_sql + 128];
    if ((size_t) snprintf (sql, sizeof sql, s_build_sql, saved, saved) >= sizeof sql) {
        snprintf (err, errlen, "ecom_indexes: names too long");
        return -1;
    }
    return ecom_db_exec (conn, sql, err, errlen);
}
