/*  etl_key_map: a dimension's ids and their surrogate keys, one record each in an
    etl_record_table (etl_key_map.h). */

#include "etl_key_map.h"

#include "etl_hash.h"
#include "etl_record_table.h"

#include <stdlib.h>
#include <string.h>

/*  A record: the id's length (one byte), its bytes, its 4-byte key. */
#define S_RECORD(len) (1 + (len) + sizeof (int32_t))

struct _etl_key_map_t {
    etl_record_table_t *table;
    size_t limit;       /* the most ids */
    size_t bytes_limit; /* the most bytes of records */
};

/*  The id of a record, for the table. */
static const char *
s_record_key (const unsigned char *record, size_t *len)
{
    *len = record[0];
    return (const char *) record + 1;
}

/*  The bytes a record takes, for the table. */
static size_t
s_record_size (const unsigned char *record)
{
    return S_RECORD (record[0]);
}

static const etl_record_kind_t s_kind = {s_record_key, s_record_size};

etl_key_map_t *
etl_key_map_new (size_t limit, size_t bytes)
{
    etl_key_map_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->limit = limit < 1 ? 1 : limit > ETL_KEY_MAP_MAX_LIMIT ? ETL_KEY_MAP_MAX_LIMIT : limit;
    self->bytes_limit = bytes > ETL_KEY_MAP_MAX_BYTES ? ETL_KEY_MAP_MAX_BYTES : bytes;
    self->table = etl_record_table_new (&s_kind, ETL_KEY_MAP_MAX_BYTES / ETL_RECORD_TABLE_BLOCK,
                                        ETL_RECORD_TABLE_MIN_SLOTS);
    if (!self->table) {
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
    etl_record_table_destroy (&self->table);
    free (self);
    *self_p = NULL;
}

int
etl_key_map_reserve (etl_key_map_t *self, size_t ids)
{
    size_t n = etl_record_table_slots_for (ids < self->limit ? ids : self->limit);
    return n > etl_record_table_slots (self->table) ? etl_record_table_rebuild (self->table, n) : 0;
}

int32_t
etl_key_map_get (const etl_key_map_t *self, const char *id, size_t len)
{
    if (len > ETL_KEY_MAP_MAX_ID)
        return 0;
    uint32_t slot = *etl_record_table_slot (self->table, etl_hash (id, len), id, len);
    if (!slot)
        return 0;
    int32_t key;
    memcpy (&key, etl_record_table_record (self->table, slot) + 1 + len, sizeof key);
    return key;
}

/*  Doubles the table's slots, but never beyond what the limit needs. Returns 0, or -1 when
    out of memory (the map is unchanged). */
static int
s_grow (etl_key_map_t *self)
{
    size_t n = etl_record_table_slots (self->table) * 2;
    size_t most = etl_record_table_slots_for (self->limit);
    return etl_record_table_rebuild (self->table, n < most ? n : most);
}

int
etl_key_map_put (etl_key_map_t *self, const char *id, size_t len, int32_t key)
{
    if (key < 1 || len > ETL_KEY_MAP_MAX_ID)
        return -1;
    uint64_t hash = etl_hash (id, len);
    uint32_t *slot = etl_record_table_slot (self->table, hash, id, len);
    if (*slot) { /* held already: a new key */
        memcpy (etl_record_table_record (self->table, *slot) + 1 + len, &key, sizeof key);
        return 0;
    }
    size_t size = S_RECORD (len);
    if (etl_key_map_count (self) == self->limit
        || size > self->bytes_limit - etl_key_map_held (self))
        return -1;
    if (!etl_record_table_has_room (self->table)) {
        if (s_grow (self))
            return -1;
        slot = etl_record_table_slot (self->table, hash, id, len);
    }
    uint32_t ref;
    unsigned char *record = etl_record_table_append (self->table, size, &ref);
    if (!record)
        return -1;
    record[0] = (unsigned char) len;
    if (len)
        memcpy (record + 1, id, len);
    memcpy (record + 1 + len, &key, sizeof key);
    etl_record_table_place (self->table, slot, hash, ref);
    return 0;
}

size_t
etl_key_map_count (const etl_key_map_t *self)
{
    return etl_record_table_count (self->table);
}

size_t
etl_key_map_held (const etl_key_map_t *self)
{
    return etl_record_table_held (self->table);
}

void
etl_key_map_cap (etl_key_map_t *self, size_t bytes)
{
    size_t held = etl_key_map_held (self);
    self->bytes_limit = bytes < held                    ? held
                        : bytes > ETL_KEY_MAP_MAX_BYTES ? ETL_KEY_MAP_MAX_BYTES
                                                        : bytes;
}

size_t
etl_key_map_bytes (const etl_key_map_t *self)
{
    return sizeof *self + etl_record_table_bytes (self->table);
}
