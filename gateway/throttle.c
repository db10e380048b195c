/*  throttle: failed-login throttling per client address (see throttle.h).

    The table is a flat array searched linearly: it is consulted only on the two token
    routes, whose answers cost an argon2id verification (tens of milliseconds) anyway, and a
    scan of 4,096 short entries takes microseconds. */
#include "throttle.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char addr[THROTTLE_ADDR_MAX + 1]; /* "" when the entry is free */
    int failures;                     /* failed attempts in the current window */
    int inflight;                     /* attempts begun and not yet ended */
    double window_start;              /* the first failure of the window */
    double locked_until;              /* refused before this time */
    double last_seen;
} throttle_entry_t;

struct _throttle_t {
    throttle_entry_t *entries;
    size_t slots;
    size_t used;
    int max_failures;
    double window_s;
};

throttle_t *
throttle_new (size_t slots, int max_failures, double window_s)
{
    if (slots < 1 || max_failures < 1 || !(window_s > 0))
        return NULL;
    throttle_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->entries = calloc (slots, sizeof *self->entries);
    if (!self->entries) {
        free (self);
        return NULL;
    }
    self->slots = slots;
    self->max_failures = max_failures;
    self->window_s = window_s;
    return self;
}

void
throttle_destroy (throttle_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free ((*self_p)->entries);
    free (*self_p);
    *self_p = NULL;
}

/*  The entry of addr, or NULL. */
static throttle_entry_t *
s_find (throttle_t *self, const char *addr)
{
    for (size_t i = 0; i < self->slots; i++) {
        throttle_entry_t *e = &self->entries[i];
        if (e->addr[0] && strncmp (e->addr, addr, THROTTLE_ADDR_MAX) == 0)
            return e;
    }
    return NULL;
}

/*  The entry of addr, made (in a free entry, else over the least recently seen) when it has
    none. Never NULL. */
static throttle_entry_t *
s_find_or_add (throttle_t *self, const char *addr, double now)
{
    throttle_entry_t *e = s_find (self, addr);
    if (e)
        return e;
    throttle_entry_t *victim = &self->entries[0]; /* throttle_new makes one slot at least */
    for (size_t i = 0; i < self->slots; i++) {
        e = &self->entries[i];
        if (!e->addr[0]) {
            victim = e;
            self->used++;
            break;
        }
        if (e->last_seen < victim->last_seen)
            victim = e;
    }
    memset (victim, 0, sizeof *victim);
    strncpy (victim->addr, addr, THROTTLE_ADDR_MAX);
    victim->addr[THROTTLE_ADDR_MAX] = '\0';
    victim->last_seen = now;
    return victim;
}

/*  Forgets the failures of a window that has passed. */
static void
s_expire (throttle_t *self, throttle_entry_t *e, double now)
{
    if (e->failures > 0 && now - e->window_start >= self->window_s)
        e->failures = 0;
}

int
throttle_check (throttle_t *self, const char *addr, double now)
{
    throttle_entry_t *e = s_find (self, addr);
    if (!e)
        return 0;
    if (e->locked_until > now)
        return (int) ceil (e->locked_until - now);
    s_expire (self, e, now);
    if (e->failures + e->inflight >= self->max_failures)
        return 1; /* the attempts in flight may still fail: ask again in a second */
    return 0;
}

void
throttle_begin (throttle_t *self, const char *addr, double now)
{
    throttle_entry_t *e = s_find_or_add (self, addr, now);
    e->inflight++;
    e->last_seen = now;
}

void
throttle_end (throttle_t *self, const char *addr, bool failed, bool succeeded, double now)
{
    throttle_entry_t *e = s_find (self, addr);
    if (!e)
        return;
    if (e->inflight > 0)
        e->inflight--;
    e->last_seen = now;
    if (succeeded)
        e->failures = 0;
    if (!failed)
        return;
    s_expire (self, e, now);
    if (e->failures == 0)
        e->window_start = now;
    if (++e->failures >= self->max_failures) {
        e->locked_until = now + self->window_s;
        e->failures = 0;
    }
}

size_t
throttle_size (const throttle_t *self)
{
    return self->used;
}
