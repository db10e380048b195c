/*  ecom_redis: Redis connection helper over hiredis. */
#ifndef ECOM_REDIS_H
#define ECOM_REDIS_H

#include <hiredis/hiredis.h>
#include <stddef.h>

/*  Connects to url (a REDIS_URL) with timeout_ms for connecting and for every command,
    authenticates when the URL has a password and selects its db. On failure returns NULL
    and writes "cannot connect to Redis at host:port: <reason>" into err (no password). */
redisContext *ecom_redis_connect (const char *url, int timeout_ms, char *err, size_t errlen);

#endif
