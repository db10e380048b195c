#include "etl_surrogate_keys.h"

#include "ecom_db.h"
#include "etl_key_map.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  The most ids each map holds (the catalogue and the file's new ids together) and the
    most bytes of their records (etl_key_map: the id's length + 5 bytes each, and 4 to 8
    bytes of table per id): 1,500,000 customers in 18 MiB of records and at most 7.2 MiB of
    table (a million customers of 7-byte ids and 300,000 new ones take 15.6 MB of records),
    262,144 products in 4 MiB and 1.3 MiB. The load then shares 22 MiB between the
    customers' map and their attribute cache (etl_load: the map's bound is lowered, to 18
    MiB at most); with the rest of the reader the loader stays within 64 MB whatever the
    file (services/etl/README.md, "Memory"). A bigger catalogue (more ids, or ids too long
    on average) is loaded through the staging table. */
static const size_t s_limits[2] = {1500000, (size_t) 1 << 18};
static const size_t s_bytes[2] = {(size_t) 18 << 20, (size_t) 4 << 20};

/*  The map is read with a binary COPY, so that libpq never holds the catalogue as one
    result (a million rows of a PGresult take about 60 MB): each row comes and goes. */
static const char *const s_map_select[2] = {"SELECT customer_id, customer_key FROM dim_customer",
                                            "SELECT product_id, product_key FROM dim_product"};

/*  The table's size, estimated (to size the map at once), and the first new key: the
    sequence's next value, or above the largest key if a row was inserted with an explicit
    one. */
static const char *const s_first_key_sql[2] = {
    "SELECT greatest(nextval(pg_get_serial_sequence('dim_customer', 'customer_key')),"
    "                (SELECT coalesce(max(customer_key), 0) + 1 FROM dim_customer)),"
    "       (SELECT greatest(reltuples, 0)::bigint FROM pg_class"
    "        WHERE oid = 'dim_customer'::regclass)",
    "SELECT greatest(nextval(pg_get_serial_sequence('dim_product', 'product_key')),"
    "                (SELECT coalesce(max(product_key), 0) + 1 FROM dim_product)),"
    "       (SELECT greatest(reltuples, 0)::bigint FROM pg_class"
    "        WHERE oid = 'dim_product'::regclass)"};

static const char *const s_save_sql[2] = {
    "SELECT setval(pg_get_serial_sequence('dim_customer', 'customer_key'), $1)",
    "SELECT setval(pg_get_serial_sequence('dim_product', 'product_key'), $1)"};

struct _etl_surrogate_keys_t {
    etl_key_map_t *maps[2]; /* NULL when the catalogue is too big */
    int64_t first[2];       /* the first new key */
    int64_t next[2];        /* the next new key */
    long long estimate[2];  /* the table's rows, as the statistics estimate them */
};

/*  Runs sql with the one parameter param; returns its result (tuples), or NULL with err. */
static PGresult *
s_query (PGconn *conn, const char *sql, const char *param, char *err, size_t errlen)
{
    PGresult *res =
        PQexecParams (conn, sql, param ? 1 : 0, NULL, param ? &param : NULL, NULL, NULL, 0);
    if (PQresultStatus (res) == PGRES_TUPLES_OK || PQresultStatus (res) == PGRES_COMMAND_OK)
        return res;
    ecom_db_error (res, err, errlen);
    PQclear (res);
    return NULL;
}

static uint32_t
s_be32 (const unsigned char *at)
{
    return (uint32_t) at[0] << 24 | (uint32_t) at[1] << 16 | (uint32_t) at[2] << 8 | at[3];
}

/*  The binary COPY's signature, flags and header extension length (0). */
static const char s_copy_header[] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";
#define S_COPY_HEADER (sizeof s_copy_header - 1)

/*  Adds the map's rows of one message of the binary COPY (the first one starts with the
    header): each row is 2 fields, the id (text) and the key (int4). Returns 0, 1 when the
    row does not fit the map (or is not what the query returns), or -1 at the trailer. */
static int
s_map_rows (etl_key_map_t *map, const unsigned char *data, size_t size, bool first)
{
    size_t at = 0;
    if (first) {
        if (size < S_COPY_HEADER || memcmp (data, s_copy_header, S_COPY_HEADER) != 0)
            return 1;
        at = S_COPY_HEADER;
    }
    while (at < size) {
        if (size - at == 2 && data[at] == 0xff && data[at + 1] == 0xff)
            return -1; /* the trailer */
        if (size - at < 2 + 4 || data[at] != 0 || data[at + 1] != 2)
            return 1;
        uint32_t len = s_be32 (data + at + 2);
        at += 6;
        if (len > size - at || size - at - len < 8 || s_be32 (data + at + len) != 4)
            return 1;
        int32_t key = (int32_t) s_be32 (data + at + len + 4);
        if (etl_key_map_put (map, (const char *) data + at, len, key))
            return 1; /* a key < 1, an id too long, the map full */
        at += len + 8;
    }
    return 0;
}

/*  Reads dimension d's map with a binary COPY: none when it has more rows than the limit, or
    they do not fit. Returns 0, or -1 with err. */
static int
s_read_map (etl_surrogate_keys_t *self, PGconn *conn, int d, long long estimate, char *err,
            size_t errlen)
{
    char sql[256];
    snprintf (sql, sizeof sql, "COPY (%s LIMIT %zu) TO STDOUT (FORMAT binary)", s_map_select[d],
              s_limits[d] + 1);
    PGresult *res = PQexec (conn, sql);
    bool copying = PQresultStatus (res) == PGRES_COPY_OUT;
    if (!copying)
        ecom_db_error (res, err, errlen);
    PQclear (res);
    if (!copying)
        return -1;
    self->maps[d] = etl_key_map_new (s_limits[d], s_bytes[d]);
    if (self->maps[d] && etl_key_map_reserve (self->maps[d], estimate > 0 ? (size_t) estimate : 0))
        etl_key_map_destroy (&self->maps[d]);
    bool first = true;
    char *data;
    int got;
    while ((got = PQgetCopyData (conn, &data, 0)) > 0) {
        /*  Beyond the bound, or out of memory: no map; the rest is read and dropped. */
        if (self->maps[d]
            && s_map_rows (self->maps[d], (unsigned char *) data, (size_t) got, first) > 0)
            etl_key_map_destroy (&self->maps[d]);
        first = false;
        PQfreemem (data);
    }
    res = PQgetResult (conn);
    int rc = got == -1 && PQresultStatus (res) == PGRES_COMMAND_OK ? 0 : -1;
    if (rc)
        ecom_db_error (res, err, errlen);
    PQclear (res);
    while ((res = PQgetResult (conn)))
        PQclear (res);
    return rc;
}

/*  Reads dimension d's first new key, and the table's size as the statistics estimate it.
    Returns 0, or -1 with err. */
static int
s_first_key (etl_surrogate_keys_t *self, PGconn *conn, int d, char *err, size_t errlen)
{
    PGresult *res = s_query (conn, s_first_key_sql[d], NULL, err, errlen);
    if (!res)
        return -1;
    self->first[d] = self->next[d] = strtoll (PQgetvalue (res, 0, 0), NULL, 10);
    self->estimate[d] = strtoll (PQgetvalue (res, 0, 1), NULL, 10);
    PQclear (res);
    return 0;
}

etl_surrogate_keys_t *
etl_surrogate_keys_load (PGconn *conn, char *err, size_t errlen)
{
    etl_surrogate_keys_t *self = calloc (1, sizeof *self);
    if (!self) {
        snprintf (err, errlen, "out of memory");
        return NULL;
    }
    PGresult *res =
        s_query (conn, "LOCK TABLE dim_customer, dim_product IN SHARE ROW EXCLUSIVE MODE", NULL,
                 err, errlen);
    bool locked = res != NULL;
    PQclear (res);
    if (!locked || s_first_key (self, conn, ETL_DIM_CUSTOMER, err, errlen)
        || s_first_key (self, conn, ETL_DIM_PRODUCT, err, errlen))
        etl_surrogate_keys_destroy (&self);
    return self;
}

int
etl_surrogate_keys_map (etl_surrogate_keys_t *self, PGconn *conn, char *err, size_t errlen)
{
    if (s_read_map (self, conn, ETL_DIM_CUSTOMER, self->estimate[ETL_DIM_CUSTOMER], err, errlen)
        || s_read_map (self, conn, ETL_DIM_PRODUCT, self->estimate[ETL_DIM_PRODUCT], err, errlen)) {
        etl_key_map_destroy (&self->maps[ETL_DIM_CUSTOMER]);
        etl_key_map_destroy (&self->maps[ETL_DIM_PRODUCT]);
        return -1;
    }
    /*  Both maps or none: an order goes straight in only with both keys. */
    if (!self->maps[ETL_DIM_CUSTOMER] || !self->maps[ETL_DIM_PRODUCT]) {
        etl_key_map_destroy (&self->maps[ETL_DIM_CUSTOMER]);
        etl_key_map_destroy (&self->maps[ETL_DIM_PRODUCT]);
    }
    return 0;
}

void
etl_surrogate_keys_destroy (etl_surrogate_keys_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    etl_key_map_destroy (&(*self_p)->maps[ETL_DIM_CUSTOMER]);
    etl_key_map_destroy (&(*self_p)->maps[ETL_DIM_PRODUCT]);
    free (*self_p);
    *self_p = NULL;
}

bool
etl_surrogate_keys_mapped (const etl_surrogate_keys_t *self)
{
    return self->maps[ETL_DIM_CUSTOMER] != NULL;
}

int32_t
etl_surrogate_keys_get (etl_surrogate_keys_t *self, etl_dim_t dim, const char *id, size_t len,
                        bool assign)
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

size_t
etl_surrogate_keys_held (const etl_surrogate_keys_t *self, etl_dim_t dim)
{
    return self->maps[dim] ? etl_key_map_held (self->maps[dim]) : 0;
}

void
etl_surrogate_keys_cap (etl_surrogate_keys_t *self, etl_dim_t dim, size_t bytes)
{
    if (self->maps[dim])
        etl_key_map_cap (self->maps[dim], bytes);
}

int
etl_surrogate_keys_save (const etl_surrogate_keys_t *self, PGconn *conn, char *err, size_t errlen)
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
