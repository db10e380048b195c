/*  throttle: refuses the login routes to a client address that keeps failing (SPEC §6,
    issue 6: "repeated failures from one address are refused (429) for a while").

    Per client address (its IP as text): once THROTTLE_MAX_FAILURES (5) failed attempts
    (401 answers) fall within one window (window_s, default 300 s: the gateway's
    AUTH_THROTTLE_WINDOW_SECONDS), the address is locked out for window_s seconds from the
    failure that completed the count: every attempt is refused without reaching the service,
    with the seconds left (Retry-After). A successful attempt clears the count. Attempts still
    in flight count as failures until they are answered, so a burst of parallel guesses gets
    no more than THROTTLE_MAX_FAILURES through either.

    Memory is a fixed table of `slots` entries allocated once: a new address takes a free
    entry or the least recently seen one (evicting it). So an attacker cannot grow the
    table; one who owns more addresses than slots can flush an entry (and its lockout) by
    cycling through them — per-address throttling slows one guesser, the argon2id cost of
    every attempt (ecom-auth) bounds them all.

    Time is passed in (seconds, any monotonic clock) so the module is pure and testable. */
#ifndef GATEWAY_THROTTLE_H
#define GATEWAY_THROTTLE_H

#include <stdbool.h>
#include <stddef.h>

#define THROTTLE_MAX_FAILURES 5
#define THROTTLE_SLOTS 4096
/*  Longest address text: an IPv6 address (INET6_ADDRSTRLEN is 46). */
#define THROTTLE_ADDR_MAX 47

typedef struct _throttle_t throttle_t;

/*  Creates a throttle with slots entries (>= 1) allowing max_failures (>= 1) failures per
    window_s (> 0) seconds. Returns NULL on bad arguments or allocation failure. */
throttle_t *throttle_new (size_t slots, int max_failures, double window_s);

/*  Frees the table and nulls the caller's pointer. NULL-safe. */
void throttle_destroy (throttle_t **self_p);

/*  May addr try now? Returns 0 when it may, else the whole seconds (>= 1) it must wait
    (Retry-After). An address longer than THROTTLE_ADDR_MAX is compared by its first bytes. */
int throttle_check (throttle_t *self, const char *addr, double now);

/*  An attempt from addr starts (it passed throttle_check): counted as a failure until
    throttle_end. */
void throttle_begin (throttle_t *self, const char *addr, double now);

/*  The attempt from addr that throttle_begin counted is over: failed (401), succeeded
    (2xx: clears the failures), or neither (any other answer, a timeout, a cancel). An
    address whose entry was evicted meanwhile is ignored. */
void throttle_end (throttle_t *self, const char *addr, bool failed, bool succeeded, double now);

/*  The number of entries in use (for tests). */
size_t throttle_size (const throttle_t *self);

#endif
