#include "ecom_redis.h"

#include "ecom_url.h"

#include <stdio.h>
#include <string.h>

redisContext *
ecom_redis_connect (const char *url, int timeout_ms, char *err, size_t errlen)
{
    char why[256];
    ecom_url_t *parsed = ecom_url_parse (url, why, sizeof why);
    if (!parsed || strcmp (parsed->scheme, "redis") != 0) {
        snprintf (err, errlen, "REDIS_URL is not a redis:// URL: %s", parsed ? "wrong scheme" : why);
        ecom_url_destroy (&parsed);
        return NULL;
    }
    char where[300];
    ecom_url_describe (parsed, where, sizeof where);
    redisReply *reply = NULL;
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    redisContext *ctx = redisConnectWithTimeout (parsed->host, parsed->port, tv);
    if (!ctx || ctx->err) {
        snprintf (err, errlen, "cannot connect to Redis at %s: %s", where,
                  ctx ? ctx->errstr : "out of memory");
        goto fail;
    }
    redisSetTimeout (ctx, tv);
    if (parsed->password) {
        reply = parsed->user ? redisCommand (ctx, "AUTH %s %s", parsed->user, parsed->password)
                             : redisCommand (ctx, "AUTH %s", parsed->password);
        if (!reply || reply->type == REDIS_REPLY_ERROR) {
            snprintf (err, errlen, "cannot connect to Redis at %s: authentication failed: %s",
                      where, reply ? reply->str : ctx->errstr);
            goto fail;
        }
        freeReplyObject (reply);
        reply = NULL;
    }
    if (parsed->path && strcmp (parsed->path, "0") != 0) {
        reply = redisCommand (ctx, "SELECT %s", parsed->path);
        if (!reply || reply->type == REDIS_REPLY_ERROR) {
            snprintf (err, errlen, "cannot connect to Redis at %s: SELECT %s failed: %s", where,
                      parsed->path, reply ? reply->str : ctx->errstr);
            goto fail;
        }
        freeReplyObject (reply);
        reply = NULL;
    }
    ecom_url_destroy (&parsed);
    return ctx;
fail:
    if (reply)
        freeReplyObject (reply);
    if (ctx)
        redisFree (ctx);
    ecom_url_destroy (&parsed);
    return NULL;
}
