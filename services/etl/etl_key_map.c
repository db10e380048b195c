#include "etl_key_map.h"

#include "etl_hash.h"

#include <stdlib.h>
#include <string.h>

/*  The arena: blocks of S_BLOCK bytes, each record (length byte, id, 4-byte key) inside one
    block; a record's offset is its block's number times S_BLOCK plus where it starts. */
#define S_BLOCK_BITS 20
#define S_BLOCK ((size_t) 1 << S_BLOCK_BITS)
#define S_MAX_BLOCKS (ETL_KEY_MAP_MAX_BYTES / S_BLOCK)

/*  A slot: 0 when empty, else the record's offset + 1 in the low S_OFFSET_BITS bits and the
    top S_TAG_BITS bits of the id's hash above them. */
#define S_OFFSET_BITS 26
#define S_OFFSET_MASK (((uint32_t) 1 << S_OFFSET_BITS) - 1)
#define S_TAG_BITS (32 - S_OFFSET_BITS)

/*  The table is at most S_LOAD_NUM / S_LOAD_DEN full. */
#define S_LOAD_NUM 4
#define S_LOAD_DEN 5
#define S_MIN_SLOTS 1024

struct _etl_key_map_t {
    uint32_t *slots;        /* open addressing, linear probing over all n slots */
    size_t n;
    size_t count, limit;
    char *blocks[S_MAX_BLOCKS];
    size_t used[S_MAX_BLOCKS]; /* the bytes of each block that records take */
    size_t block_count;     /* blocks allocated; records go to the last one */
    size_t bytes, bytes_limit; /* bytes of records held, and the most allowed */
};

/*  Where a hash starts probing in n slots (the low 32 bits, scaled: no power of two needed). */
static size_t
s_home (uint64_t hash, size_t n)
{
    return (size_t) (((hash & 0xffffffffULL) * (uint64_t) n) >> 32);
}

static uint32_t
s_tag (uint64_t hash)
{
    return (uint32_t) (hash >> (64 - S_TAG_BITS)) << S_OFFSET_BITS;
}

static const unsigned char *
s_record (const etl_key_map_t *self, uint32_t slot)
{
    size_t offset = (slot & S_OFFSET_MASK) - 1;
    return (const unsigned char *) self->blocks[offset >> S_BLOCK_BITS]
           + (offset & (S_BLOCK - 1));
}

/*  The slot that holds id, or the empty one where it would go. */
static uint32_t *
s_find (const etl_key_map_t *self, uint64_t hash, const char *id, size_t len)
{
    uint32_t tag = s_tag (hash);
    for (size_t i = s_home (hash, self->n);; i = i + 1 == self->n ? 0 : i + 1) {
        uint32_t *slot = &self->slots[i];
        if (!*slot)
            return slot;
        if ((*slot & ~S_OFFSET_MASK) == tag) {
            const unsigned char *record = s_record (self, *slot);
            if (record[0] == len && memcmp (record + 1, id, len) == 0)
                return slot;
        }
    }
}

static size_t
s_slots_for (size_t ids)
{
    size_t n = ids / S_LOAD_NUM * S_LOAD_DEN + S_LOAD_DEN;
    return n < S_MIN_SLOTS ? S_MIN_SLOTS : n;
}

/*  A table of n slots with every record placed again (the old one freed after). Returns
    0, or -1 when out of memory (the map is unchanged). */
static int
s_rebuild (etl_key_map_t *self, size_t n)
{
    uint32_t *slots = calloc (n, sizeof *slots);
    if (!slots)
        return -1;
    free (self->slots);
    self->slots = slots;
    self->n = n;
    for (size_t b = 0; b < self->block_count; b++) {
        const unsigned char *block = (const unsigned char *) self->blocks[b];
        for (size_t at = 0; at < self->used[b];) {
            size_t len = block[at];
            uint64_t hash = etl_hash ((const char *) block + at + 1, len);
            uint32_t *slot = s_find (self, hash, (const char *) block + at + 1, len);
            *slot = s_tag (hash) | (uint32_t) (b * S_BLOCK + at + 1);
            at += 1 + len + sizeof (int32_t);
        }
    }
    return 0;
}

etl_key_map_t *
etl_key_map_new (size_t limit, size_t bytes)
{
    etl_key_map_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->limit = limit < 1 ? 1 : limit > ETL_KEY_MAP_MAX_LIMIT ? ETL_KEY_MAP_MAX_LIMIT : limit;
    self->bytes_limit = bytes > ETL_KEY_MAP_MAX_BYTES ? ETL_KEY_MAP_MAX_BYTES : bytes;
    self->n = S_MIN_SLOTS;
    self->slots = calloc (self->n, sizeof *self->slots);
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
    etl_key_map_t *self = *self_p;
    free (self->slots);
    for (size_t b = 0; b < self->block_count; b++)
        free (self->blocks[b]);
    free (self);
    *self_p = NULL;
}

int
etl_key_map_reserve (etl_key_map_t *self, size_t ids)
{
    if (ids > self->limit)
        ids = self->limit;
    size_t n = s_slots_for (ids);
    return n > self->n ? s_rebuild (self, n) : 0;
}

int32_t
etl_key_map_get (const etl_key_map_t *self, const char *id, size_t len)
{
    if (len > ETL_KEY_MAP_MAX_ID)
        return 0;
    uint32_t slot = *s_find (self, etl_hash (id, len), id, len);
    if (!slot)
        return 0;
    int32_t key;
    memcpy (&key, s_record (self, slot) + 1 + len, sizeof key);
    return key;
}

/*  Room for a record of size bytes at the end of the arena. Returns 0, or -1 when out of
    memory. */
static int
s_room (etl_key_map_t *self, size_t size)
{
    if (self->block_count && self->used[self->block_count - 1] + size <= S_BLOCK)
        return 0;
    if (self->block_count == S_MAX_BLOCKS)
        return -1;
    char *block = malloc (S_BLOCK);
    if (!block)
        return -1;
    self->used[self->block_count] = 0;
    self->blocks[self->block_count++] = block;
    return 0;
}

int
etl_key_map_put (etl_key_map_t *self, const char *id, size_t len, int32_t key)
{
    if (key < 1 || len > ETL_KEY_MAP_MAX_ID)
        return -1;
    uint64_t hash = etl_hash (id, len);
    uint32_t *slot = s_find (self, hash, id, len);
    size_t size = 1 + len + sizeof key;
    if (*slot) { /* held already: a new key */
        memcpy ((char *) s_record (self, *slot) + 1 + len, &key, sizeof key);
        return 0;
    }
    if (self->count == self->limit || size > self->bytes_limit - self->bytes)
        return -1;
    if ((self->count + 1) * S_LOAD_DEN > self->n * S_LOAD_NUM) {
        /*  Twice the slots, but never more than the limit needs. */
        size_t n = self->n * 2, most = s_slots_for (self->limit);
        if (s_rebuild (self, n < most ? n : most))
            return -1;
        slot = s_find (self, hash, id, len);
    }
    if (s_room (self, size))
        return -1;
    size_t last = self->block_count - 1;
    char *record = self->blocks[last] + self->used[last];
    record[0] = (char) (unsigned char) len;
    if (len)
        memcpy (record + 1, id, len);
    memcpy (record + 1 + len, &key, sizeof key);
    *slot = s_tag (hash) | (uint32_t) (last * S_BLOCK + self->used[last] + 1);
    self->used[last] += size;
    self->bytes += size;
    self->count++;
    return 0;
}

size_t
etl_key_map_count (const etl_key_map_t *self)
{
    return self->count;
}

size_t
etl_key_map_held (const etl_key_map_t *self)
{
    return self->bytes;
}

void
etl_key_map_cap (etl_key_map_t *self, size_t bytes)
{
    self->bytes_limit = bytes < self->bytes            ? self->bytes
                        : bytes > ETL_KEY_MAP_MAX_BYTES ? ETL_KEY_MAP_MAX_BYTES
                                                        : bytes;
}

size_t
etl_key_map_bytes (const etl_key_map_t *self)
{
    return sizeof *self + self->n * sizeof *self->slots + self->block_count * S_BLOCK;
}
