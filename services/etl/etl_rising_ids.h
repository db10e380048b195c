/*  etl_rising_ids: whether a load's order_ids, in the order it reads them, keep increasing in
    byte order (the order of fact_order's COLLATE "C" key): the last one kept, copied. */
#ifndef ETL_RISING_IDS_H
#define ETL_RISING_IDS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char *last; /* the id kept last (len bytes), when any */
    size_t len, cap;
    bool any;
} etl_rising_ids_t;

/*  True when the len bytes at id sort after the id kept last, or none was kept. */
bool etl_rising_ids_after (const etl_rising_ids_t *self, const char *id, size_t len);

/*  Keeps id as the last one. Returns 0, or -1 when out of memory (self keeps the old one). */
int etl_rising_ids_keep (etl_rising_ids_t *self, const char *id, size_t len);

/*  Frees what self holds; it is then empty. */
void etl_rising_ids_clear (etl_rising_ids_t *self);

#endif
