#include "createuser.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

bool
createuser_username_valid (const char *username)
{
    size_t n = strlen (username);
    if (n < 1 || n > 150)
        return false;
    for (const char *c = username; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')
              || strchr ("_.@+-", *c)))
            return false;
    return true;
}

createuser_result_t
createuser_create (PGconn *conn, const char *username, const char *password, char *err,
                   size_t errlen)
{
    if (!createuser_username_valid (username)) {
        snprintf (err, errlen,
                  "invalid username: use 1 to 150 letters, digits and _ . @ + - characters");
        return CREATEUSER_INVALID;
    }
    size_t len = strlen (password);
    if (len < CREATEUSER_MIN_PASSWORD || len > CREATEUSER_MAX_PASSWORD) {
        snprintf (err, errlen, "the password must be %d to %d characters long",
                  CREATEUSER_MIN_PASSWORD, CREATEUSER_MAX_PASSWORD);
        return CREATEUSER_INVALID;
    }
    char hash[crypto_pwhash_STRBYTES];
    if (sodium_init () < 0
        || crypto_pwhash_str (hash, password, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE)
               != 0) {
        snprintf (err, errlen, "cannot hash the password (out of memory)");
        return CREATEUSER_FAILED;
    }
    const char *params[] = {username, hash};
    PGresult *res = PQexecParams (conn,
                                  "INSERT INTO users (username, password_hash) VALUES ($1, $2) "
                                  "ON CONFLICT (username) DO NOTHING",
                                  2, NULL, params, NULL, NULL, 0);
    createuser_result_t result = CREATEUSER_OK;
    if (PQresultStatus (res) != PGRES_COMMAND_OK) {
        snprintf (err, errlen, "cannot create the user: %s", PQresultErrorMessage (res));
        result = CREATEUSER_FAILED;
    }
    else if (strcmp (PQcmdTuples (res), "0") == 0) {
        snprintf (err, errlen, "user '%s' already exists", username);
        result = CREATEUSER_EXISTS;
    }
    PQclear (res);
    sodium_memzero (hash, sizeof hash);
    return result;
}

int
createuser_verify (PGconn *conn, const char *username, const char *password)
{
    const char *params[] = {username};
    PGresult *res = PQexecParams (conn,
                                  "SELECT password_hash FROM users WHERE username = $1 "
                                  "AND is_active",
                                  1, NULL, params, NULL, NULL, 0);
    int rc = -1;
    if (PQresultStatus (res) == PGRES_TUPLES_OK) {
        rc = PQntuples (res) == 1
             && crypto_pwhash_str_verify (PQgetvalue (res, 0, 0), password, strlen (password))
                    == 0;
    }
    PQclear (res);
    return rc;
}

/*  Reads one line into buf, without its line ending. Returns its length, or -1 at end of
    input, or -2 when the line does not fit. */
static int
s_read_line (FILE *in, char *buf, size_t size)
{
    if (!fgets (buf, (int) size, in))
        return -1;
    size_t n = strlen (buf);
    if (n == size - 1 && buf[n - 1] != '\n' && !feof (in))
        return -2;
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    return (int) n;
}

static int
s_prompt (FILE *tty, const char *prompt, char *buf, size_t size)
{
    struct termios saved, quiet;
    int fd = fileno (tty);
    fputs (prompt, tty);
    fflush (tty);
    if (tcgetattr (fd, &saved) != 0)
        return -1;
    quiet = saved;
    quiet.c_lflag &= (tcflag_t) ~ECHO;
    tcsetattr (fd, TCSAFLUSH, &quiet);
    int n = s_read_line (tty, buf, size);
    tcsetattr (fd, TCSAFLUSH, &saved);
    fputs ("\n", tty);
    return n;
}

int
createuser_read_password (bool from_stdin, char *buf, size_t size, char *err, size_t errlen)
{
    int n;
    if (from_stdin)
        n = s_read_line (stdin, buf, size);
    else {
        FILE *tty = fopen ("/dev/tty", "r+");
        if (!tty) {
            snprintf (err, errlen, "no terminal to ask for the password: use --password-stdin");
            return -1;
        }
        char again[CREATEUSER_MAX_PASSWORD + 2];
        n = s_prompt (tty, "Password: ", buf, size);
        int m = n >= 0 ? s_prompt (tty, "Password (again): ", again, sizeof again) : -1;
        fclose (tty);
        if (n >= 0 && (m != n || strcmp (buf, again) != 0)) {
            sodium_memzero (again, sizeof again);
            snprintf (err, errlen, "the passwords do not match");
            return -1;
        }
        sodium_memzero (again, sizeof again);
    }
    if (n == -2) {
        snprintf (err, errlen, "the password is longer than %d characters",
                  CREATEUSER_MAX_PASSWORD);
        return -1;
    }
    if (n <= 0) {
        snprintf (err, errlen, "no password given");
        return -1;
    }
    return 0;
}
