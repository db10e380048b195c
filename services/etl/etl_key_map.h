/*  etl_key_map: a dimension's ids and their surrogate keys (customer_id -> customer_key,
    product_id -> product_key), held by the reader so that it can write an order straight
    into fact_order with its keys (etl_direct).

    Bounded: at most `limit` ids, each of at most ETL_KEY_MAP_MAX_ID bytes, and at most
    limit x 64 bytes of ids in all; an id beyond that is refused, and the load stages the
    rest of the file instead (docs/architecture.md, "The CSV load"). Memory stays below
    limit x 160 bytes whatever the file or the catalogue holds. */
#ifndef ETL_KEY_MAP_H
#define ETL_KEY_MAP_H

#include <stddef.h>
#include <stdint.h>

#define ETL_KEY_MAP_MAX_ID 255

typedef struct _etl_key_map_t etl_key_map_t;

/*  A map of at most limit ids (1 to 2^24). Returns NULL when out of memory. */
etl_key_map_t *etl_key_map_new (size_t limit);

void etl_key_map_destroy (etl_key_map_t **self_p);

/*  The key of the len bytes at id, or 0 when the map does not hold them (keys are >= 1). */
int32_t etl_key_map_get (const etl_key_map_t *self, const char *id, size_t len);

/*  Adds id with key (>= 1), or gives an id it holds that key. Returns 0, or -1 when
    refused: the map is full, the id too long, the key < 1, or memory ran out. */
int etl_key_map_put (etl_key_map_t *self, const char *id, size_t len, int32_t key);

#endif
