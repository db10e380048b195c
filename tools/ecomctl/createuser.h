/*  createuser: API users with argon2id password hashes (libsodium crypto_pwhash_str). The
    password is never stored, printed or logged in clear. */
#ifndef ECOMCTL_CREATEUSER_H
#define ECOMCTL_CREATEUSER_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#define CREATEUSER_MIN_PASSWORD 8
#define CREATEUSER_MAX_PASSWORD 1024

typedef enum {
    CREATEUSER_OK = 0,
    CREATEUSER_INVALID,  /* bad username or password: the caller exits 2 */
    CREATEUSER_EXISTS,   /* the username is taken */
    CREATEUSER_FAILED    /* database or hashing failure */
} createuser_result_t;

/*  True when username is 1..150 characters of letters, digits and _ . @ + - . */
bool createuser_username_valid (const char *username);

/*  Creates the user. Returns a result, with a message in err unless CREATEUSER_OK. */
createuser_result_t createuser_create (PGconn *conn, const char *username, const char *password,
                                       char *err, size_t errlen);

/*  Checks password against the stored hash of username. Returns 1 when it matches, 0 when it
    does not or the user does not exist, -1 on a database error. */
int createuser_verify (PGconn *conn, const char *username, const char *password);

/*  Reads a password into buf: one line from standard input when from_stdin, else twice from
    the terminal without echo (the two must match). Returns 0, or -1 with a message in err
    (no terminal, mismatch, empty, too long). */
int createuser_read_password (bool from_stdin, char *buf, size_t size, char *err, size_t errlen);

#endif
