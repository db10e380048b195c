#include "etl_rising_ids.h"

#include <stdlib.h>
#include <string.h>

bool
etl_rising_ids_after (const etl_rising_ids_t *self, const char *id, size_t len)
{
    if (!self->any)
        return true;
    size_t common = len < self->len ? len : self->len;
    int cmp = common ? memcmp (id, self->last, common) : 0;
    return cmp > 0 || (cmp == 0 && len > self->len);
}

int
etl_rising_ids_keep (etl_rising_ids_t *self, const char *id, size_t len)
{
    if (len > self->cap) {
        char *grown = realloc (self->last, len);
        if (!grown)
            return -1;
        self->last = grown;
        self->cap = len;
    }
    if (len)
        memcpy (self->last, id, len);
    self->len = len;
    self->any = true;
    return 0;
}

void
etl_rising_ids_clear (etl_rising_ids_t *self)
{
    free (self->last);
    *self = (etl_rising_ids_t){0};
}
