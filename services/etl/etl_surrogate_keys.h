/*  etl_surrogate_keys: the surrogate keys of the customers and products a load names, resolved
    by the reader so that orders can go straight into fact_order (etl_direct).

    etl_surrogate_keys_load() locks dim_customer and dim_product against writers until the load's
    transaction ends (SHARE ROW EXCLUSIVE: readers go on; `ecomctl seed` and other writers
    wait) and takes the first key of each identity sequence for the ids the file brings
    new: the reader numbers them from there, nobody else can insert meanwhile, and
    etl_surrogate_keys_save() moves the sequences past the keys it gave before anything else
    inserts a dimension row. etl_surrogate_keys_map() then reads their id -> key maps (etl_key_map,
    bounded: 1,500,000 customers and 262,144 products), when the load can use them (a file
    whose first order is not new goes through the staging table anyway). A catalogue bigger
    than the maps' bounds gets no maps: every order is then staged. */
#ifndef ETL_SURROGATE_KEYS_H
#define ETL_SURROGATE_KEYS_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { ETL_DIM_CUSTOMER, ETL_DIM_PRODUCT } etl_dim_t;

typedef struct _etl_surrogate_keys_t etl_surrogate_keys_t;

/*  Inside the load's transaction on conn: the locks and the first new keys (see above).
    Returns NULL with the reason in err (a database error, or out of memory). */
etl_surrogate_keys_t *etl_surrogate_keys_load (PGconn *conn, char *err, size_t errlen);

/*  Reads the id -> key maps (none when a catalogue is beyond their bounds). Returns 0, or
    -1 with the reason in err. */
int etl_surrogate_keys_map (etl_surrogate_keys_t *self, PGconn *conn, char *err, size_t errlen);

void etl_surrogate_keys_destroy (etl_surrogate_keys_t **self_p);

/*  True when the maps were read and hold the catalogues: keys can be resolved. */
bool etl_surrogate_keys_mapped (const etl_surrogate_keys_t *self);

/*  The key of the dimension's id (len bytes), or, when it has none and assign is true, a
    new one. Returns 0 when there is none: not mapped, not assigned, or the map is full. */
int32_t etl_surrogate_keys_get (etl_surrogate_keys_t *self, etl_dim_t dim, const char *id,
                                size_t len, bool assign);

/*  The bytes of the ids the dimension's map holds (0: no map), and a new bound for them
    (etl_key_map_cap): the load shares a budget between the customers' map and their
    attribute cache (etl_load). */
size_t etl_surrogate_keys_held (const etl_surrogate_keys_t *self, etl_dim_t dim);
void etl_surrogate_keys_cap (etl_surrogate_keys_t *self, etl_dim_t dim, size_t bytes);

/*  Moves each identity sequence past the keys assigned. Returns 0, or -1 with err. */
int etl_surrogate_keys_save (const etl_surrogate_keys_t *self, PGconn *conn, char *err,
                             size_t errlen);

#endif
