/*  createuser: argon2id hashes that verify, never the password in clear, bad input refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "createuser.h"
#include "ecom_db.h"
#include "migrate.h"
#include "testdb.h"

extern const ecom_embedded_t ecom_migrations[];

static void
test_create_and_verify (void **state)
{
    char *url = testdb_create ("createuser");
    assert_non_null (url);
    char err[2048];
    PGconn *conn = ecom_db_connect (url, err, sizeof err);
    assert_non_null (conn);
    assert_true (migrate_apply (conn, ecom_migrations, NULL, err, sizeof err) > 0);

    assert_int_equal (createuser_create (conn, "alice", "correct horse battery", err, sizeof err),
                      CREATEUSER_OK);
    assert_int_equal (createuser_verify (conn, "alice", "correct horse battery"), 1);
    assert_int_equal (createuser_verify (conn, "alice", "correct horse batterY"), 0);
    assert_int_equal (createuser_verify (conn, "bob", "correct horse battery"), 0);

    PGresult *res = PQexec (conn, "SELECT password_hash FROM users WHERE username = 'alice'");
    const char *hash = PQgetvalue (res, 0, 0);
    assert_true (strncmp (hash, "$argon2id$", 10) == 0);
    assert_null (strstr (hash, "correct horse"));
    PQclear (res);

    assert_int_equal (createuser_create (conn, "alice", "another password", err, sizeof err),
                      CREATEUSER_EXISTS);
    assert_non_null (strstr (err, "already exists"));
    assert_int_equal (createuser_verify (conn, "alice", "correct horse battery"), 1);

    assert_int_equal (createuser_create (conn, "bad name", "long enough pw", err, sizeof err),
                      CREATEUSER_INVALID);
    assert_int_equal (createuser_create (conn, "", "long enough pw", err, sizeof err),
                      CREATEUSER_INVALID);
    assert_int_equal (createuser_create (conn, "robert'); DROP TABLE users;--", "long enough pw",
                                         err, sizeof err),
                      CREATEUSER_INVALID);
    assert_int_equal (createuser_create (conn, "carol", "short", err, sizeof err),
                      CREATEUSER_INVALID);
    assert_null (strstr (err, "short"));
    PQfinish (conn);
    testdb_drop (&url);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_create_and_verify),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
