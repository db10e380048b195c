#include "etl_attr_cache.h"

#include "etl_hash.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*  The arena: blocks of S_BLOCK bytes, each record inside one block. A record: its
    encoding's size (2 bytes; 0: forgotten, equal to nothing), the room it has (2 bytes),
    then the encoding: each field as its length (2 bytes) and its bytes, the id first. Two
    field lists are equal exactly when their encodings are. */
#define S_BLOCK_BITS 20
#define S_BLOCK ((size_t) 1 << S_BLOCK_BITS)
#define S_MAX_BLOCKS 62
#define S_HEADER 4

/*  Fields longer than this together are not remembered (always written). */
#define S_MAX_ENTRY 1024

/*  A slot: 0 when empty, else the record's offset + 1 in the low S_OFFSET_BITS bits and the
    top bits of the id's hash above them (see etl_key_map). At most 4/5 of the slots are
    used; the table has one slot per S_BYTES_PER_SLOT bytes of the bound. */
#define S_OFFSET_BITS 26
#define S_OFFSET_MASK (((uint32_t) 1 << S_OFFSET_BITS) - 1)
#define S_BYTES_PER_SLOT 48
#define S_MIN_SLOTS 1024

struct _etl_attr_cache_t {
    uint32_t *slots;
    size_t n, count, max_count;
    char *blocks[S_MAX_BLOCKS];
    size_t used[S_MAX_BLOCKS];
    size_t block_count, block_limit, current; /* records go to blocks[current] */
    size_t resets;
    unsigned char scratch[S_MAX_ENTRY]; /* the encoding of the fields being checked */
};

etl_attr_cache_t *
etl_attr_cache_new (size_t bytes)
{
    etl_attr_cache_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    size_t blocks = bytes / S_BLOCK;
    self->block_limit = blocks < 1 ? 1 : blocks > S_MAX_BLOCKS ? S_MAX_BLOCKS : blocks;
    self->n = self->block_limit * S_BLOCK / S_BYTES_PER_SLOT;
    if (self->n < S_MIN_SLOTS)
        self->n = S_MIN_SLOTS;
    self->max_count = self->n / 5 * 4;
    self->slots = calloc (self->n, sizeof *self->slots);
    if (!self->slots) {
        free (self);
        return NULL;
    }
    return self;
}

void
etl_attr_cache_destroy (etl_attr_cache_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    etl_attr_cache_t *self = *self_p;
    for (size_t b = 0; b < self->block_count; b++)
        free (self->blocks[b]);
    free (self->slots);
    free (self);
    *self_p = NULL;
}

size_t
etl_attr_cache_resets (const etl_attr_cache_t *self)
{
    return self->resets;
}

/*  Encodes the fields into self->scratch. Returns the size, or 0 when too long. */
static size_t
s_encode (etl_attr_cache_t *self, const char *const *fields, const size_t *lengths, size_t count)
{
    size_t size = 0;
    for (size_t i = 0; i < count; i++) {
        if (lengths[i] > S_MAX_ENTRY - 2 || size + 2 + lengths[i] > S_MAX_ENTRY)
            return 0;
        uint16_t len = (uint16_t) lengths[i];
        memcpy (self->scratch + size, &len, 2);
        memcpy (self->scratch + size + 2, fields[i], lengths[i]);
        size += 2 + lengths[i];
    }
    return size;
}

static unsigned char *
s_record (const etl_attr_cache_t *self, uint32_t slot)
{
    size_t offset = (slot & S_OFFSET_MASK) - 1;
    return (unsigned char *) self->blocks[offset >> S_BLOCK_BITS] + (offset & (S_BLOCK - 1));
}

static uint16_t
s_u16 (const unsigned char *at)
{
    uint16_t value;
    memcpy (&value, at, 2);
    return value;
}

/*  The slot that holds the id (its encoding, the length first, is the first id_size bytes
    of self->scratch), or the empty one where it would go. */
static uint32_t *
s_find (const etl_attr_cache_t *self, uint64_t hash, size_t id_size)
{
    uint32_t tag = (uint32_t) (hash >> (32 + S_OFFSET_BITS)) << S_OFFSET_BITS;
    for (size_t i = (size_t) (((hash & 0xffffffffULL) * self->n) >> 32);;
         i = i + 1 == self->n ? 0 : i + 1) {
        uint32_t *slot = &self->slots[i];
        if (!*slot)
            return slot;
        if ((*slot & ~S_OFFSET_MASK) == tag
            && memcmp (s_record (self, *slot) + S_HEADER, self->scratch, id_size) == 0)
            return slot;
    }
}

/*  Forgets everything (the blocks stay, to be written over). */
static void
s_reset (etl_attr_cache_t *self)
{
    memset (self->slots, 0, self->n * sizeof *self->slots);
    self->count = 0;
    for (size_t b = 0; b < self->block_count; b++)
        self->used[b] = 0;
    self->current = 0;
    self->resets++;
}

/*  A new record of the encoding in self->scratch (size bytes), returned as its slot's
    value without the tag, or 0 when the arena is full or memory ran out. */
static uint32_t
s_append (etl_attr_cache_t *self, size_t size)
{
    size_t need = S_HEADER + size;
    while (self->current < self->block_count && self->used[self->current] + need > S_BLOCK)
        self->current++;
    if (self->current == self->block_count) {
        char *block = self->block_count < self->block_limit ? malloc (S_BLOCK) : NULL;
        if (!block)
            return 0;
        self->used[self->block_count] = 0;
        self->blocks[self->block_count++] = block;
    }
    unsigned char *record =
        (unsigned char *) self->blocks[self->current] + self->used[self->current];
    uint16_t sizes[2] = {(uint16_t) size, (uint16_t) size};
    memcpy (record, sizes, S_HEADER);
    memcpy (record + S_HEADER, self->scratch, size);
    uint32_t value = (uint32_t) (self->current * S_BLOCK + self->used[self->current] + 1);
    self->used[self->current] += need;
    return value;
}

bool
etl_attr_cache_changed (etl_attr_cache_t *self, const char *const *fields, const size_t *lengths,
                        size_t count)
{
    size_t size = s_encode (self, fields, lengths, count);
    if (size == 0) {
        /*  Too long to remember: forget what the id had (older fields of this very id),
            when the id itself can be looked up. */
        if (lengths[0] <= S_MAX_ENTRY - 2 && s_encode (self, fields, lengths, 1)) {
            uint32_t *slot = s_find (self, etl_hash (fields[0], lengths[0]), 2 + lengths[0]);
            if (*slot)
                memset (s_record (self, *slot), 0, 2);
        }
        return true;
    }
    uint64_t hash = etl_hash (fields[0], lengths[0]);
    uint32_t tag = (uint32_t) (hash >> (32 + S_OFFSET_BITS)) << S_OFFSET_BITS;
    size_t id_size = 2 + lengths[0];
    uint32_t *slot = s_find (self, hash, id_size);
    if (*slot) {
        unsigned char *record = s_record (self, *slot);
        if (s_u16 (record) == size && memcmp (record + S_HEADER, self->scratch, size) == 0)
            return false;
        if (s_u16 (record + 2) >= size) { /* the change fits the record */
            uint16_t used = (uint16_t) size;
            memcpy (record, &used, 2);
            memcpy (record + S_HEADER, self->scratch, size);
            return true;
        }
        uint32_t value = s_append (self, size);
        if (value) {
            *slot = tag | value; /* the old record stays behind, unused */
            return true;
        }
    }
    else if (self->count < self->max_count) {
        uint32_t value = s_append (self, size);
        if (value) {
            *slot = tag | value;
            self->count++;
            return true;
        }
    }
    /*  Full: start again with this id alone. */
    s_reset (self);
    uint32_t value = s_append (self, size);
    if (value) {
        *s_find (self, hash, id_size) = tag | value;
        self->count++;
    }
    return true;
}
