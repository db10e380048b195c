/*  auth: which tokens are access tokens (SPEC §6). Tokens are made with libjwt here. */
#include <jwt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "auth.h"

#define SECRET "test-secret-0123456789"

static char *
s_token (const char *secret, jwt_alg_t alg, const char *sub, const char *type, long exp)
{
    jwt_t *jwt = NULL;
    assert_int_equal (jwt_new (&jwt), 0);
    if (sub)
        jwt_add_grant (jwt, "sub", sub);
    if (type)
        jwt_add_grant (jwt, "token_type", type);
    if (exp)
        jwt_add_grant_int (jwt, "exp", exp);
    jwt_add_grant_int (jwt, "iat", time (NULL));
    jwt_add_grant (jwt, "jti", "abc");
    if (alg == JWT_ALG_NONE)
        jwt_set_alg (jwt, JWT_ALG_NONE, NULL, 0);
    else
        jwt_set_alg (jwt, alg, (const unsigned char *) secret, (int) strlen (secret));
    char *token = jwt_encode_str (jwt);
    jwt_free (jwt);
    assert_non_null (token);
    return token;
}

static int
s_verify (auth_t *auth, char *token, char **sub)
{
    char detail[128] = "";
    int status = auth_verify_token (auth, token, (long) time (NULL), sub, detail, sizeof detail);
    if (status != 0)
        assert_true (strlen (detail) > 0);
    free (token);
    return status;
}

static void
test_tokens (void **state)
{
    auth_t *auth = auth_new (SECRET);
    assert_non_null (auth);
    long later = (long) time (NULL) + 300;
    char *sub = NULL;
    assert_int_equal (s_verify (auth, s_token (SECRET, JWT_ALG_HS256, "7", "access", later), &sub),
                      0);
    assert_string_equal (sub, "7");
    free (sub);
    assert_int_equal (s_verify (auth, s_token (SECRET, JWT_ALG_HS256, "7", "refresh", later), &sub),
                      401);
    assert_int_equal (
        s_verify (auth, s_token (SECRET, JWT_ALG_HS256, "7", "access", (long) time (NULL) - 1),
                  &sub),
        401);
    assert_int_equal (s_verify (auth, s_token (SECRET, JWT_ALG_HS256, "7", "access", 0), &sub),
                      401);
    assert_int_equal (
        s_verify (auth, s_token ("other-secret", JWT_ALG_HS256, "7", "access", later), &sub), 401);
    assert_int_equal (s_verify (auth, s_token (SECRET, JWT_ALG_HS512, "7", "access", later), &sub),
                      401);
    assert_int_equal (s_verify (auth, s_token (SECRET, JWT_ALG_NONE, "7", "access", later), &sub),
                      401);
    assert_int_equal (s_verify (auth, s_token (SECRET, JWT_ALG_HS256, NULL, "access", later), &sub),
                      401);
    assert_int_equal (s_verify (auth, strdup ("not.a.token"), &sub), 401);
    assert_int_equal (s_verify (auth, strdup (""), &sub), 401);
    assert_null (sub);
    auth_destroy (&auth);
    assert_null (auth);
    assert_null (auth_new (""));
    assert_null (auth_new (NULL));
}

int
main (void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test (test_tokens)};
    return cmocka_run_group_tests (tests, NULL, NULL);
}
