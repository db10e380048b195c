/*  etl_record_table: records in an arena, found through an index of 32-bit slots
    (etl_record_table.h). */

#include "etl_record_table.h"

#include "etl_hash.h"

#include <stdlib.h>
#include <string.h>

/*  A reference: the record's offset + 1, its block's number times the block size plus
    where it starts in the block. */
#define S_BLOCK_BITS 20
#define S_OFFSET_BITS 26
#define S_OFFSET_MASK (((uint32_t) 1 << S_OFFSET_BITS) - 1)
#define S_TAG_BITS (32 - S_OFFSET_BITS)

/*  The index is at most S_LOAD_NUM / S_LOAD_DEN full. */
#define S_LOAD_NUM 4
#define S_LOAD_DEN 5

struct _etl_record_table_t {
    const etl_record_kind_t *kind;
    uint32_t *slots; /* open addressing, linear probing over all n slots */
    size_t n, count;
    char *blocks[ETL_RECORD_TABLE_MAX_BLOCKS];
    size_t used[ETL_RECORD_TABLE_MAX_BLOCKS]; /* the bytes of each block records take */
    size_t block_count, block_limit;          /* blocks allocated, and the most */
    size_t current;                           /* records go to blocks[current] */
    size_t held;                              /* bytes of records appended */
};

etl_record_table_t *
etl_record_table_new (const etl_record_kind_t *kind, size_t max_blocks, size_t slots)
{
    etl_record_table_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->kind = kind;
    self->block_limit = max_blocks < 1                             ? 1
                        : max_blocks > ETL_RECORD_TABLE_MAX_BLOCKS ? ETL_RECORD_TABLE_MAX_BLOCKS
                                                                   : max_blocks;
    self->n = slots < ETL_RECORD_TABLE_MIN_SLOTS ? ETL_RECORD_TABLE_MIN_SLOTS : slots;
    self->slots = calloc (self->n, sizeof *self->slots);
    if (!self->slots) {
        free (self);
        return NULL;
    }
    return self;
}

void
etl_record_table_destroy (etl_record_table_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    etl_record_table_t *self = *self_p;
    free (self->slots);
    for (size_t b = 0; b < self->block_count; b++)
        free (self->blocks[b]);
    free (self);
    *self_p = NULL;
}

size_t
etl_record_table_slots_for (size_t records)
{
    size_t n = records / S_LOAD_NUM * S_LOAD_DEN + S_LOAD_DEN;
    return n < ETL_RECORD_TABLE_MIN_SLOTS ? ETL_RECORD_TABLE_MIN_SLOTS : n;
}

/*  A slot's tag: the hash's top bits, where the slot keeps them. */
static uint32_t
s_tag (uint64_t hash)
{
    return (uint32_t) (hash >> (64 - S_TAG_BITS)) << S_OFFSET_BITS;
}

uint32_t *
etl_record_table_slot (const etl_record_table_t *self, uint64_t hash, const char *key, size_t len)
{
    uint32_t tag = s_tag (hash);
    size_t i = (size_t) (((hash & 0xffffffffULL) * (uint64_t) self->n) >> 32);
    for (;; i = i + 1 == self->n ? 0 : i + 1) {
        uint32_t *slot = &self->slots[i];
        if (!*slot)
            return slot;
        if ((*slot & ~S_OFFSET_MASK) == tag) {
            size_t held_len;
            const char *held = self->kind->key (etl_record_table_record (self, *slot), &held_len);
            if (held_len == len && memcmp (held, key, len) == 0)
                return slot;
        }
    }
}

unsigned char *
etl_record_table_record (const etl_record_table_t *self, uint32_t slot)
{
    size_t offset = (slot & S_OFFSET_MASK) - 1;
    return (unsigned char *) self->blocks[offset >> S_BLOCK_BITS]
           + (offset & (ETL_RECORD_TABLE_BLOCK - 1));
}

unsigned char *
etl_record_table_append (etl_record_table_t *self, size_t size, uint32_t *ref)
{
    while (self->current < self->block_count
           && self->used[self->current] + size > ETL_RECORD_TABLE_BLOCK)
        self->current++;
    if (self->current == self->block_count) {
        char *block = self->block_count < self->block_limit && size <= ETL_RECORD_TABLE_BLOCK
                          ? malloc (ETL_RECORD_TABLE_BLOCK)
                          : NULL;
        if (!block)
            return NULL;
        self->used[self->block_count] = 0;
        self->blocks[self->block_count++] = block;
    }
    size_t at = self->used[self->current];
    *ref = (uint32_t) (self->current * ETL_RECORD_TABLE_BLOCK + at + 1);
    self->used[self->current] += size;
    self->held += size;
    return (unsigned char *) self->blocks[self->current] + at;
}

void
etl_record_table_place (etl_record_table_t *self, uint32_t *slot, uint64_t hash, uint32_t ref)
{
    if (!*slot)
        self->count++;
    *slot = s_tag (hash) | ref;
}

bool
etl_record_table_has_room (const etl_record_table_t *self)
{
    return (self->count + 1) * S_LOAD_DEN <= self->n * S_LOAD_NUM;
}

int
etl_record_table_rebuild (etl_record_table_t *self, size_t slots)
{
    size_t n = slots < ETL_RECORD_TABLE_MIN_SLOTS ? ETL_RECORD_TABLE_MIN_SLOTS : slots;
    uint32_t *fresh = calloc (n, sizeof *fresh);
    if (!fresh)
        return -1;
    free (self->slots);
    self->slots = fresh;
    self->n = n;
    self->count = 0;
    for (size_t b = 0; b < self->block_count; b++) {
        const unsigned char *block = (const unsigned char *) self->blocks[b];
        for (size_t at = 0; at < self->used[b]; at += self->kind->size (block + at)) {
            size_t len;
            const char *key = self->kind->key (block + at, &len);
            uint64_t hash = etl_hash (key, len);
            etl_record_table_place (self, etl_record_table_slot (self, hash, key, len), hash,
                                    (uint32_t) (b * ETL_RECORD_TABLE_BLOCK + at + 1));
        }
    }
    return 0;
}

void
etl_record_table_clear (etl_record_table_t *self)
{
    memset (self->slots, 0, self->n * sizeof *self->slots);
    self->count = 0;
    for (size_t b = 0; b < self->block_count; b++)
        self->used[b] = 0;
    self->current = 0;
    self->held = 0;
}

size_t
etl_record_table_count (const etl_record_table_t *self)
{
    return self->count;
}

size_t
etl_record_table_slots (const etl_record_table_t *self)
{
    return self->n;
}

size_t
etl_record_table_held (const etl_record_table_t *self)
{
    return self->held;
}

size_t
etl_record_table_bytes (const etl_record_table_t *self)
{
    return sizeof *self + self->n * sizeof *self->slots
           + self->block_count * ETL_RECORD_TABLE_BLOCK;
}
