#include "customer_list.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "customer_search.h"
#include "ecom_db.h"
#include "engine_browse.h"
#include "svc_filters.h"
#include "svc_page.h"
#include "svc_range.h"

#define CUSTOMER_LIST_PATH "/api/v1/customers/"

/*  The orderings of ?ordering=, in the order of s_by. */
static const char *const s_orderings[] = {"customer_id", "-revenue", "-orders", "-last_order_date",
                                          NULL};
static const engine_by_t s_by[] = {ENGINE_BY_ID, ENGINE_BY_REVENUE, ENGINE_BY_ORDERS,
                                   ENGINE_BY_LAST_ORDER};

/*  Kept between requests: the orderings of the current store, the search index. */
static engine_browse_t *s_browse;
static customer_search_t *s_search;

void
customer_list_stop (void)
{
    engine_browse_destroy (&s_browse);
    customer_search_destroy (&s_search);
}

/*  ---------------------------------------------------------------------------------------
    The search */

typedef struct {
    PGconn *conn;
    customer_search_t *search;
    char err[256];
} s_load_t;

static int
s_load (void *arg)
{
    s_load_t *load = arg;
    load->search = customer_search_load (load->conn, load->err, sizeof load->err);
    return load->search ? 0 : -1;
}

/*  The search index, loaded again (on a helper thread) when the store is newer. NULL when
    it cannot be loaded (logged by the caller's error). */
static const customer_search_t *
s_search_for (svc_ctx_t *ctx, const store_t *store)
{
    if (s_search && customer_search_version (s_search) >= store->version)
        return s_search;
    s_load_t load = {svc_conn_ready (ctx), NULL, ""};
    if (!load.conn || svc_run_blocking (ctx, s_load, &load) != 0) {
        if (load.conn)
            svc_conn_failed (ctx, load.err);
        return NULL;
    }
    customer_search_destroy (&s_search);
    s_search = load.search;
    return s_search;
}

/*  Makes set the customers (numbers) that match the country and the search. Returns 0, or
    the status to answer. */
static int
s_matches (svc_ctx_t *ctx, const store_t *store, const char *country, const char *search,
           engine_set_t *set)
{
    engine_filter_t filter = engine_filter (store, country, NULL);
    if (engine_browse_customer_set (store, &filter, set) != 0)
        return svc_error (ctx, 500, "internal_error", "out of memory");
    if (!search)
        return 0;
    const customer_search_t *index = s_search_for (ctx, store);
    if (!index)
        return SVC_FAILED;
    const engine_text_t *text = customer_search_text (index);
    engine_set_t keys;
    if (engine_set_init (&keys, engine_text_items (text), false) != 0
        || engine_text_search (text, search, &keys) != 0) {
        engine_set_free (&keys);
        return svc_error (ctx, 500, "internal_error", "out of memory");
    }
    engine_browse_keep_keys (set, store, &keys);
    engine_set_free (&keys);
    return 0;
}

/*  ---------------------------------------------------------------------------------------
    The page */

/*  The page's customers' attributes (rows.sql) for the n numbers of page. */
static PGresult *
s_rows (svc_ctx_t *ctx, const store_t *store, const uint32_t *page, uint32_t n)
{
    char keys[100 * 12 + 3] = "{";
    size_t used = 1;
    for (uint32_t i = 0; i < n; i++)
        used += (size_t) snprintf (keys + used, sizeof keys - used, "%s%u", i ? "," : "",
                                   store->customer_key[page[i]]);
    snprintf (keys + used, sizeof keys - used, "}");
    const char *values[] = {keys};
    return svc_query (ctx, "rows.sql", 1, values);
}

/*  The row of res whose customer_key is key, or -1. */
static int
s_row_of (PGresult *res, uint32_t key)
{
    for (int row = 0; row < PQntuples (res); row++)
        if (ecom_db_int64 (res, row, 0) == key)
            return row;
    return -1;
}

static void
s_write_customer (proto_writer_t *body, const store_t *store, uint32_t c, PGresult *res)
{
    static const char *const names[] = {"customer_id", "name", "email", "city", "country"};
    int row = s_row_of (res, store->customer_key[c]);
    proto_writer_map (body, 9);
    for (int col = 0; col < 5; col++) {
        proto_writer_str (body, names[col]);
        proto_writer_str (body, row < 0 ? NULL : PQgetvalue (res, row, col + 1));
    }
    int32_t first = store->customer_first_day[c], last = store->customer_last_day[c];
    svc_range_write_date (body, "first_order_date", first != STORE_NO_DAY,
                          store->first_day + first);
    svc_range_write_date (body, "last_order_date", last != STORE_NO_DAY, store->first_day + last);
    proto_writer_str (body, "orders");
    proto_writer_int (body, (int64_t) (store->customer_start[c + 1] - store->customer_start[c]));
    proto_writer_str (body, "revenue");
    proto_writer_double (body, (double) store->customer_cents[c] / 100.0);
}

int
customer_list (svc_ctx_t *ctx)
{
    if (!svc_sub (ctx))
        return svc_error (ctx, 401, "unauthorized", "the customer list needs an access token");
    svc_list_request_t list;
    int rc = svc_list_read (ctx, s_orderings, "country", &list);
    if (rc != 0)
        return rc;
    const store_t *store = svc_store (ctx);
    engine_browse_t *browse = store ? engine_browse_of (&s_browse, store) : NULL;
    if (!browse)
        return store ? svc_error (ctx, 500, "internal_error", "out of memory") : SVC_FAILED;
    uint32_t n;
    const uint32_t *order = engine_browse_customers (browse, store, s_by[list.ordering], &n);
    if (!order)
        return svc_error (ctx, 500, "internal_error", "out of memory");
    engine_set_t set;
    uint32_t items[SVC_PAGE_MAX_SIZE], rows = 0;
    long long count = 0;
    rc = s_matches (ctx, store, list.filter, list.search, &set);
    if (rc == 0)
        rc = svc_list_page (ctx, &list.page, order, n, &set, "customers", items, &rows, &count);
    engine_set_free (&set);
    PGresult *res = rc == 0 && rows ? s_rows (ctx, store, items, rows) : NULL;
    if (rc != 0 || (rows && !res))
        return rc != 0 ? rc : SVC_FAILED;
    svc_page_write (ctx, &list.page, count, rows, CUSTOMER_LIST_PATH,
                    SVC_PARAMS ("page_size", "search", "country", "ordering"));
    for (uint32_t i = 0; i < rows; i++)
        s_write_customer (svc_body (ctx), store, items[i], res);
    PQclear (res);
    return 200;
}
