/*  export_stream: `format=csv` of the three lists (SPEC §10: the order list, customers,
    products): every matching row, streamed. The gateway walks the list's own pages (the
    service's `list` op, EXPORT_STREAM_PAGE rows a call, the request's filters, search and
    ordering kept), and sends each page's rows as CSV as soon as it has them: a header row
    first, then the rows; the next page is asked for only once h2o has sent the last one, so
    no process holds more than a page, a slow client slows the export down rather than
    filling memory, and a client that leaves (h2o's stop) cancels the call in flight and asks
    for nothing more. At most max_rows rows (1,048,576 by default, EXPORT_MAX_ROWS): when the
    list's count (from its first page) is more, the answer carries `X-Export-Truncated: true`
    and the file ends after max_rows rows with no error row.

    A failure before the first byte is answered as usual (the service's status and error, 503,
    504); after it the connection is closed without the last chunk, so a client sees an
    incomplete download, never a short file that looks whole. A list that changes while it is
    exported (a load between two pages) may show a row twice or miss one at a page boundary:
    the pages are the list's, read one after the other (docs/architecture.md, "Export"). */
#ifndef GATEWAY_EXPORT_STREAM_H
#define GATEWAY_EXPORT_STREAM_H

#include <stdbool.h>
#include <stddef.h>

#include <h2o.h>

#include "broker.h"
#include "envelope.h"
#include "routes.h"

/*  Rows asked for in one call: the lists' largest page_size. */
#define EXPORT_STREAM_PAGE 100

/*  True when route is a list whose rows can be streamed (op "list" of orders, customer or
    product); *filename (when not NULL) gets the file's name without ".csv". */
bool export_stream_supported (const route_t *route, const char **filename);

/*  Answers req with the CSV export of route's list. request is the list's request without
    its page, page_size and format (its strings are copied); the calls go to broker, each
    given timeout_ms on timeouts (a list of that duration on the loop) before the export
    fails. */
void export_stream_start (h2o_req_t *req, broker_t *broker, const route_t *route,
                          const proto_request_t *request, h2o_timeout_t *timeouts,
                          long long max_rows);

#endif
