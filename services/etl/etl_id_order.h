/*  etl_id_order: whether a load's order_ids, in the order it reads them, keep increasing in
    byte order (the order of fact_order's COLLATE "C" key): the last one kept, copied. */
#ifndef ETL_ID_ORDER_H
#define ETL_ID_ORDER_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char *last;  /* the id kept last (len bytes), when any */
    size_t len, cap;
    bool any;
} etl_id_order_t;

/*  True when the len bytes at id sort after the id kept last, or none was kept. */
bool etl_id_order_after (const etl_id_order_t *self, const char *id, size_t len);

/*  Keeps id as the last one. Returns 0, or -1 when out of memory (self keeps the old one). */
int etl_id_order_keep (etl_id_order_t *self, const char *id, size_t len);

/*  Frees what self holds; it is then empty. */
void etl_id_order_clear (etl_id_order_t *self);

#endif
