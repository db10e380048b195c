/*  ecom-auth: the auth service (MDP service "auth"), behind POST /api/v1/auth/token/ and
    POST /api/v1/auth/token/refresh/ (SPEC §6). Its queries are user.sql and active.sql
    beside this file; tokens are common/ecom_jwt.c's; everything else is the framework's.

    token:          {username, password} -> 200 {access, refresh}; wrong credentials 401
    token_refresh:  {refresh}            -> 200 {access}; a bad or expired token 401

    Passwords are checked with libsodium's crypto_pwhash_str_verify (argon2id, as
    `ecomctl createuser` stores them). An unknown or inactive user is checked against a
    dummy hash made with the same parameters, so every wrong answer costs the same time and
    says the same thing. Why this is a service of its own: README.md. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ecom_jwt.h"
#include "svc.h"

extern const ecom_embedded_t auth_sql[];

/*  The process's signing key and token lifetimes (from the environment, SPEC §3), and the
    dummy hash for unknown users; set by main() before the worker loop starts. */
static ecom_jwt_t *s_jwt;
static long s_access_ttl;
static long s_refresh_ttl;
static char s_dummy_hash[crypto_pwhash_STRBYTES];

#define AUTH_WRONG_CREDENTIALS "the username or password is wrong"

/*  Writes {access[, refresh]} for username. Returns 200, or SVC_FAILED when a token cannot
    be made (out of memory). */
static int
s_answer_tokens (svc_ctx_t *ctx, const char *username, bool with_refresh)
{
    long now = (long) time (NULL);
    char *access = ecom_jwt_issue (s_jwt, username, "access", s_access_ttl, now);
    char *refresh =
        with_refresh ? ecom_jwt_issue (s_jwt, username, "refresh", s_refresh_ttl, now) : NULL;
    int rc = SVC_FAILED;
    if (access && (refresh || !with_refresh)) {
        proto_writer_t *body = svc_body (ctx);
        proto_writer_map (body, with_refresh ? 2 : 1);
        proto_writer_str (body, "access");
        proto_writer_str (body, access);
        if (with_refresh) {
            proto_writer_str (body, "refresh");
            proto_writer_str (body, refresh);
        }
        rc = 200;
    }
    free (access);
    free (refresh);
    return rc;
}

/*  ---------------------------------------------------------------------------------------
    token */

/*  A password check for svc_run_blocking(): argon2id takes long enough (and longer on a
    busy machine) that the worker must keep heartbeating meanwhile. */
typedef struct {
    const char *hash, *password;
} s_check_t;

static int
s_check_password (void *arg)
{
    const s_check_t *check = arg;
    return crypto_pwhash_str_verify (check->hash, check->password, strlen (check->password));
}

static int
s_token (svc_ctx_t *ctx)
{
    const char *username = svc_param (ctx, "username");
    const char *password = svc_param (ctx, "password");
    if (!username || !password)
        return svc_error (ctx, 400, "bad_request",
                          "the body must be a JSON object with string fields username and "
                          "password");
    const char *values[] = {username};
    PGresult *res = svc_query (ctx, "user.sql", 1, values);
    if (!res)
        return SVC_FAILED;
    bool known = PQntuples (res) == 1;
    bool active = known && strcmp (PQgetvalue (res, 0, 1), "t") == 0;
    /*  Always one argon2id verification, against the user's hash or the dummy one. */
    const char *hash = known ? PQgetvalue (res, 0, 0) : s_dummy_hash;
    s_check_t check = {hash, password};
    bool match = svc_run_blocking (ctx, s_check_password, &check) == 0;
    PQclear (res);
    if (!(known && active && match))
        return svc_error (ctx, 401, "unauthorized", AUTH_WRONG_CREDENTIALS);
    return s_answer_tokens (ctx, username, true);
}

/*  ---------------------------------------------------------------------------------------
    token_refresh */

static int
s_token_refresh (svc_ctx_t *ctx)
{
    const char *refresh = svc_param (ctx, "refresh");
    if (!refresh)
        return svc_error (ctx, 400, "bad_request",
                          "the body must be a JSON object with a string field refresh");
    char detail[128];
    char *sub = NULL;
    if (ecom_jwt_verify (s_jwt, refresh, "refresh", (long) time (NULL), &sub, detail, sizeof detail)
        != 0)
        return svc_error (ctx, 401, "unauthorized", "%s", detail);
    const char *values[] = {sub};
    PGresult *res = svc_query (ctx, "active.sql", 1, values);
    int rc;
    if (!res)
        rc = SVC_FAILED;
    else if (PQntuples (res) != 1)
        rc = svc_error (ctx, 401, "unauthorized",
                        "the token's user no longer exists or is "
                        "disabled");
    else
        rc = s_answer_tokens (ctx, sub, false);
    PQclear (res);
    free (sub);
    return rc;
}

/*  ---------------------------------------------------------------------------------------
    The handler table. Nothing is cacheable: every answer is a new token or a refusal. */

static const svc_op_t s_ops[] = {{"token", s_token, false, SVC_PARAMS ("username", "password")},
                                 {"token_refresh", s_token_refresh, false, SVC_PARAMS ("refresh")},
                                 {NULL, NULL, false, NULL}};

/*  The start hook (svc_def_t): takes JWT_SECRET and the token lifetimes from config and
    makes the dummy hash. Returns 0, or -1 with a one-line reason on stderr. */
static int
s_start (const ecom_config_t *config)
{
    int rc = -1;
    if (sodium_init () < 0)
        fprintf (stderr, "ecom-auth: libsodium cannot start\n");
    else if (!config->jwt_secret)
        fprintf (stderr, "ecom-auth: JWT_SECRET is not set; the auth service refuses to start "
                         "without one\n");
    else if (!(s_jwt = ecom_jwt_new (config->jwt_secret)))
        fprintf (stderr, "ecom-auth: JWT_SECRET is unusable (longer than 4096 bytes?)\n");
    else {
        /*  The same argon2id parameters as `ecomctl createuser` (tools/ecomctl/createuser.c),
            so verifying against it costs what verifying a real hash costs. */
        unsigned char password[32];
        randombytes_buf (password, sizeof password);
        if (crypto_pwhash_str (s_dummy_hash, (const char *) password, sizeof password,
                               crypto_pwhash_OPSLIMIT_INTERACTIVE,
                               crypto_pwhash_MEMLIMIT_INTERACTIVE)
            != 0)
            fprintf (stderr, "ecom-auth: cannot make the dummy password hash (out of memory)\n");
        else {
            s_access_ttl = config->access_token_ttl;
            s_refresh_ttl = config->refresh_token_ttl;
            rc = 0;
        }
    }
    if (rc != 0)
        ecom_jwt_destroy (&s_jwt);
    return rc;
}

/*  The stop hook: forgets the signing key. */
static void
s_stop (void)
{
    ecom_jwt_destroy (&s_jwt);
}

static const svc_def_t s_def = {
    .name = "auth",
    .summary =
        "The auth service: API users' passwords (argon2id) and HS256 tokens signed with "
        "JWT_SECRET (required), lifetimes ACCESS_TOKEN_TTL [300] and REFRESH_TOKEN_TTL [86400].",
    .ops = s_ops,
    .sql = auth_sql,
    .start = s_start,
    .stop = s_stop,
    .credit = 1}; /* a token costs a password hash: let waiting requests wait at the broker */

int
main (int argc, char **argv)
{
    return svc_main (argc, argv, &s_def);
}
