/*  ecom_data_version: the version of the analytics data, which every cache key carries.

    The truth is the row data_version(id = 1) in PostgreSQL, bumped inside the transaction that
    changes the data (an ETL load, a seed), so it can never be ahead of or behind the data; a
    load that changes nothing leaves it (and so every cached answer) as it is.
    Redis holds a mirror under ECOM_DATA_VERSION_KEY, which services read on every request;
    whoever bumps publishes the new value there after the commit. */
#ifndef ECOM_DATA_VERSION_H
#define ECOM_DATA_VERSION_H

#include <libpq-fe.h>
#include <stddef.h>

#define ECOM_DATA_VERSION_KEY "ecom:data_version"

/*  Increments the version in the caller's open transaction. Returns the new version (> 0),
    or -1 with the server's message in err. */
long long ecom_data_version_bump (PGconn *conn, char *err, size_t errlen);

/*  Reads the current version. Returns it (> 0), or -1 with a message in err. */
long long ecom_data_version_read (PGconn *conn, char *err, size_t errlen);

/*  The one write of the Redis mirror, atomic, as a Lua script for EVAL with one key
    (ECOM_DATA_VERSION_KEY) and one argument (the version): sets the key to the version
    unless it already holds a number as high (so a slow writer never moves it back; a key
    that holds no number is overwritten) and returns what the key holds afterwards. */
extern const char ecom_data_version_raise_script[];

/*  Sets the Redis mirror at redis_url to version, unless it already holds a higher one
    (ecom_data_version_raise_script).
    Returns 0, or -1 with a message in err (Redis unreachable: the caller warns; services
    re-read the version from PostgreSQL when Redis comes back). */
int ecom_data_version_publish (const char *redis_url, long long version, char *err,
                               size_t errlen);

#endif
