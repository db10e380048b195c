/*  ecom-orders: the order service (MDP service "orders"), behind GET /api/v1/orders/
    (SPEC §6, Bearer). Its queries are page.sql and customer_page.sql beside this file;
    everything else is the framework's (services/framework).

    list: {count, next, previous, results: [{order_id, order_date, customer_id,
           customer_name, product_id, product_name, product_category, quantity, unit_price,
           total_amount}]}
    one page of the orders in the filters (customer_id, start_date, end_date), newest first
    (order_date, then order_id in byte order, both descending); next/previous are absolute
    URLs of the neighbouring pages (null at the ends), built from the request's base_url and
    its own parameters with only page changed. Not cacheable: the answer holds the client's
    URL, and a page costs about a millisecond anyway (README.md). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "ecom_db.h"
#include "svc.h"
#include "svc_page.h"
#include "svc_range.h"

extern const ecom_embedded_t orders_sql[];

#define ORDERS_PATH "/api/v1/orders/"

/*  The parameters next/previous carry over, in the order they are written. */
#define ORDERS_KEPT SVC_PARAMS ("page_size", "customer_id", "start_date", "end_date")

/*  ---------------------------------------------------------------------------------------
    list */

static void
s_write_result (proto_writer_t *body, PGresult *res, int row)
{
    static const char *const names[] = {"order_id",        "order_date", "customer_id",
                                        "customer_name",   "product_id", "product_name",
                                        "product_category"};
    proto_writer_map (body, 10);
    for (int col = 0; col < 7; col++) {
        proto_writer_str (body, names[col]);
        proto_writer_str (body,
                          PQgetisnull (res, row, col + 1) ? NULL : PQgetvalue (res, row, col + 1));
    }
    proto_writer_str (body, "quantity");
    proto_writer_int (body, ecom_db_int64 (res, row, 8));
    proto_writer_str (body, "unit_price");
    proto_writer_double (body, strtod (PQgetvalue (res, row, 9), NULL));
    proto_writer_str (body, "total_amount");
    proto_writer_double (body, strtod (PQgetvalue (res, row, 10), NULL));
}

static int
s_list (svc_ctx_t *ctx)
{
    if (!svc_sub (ctx))
        return svc_error (ctx, 401, "unauthorized", "the order list needs an access token");
    svc_page_t page;
    int rc = svc_page_read (ctx, &page);
    if (rc != 0)
        return rc;
    svc_range_t range; /* filters: an end not given is open */
    rc = svc_range_read_params (ctx, &range);
    if (rc != 0)
        return rc;
    const char *start = range.has_start ? range.start_text : NULL;
    const char *end = range.has_end ? range.end_text : NULL;

    char offset_text[32], size_text[16];
    snprintf (offset_text, sizeof offset_text, "%lld", page.offset);
    snprintf (size_text, sizeof size_text, "%lld", page.size);
    const char *customer = svc_param (ctx, "customer_id");
    PGresult *res;
    if (customer) {
        const char *values[] = {customer, start, end, offset_text, size_text};
        res = svc_query (ctx, "customer_page.sql", 5, values);
    }
    else {
        const char *values[] = {start, end, offset_text, size_text};
        res = svc_query (ctx, "page.sql", 4, values);
    }
    if (!res)
        return SVC_FAILED;
    long long count = ecom_db_int64 (res, 0, 0);
    int rows = PQgetisnull (res, 0, 1) ? 0 : PQntuples (res);
    rc = svc_page_check (ctx, &page, count, "orders");
    if (rc != 0) {
        PQclear (res);
        return rc;
    }
    svc_page_write (ctx, &page, count, (uint32_t) rows, ORDERS_PATH, ORDERS_KEPT);
    for (int row = 0; row < rows; row++)
        s_write_result (svc_body (ctx), res, row);
    PQclear (res);
    return 200;
}

/*  ---------------------------------------------------------------------------------------
    The handler table */

static const svc_op_t s_ops[] = {
    {"list", s_list, false,
     SVC_PARAMS ("page", "page_size", "customer_id", "start_date", "end_date")},
    {NULL, NULL, false, NULL}};

static const svc_def_t s_def = {
    .name = "orders",
    .summary = "The order service: the paginated order list, newest first (SPEC §6).",
    .ops = s_ops,
    .sql = orders_sql,
    .read_only = true};

int
main (int argc, char **argv)
{
    return svc_main (argc, argv, &s_def);
}
