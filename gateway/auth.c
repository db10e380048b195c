#include "auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ecom_jwt.h"

struct _auth_t {
    ecom_jwt_t *jwt;
};

auth_t *
auth_new (const char *secret)
{
    auth_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->jwt = ecom_jwt_new (secret);
    if (!self->jwt) {
        free (self);
        return NULL;
    }
    return self;
}

void
auth_destroy (auth_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ecom_jwt_destroy (&(*self_p)->jwt);
    free (*self_p);
    *self_p = NULL;
}

int
auth_verify_token (auth_t *self, const char *token, long now, char **sub, char *detail,
                   size_t detail_size)
{
    return ecom_jwt_verify (self->jwt, token, "access", now, sub, detail, detail_size);
}

int
auth_check (auth_t *self, h2o_req_t *req, const char **sub, char *detail, size_t detail_size)
{
    ssize_t at = h2o_find_header (&req->headers, H2O_TOKEN_AUTHORIZATION, -1);
    if (at == -1) {
        snprintf (detail, detail_size,
                  "this route needs an access token "
                  "(Authorization: Bearer <token>)");
        return 401;
    }
    h2o_iovec_t value = req->headers.entries[at].value;
    if (value.len <= 7 || strncasecmp (value.base, "Bearer ", 7) != 0) {
        snprintf (detail, detail_size, "the Authorization header is not 'Bearer <token>'");
        return 401;
    }
    char *token = h2o_mem_alloc_pool (&req->pool, value.len - 7 + 1);
    memcpy (token, value.base + 7, value.len - 7);
    token[value.len - 7] = '\0';
    char *subject = NULL;
    int status = auth_verify_token (self, token, (long) time (NULL), &subject, detail, detail_size);
    if (status == 0) {
        *sub = h2o_strdup (&req->pool, subject, SIZE_MAX).base;
        free (subject);
    }
    return status;
}
