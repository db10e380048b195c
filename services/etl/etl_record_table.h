/*  etl_record_table: what the reader's compact tables (etl_key_map, etl_attr_cache) are
    built on: records of any size in an arena of 1 MiB blocks, found by their key through
    an open-addressing index of 32-bit slots.

    A record is bytes its owner lays out; the table only asks where its key is and how many
    bytes it takes (etl_record_kind_t). A slot is 0 when empty, else the record's reference
    (its offset in the arena + 1) in the low 26 bits and the top 6 bits of the key's hash
    above them, so that a probe rarely reads a record that is not the one sought. Probing is
    linear from the slot the hash's low 32 bits scale to (any number of slots), and the owner
    keeps the index at most 4/5 full (etl_record_table_has_room). Rebuilding the index at
    another size frees the old one first and places the records again from the arena:
    memory never holds both. Keys are hashed with etl_hash(). */
#ifndef ETL_RECORD_TABLE_H
#define ETL_RECORD_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*  The arena's blocks; a record lies inside one. */
#define ETL_RECORD_TABLE_BLOCK ((size_t) 1 << 20)
/*  The most blocks: what a 26-bit reference reaches. */
#define ETL_RECORD_TABLE_MAX_BLOCKS 63
/*  The fewest slots an index has. */
#define ETL_RECORD_TABLE_MIN_SLOTS 1024

/*  What the table asks of a record, given its first byte. */
typedef struct {
    /*  Where its key starts; the key's length in *len. */
    const char *(*key) (const unsigned char *record, size_t *len);
    /*  The bytes it takes in the arena. */
    size_t (*size) (const unsigned char *record);
} etl_record_kind_t;

typedef struct _etl_record_table_t etl_record_table_t;

/*  A table of records of kind (which outlives it), of at most max_blocks blocks (taken as 1
    to ETL_RECORD_TABLE_MAX_BLOCKS), with an index of slots slots (at least
    ETL_RECORD_TABLE_MIN_SLOTS). Returns NULL when out of memory. */
etl_record_table_t *etl_record_table_new (const etl_record_kind_t *kind, size_t max_blocks,
                                          size_t slots);

/*  Frees the table, its index and its blocks, and nulls the caller's pointer. NULL-safe. */
void etl_record_table_destroy (etl_record_table_t **self_p);

/*  The slots an index needs for records records at most 4/5 full (at least the fewest). */
size_t etl_record_table_slots_for (size_t records);

/*  The slot that holds the record of the len bytes at key (hash: their etl_hash()), or the
    empty one where it would go. Valid until the index is rebuilt or cleared. */
uint32_t *etl_record_table_slot (const etl_record_table_t *self, uint64_t hash, const char *key,
                                 size_t len);

/*  The record a non-empty slot's value refers to. */
unsigned char *etl_record_table_record (const etl_record_table_t *self, uint32_t slot);

/*  Room for a record of size bytes (1 to a block) after the last one: its bytes, for the
    caller to fill, and its reference in *ref (for etl_record_table_place). Returns NULL when
    the arena's blocks are all taken or memory ran out. */
unsigned char *etl_record_table_append (etl_record_table_t *self, size_t size, uint32_t *ref);

/*  Points slot (etl_record_table_slot's, for hash) at the record ref, replacing what it
    held; an empty slot counts one record more. */
void etl_record_table_place (etl_record_table_t *self, uint32_t *slot, uint64_t hash, uint32_t ref);

/*  Whether the index takes one record more and stays at most 4/5 full. */
bool etl_record_table_has_room (const etl_record_table_t *self);

/*  An index of slots slots (at least the fewest) with every record of the arena placed
    again, from the first to the last (a key that comes again later in the arena is the
    later record's). Returns 0, or -1 when out of memory (the table is unchanged). */
int etl_record_table_rebuild (etl_record_table_t *self, size_t slots);

/*  Forgets every record: the index empty, the blocks kept to be written over. */
void etl_record_table_clear (etl_record_table_t *self);

/*  The records the index holds. */
size_t etl_record_table_count (const etl_record_table_t *self);

/*  The slots of the index. */
size_t etl_record_table_slots (const etl_record_table_t *self);

/*  The bytes of the records appended since the table was made or cleared. */
size_t etl_record_table_held (const etl_record_table_t *self);

/*  The bytes the table has allocated (itself, its index, its blocks). */
size_t etl_record_table_bytes (const etl_record_table_t *self);

#endif
