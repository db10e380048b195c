#include "etl_key_map.h"

#include "etl_hash.h"

#include <stdlib.h>
#include <string.h>

/*  A slot: the id's hash, where its bytes start in the arena and how many, and its key
    (0: an empty slot). */
typedef struct {
    uint64_t hash;
    uint32_t offset;
    uint32_t len;
    int32_t key;
} s_slot_t;

/*  The ids' bytes, on average, the arena may hold per id of the limit. */
#define S_ARENA_PER_ID 64

/*  The most ids a map takes: their bytes stay below 2^32, the offsets' range. */
#define S_MAX_LIMIT ((size_t) 1 << 24)

struct _etl_key_map_t {
    s_slot_t *slots; /* open addressing, linear probing; a power of two, at most half full */
    size_t mask;
    size_t count, limit;
    char *arena;     /* the ids' bytes, one after the other */
    size_t arena_size, arena_cap, arena_limit;
};

etl_key_map_t *
etl_key_map_new (size_t limit)
{
    etl_key_map_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->limit = limit < 1 ? 1 : limit > S_MAX_LIMIT ? S_MAX_LIMIT : limit;
    self->arena_limit = self->limit * S_ARENA_PER_ID;
    self->mask = 1023;
    self->slots = calloc (self->mask + 1, sizeof *self->slots);
    if (!self->slots) {
        free (self);
        return NULL;
    }
    return self;
}

void
etl_key_map_destroy (etl_key_map_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free ((*self_p)->slots);
    free ((*self_p)->arena);
    free (*self_p);
    *self_p = NULL;
}

/*  The slot that holds id, or the empty one where it would go. */
static s_slot_t *
s_find (s_slot_t *slots, size_t mask, const char *arena, uint64_t hash, const char *id,
        size_t len)
{
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
        s_slot_t *slot = &slots[i];
        if (!slot->key
            || (slot->hash == hash && slot->len == len
                && (len == 0 || memcmp (arena + slot->offset, id, len) == 0)))
            return slot;
    }
}

int32_t
etl_key_map_get (const etl_key_map_t *self, const char *id, size_t len)
{
    return s_find (self->slots, self->mask, self->arena, etl_hash (id, len), id, len)->key;
}

/*  Twice the slots, the ids placed again. Returns 0, or -1 when out of memory. */
static int
s_grow (etl_key_map_t *self)
{
    size_t mask = self->mask * 2 + 1;
    s_slot_t *slots = calloc (mask + 1, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i <= self->mask; i++) {
        const s_slot_t *old = &self->slots[i];
        if (old->key)
            *s_find (slots, mask, self->arena, old->hash, self->arena + old->offset, old->len) = *old;
    }
    free (self->slots);
    self->slots = slots;
    self->mask = mask;
    return 0;
}

int
etl_key_map_put (etl_key_map_t *self, const char *id, size_t len, int32_t key)
{
    if (key < 1 || len > ETL_KEY_MAP_MAX_ID)
        return -1;
    uint64_t hash = etl_hash (id, len);
    s_slot_t *slot = s_find (self->slots, self->mask, self->arena, hash, id, len);
    if (slot->key) { /* held already: a new key */
        slot->key = key;
        return 0;
    }
    if (self->count == self->limit || len > self->arena_limit - self->arena_size)
        return -1;
    if ((self->count + 1) * 2 > self->mask + 1) {
        if (s_grow (self))
            return -1;
        slot = s_find (self->slots, self->mask, self->arena, hash, id, len);
    }
    if (len > self->arena_cap - self->arena_size) {
        size_t cap = self->arena_cap ? self->arena_cap * 2 : 4096;
        while (cap - self->arena_size < len)
            cap *= 2;
        if (cap > self->arena_limit)
            cap = self->arena_limit; /* room enough: len fits below the limit */
        char *grown = realloc (self->arena, cap);
        if (!grown)
            return -1;
        self->arena = grown;
        self->arena_cap = cap;
    }
    if (len) /* the arena may not exist yet for the empty id */
        memcpy (self->arena + self->arena_size, id, len);
    *slot = (s_slot_t) {hash, (uint32_t) self->arena_size, (uint32_t) len, key};
    self->arena_size += len;
    self->count++;
    return 0;
}
