#include "product_list.h"

#include "engine_browse.h"
#include "svc_filters.h"
#include "svc_page.h"
#include "svc_range.h"

#define PRODUCT_LIST_PATH "/api/v1/products/"

/*  The orderings of ?ordering=, in the order of s_by. */
static const char *const s_orderings[] = {"product_id", "-revenue", "-units_sold", NULL};
static const engine_by_t s_by[] = {ENGINE_BY_ID, ENGINE_BY_REVENUE, ENGINE_BY_UNITS};

/*  The orderings and search index of the current store. */
static engine_browse_t *s_browse;

void
product_list_stop (void)
{
    engine_browse_destroy (&s_browse);
}

/*  Makes set the products (keys) of category that match search. Returns 0, or -1 when out
    of memory. */
static int
s_matches (engine_browse_t *browse, const store_t *store, const char *category, const char *search,
           engine_set_t *set)
{
    engine_filter_t filter = engine_filter (store, NULL, category);
    if (engine_browse_product_set (store, &filter, set) != 0)
        return -1;
    if (!search)
        return 0;
    const engine_text_t *text = engine_browse_product_text (browse, store);
    engine_set_t found;
    if (!text || engine_set_init (&found, engine_text_items (text), false) != 0)
        return -1;
    int rc = engine_text_search (text, search, &found);
    for (uint32_t k = 0; rc == 0 && k < set->size; k++)
        if (!engine_set_has (&found, k))
            engine_set_remove (set, k);
    engine_set_free (&found);
    return rc;
}

static void
s_write_product (proto_writer_t *body, const store_t *store, uint32_t k)
{
    proto_writer_map (body, 8);
    proto_writer_str (body, "product_id");
    proto_writer_str (body, store->product_id[k]);
    proto_writer_str (body, "name");
    proto_writer_str (body, store->product_name[k]);
    proto_writer_str (body, "category");
    proto_writer_str (body, store_dict_text (store->categories, store->product_category[k]));
    int32_t first = store->product_first_day[k], last = store->product_last_day[k];
    svc_range_write_date (body, "first_order_date", first != STORE_NO_DAY,
                          store->first_day + first);
    svc_range_write_date (body, "last_order_date", last != STORE_NO_DAY, store->first_day + last);
    proto_writer_str (body, "orders");
    proto_writer_int (body, store->product_orders[k]);
    proto_writer_str (body, "units_sold");
    proto_writer_int (body, store->product_units[k]);
    proto_writer_str (body, "revenue");
    proto_writer_double (body, (double) store->product_cents[k] / 100.0);
}

int
product_list (svc_ctx_t *ctx)
{
    if (!svc_sub (ctx))
        return svc_error (ctx, 401, "unauthorized", "the product list needs an access token");
    svc_list_request_t list;
    int rc = svc_list_read (ctx, s_orderings, "category", &list);
    if (rc != 0)
        return rc;
    const store_t *store = svc_store (ctx);
    engine_browse_t *browse = store ? engine_browse_of (&s_browse, store) : NULL;
    if (!store)
        return SVC_FAILED;
    uint32_t n;
    const uint32_t *order =
        browse ? engine_browse_products (browse, store, s_by[list.ordering], &n) : NULL;
    engine_set_t set = {NULL, 0};
    if (!order || s_matches (browse, store, list.filter, list.search, &set) != 0) {
        engine_set_free (&set);
        return svc_error (ctx, 500, "internal_error", "out of memory");
    }
    uint32_t items[SVC_PAGE_MAX_SIZE], rows;
    long long count;
    rc = svc_list_page (ctx, &list.page, order, n, &set, "products", items, &rows, &count);
    engine_set_free (&set);
    if (rc != 0)
        return rc;
    svc_page_write (ctx, &list.page, count, rows, PRODUCT_LIST_PATH,
                    SVC_PARAMS ("page_size", "search", "category", "ordering"));
    for (uint32_t i = 0; i < rows; i++)
        s_write_product (svc_body (ctx), store, items[i]);
    return 200;
}
