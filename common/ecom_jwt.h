/*  ecom_jwt: the platform's JSON Web Tokens (SPEC §6): HS256, signed with JWT_SECRET,
    claims sub, iat, exp, jti, token_type ("access" or "refresh").

    The one place tokens are made and checked, so the gateway (which verifies access tokens)
    and ecom-auth (which issues tokens and verifies refresh tokens) cannot drift apart.

    libjwt 1.10 trusts the token's own "alg" header: jwt_decode() accepts "alg": "none"
    when given no key, and any HMAC algorithm with the key. So verification always passes
    the (non-empty) key, requires HS256 after decoding, and checks exp and token_type
    itself: libjwt checks no claim. */
#ifndef ECOM_JWT_H
#define ECOM_JWT_H

#include <stddef.h>

/*  Longest token accepted for verification; real ones are a few hundred bytes. */
#define ECOM_JWT_MAX_TOKEN 4096

typedef struct _ecom_jwt_t ecom_jwt_t;

/*  Creates a signer/verifier for the secret (copied; 1..4096 bytes). Returns NULL when the
    secret is NULL, empty or longer, or on allocation failure. */
ecom_jwt_t *ecom_jwt_new (const char *secret);

/*  Wipes the secret, frees, nulls the caller's pointer. NULL-safe. */
void ecom_jwt_destroy (ecom_jwt_t **self_p);

/*  Issues a token for sub of token_type ("access" or "refresh") valid for ttl seconds from
    now (seconds since the epoch), with a random 128-bit jti (32 hex digits). Returns a new
    string (free()), or NULL on allocation failure or when sub is NULL or empty. */
char *ecom_jwt_issue (ecom_jwt_t *self, const char *sub, const char *token_type, long ttl,
                      long now);

/*  Verifies token (without "Bearer ") at time now: an HS256 JWT signed with the secret,
    "exp" an integer later than now, "token_type" equal to token_type, "sub" a non-empty
    string. Returns 0 and a new string in *sub (free()); else 401, *sub NULL and a message
    for a person in detail. Anything not exactly that (alg none, another algorithm, a
    foreign signature, a tampered payload, an over-long token) is refused. */
int ecom_jwt_verify (ecom_jwt_t *self, const char *token, const char *token_type, long now,
                     char **sub, char *detail, size_t detail_size);

#endif
