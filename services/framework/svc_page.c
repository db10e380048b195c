#include "svc_page.h"

#include "engine_browse.h"
#include "svc_filters.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  ---------------------------------------------------------------------------------------
    Parameters */

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

int
svc_page_read (svc_ctx_t *ctx, svc_page_t *page)
{
    page->number = 1;
    const char *text = svc_param (ctx, "page");
    if (text && (s_parse_int (text, SVC_PAGE_MAX, &page->number) != 0 || page->number < 1))
        return svc_error (ctx, 400, "bad_request", "page must be an integer from 1");
    long size;
    int rc =
        svc_param_clamped (ctx, "page_size", SVC_PAGE_DEFAULT_SIZE, 1, SVC_PAGE_MAX_SIZE, &size);
    if (rc != 0)
        return rc;
    page->size = size;
    page->offset = (page->number - 1) * page->size;
    return 0;
}

int
svc_page_ordering (svc_ctx_t *ctx, const char *const *names, int *index)
{
    const char *text = svc_param (ctx, "ordering");
    *index = 0;
    for (int i = 0; text && names[i]; i++)
        if (strcmp (text, names[i]) == 0) {
            *index = i;
            return 0;
        }
    if (!text)
        return 0;
    char list[256] = "";
    size_t used = 0;
    for (int i = 0; names[i] && used < sizeof list; i++) {
        int n = snprintf (list + used, sizeof list - used, "%s%s", i ? ", " : "", names[i]);
        used += n > 0 ? (size_t) n : 0;
    }
    return svc_error (ctx, 400, "bad_request", "ordering must be one of %s", list);
}

int
svc_page_search (svc_ctx_t *ctx, const char **search)
{
    *search = svc_param (ctx, "search");
    if (*search && strlen (*search) > SVC_PAGE_SEARCH_MAX)
        return svc_error (ctx, 400, "bad_request", "search must be at most %d bytes",
                          SVC_PAGE_SEARCH_MAX);
    return 0;
}

int
svc_list_read (svc_ctx_t *ctx, const char *const *orderings, const char *filter,
               svc_list_request_t *request)
{
    int rc = svc_page_read (ctx, &request->page);
    if (rc == 0)
        rc = svc_page_ordering (ctx, orderings, &request->ordering);
    if (rc == 0)
        rc = svc_page_search (ctx, &request->search);
    if (rc == 0)
        rc = svc_filter_read (ctx, filter, &request->filter);
    return rc;
}

int
svc_page_check (svc_ctx_t *ctx, const svc_page_t *page, long long count, const char *what)
{
    if (page->number == 1 || page->offset < count)
        return 0;
    long long pages = (count + page->size - 1) / page->size;
    return svc_error (ctx, 404, "not_found",
                      "page %lld does not exist: there %s %lld page%s of %lld %s", page->number,
                      pages == 1 ? "is" : "are", pages, pages == 1 ? "" : "s", page->size, what);
}

int
svc_list_page (svc_ctx_t *ctx, const svc_page_t *page, const uint32_t *order, uint32_t n,
               const engine_set_t *set, const char *what, uint32_t *items, uint32_t *rows,
               long long *count)
{
    *rows = 0;
    *count = engine_set_count (set);
    int rc = svc_page_check (ctx, page, *count, what);
    if (rc != 0)
        return rc;
    engine_cursor_t cursor = engine_browse_cursor (order, n, set);
    *rows = engine_cursor_page (&cursor, page->offset, (uint32_t) page->size, items);
    return 0;
}

/*  ---------------------------------------------------------------------------------------
    Links */

/*  The base URL when the request carries none (an internal MDP caller):
    http://API_HOST:API_PORT of this process's environment, read once. */
static const char *
s_default_base (void)
{
    static char base[300];
    if (!base[0]) {
        char err[256];
        ecom_config_t *config = ecom_config_new (err, sizeof err);
        snprintf (base, sizeof base, "http://%s:%d", config ? config->api_host : "127.0.0.1",
                  config ? config->api_port : 8000);
        ecom_config_destroy (&config);
    }
    return base;
}

/*  A growing string, enough for one URL (query values are at most 1 kB each, from the
    gateway). */
typedef struct {
    char *data;
    size_t len, size;
    bool failed;
} s_buf_t;

static void
s_append (s_buf_t *b, const char *text, size_t len)
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
s_append_escaped (s_buf_t *b, const char *text)
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

/*  Writes the URL of page number (nil when it is 0). */
static void
s_write_link (svc_ctx_t *ctx, long long number, const char *path, const char *const *kept)
{
    proto_writer_t *body = svc_body (ctx);
    if (number == 0) {
        proto_writer_nil (body);
        return;
    }
    const char *base = svc_base_url (ctx) ? svc_base_url (ctx) : s_default_base ();
    s_buf_t b = {NULL, 0, 0, false};
    s_append (&b, base, strlen (base));
    s_append (&b, path, strlen (path));
    s_append (&b, "?", 1);
    for (size_t i = 0; kept && kept[i]; i++) {
        const char *value = svc_param (ctx, kept[i]);
        if (!value)
            continue;
        s_append (&b, kept[i], strlen (kept[i]));
        s_append (&b, "=", 1);
        s_append_escaped (&b, value);
        s_append (&b, "&", 1);
    }
    char text[32];
    int n = snprintf (text, sizeof text, "page=%lld", number);
    s_append (&b, text, (size_t) n);
    proto_writer_str (body, b.failed ? NULL : b.data);
    free (b.data);
}

void
svc_page_write (svc_ctx_t *ctx, const svc_page_t *page, long long count, uint32_t rows,
                const char *path, const char *const *kept)
{
    proto_writer_t *body = svc_body (ctx);
    proto_writer_map (body, 4);
    proto_writer_str (body, "count");
    proto_writer_int (body, count);
    proto_writer_str (body, "next");
    s_write_link (ctx, page->offset + rows < count ? page->number + 1 : 0, path, kept);
    proto_writer_str (body, "previous");
    s_write_link (ctx, page->number - 1, path, kept);
    proto_writer_str (body, "results");
    proto_writer_array (body, rows);
}
