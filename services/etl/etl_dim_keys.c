#include "etl_dim_keys.h"

#include "ecom_db.h"
#include "etl_key_map.h"

#include <stdio.h>
#include <stdlib.h>

/*  The most ids each map holds (the catalogue and the file's new ids together): about 20 MB
    for customers and 5 MB for products at most (etl_key_map's bound), far inside the
    loader's 64 MB; a bigger catalogue is loaded through the staging table. */
static const size_t s_limits[2] = {131072, 32768};

static const char *const s_map_sql[2] = {
    "SELECT customer_id, customer_key FROM dim_customer LIMIT $1",
    "SELECT product_id, product_key FROM dim_product LIMIT $1"};

/*  The first new key: the sequence's next value, or above the largest key if a row was
    inserted with an explicit one. */
static const char *const s_first_key_sql[2] = {
    "SELECT greatest(nextval(pg_get_serial_sequence('dim_customer', 'customer_key')),"
    "                (SELECT coalesce(max(customer_key), 0) + 1 FROM dim_customer))",
    "SELECT greatest(nextval(pg_get_serial_sequence('dim_product', 'product_key')),"
    "                (SELECT coalesce(max(product_key), 0) + 1 FROM dim_product))"};

static const char *const s_save_sql[2] = {
    "SELECT setval(pg_get_serial_sequence('dim_customer', 'customer_key'), $1)",
    "SELECT setval(pg_get_serial_sequence('dim_product', 'product_key'), $1)"};

struct _etl_dim_keys_t {
    etl_key_map_t *maps[2]; /* NULL when the catalogue is too big */
    int64_t first[2];       /* the first new key */
    int64_t next[2];        /* the next new key */
};

/*  Runs sql with the one parameter param; returns its result (tuples), or NULL with err. */
static PGresult *
s_query (PGconn *conn, const char *sql, const char *param, char *err, size_t errlen)
{
    PGresult *res = PQexecParams (conn, sql, param ? 1 : 0, NULL, param ? &param : NULL, NULL,
                                  NULL, 0);
    if (PQresultStatus (res) == PGRES_TUPLES_OK || PQresultStatus (res) == PGRES_COMMAND_OK)
        return res;
    ecom_db_error (res, err, errlen);
    PQclear (res);
    return NULL;
}

/*  Reads dimension d's map (none when it has more rows than the limit) and its first new
    key. Returns 0, or -1 with err. */
static int
s_load_dim (etl_dim_keys_t *self, PGconn *conn, int d, char *err, size_t errlen)
{
    char limit[24];
    snprintf (limit, sizeof limit, "%zu", s_limits[d] + 1);
    PGresult *res = s_query (conn, s_map_sql[d], limit, err, errlen);
    if (!res)
        return -1;
    int rows = PQntuples (res);
    if ((size_t) rows <= s_limits[d]) {
        self->maps[d] = etl_key_map_new (s_limits[d]);
        for (int r = 0; self->maps[d] && r < rows; r++) {
            long long key = strtoll (PQgetvalue (res, r, 1), NULL, 10);
            if (etl_key_map_put (self->maps[d], PQgetvalue (res, r, 0),
                                 (size_t) PQgetlength (res, r, 0), (int32_t) key))
                etl_key_map_destroy (&self->maps[d]); /* a key < 1, an id too long: no map */
        }
    }
    PQclear (res);
    res = s_query (conn, s_first_key_sql[d], NULL, err, errlen);
    if (!res)
        return -1;
    self->first[d] = self->next[d] = strtoll (PQgetvalue (res, 0, 0), NULL, 10);
    PQclear (res);
    return 0;
}

etl_dim_keys_t *
etl_dim_keys_load (PGconn *conn, char *err, size_t errlen)
{
    etl_dim_keys_t *self = calloc (1, sizeof *self);
    if (!self) {
        snprintf (err, errlen, "out of memory");
        return NULL;
    }
    PGresult *res = s_query (conn, "LOCK TABLE dim_customer, dim_product IN SHARE ROW EXCLUSIVE MODE",
                             NULL, err, errlen);
    bool locked = res != NULL;
    PQclear (res);
    if (!locked || s_load_dim (self, conn, ETL_DIM_CUSTOMER, err, errlen)
        || s_load_dim (self, conn, ETL_DIM_PRODUCT, err, errlen))
        etl_dim_keys_destroy (&self);
    /*  Both maps or none: an order goes straight in only with both keys. */
    else if (!self->maps[ETL_DIM_CUSTOMER] || !self->maps[ETL_DIM_PRODUCT]) {
        etl_key_map_destroy (&self->maps[ETL_DIM_CUSTOMER]);
        etl_key_map_destroy (&self->maps[ETL_DIM_PRODUCT]);
    }
    return self;
}

void
etl_dim_keys_destroy (etl_dim_keys_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    etl_key_map_destroy (&(*self_p)->maps[ETL_DIM_CUSTOMER]);
    etl_key_map_destroy (&(*self_p)->maps[ETL_DIM_PRODUCT]);
    free (*self_p);
    *self_p = NULL;
}

bool
etl_dim_keys_mapped (const etl_dim_keys_t *self)
{
    return self->maps[ETL_DIM_CUSTOMER] != NULL;
}

int32_t
etl_dim_keys_get (etl_dim_keys_t *self, etl_dim_t dim, const char *id, size_t len, bool assign)
{
    etl_key_map_t *map = self->maps[dim];
    if (!map)
        return 0;
    int32_t key = etl_key_map_get (map, id, len);
    if (key || !assign || self->next[dim] > INT32_MAX
        || etl_key_map_put (map, id, len, (int32_t) self->next[dim]))
        return key;
    return (int32_t) self->next[dim]++;
}

int
etl_dim_keys_save (const etl_dim_keys_t *self, PGconn *conn, char *err, size_t errlen)
{
    for (int d = ETL_DIM_CUSTOMER; d <= ETL_DIM_PRODUCT; d++) {
        if (self->next[d] == self->first[d])
            continue; /* none assigned */
        char last[24];
        snprintf (last, sizeof last, "%lld", (long long) self->next[d] - 1);
        PGresult *res = s_query (conn, s_save_sql[d], last, err, errlen);
        if (!res)
            return -1;
        PQclear (res);
    }
    return 0;
}
