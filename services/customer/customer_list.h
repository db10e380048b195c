/*  customer_list: the op "list" of the customer service, behind GET /api/v1/customers/
    (SPEC §10, Bearer):

    {count, next, previous, results: [{customer_id, name, email, city, country,
     first_order_date, last_order_date, orders, revenue}]}

    the customers whose id, name or email holds search (case-insensitive), of country,
    in an ordering (customer_id, -revenue, -orders, -last_order_date; ties by customer_id),
    paginated like the order list (svc_page). The figures count every order of the customer
    and come from the analytics store with the orderings (engine_browse); the search from
    customer_search; the page's names and addresses from dim_customer (rows.sql). */
#ifndef CUSTOMER_LIST_H
#define CUSTOMER_LIST_H

#include "svc.h"

/*  The op's parameters. */
#define CUSTOMER_LIST_PARAMS SVC_PARAMS ("search", "country", "ordering", "page", "page_size")

/*  The handler. */
int customer_list (svc_ctx_t *ctx);

/*  Frees what the op keeps between requests (the orderings, the search index). */
void customer_list_stop (void);

#endif
