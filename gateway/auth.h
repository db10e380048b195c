/*  auth: verifies the Bearer access token of a protected route (SPEC §6).

    A token is accepted when it is an HS256 JWT signed with JWT_SECRET, its "exp" lies in the
    future, its "token_type" is "access" (a refresh token is not an access token) and its
    "sub" is a non-empty string. Anything else, "alg": "none" and foreign signatures
    included, is refused (the checks themselves are common/ecom_jwt.c, shared with ecom-auth).
    Issuing tokens is the auth service's business (services/auth), not this module's.

    This is the only place the gateway decides who a caller is: the verified subject goes to
    the service as the request's "sub" (proto/envelope.h). */
#ifndef GATEWAY_AUTH_H
#define GATEWAY_AUTH_H

#include <stddef.h>

#include <h2o.h>

typedef struct _auth_t auth_t;

/*  Creates a verifier for tokens signed with secret (copied; must be non-empty).
    Returns NULL when secret is empty or on allocation failure. */
auth_t *auth_new (const char *secret);

/*  Destroys the verifier (wiping the secret) and nulls the caller's pointer. NULL-safe. */
void auth_destroy (auth_t **self_p);

/*  Checks the Authorization header of req. Returns 0 and sets *sub (allocated in req->pool)
    when a valid access token is present; else returns 401 with a message for a person in
    detail. */
int auth_check (auth_t *self, h2o_req_t *req, const char **sub, char *detail, size_t detail_size);

/*  The same check on a bare token (no "Bearer "), at time now (seconds since the epoch).
    Returns 0 and a new string in *sub (free()), else 401 with a message in detail. */
int auth_verify_token (auth_t *self, const char *token, long now, char **sub, char *detail,
                       size_t detail_size);

#endif
