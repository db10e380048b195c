/*  customer_search: the search index of every customer's id, name and email (SPEC §10:
    a case-insensitive substring of any of them), held by the customer service beside the
    analytics store, which keeps no names. Items are customer keys.

    Loaded from dim_customer in one read-only snapshot together with the data version, and
    loaded again when the store is newer than it (customer_list): a search then sees the
    customers of the store it is answered from, and at worst names newer than the store's
    figures while a load commits. About 60 bytes a customer (the folded text and its
    offsets): 60 MB for a million customers. */
#ifndef CUSTOMER_SEARCH_H
#define CUSTOMER_SEARCH_H

#include <libpq-fe.h>
#include <stddef.h>

#include "engine_text.h"

typedef struct _customer_search_t customer_search_t;

/*  Loads the index over conn (not inside a transaction). Returns it, or NULL with a
    one-line reason in err. */
customer_search_t *customer_search_load (PGconn *conn, char *err, size_t errlen);

/*  Frees the index and nulls the caller's pointer. NULL-safe. */
void customer_search_destroy (customer_search_t **self_p);

/*  The data version it was read at. */
long long customer_search_version (const customer_search_t *self);

/*  The text index (items: customer keys). */
const engine_text_t *customer_search_text (const customer_search_t *self);

#endif
