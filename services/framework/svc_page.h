/*  svc_page: the pagination of SPEC §6's order list, shared by every paginated list (the
    orders, customers, products and a load's rejected rows):

    - `page` from 1, default 1: an integer (an optional sign, then decimal digits), else or
      below 1 `400`;
    - `page_size` default 20, clamped to 1..100 however large, a non-integer `400`;
    - a page past the end is `404` (whose detail says how many pages there are), but page 1
      of an empty list is `200` with no results;
    - the answer starts {count, next, previous, ...}: next and previous are absolute URLs of
      the neighbouring pages or null, made of the request's base URL (svc_base_url, else
      http://API_HOST:API_PORT), the list's path and the request's own parameters that the
      list keeps, each percent-encoded as given, with only page changed.

    An op that uses it declares "page" and "page_size" among its params. */
#ifndef SVC_PAGE_H
#define SVC_PAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "engine_set.h"
#include "svc.h"

#define SVC_PAGE_DEFAULT_SIZE 20
#define SVC_PAGE_MAX_SIZE 100
/*  Pages beyond this are past the end of any list (100 rows a page: 10^14 rows). */
#define SVC_PAGE_MAX 1000000000000LL
/*  The longest search, in bytes (SPEC §10). */
#define SVC_PAGE_SEARCH_MAX 100

typedef struct {
    long long number; /* from 1 */
    long long size;   /* 1..100 */
    long long offset; /* (number - 1) * size: the rows before the page */
} svc_page_t;

/*  Reads page and page_size. Returns 0, or 400 (recorded). */
int svc_page_read (svc_ctx_t *ctx, svc_page_t *page);

/*  Reads the list's ordering (declared "ordering"): absent gives 0, one of names (a
    NULL-terminated list, SVC_PARAMS) its index, anything else 400 (recorded) listing them.
    Returns 0 and sets *index, or 400. */
int svc_page_ordering (svc_ctx_t *ctx, const char *const *names, int *index);

/*  Reads the list's search (declared "search"): NULL when absent, else the value, which
    must be at most SVC_PAGE_SEARCH_MAX bytes (else 400, recorded; the envelope has refused
    what is not UTF-8 already). Returns 0 and sets *search, or 400. */
int svc_page_search (svc_ctx_t *ctx, const char **search);

/*  A browse list's request (SPEC §10): its page, ordering (one of orderings), search and
    one filter (the parameter named filter, svc_filter_read). */
typedef struct {
    svc_page_t page;
    int ordering;
    const char *search;
    const char *filter;
} svc_list_request_t;

/*  Reads a browse list's request: svc_page_read, svc_page_ordering, svc_page_search and
    svc_filter_read (filter). Returns 0, or 400 (recorded). */
int svc_list_read (svc_ctx_t *ctx, const char *const *orderings, const char *filter,
                   svc_list_request_t *request);

/*  When the page lies past the end of count rows (a page after the first that holds none),
    records 404 not_found naming how many pages of what (a plural noun: "orders") there are
    and returns 404; else returns 0. */
int svc_page_check (svc_ctx_t *ctx, const svc_page_t *page, long long count, const char *what);

/*  Starts a list's answer: a map of four pairs, count, next, previous and results, for a
    page holding rows of count rows; results is an array of rows whose items the caller
    writes next. path is the list's path ("/api/v1/orders/", with its trailing slash), kept
    the parameters next and previous carry over (SVC_PARAMS, page_size among them), in that
    order. */
void svc_page_write (svc_ctx_t *ctx, const svc_page_t *page, long long count, uint32_t rows,
                     const char *path, const char *const *kept);

/*  A browse list's page (SPEC §10): of the n items in order (an ordering of the store) that
    set holds, the page's, into items (room for SVC_PAGE_MAX_SIZE): *rows of them, *count
    matching in all. Returns 0, or 404 (recorded; svc_page_check, what the plural noun) when
    the page lies past the end. */
int svc_list_page (svc_ctx_t *ctx, const svc_page_t *page, const uint32_t *order, uint32_t n,
                   const engine_set_t *set, const char *what, uint32_t *items, uint32_t *rows,
                   long long *count);

#endif
