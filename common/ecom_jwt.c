/*  ecom_jwt: HS256 tokens (see ecom_jwt.h). */
#include "ecom_jwt.h"

#include <errno.h>
#include <jwt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MAX_SECRET 4096

struct _ecom_jwt_t {
    unsigned char *secret;
    int secret_len;
};

ecom_jwt_t *
ecom_jwt_new (const char *secret)
{
    if (!secret || !*secret || strlen (secret) > S_MAX_SECRET || sodium_init () < 0)
        return NULL;
    ecom_jwt_t *self = calloc (1, sizeof *self);
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
ecom_jwt_destroy (ecom_jwt_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ecom_jwt_t *self = *self_p;
    sodium_memzero (self->secret, (size_t) self->secret_len);
    free (self->secret);
    free (self);
    *self_p = NULL;
}

char *
ecom_jwt_issue (ecom_jwt_t *self, const char *sub, const char *token_type, long ttl, long now)
{
    if (!sub || !*sub || !token_type)
        return NULL;
    unsigned char random[16];
    char jti[2 * sizeof random + 1];
    randombytes_buf (random, sizeof random);
    sodium_bin2hex (jti, sizeof jti, random, sizeof random);
    jwt_t *jwt = NULL;
    char *token = NULL;
    if (jwt_new (&jwt) != 0)
        return NULL;
    if (jwt_add_grant (jwt, "sub", sub) == 0 && jwt_add_grant_int (jwt, "iat", now) == 0
        && jwt_add_grant_int (jwt, "exp", now + ttl) == 0 && jwt_add_grant (jwt, "jti", jti) == 0
        && jwt_add_grant (jwt, "token_type", token_type) == 0
        && jwt_set_alg (jwt, JWT_ALG_HS256, self->secret, self->secret_len) == 0)
        token = jwt_encode_str (jwt);
    jwt_free (jwt);
    return token;
}

int
ecom_jwt_verify (ecom_jwt_t *self, const char *token, const char *token_type, long now, char **sub,
                 char *detail, size_t detail_size)
{
    *sub = NULL;
    jwt_t *jwt = NULL;
    int status = 401;
    if (strlen (token) > ECOM_JWT_MAX_TOKEN
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
    if (!type || strcmp (type, token_type) != 0) {
        snprintf (detail, detail_size, "the token is not %s %s token",
                  token_type[0] == 'a' ? "an" : "a", token_type);
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
