/*  ecom_indexes: every index of some tables dropped inside a bulk writer's transaction (the
    CSV load's bulk path, the seed) and built again after the insert, from the definitions the catalog gives (pg_get_indexdef,
    pg_get_constraintdef for a primary key or unique constraint): building an index from
    sorted runs costs about a third of adding a million entries to it one row at a time.
    A failed writer leaves the indexes as they were (its transaction is rolled back). The
    price: the DROP holds the tables exclusively until the commit, so whoever reads them
    waits. The definitions are kept in a temporary table (dropped at commit) that the
    caller names. */
#ifndef ECOM_INDEXES_H
#define ECOM_INDEXES_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

/*  Drops every index of the tables (a list of SQL literals naming them, e.g.
    "'dim_customer', 'dim_product'"), their definitions kept in the temporary table saved;
    with keep_primary_keys, all but the primary keys (for rows that come in key order, whose
    entries are appended). Returns 0, or -1 with the reason in err. */
int ecom_indexes_drop (PGconn *conn, const char *saved, const char *tables, bool keep_primary_keys,
                       char *err, size_t errlen);

/*  Builds the indexes kept in saved again, constraints first (they check what the other
    indexes then trust), and drops saved. Returns 0, or -1 with the reason in err. */
int ecom_indexes_build (PGconn *conn, const char *saved, char *err, size_t errlen);

#endif
