#include "ecom_embedded.h"

#include <string.h>

const char *
ecom_embedded_find (const ecom_embedded_t *table, const char *name)
{
    for (; table && table->name; table++)
        if (strcmp (table->name, name) == 0)
            return table->text;
    return NULL;
}
