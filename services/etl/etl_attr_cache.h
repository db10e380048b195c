/*  etl_attr_cache: what a load last wrote for each customer (or product), so that it writes a
    dimension's attributes only when they change. An order file names the same customers
    and products over and over with the same attributes: instead of one customer row and one
    product row per order, the staging table gets one per change.

    Exact and bounded by bytes: each id's fields are one record of an etl_record_table
    (each field as a 2-byte length and its bytes) in an arena of 1 MiB blocks, found by the
    id through an open-addressing index of 32-bit slots; a change that fits the id's record is written
    over it, a longer one is appended. When the arena or the table is full, the cache
    forgets everything and starts again, and fields longer than 1 KiB together are never
    remembered (the id's record is forgotten): a forgotten id is simply written again, so a
    "no change" answer is always exact ("these fields equal the last ones written for this
    id") and memory stays within the bound whatever the file holds. */
#ifndef ETL_ATTR_CACHE_H
#define ETL_ATTR_CACHE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct _etl_attr_cache_t etl_attr_cache_t;

/*  A cache of at most bytes of records (at least 1 MiB is used; at most 62 MiB), and a
    table of 4 bytes per 48 of them. Returns NULL when out of memory. */
etl_attr_cache_t *etl_attr_cache_new (size_t bytes);

void etl_attr_cache_destroy (etl_attr_cache_t **self_p);

/*  fields[0] is the id, the others its attributes (count in all, at most 8, lengths[i]
    bytes each). Returns true when they must be written: the cache remembers other fields
    for this id, or none; it then remembers these. Returns false when they equal the ones
    remembered. Out of memory, it forgets them and returns true (writing again is always
    right). */
bool etl_attr_cache_changed (etl_attr_cache_t *self, const char *const *fields,
                             const size_t *lengths, size_t count);

/*  How many times the cache forgot everything (it was full). */
size_t etl_attr_cache_resets (const etl_attr_cache_t *self);

#endif
