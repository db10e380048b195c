/*  libFuzzer target: the connection URLs (common/ecom_url.c, ecom_url_parse): DATABASE_URL
    and REDIS_URL come from the environment, which an operator (or a compose file) writes.
    Beyond "no crash, no sanitizer report": a refusal says why and never shows the password
    part of the input (checked for passwords with a byte no message has); an accepted URL
    has a known scheme, a non-empty host, a port within 1..65535, a Redis db that is a
    number, and a description that is host and port only. */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ecom_url.h"

/*  The password part of text as written (between the user's ':' and the last '@' of the
    authority) into out, or "" when it has none. */
static void
s_raw_password (const char *text, char *out, size_t size)
{
    out[0] = '\0';
    const char *rest = strstr (text, "://");
    if (!rest)
        return;
    rest += 3;
    size_t authority = strcspn (rest, "/?#");
    const char *at = memrchr (rest, '@', authority);
    const char *colon = at ? memchr (rest, ':', (size_t) (at - rest)) : NULL;
    if (colon)
        snprintf (out, size, "%.*s", (int) (at - colon - 1), colon + 1);
}

/*  True when password holds a byte that no refusal message of the parser has (they are
    plain ASCII words): a message holding such a password would have copied it from the
    input. (A password like "stgresq" is in "postgresql://" by chance.) */
static bool
s_marked (const char *password)
{
    for (const unsigned char *p = (const unsigned char *) password; *p; p++)
        if (*p >= 0x80 || strchr ("!$*~^|&{}<>=;\"'", *p))
            return true;
    return false;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char *text = malloc (size + 1);
    if (!text)
        return 0;
    memcpy (text, data, size);
    text[size] = '\0';
    char err[256] = "";
    ecom_url_t *url = ecom_url_parse (text, err, sizeof err);
    if (!url) {
        char password[256];
        s_raw_password (text, password, sizeof password);
        if (strlen (err) == 0 || (s_marked (password) && strstr (err, password)))
            abort ();
        free (text);
        return 0;
    }
    bool postgres = strcmp (url->scheme, "postgresql") == 0;
    if ((!postgres && strcmp (url->scheme, "redis") != 0) || !url->host || !*url->host
        || url->port < 1 || url->port > 65535)
        abort ();
    if (!postgres && url->path && strspn (url->path, "0123456789") != strlen (url->path))
        abort ();
    /*  The description is exactly host:port ([host]:port for an IPv6 host): nothing else of
        the URL, so never the password. */
    char out[512], want[512];
    ecom_url_describe (url, out, sizeof out);
    snprintf (want, sizeof want, strchr (url->host, ':') ? "[%s]:%d" : "%s:%d", url->host,
              url->port);
    if (strcmp (out, want) != 0)
        abort ();
    ecom_url_destroy (&url);
    free (text);
    return 0;
}
