/*  clientip: the client behind a trusted proxy (see clientip.h). Addresses are compared
    in binary (inet_pton), so "::ffff:10.0.0.1" and "10.0.0.1" are different ones and
    "2001:db8::1" equals "2001:DB8:0::1". */
#include "clientip.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  An address in binary: its family and 4 or 16 bytes. */
typedef struct {
    int family;
    unsigned char bytes[16];
} s_addr_t;

struct _clientip_t {
    size_t count;
    s_addr_t trusted[CLIENTIP_PROXIES_MAX];
};

/*  Parses text (len bytes, spaces around it ignored) as an IPv4 or IPv6 address. Returns
    true and sets *addr when it is one. */
static bool
s_addr_parse (const char *text, size_t len, s_addr_t *addr)
{
    while (len > 0 && (*text == ' ' || *text == '\t')) {
        text++;
        len--;
    }
    while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t'))
        len--;
    char copy[CLIENTIP_ADDR_MAX + 1];
    if (len == 0 || len > CLIENTIP_ADDR_MAX)
        return false;
    memcpy (copy, text, len);
    copy[len] = '\0';
    memset (addr, 0, sizeof *addr);
    if (inet_pton (AF_INET, copy, addr->bytes) == 1)
        addr->family = AF_INET;
    else if (inet_pton (AF_INET6, copy, addr->bytes) == 1)
        addr->family = AF_INET6;
    return addr->family != 0;
}

clientip_t *
clientip_new (const char *list, char *err, size_t errlen)
{
    clientip_t *self = calloc (1, sizeof *self);
    if (!self) {
        snprintf (err, errlen, "out of memory");
        return NULL;
    }
    const char *item = list && *list ? list : NULL;
    while (item) {
        size_t len = strcspn (item, ",");
        if (self->count == CLIENTIP_PROXIES_MAX) {
            snprintf (err, errlen, "TRUSTED_PROXIES lists more than %d addresses",
                      CLIENTIP_PROXIES_MAX);
            clientip_destroy (&self);
            return NULL;
        }
        if (!s_addr_parse (item, len, &self->trusted[self->count])) {
            snprintf (err, errlen,
                      "TRUSTED_PROXIES must be comma-separated IP addresses, not '%.*s'",
                      (int) (len < 60 ? len : 60), item);
            clientip_destroy (&self);
            return NULL;
        }
        self->count++;
        item = item[len] ? item + len + 1 : NULL;
    }
    return self;
}

void
clientip_destroy (clientip_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free (*self_p);
    *self_p = NULL;
}

size_t
clientip_trusted_count (const clientip_t *self)
{
    return self->count;
}

/*  True when peer (text) is one of the trusted proxies. */
static bool
s_trusted (const clientip_t *self, const char *peer)
{
    s_addr_t addr;
    if (self->count == 0 || !s_addr_parse (peer, strlen (peer), &addr))
        return false;
    size_t size = addr.family == AF_INET ? 4 : 16;
    for (size_t i = 0; i < self->count; i++)
        if (self->trusted[i].family == addr.family
            && memcmp (self->trusted[i].bytes, addr.bytes, size) == 0)
            return true;
    return false;
}

void
clientip_resolve (const clientip_t *self, const char *peer, const char *forwarded, size_t len,
                  char *out, size_t size)
{
    snprintf (out, size, "%s", peer);
    if (!forwarded || len == 0 || !s_trusted (self, peer))
        return;
    size_t start = len;
    while (start > 0 && forwarded[start - 1] != ',')
        start--;
    s_addr_t client;
    char text[CLIENTIP_ADDR_MAX + 1];
    if (s_addr_parse (forwarded + start, len - start, &client)
        && inet_ntop (client.family, client.bytes, text, sizeof text))
        snprintf (out, size, "%s", text);
}
