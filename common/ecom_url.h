/*  ecom_url: parses the connection URLs of SPEC §3:
      postgresql://[user[:password]@]host[:port][/dbname][?params]   (also postgres://)
      redis://[[user]:password@]host[:port][/db]
    User and password are percent-decoded. The password is kept for connecting only and is
    never part of ecom_url_describe(). */
#ifndef ECOM_URL_H
#define ECOM_URL_H

#include <stddef.h>

typedef struct {
    char *scheme;   /* "postgresql" (for postgres:// too) or "redis" */
    char *user;     /* NULL when absent */
    char *password; /* NULL when absent */
    char *host;     /* never NULL */
    int port;       /* the scheme's default (5432, 6379) when absent */
    char *path;     /* database name or Redis db number; NULL when absent */
} ecom_url_t;

/*  Parses text. Returns NULL on a malformed URL, an unknown scheme, an empty host, a port
    outside 1..65535 or (redis) a db that is not a number, with a message in err that never
    contains the password. */
ecom_url_t *ecom_url_parse (const char *text, char *err, size_t errlen);

/*  Destroys the URL and nulls the caller's pointer. NULL-safe. */
void ecom_url_destroy (ecom_url_t **self_p);

/*  Writes "host:port" (IPv6 hosts in brackets) into out for messages and logs. */
void ecom_url_describe (const ecom_url_t *self, char *out, size_t outlen);

#endif
