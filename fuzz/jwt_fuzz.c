/*  libFuzzer target: access-token verification (common/ecom_jwt.c, ecom_jwt_verify), which
    reads the Authorization header of every protected request. Two kinds of input, by the
    first byte:
      even: the rest is the token as sent (libjwt's decoding, the signature check);
      odd:  the rest is a JOSE header and a payload (JSON, cut at the first newline) that
            the target encodes and signs with the verifier's secret (HS256), so the checks
            after the signature (alg, exp, token_type, sub) see fuzzed claims.
    Beyond "no crash, no sanitizer report": a refusal is 401 with a reason and no subject;
    an accepted token has a valid signature (a raw input was accepted only when it was
    signed with the secret, checked again here), "alg" HS256, an integer "exp" in the
    future, "token_type" "access" and a non-empty string "sub" equal to the one returned. */
#include <jansson.h>
#include <sodium.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ecom_jwt.h"

#define S_SECRET "fuzz-secret-0123456789abcdef"
#define S_NOW 1767225600L /* 2026-01-01 */

static ecom_jwt_t *s_jwt;

/*  Appends the base64url (no padding) of data to out at *at. */
static void
s_b64 (char *out, size_t *at, const void *data, size_t size)
{
    sodium_bin2base64 (out + *at,
                       sodium_base64_ENCODED_LEN (size, sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                       data, size, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    *at += strlen (out + *at);
}

/*  header.payload.signature of header and payload (JSON texts), signed with the secret. */
static char *
s_sign (const char *header, size_t hlen, const char *payload, size_t plen)
{
    size_t cap = 2 * (hlen + plen) + 128;
    char *token = malloc (cap);
    if (!token)
        return NULL;
    size_t at = 0;
    s_b64 (token, &at, header, hlen);
    token[at++] = '.';
    s_b64 (token, &at, payload, plen);
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init (&state, (const unsigned char *) S_SECRET, strlen (S_SECRET));
    crypto_auth_hmacsha256_update (&state, (const unsigned char *) token, at);
    crypto_auth_hmacsha256_final (&state, mac);
    token[at++] = '.';
    s_b64 (token, &at, mac, sizeof mac);
    return token;
}

/*  True when token's payload, decoded independently of libjwt, satisfies every rule of
    an access token for sub; its signature is checked again when raw. */
static bool
s_acceptable (const char *token, const char *sub)
{
    const char *dot1 = strchr (token, '.'), *dot2 = dot1 ? strchr (dot1 + 1, '.') : NULL;
    if (!dot1 || !dot2)
        return false;
    size_t len = strlen (token);
    unsigned char *bin = malloc (len + 1);
    size_t got = 0;
    bool ok = bin
              && sodium_base642bin (bin, len, dot1 + 1, (size_t) (dot2 - dot1 - 1), NULL, &got,
                                    NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING)
                     == 0;
    /*  As libjwt reads it: a C string, so what follows a NUL byte is not part of it (a token
        signed with the secret may carry NUL bytes after its JSON; only the secret's holder
        can make one). */
    if (ok)
        bin[got] = '\0';
    json_t *payload = ok ? json_loads ((const char *) bin, 0, NULL) : NULL;
    json_t *exp = json_object_get (payload, "exp"), *type = json_object_get (payload, "token_type"),
           *subject = json_object_get (payload, "sub");
    ok = json_is_integer (exp) && json_integer_value (exp) > S_NOW && json_is_string (type)
         && strcmp (json_string_value (type), "access") == 0 && json_is_string (subject)
         && strcmp (json_string_value (subject), sub) == 0 && *sub;
    json_decref (payload);
    /*  The signature, recomputed: base64url of HMAC-SHA256(secret, header.payload). */
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init (&state, (const unsigned char *) S_SECRET, strlen (S_SECRET));
    crypto_auth_hmacsha256_update (&state, (const unsigned char *) token, (size_t) (dot2 - token));
    crypto_auth_hmacsha256_final (&state, mac);
    ok = ok
         && sodium_base642bin (bin, len, dot2 + 1, strlen (dot2 + 1), NULL, &got, NULL,
                               sodium_base64_VARIANT_URLSAFE_NO_PADDING)
                == 0
         && got == sizeof mac && memcmp (bin, mac, sizeof mac) == 0;
    free (bin);
    return ok;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (!s_jwt && (sodium_init () < 0 || !(s_jwt = ecom_jwt_new (S_SECRET))))
        abort ();
    if (size == 0)
        return 0;
    char *token;
    if (data[0] & 1) {
        const char *text = (const char *) data + 1;
        const char *nl = memchr (text, '\n', size - 1);
        size_t hlen = nl ? (size_t) (nl - text) : size - 1;
        token = nl ? s_sign (text, hlen, nl + 1, size - 2 - hlen) : s_sign (text, hlen, "", 0);
    }
    else {
        token = malloc (size);
        if (token) {
            memcpy (token, data + 1, size - 1);
            token[size - 1] = '\0';
        }
    }
    if (!token)
        return 0;
    char *sub = NULL, detail[256] = "";
    int status = ecom_jwt_verify (s_jwt, token, "access", S_NOW, &sub, detail, sizeof detail);
    if (status == 0) {
        if (!sub || !s_acceptable (token, sub))
            abort ();
    }
    else if (status != 401 || sub || strlen (detail) == 0)
        abort ();
    free (sub);
    free (token);
    return 0;
}
