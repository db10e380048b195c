/*  svc_filters: the country and category filters of SPEC §9 as request parameters: read and
    checked (at most 100 bytes; the envelope has already refused what is not UTF-8), turned
    into an engine filter over the store, and echoed in the answer as
    "filters": {"country": <string|null>, "category": <string|null>}. An op that reads them
    declares "country" and "category" among its params (so they are in its cache key). */
#ifndef SVC_FILTERS_H
#define SVC_FILTERS_H

#include <stdbool.h>

#include "engine_filter.h"
#include "svc.h"
#include "svc_range.h"

/*  The longest filter value, in bytes. */
#define SVC_FILTER_MAX 100

typedef struct {
    const char *country, *category; /* the values given, NULL when absent */
} svc_filters_t;

/*  Reads one of them, name ("country" or "category", declared by the op): NULL when
    absent. Returns 0, or 400 (recorded) for a value over 100 bytes. */
int svc_filter_read (svc_ctx_t *ctx, const char *name, const char **value);

/*  Reads the two parameters. Returns 0, or 400 (recorded) for a value over 100 bytes. */
int svc_filters_read (svc_ctx_t *ctx, svc_filters_t *filters);

/*  True when at least one filter was given. */
bool svc_filters_given (const svc_filters_t *filters);

/*  The engine filter of the values over the store. */
engine_filter_t svc_filters_engine (const svc_filters_t *filters, const store_t *store);

/*  What an analytics answer is computed over: the date range, the filters given, the store
    and the engine filter of the values over it. */
typedef struct {
    svc_range_t range;
    svc_filters_t filters;
    const store_t *store;
    engine_filter_t filter;
} svc_view_t;

/*  What an analytics op reads first: the filters, the range (svc_range_read_store, which
    also takes the store) and the engine filter over the store. Returns 0, or the status to
    answer. */
int svc_view_read (svc_ctx_t *ctx, svc_view_t *view);

/*  Writes "filters": {...} (one pair) into a body map. */
void svc_filters_write (proto_writer_t *body, const svc_filters_t *filters);

#endif
