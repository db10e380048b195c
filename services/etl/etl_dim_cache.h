/*  etl_dim_cache: what a load last wrote for each customer (or product), so that it writes a
    dimension's attributes only when they change. An order file names the same few thousand
    customers and products over and over with the same attributes: instead of one
    customer row and one product row per order, the staging table gets one per change.

    Bounded: a fixed number of slots, direct-mapped on a hash of the id, each remembering at
    most 256 bytes (longer fields are always written, and forget the slot). An id whose slot
    another id took is simply written again, so a "no change" answer is always exact ("these
    fields equal the last ones written for this id") and memory stays within slots x 256
    bytes whatever the file holds. */
#ifndef ETL_DIM_CACHE_H
#define ETL_DIM_CACHE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct _etl_dim_cache_t etl_dim_cache_t;

/*  A cache of slots entries (at least 1). Returns NULL when out of memory. */
etl_dim_cache_t *etl_dim_cache_new (size_t slots);

void etl_dim_cache_destroy (etl_dim_cache_t **self_p);

/*  fields[0] is the id, the others its attributes (count in all, lengths[i] bytes each).
    Returns true when they must be written: the cache remembers other fields for this id,
    or none; it then remembers these. Returns false when they equal the ones remembered.
    Out of memory, it forgets the slot and returns true (writing again is always right). */
bool etl_dim_cache_changed (etl_dim_cache_t *self, const char *const *fields,
                            const size_t *lengths, size_t count);

#endif
