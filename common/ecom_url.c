#include "ecom_url.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
ecom_url_destroy (ecom_url_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ecom_url_t *self = *self_p;
    free (self->scheme);
    free (self->user);
    if (self->password) {
        memset (self->password, 0, strlen (self->password));
        free (self->password);
    }
    free (self->host);
    free (self->path);
    free (self);
    *self_p = NULL;
}

static int
s_hex (int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower (c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*  Returns a NUL-terminated, percent-decoded copy of text[0..len), or NULL for a bad escape
    or an escaped NUL. */
static char *
s_decode (const char *text, size_t len)
{
    char *out = malloc (len + 1);
    if (!out)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '%') {
            int hi = i + 2 < len ? s_hex (text[i + 1]) : -1;
            int lo = i + 2 < len ? s_hex (text[i + 2]) : -1;
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
                free (out);
                return NULL;
            }
            out[n++] = (char) (hi * 16 + lo);
            i += 2;
        }
        else
            out[n++] = text[i];
    }
    out[n] = '\0';
    return out;
}

ecom_url_t *
ecom_url_parse (const char *text, char *err, size_t errlen)
{
    ecom_url_t *self = calloc (1, sizeof *self);
    const char *why = NULL;
    if (!self || !text) {
        why = "no URL";
        goto fail;
    }
    const char *rest = strstr (text, "://");
    if (!rest) {
        why = "not a URL (expected scheme://host)";
        goto fail;
    }
    size_t scheme_len = (size_t) (rest - text);
    if (scheme_len == 10 && strncmp (text, "postgresql", 10) == 0)
        self->port = 5432;
    else if (scheme_len == 8 && strncmp (text, "postgres", 8) == 0)
        self->port = 5432;
    else if (scheme_len == 5 && strncmp (text, "redis", 5) == 0)
        self->port = 6379;
    else {
        why = "unknown scheme (expected postgresql:// or redis://)";
        goto fail;
    }
    self->scheme = strdup (self->port == 5432 ? "postgresql" : "redis");
    rest += 3;

    /* authority = [userinfo@]hostport, up to the first '/' or '?' */
    size_t authority_len = strcspn (rest, "/?#");
    const char *at = memrchr (rest, '@', authority_len);
    const char *hostport = rest;
    if (at) {
        const char *colon = memchr (rest, ':', (size_t) (at - rest));
        size_t user_len = colon ? (size_t) (colon - rest) : (size_t) (at - rest);
        if (user_len > 0 && !(self->user = s_decode (rest, user_len))) {
            why = "bad percent-escape in the user name";
            goto fail;
        }
        if (colon && !(self->password = s_decode (colon + 1, (size_t) (at - colon - 1)))) {
            why = "bad percent-escape in the password";
            goto fail;
        }
        hostport = at + 1;
    }
    size_t hostport_len = authority_len - (size_t) (hostport - rest);
    const char *port_text = NULL;
    size_t host_len;
    if (hostport_len > 0 && hostport[0] == '[') {
        const char *close = memchr (hostport, ']', hostport_len);
        if (!close) {
            why = "unterminated [ in the host";
            goto fail;
        }
        host_len = (size_t) (close - hostport - 1);
        self->host = strndup (hostport + 1, host_len);
        if (close + 1 < hostport + hostport_len) {
            if (close[1] != ':') {
                why = "junk after the host";
                goto fail;
            }
            port_text = close + 2;
        }
    }
    else {
        const char *colon = memchr (hostport, ':', hostport_len);
        host_len = colon ? (size_t) (colon - hostport) : hostport_len;
        self->host = strndup (hostport, host_len);
        if (colon)
            port_text = colon + 1;
    }
    if (!self->host || self->host[0] == '\0') {
        why = "no host";
        goto fail;
    }
    if (port_text) {
        size_t port_len = (size_t) (hostport + hostport_len - port_text);
        long port = 0;
        for (size_t i = 0; i < port_len; i++) {
            if (!isdigit ((unsigned char) port_text[i]) || port > 65535) {
                port = -1;
                break;
            }
            port = port * 10 + (port_text[i] - '0');
        }
        if (port_len == 0 || port < 1 || port > 65535) {
            why = "the port is not a number in 1..65535";
            goto fail;
        }
        self->port = (int) port;
    }
    const char *path = rest + authority_len;
    if (*path == '/') {
        path++;
        size_t path_len = strcspn (path, "?#");
        if (path_len > 0 && !(self->path = s_decode (path, path_len))) {
            why = "bad percent-escape in the path";
            goto fail;
        }
    }
    if (strcmp (self->scheme, "redis") == 0 && self->path) {
        for (const char *p = self->path; *p; p++)
            if (!isdigit ((unsigned char) *p) || p - self->path > 4) {
                why = "the Redis db is not a number";
                goto fail;
            }
    }
    return self;
fail:
    if (err)
        snprintf (err, errlen, "%s", why ? why : "out of memory");
    ecom_url_destroy (&self);
    return NULL;
}

void
ecom_url_describe (const ecom_url_t *self, char *out, size_t outlen)
{
    if (strchr (self->host, ':'))
        snprintf (out, outlen, "[%s]:%d", self->host, self->port);
    else
        snprintf (out, outlen, "%s:%d", self->host, self->port);
}
