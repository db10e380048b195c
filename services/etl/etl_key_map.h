/*  etl_key_map: a dimension's ids and their surrogate keys (customer_id -> customer_key,
    product_id -> product_key), held by the reader so that it can write an order straight
    into fact_order with its keys (etl_direct).

    Compact, so that a catalogue of millions fits the loader's memory: each id is one record
    of an etl_record_table (its length, its bytes, its 32-bit key: 5 bytes more than the id)
    in an arena of 1 MiB blocks, and the table's index holds one 32-bit word per slot (where
    the record starts, and 6 bits of the id's hash, so that a probe rarely reads a record
    that is not the one sought), at most 4/5 full. About 12 bytes of arena and 5 to 10 of
    slots per id of 7 bytes: 17-22 bytes, measured by etl_key_map_test. Growing the index
    rebuilds it from the arena, after freeing the old one: memory never holds both.

    Bounded: at most `limit` ids and `bytes` bytes of records (at most 64 MiB); an id beyond
    that is refused, and the load stages the rest of the file instead (docs/architecture.md,
    "The CSV load"). etl_key_map_bytes() says what the map holds. */
#ifndef ETL_KEY_MAP_H
#define ETL_KEY_MAP_H

#include <stddef.h>
#include <stdint.h>

#define ETL_KEY_MAP_MAX_ID 255

/*  The most ids a map takes, and the most bytes of records. */
#define ETL_KEY_MAP_MAX_LIMIT ((size_t) 1 << 24)
#define ETL_KEY_MAP_MAX_BYTES (((size_t) 1 << 26) - ((size_t) 1 << 20))

typedef struct _etl_key_map_t etl_key_map_t;

/*  A map of at most limit ids (1 to ETL_KEY_MAP_MAX_LIMIT) whose records take at most
    bytes (up to ETL_KEY_MAP_MAX_BYTES). Returns NULL when out of memory. */
etl_key_map_t *etl_key_map_new (size_t limit, size_t bytes);

void etl_key_map_destroy (etl_key_map_t **self_p);

/*  Sizes the table for ids more ids at once (a hint: the catalogue's size), so that it
    does not grow on the way. Returns 0, or -1 when out of memory (the map is unchanged). */
int etl_key_map_reserve (etl_key_map_t *self, size_t ids);

/*  The key of the len bytes at id, or 0 when the map does not hold them (keys are >= 1). */
int32_t etl_key_map_get (const etl_key_map_t *self, const char *id, size_t len);

/*  Adds id with key (>= 1), or gives an id it holds that key. Returns 0, or -1 when
    refused: the map is full, the id too long, the key < 1, or memory ran out. */
int etl_key_map_put (etl_key_map_t *self, const char *id, size_t len, int32_t key);

/*  The ids held. */
size_t etl_key_map_count (const etl_key_map_t *self);

/*  The bytes of the records held (the bytes bound counts these). */
size_t etl_key_map_held (const etl_key_map_t *self);

/*  Sets the bound of the records' bytes (not below what they hold, nor above the most). */
void etl_key_map_cap (etl_key_map_t *self, size_t bytes);

/*  The bytes the map has allocated (table, arena blocks, itself). */
size_t etl_key_map_bytes (const etl_key_map_t *self);

#endif
