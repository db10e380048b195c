/*  product_list: the op "list" of the product service, behind GET /api/v1/products/
    (SPEC §10, Bearer):

    {count, next, previous, results: [{product_id, name, category, first_order_date,
     last_order_date, orders, units_sold, revenue}]}

    the products whose id or name holds search (case-insensitive), of category, in an
    ordering (product_id, -revenue, -units_sold; ties by product_id), paginated like the
    order list (svc_page). Everything comes from the analytics store: the figures count every
    order of the product; orderings and the search index are computed once per store
    (engine_browse). */
#ifndef PRODUCT_LIST_H
#define PRODUCT_LIST_H

#include "svc.h"

/*  The op's parameters. */
#define PRODUCT_LIST_PARAMS SVC_PARAMS ("search", "category", "ordering", "page", "page_size")

/*  The handler. */
int product_list (svc_ctx_t *ctx);

/*  Frees what the op keeps between requests (the orderings, the search index). */
void product_list_stop (void);

#endif
