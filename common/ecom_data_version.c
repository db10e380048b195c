#include "ecom_data_version.h"

#include "ecom_db.h"
#include "ecom_redis.h"

#include <stdio.h>

const char ecom_data_version_raise_script[] =
    "local current = redis.call('GET', KEYS[1]) "
    "local v = tonumber(current) "
    "if v and v >= tonumber(ARGV[1]) then return current end "
    "redis.call('SET', KEYS[1], ARGV[1]) "
    "return ARGV[1]";

long long
ecom_data_version_bump (PGconn *conn, char *err, size_t errlen)
{
    long long version;
    if (ecom_db_query_int64 (conn,
                             "UPDATE data_version SET version = version + 1 WHERE id = 1 "
                             "RETURNING version",
                             &version, err, errlen)
        != 0)
        return -1;
    return version;
}

long long
ecom_data_version_read (PGconn *conn, char *err, size_t errlen)
{
    long long version;
    if (ecom_db_query_int64 (conn, "SELECT version FROM data_version WHERE id = 1", &version, err,
                             errlen)
        != 0)
        return -1;
    return version;
}

int
ecom_data_version_publish (const char *redis_url, long long version, char *err, size_t errlen)
{
    redisContext *ctx = ecom_redis_connect (redis_url, 1000, err, errlen);
    if (!ctx)
        return -1;
    redisReply *reply = redisCommand (ctx, "EVAL %s 1 %s %lld", ecom_data_version_raise_script,
                                      ECOM_DATA_VERSION_KEY, version);
    int rc = 0;
    if (!reply || reply->type == REDIS_REPLY_ERROR) {
        snprintf (err, errlen, "cannot publish the data version to Redis: %s",
                  reply ? reply->str : ctx->errstr);
        rc = -1;
    }
    if (reply)
        freeReplyObject (reply);
    redisFree (ctx);
    return rc;
}
