/*  ecom_jwt: issued tokens verify; anything else does not. Foreign tokens are made with
    libjwt directly. */
#include <jwt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "ecom_jwt.h"

#define SECRET "unit-secret-0123456789"

static int
s_verify (ecom_jwt_t *jwt, char *token, const char *type, long now, char **sub)
{
    char detail[128] = "";
    int status = ecom_jwt_verify (jwt, token, type, now, sub, detail, sizeof detail);
    if (status != 0) {
        assert_int_equal (status, 401);
        assert_true (strlen (detail) > 0);
        assert_null (*sub);
    }
    free (token);
    return status;
}

static void
test_issue_and_verify (void **state)
{
    ecom_jwt_t *jwt = ecom_jwt_new (SECRET);
    assert_non_null (jwt);
    long now = (long) time (NULL);
    char *sub = NULL;
    char *token = ecom_jwt_issue (jwt, "alice", "access", 300, now);
    assert_non_null (token);

    /*  The claims are the SPEC's, with a 32-hex-digit jti that differs every time. */
    jwt_t *decoded = NULL;
    assert_int_equal (
        jwt_decode (&decoded, token, (const unsigned char *) SECRET, (int) strlen (SECRET)), 0);
    assert_int_equal (jwt_get_alg (decoded), JWT_ALG_HS256);
    assert_string_equal (jwt_get_grant (decoded, "sub"), "alice");
    assert_string_equal (jwt_get_grant (decoded, "token_type"), "access");
    assert_int_equal (jwt_get_grant_int (decoded, "iat"), now);
    assert_int_equal (jwt_get_grant_int (decoded, "exp"), now + 300);
    const char *jti = jwt_get_grant (decoded, "jti");
    assert_non_null (jti);
    assert_int_equal (strlen (jti), 32);
    assert_int_equal (strspn (jti, "0123456789abcdef"), 32);
    char *other = ecom_jwt_issue (jwt, "alice", "access", 300, now);
    assert_string_not_equal (other, token);
    free (other);
    jwt_free (decoded);

    assert_int_equal (s_verify (jwt, strdup (token), "access", now, &sub), 0);
    assert_string_equal (sub, "alice");
    free (sub);
    sub = NULL;
    assert_int_equal (s_verify (jwt, strdup (token), "refresh", now, &sub), 401);
    assert_int_equal (s_verify (jwt, strdup (token), "access", now + 300, &sub), 401);
    assert_int_equal (s_verify (jwt, strdup (token), "access", now + 299, &sub), 0);
    free (sub);
    sub = NULL;

    /*  A flipped payload byte breaks the signature. */
    char *tampered = strdup (token);
    char *payload = strchr (tampered, '.') + 1;
    payload[3] = payload[3] == 'A' ? 'B' : 'A';
    assert_int_equal (s_verify (jwt, tampered, "access", now, &sub), 401);

    /*  Another secret's verifier refuses it. */
    ecom_jwt_t *foreign = ecom_jwt_new ("another-secret");
    assert_int_equal (s_verify (foreign, strdup (token), "access", now, &sub), 401);
    ecom_jwt_destroy (&foreign);
    free (token);

    /*  Refresh tokens verify as refresh tokens only. */
    token = ecom_jwt_issue (jwt, "bob", "refresh", 60, now);
    assert_int_equal (s_verify (jwt, strdup (token), "access", now, &sub), 401);
    assert_int_equal (s_verify (jwt, token, "refresh", now, &sub), 0);
    assert_string_equal (sub, "bob");
    free (sub);
    sub = NULL;

    /*  alg none and HS512 with the right secret are refused. */
    jwt_t *raw = NULL;
    assert_int_equal (jwt_new (&raw), 0);
    jwt_add_grant (raw, "sub", "eve");
    jwt_add_grant (raw, "token_type", "access");
    jwt_add_grant_int (raw, "exp", now + 300);
    jwt_set_alg (raw, JWT_ALG_NONE, NULL, 0);
    assert_int_equal (s_verify (jwt, jwt_encode_str (raw), "access", now, &sub), 401);
    jwt_set_alg (raw, JWT_ALG_HS512, (const unsigned char *) SECRET, (int) strlen (SECRET));
    assert_int_equal (s_verify (jwt, jwt_encode_str (raw), "access", now, &sub), 401);
    jwt_free (raw);

    /*  Garbage and over-long tokens. */
    assert_int_equal (s_verify (jwt, strdup (""), "access", now, &sub), 401);
    assert_int_equal (s_verify (jwt, strdup ("a.b.c"), "access", now, &sub), 401);
    char *huge = malloc (ECOM_JWT_MAX_TOKEN + 2);
    memset (huge, 'a', ECOM_JWT_MAX_TOKEN + 1);
    huge[ECOM_JWT_MAX_TOKEN + 1] = '\0';
    assert_int_equal (s_verify (jwt, huge, "access", now, &sub), 401);

    assert_null (ecom_jwt_issue (jwt, "", "access", 60, now));
    ecom_jwt_destroy (&jwt);
    assert_null (jwt);
    ecom_jwt_destroy (&jwt);
    assert_null (ecom_jwt_new (""));
    assert_null (ecom_jwt_new (NULL));
}

int
main (void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test (test_issue_and_verify)};
    return cmocka_run_group_tests (tests, NULL, NULL);
}
