/*  etl_attr_cache: the fields last written for each id, one record each in an
    etl_record_table (etl_attr_cache.h). */

#include "etl_attr_cache.h"

#include "etl_hash.h"
#include "etl_record_table.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*  A record: its encoding's size (2 bytes; 0: forgotten, equal to nothing), the room it has
    (2 bytes), then the encoding: each field as its length (2 bytes) and its bytes, the id
    first. Two field lists are equal exactly when their encodings are. */
#define S_HEADER 4

/*  Fields longer than this together are not remembered (always written). */
#define S_MAX_ENTRY 1024

/*  The index has one slot per S_BYTES_PER_SLOT bytes of the bound. */
#define S_BYTES_PER_SLOT 48
#define S_MAX_BLOCKS 62

struct _etl_attr_cache_t {
    etl_record_table_t *table;
    size_t resets;
    unsigned char scratch[S_MAX_ENTRY]; /* the encoding of the fields being checked */
};

static uint16_t
s_u16 (const unsigned char *at)
{
    uint16_t value;
    memcpy (&value, at, 2);
    return value;
}

/*  The id of a record, for the table. */
static const char *
s_record_key (const unsigned char *record, size_t *len)
{
    *len = s_u16 (record + S_HEADER);
    return (const char *) record + S_HEADER + 2;
}

/*  The bytes a record takes, for the table. */
static size_t
s_record_size (const unsigned char *record)
{
    return S_HEADER + s_u16 (record + 2);
}

static const etl_record_kind_t s_kind = {s_record_key, s_record_size};

etl_attr_cache_t *
etl_attr_cache_new (size_t bytes)
{
    etl_attr_cache_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    size_t blocks = bytes / ETL_RECORD_TABLE_BLOCK;
    blocks = blocks < 1 ? 1 : blocks > S_MAX_BLOCKS ? S_MAX_BLOCKS : blocks;
    self->table =
        etl_record_table_new (&s_kind, blocks, blocks * ETL_RECORD_TABLE_BLOCK / S_BYTES_PER_SLOT);
    if (!self->table) {
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
    etl_record_table_destroy (&self->table);
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

/*  A new record of the encoding in self->scratch (size bytes); its reference in *ref.
    Returns 0, or -1 when the arena is full or memory ran out. */
static int
s_append (etl_attr_cache_t *self, size_t size, uint32_t *ref)
{
    unsigned char *record = etl_record_table_append (self->table, S_HEADER + size, ref);
    if (!record)
        return -1;
    uint16_t sizes[2] = {(uint16_t) size, (uint16_t) size};
    memcpy (record, sizes, S_HEADER);
    memcpy (record + S_HEADER, self->scratch, size);
    return 0;
}

/*  Too long to remember: forgets what the id had (older fields of this very id), when the
    id itself can be looked up. */
static void
s_forget (etl_attr_cache_t *self, const char *id, size_t len)
{
    if (len > S_MAX_ENTRY - 2)
        return;
    uint32_t *slot = etl_record_table_slot (self->table, etl_hash (id, len), id, len);
    if (*slot)
        memset (etl_record_table_record (self->table, *slot), 0, 2);
}

/*  Remembers the encoding in self->scratch (size bytes) for the id at slot (for hash), over
    its record when it fits, else in a new one. Returns 0, or -1 when the table is full. */
static int
s_remember (etl_attr_cache_t *self, uint32_t *slot, uint64_t hash, size_t size)
{
    if (*slot) {
        unsigned char *record = etl_record_table_record (self->table, *slot);
        if (s_u16 (record + 2) >= size) { /* the change fits the record */
            uint16_t used = (uint16_t) size;
            memcpy (record, &used, 2);
            memcpy (record + S_HEADER, self->scratch, size);
            return 0;
        }
    }
    else if (!etl_record_table_has_room (self->table))
        return -1;
    uint32_t ref;
    if (s_append (self, size, &ref))
        return -1;
    etl_record_table_place (self->table, slot, hash, ref); /* an old record stays, unused */
    return 0;
}

bool
etl_attr_cache_changed (etl_attr_cache_t *self, const char *const *fields, const size_t *lengths,
                        size_t count)
{
    size_t size = s_encode (self, fields, lengths, count);
    if (size == 0) {
        s_forget (self, fields[0], lengths[0]);
        return true;
    }
    uint64_t hash = etl_hash (fields[0], lengths[0]);
    uint32_t *slot = etl_record_table_slot (self->table, hash, fields[0], lengths[0]);
    if (*slot) {
        const unsigned char *record = etl_record_table_record (self->table, *slot);
        if (s_u16 (record) == size && memcmp (record + S_HEADER, self->scratch, size) == 0)
            return false;
    }
    if (s_remember (self, slot, hash, size) == 0)
        return true;
    /*  Full: start again with this id alone. */
    etl_record_table_clear (self->table);
    self->resets++;
    uint32_t ref;
    if (s_append (self, size, &ref) == 0)
        etl_record_table_place (self->table,
                                etl_record_table_slot (self->table, hash, fields[0], lengths[0]),
                                hash, ref);
    return true;
}
