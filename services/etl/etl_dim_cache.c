#include "etl_dim_cache.h"

#include "etl_hash.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*  A slot holds the fields last written for one id, each as its length (a size_t) and its
    bytes, one after the other: two field lists are equal exactly when their encodings are. */
typedef struct {
    char *data;
    size_t size;
} s_slot_t;

/*  Fields longer than this together are not remembered (always written): the cache stays
    within slots x this, whatever the file holds. */
#define S_MAX_ENTRY 256

struct _etl_dim_cache_t {
    s_slot_t *slots;
    size_t count;
    char *scratch; /* the encoding of the fields being checked */
    size_t scratch_cap;
};

etl_dim_cache_t *
etl_dim_cache_new (size_t slots)
{
    etl_dim_cache_t *self = calloc (1, sizeof *self);
    if (self)
        self->slots = calloc (slots ? slots : 1, sizeof *self->slots);
    if (!self || !self->slots) {
        free (self);
        return NULL;
    }
    self->count = slots ? slots : 1;
    return self;
}

void
etl_dim_cache_destroy (etl_dim_cache_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    etl_dim_cache_t *self = *self_p;
    for (size_t i = 0; i < self->count; i++)
        free (self->slots[i].data);
    free (self->slots);
    free (self->scratch);
    free (self);
    *self_p = NULL;
}

/*  Encodes the fields into self->scratch. Returns the size (above S_MAX_ENTRY: too long,
    nothing encoded), or 0 when out of memory. */
static size_t
s_encode (etl_dim_cache_t *self, const char *const *fields, const size_t *lengths,
          size_t count)
{
    size_t size = 0;
    for (size_t i = 0; i < count && size <= S_MAX_ENTRY; i++)
        size += sizeof (size_t) + (lengths[i] > S_MAX_ENTRY ? S_MAX_ENTRY : lengths[i]);
    if (size > S_MAX_ENTRY)
        return size; /* too long to remember: nothing encoded */
    if (size > self->scratch_cap) {
        char *grown = realloc (self->scratch, size);
        if (!grown)
            return 0;
        self->scratch = grown;
        self->scratch_cap = size;
    }
    char *at = self->scratch;
    for (size_t i = 0; i < count; i++) {
        memcpy (at, &lengths[i], sizeof (size_t));
        memcpy (at + sizeof (size_t), fields[i], lengths[i]);
        at += sizeof (size_t) + lengths[i];
    }
    return size;
}

bool
etl_dim_cache_changed (etl_dim_cache_t *self, const char *const *fields,
                       const size_t *lengths, size_t count)
{
    s_slot_t *slot = &self->slots[etl_hash (fields[0], lengths[0]) % self->count];
    size_t size = s_encode (self, fields, lengths, count);
    if (size == 0 || size > S_MAX_ENTRY) {
        /*  Forget the slot: what it holds may be older fields of this very id. */
        free (slot->data);
        *slot = (s_slot_t) {NULL, 0};
        return true;
    }
    if (slot->data && slot->size == size && memcmp (slot->data, self->scratch, size) == 0)
        return false;
    char *copy = slot->size >= size ? slot->data : realloc (slot->data, size);
    if (!copy) {
        free (slot->data);
        *slot = (s_slot_t) {NULL, 0};
        return true;
    }
    memcpy (copy, self->scratch, size);
    *slot = (s_slot_t) {copy, size};
    return true;
}
