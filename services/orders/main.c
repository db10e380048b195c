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
#include <string.h>

#include "svc.h"
#include "svc_range.h"

extern const ecom_embedded_t orders_sql[];

#define ORDERS_DEFAULT_PAGE_SIZE 20
#define ORDERS_MAX_PAGE_SIZE 100
/*  Pages beyond this are past the end of any list (100 orders a page: 10^14 orders). */
#define ORDERS_MAX_PAGE 1000000000000LL
#define ORDERS_PATH "/api/v1/orders/"

/*  The base URL when the request carries none (an internal MDP caller): API_HOST:API_PORT,
    set by main(). */
static char s_default_base[300];

/*  The parameters next/previous carry over, in the order they are written. */
static const char *const s_kept[] = {"page_size", "customer_id", "start_date", "end_date"};
#define KEPT_COUNT (sizeof s_kept / sizeof s_kept[0])

/*  Parses an integer: an optional sign, then decimal digits, nothing else. Saturates at
    limit. Returns 0, or -1 when text is not an integer. */
static int
s_parse_int (const char *text, long long limit, long long *value)
{
    const char *digits = text + (*text == '+' || *text == '-');
    if (!*digits || strspn (digits, "0123456789") != strlen (digits))
        return -1;
    long long v = 0;
    for (const char *p = digits; *p && v <= limit; p++)
        v = v * 10 + (*p - '0');
    if (v > limit)
        v = limit;
    *value = *text == '-' ? -v : v;
    return 0;
}

/*  ---------------------------------------------------------------------------------------
    Links */

/*  A growing string, enough for one URL (query values are at most 1 kB each, from the
    gateway). */
typedef struct {
    char *data;
    size_t len, size;
    bool failed;
} orders_buf_t;

static void
s_append (orders_buf_t *b, const char *text, size_t len)
{
    if (b->failed)
        return;
    if (b->len + len + 1 > b->size) {
        size_t size = (b->len + len + 1) * 2;
        char *data = realloc (b->data, size);
        if (!data) {
            b->failed = true;
            return;
        }
        b->data = data;
        b->size = size;
    }
    memcpy (b->data + b->len, text, len);
    b->len += len;
    b->data[b->len] = '\0';
}

/*  Appends text percent-encoded: everything but RFC 3986's unreserved characters. */
static void
s_append_escaped (orders_buf_t *b, const char *text)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *) text; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')
            || strchr ("-._~", *p))
            s_append (b, (const char *) p, 1);
        else {
            char escaped[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            s_append (b, escaped, 3);
        }
    }
}

/*  Writes the URL of page: base + path + the kept parameters as given + page, or nil when
    page is 0. */
static void
s_write_link (svc_ctx_t *ctx, proto_writer_t *body, const char *base, long long page)
{
    if (page == 0) {
        proto_writer_nil (body);
        return;
    }
    orders_buf_t b = {NULL, 0, 0, false};
    s_append (&b, base, strlen (base));
    s_append (&b, ORDERS_PATH "?", strlen (ORDERS_PATH) + 1);
    for (size_t i = 0; i < KEPT_COUNT; i++) {
        const char *value = svc_param (ctx, s_kept[i]);
        if (!value)
            continue;
        s_append (&b, s_kept[i], strlen (s_kept[i]));
        s_append (&b, "=", 1);
        s_append_escaped (&b, value);
        s_append (&b, "&", 1);
    }
    char number[32];
    int n = snprintf (number, sizeof number, "page=%lld", page);
    s_append (&b, number, (size_t) n);
    proto_writer_str (body, b.failed ? NULL : b.data);
    free (b.data);
}

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
    proto_writer_int (body, strtoll (PQgetvalue (res, row, 8), NULL, 10));
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
    long long page = 1, page_size = ORDERS_DEFAULT_PAGE_SIZE;
    const char *text = svc_param (ctx, "page");
    if (text && (s_parse_int (text, ORDERS_MAX_PAGE, &page) != 0 || page < 1))
        return svc_error (ctx, 400, "bad_request", "page must be an integer from 1");
    long clamped;
    int rc = svc_param_clamped (ctx, "page_size", ORDERS_DEFAULT_PAGE_SIZE, 1,
                                ORDERS_MAX_PAGE_SIZE, &clamped);
    if (rc != 0)
        return rc;
    page_size = clamped;
    svc_range_t range; /* filters: an end not given is open */
    rc = svc_range_read_params (ctx, &range);
    if (rc != 0)
        return rc;
    const char *start = range.has_start ? range.start_text : NULL;
    const char *end = range.has_end ? range.end_text : NULL;

    long long offset = (page - 1) * page_size;
    char offset_text[32], size_text[16];
    snprintf (offset_text, sizeof offset_text, "%lld", offset);
    snprintf (size_text, sizeof size_text, "%lld", page_size);
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
    long long count = strtoll (PQgetvalue (res, 0, 0), NULL, 10);
    int rows = PQgetisnull (res, 0, 1) ? 0 : PQntuples (res);
    if (rows == 0 && page > 1) {
        PQclear (res);
        long long pages = (count + page_size - 1) / page_size;
        return svc_error (ctx, 404, "not_found",
                          "page %lld does not exist: there %s %lld page%s of %lld orders", page,
                          pages == 1 ? "is" : "are", pages, pages == 1 ? "" : "s", page_size);
    }
    const char *base = svc_base_url (ctx) ? svc_base_url (ctx) : s_default_base;
    proto_writer_t *body = svc_body (ctx);
    proto_writer_map (body, 4);
    proto_writer_str (body, "count");
    proto_writer_int (body, count);
    proto_writer_str (body, "next");
    s_write_link (ctx, body, base, offset + rows < count ? page + 1 : 0);
    proto_writer_str (body, "previous");
    s_write_link (ctx, body, base, page - 1);
    proto_writer_str (body, "results");
    proto_writer_array (body, (uint32_t) rows);
    for (int row = 0; row < rows; row++)
        s_write_result (body, res, row);
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
    /*  The default base URL; an invalid configuration is reported by svc_main(). */
    char err[256];
    ecom_config_t *config = argc <= 1 ? ecom_config_new (err, sizeof err) : NULL;
    snprintf (s_default_base, sizeof s_default_base, "http://%s:%d",
              config ? config->api_host : "127.0.0.1", config ? config->api_port : 8000);
    ecom_config_destroy (&config);
    return svc_main (argc, argv, &s_def);
}
