#include "auth.h"

#include <errno.h>
#include <jwt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*  Longest token accepted; real ones are a few hundred bytes. */
#define AUTH_MAX_TOKEN 4096

struct _auth_t {
    unsigned char *secret;
    int secret_len;
};

auth_t *
auth_new (const char *secret)
{
    if (!secret || !*secret || strlen (secret) > 4096)
        return NULL;
    auth_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->secret = (unsigned char *) strdup (secret);
    if (!self->secret) {
        free (self);
        return NULL;
    }
    self->secret_len = (int) strlen (secret);
    return self;
}

void
auth_destroy (auth_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    auth_t *self = *self_p;
    memset (self->secret, 0, (size_t) self->secret_len);
    free (self->secret);
    free (self);
    *self_p = NULL;
}

int
auth_verify_token (auth_t *self, const char *token, long now, char **sub, char *detail,
                   size_t detail_size)
{
    *sub = NULL;
    jwt_t *jwt = NULL;
    int status = 401;
    if (strlen (token) > AUTH_MAX_TOKEN
        || jwt_decode (&jwt, token, self->secret, self->secret_len) != 0) {
        snprintf (detail, detail_size, "the token is malformed or its signature is invalid");
        goto done;
    }
    if (jwt_get_alg (jwt) != JWT_ALG_HS256) {
        snprintf (detail, detail_size, "the token is not signed with HS256");
        goto done;
    }
    errno = 0;
    long exp = jwt_get_grant_int (jwt, "exp");
    if (errno != 0) {
        snprintf (detail, detail_size, "the token has no expiry");
        goto done;
    }
    if (exp <= now) {
        snprintf (detail, detail_size, "the token has expired");
        goto done;
    }
    const char *type = jwt_get_grant (jwt, "token_type");
    if (!type || strcmp (type, "access") != 0) {
        snprintf (detail, detail_size, "the token is not an access token");
        goto done;
    }
    const char *subject = jwt_get_grant (jwt, "sub");
    if (!subject || !*subject) {
        snprintf (detail, detail_size, "the token has no subject");
        goto done;
    }
    *sub = strdup (subject);
    status = *sub ? 0 : 401;
    if (!*sub)
        snprintf (detail, detail_size, "out of memory");
done:
    jwt_free (jwt);
    return status;
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
