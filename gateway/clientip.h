/*  clientip: the address of the client a request comes from, for the login throttle
    (throttle.h), when the gateway runs behind a load balancer (deploy/haproxy).

    The peer of a connection is the client, unless it is one of the trusted proxies the
    operator lists (TRUSTED_PROXIES: comma-separated IPv4 or IPv6 addresses, none by
    default). A request from a trusted proxy names its client in the last entry of its
    X-Forwarded-For header (haproxy's `option forwardfor` appends the address it saw);
    that entry is the client when it is an IP address. From any other peer the header is
    ignored: anyone can write one, so trusting it would let a guesser pick a new address
    per attempt (and lock out someone else's). Pure: no sockets, no clock. */
#ifndef GATEWAY_CLIENTIP_H
#define GATEWAY_CLIENTIP_H

#include <stddef.h>

/*  The most trusted proxies listed. */
#define CLIENTIP_PROXIES_MAX 16
/*  Longest address text (INET6_ADDRSTRLEN). */
#define CLIENTIP_ADDR_MAX 46

typedef struct _clientip_t clientip_t;

/*  Reads the trusted proxies from list (TRUSTED_PROXIES; NULL or "" trusts none). Returns
    NULL with a one-line reason naming TRUSTED_PROXIES in err when an item is empty, not an
    IP address, or there are more than CLIENTIP_PROXIES_MAX. */
clientip_t *clientip_new (const char *list, char *err, size_t errlen);

/*  Frees it and nulls the caller's pointer. NULL-safe. */
void clientip_destroy (clientip_t **self_p);

/*  The number of trusted proxies. */
size_t clientip_trusted_count (const clientip_t *self);

/*  Writes the client's address into out (size >= CLIENTIP_ADDR_MAX + 1): the last entry
    of forwarded (the X-Forwarded-For value, len bytes, NULL when absent) in its canonical
    form when peer (the connection's peer as text) is a trusted proxy and that entry is an
    IP address; otherwise peer itself. */
void clientip_resolve (const clientip_t *self, const char *peer, const char *forwarded, size_t len,
                       char *out, size_t size);

#endif
