/*  export: an analytics answer as CSV (SPEC §10, `format=csv`). The rows are the answer's
    list of rows (trends' points, segments, top sellers' and the breakdown's items; kpis is
    one row: the answer itself; cohorts one row per (cohort, offset), the cohort's fields
    first). The columns are the rows' fields that are not objects or lists, in their JSON
    order (so comparisons, filters and cache are left out); an answer without rows has the
    header alone. RFC 4180: CRLF line ends, a field quoted when it holds a comma, a double
    quote, CR or LF (its quotes doubled); numbers as in the JSON answer, null as an empty
    field, UTF-8 as it is. Fields are written as they are: a spreadsheet may take a text
    that starts with '=' for a formula (docs/architecture.md, "Export"). */
#ifndef GATEWAY_EXPORT_H
#define GATEWAY_EXPORT_H

#include <stdbool.h>
#include <stddef.h>

/*  True when op's answers can be exported by export_csv(); *filename (when not NULL) gets
    the name of the file without ".csv" (e.g. "kpis", "revenue-trends"). */
bool export_supported (const char *op, const char **filename);

/*  The CSV of an answer of op (supported), given as its JSON text (json, len bytes, as
    render.h writes it). Returns a new string (free()) of *out_len bytes, or NULL when the
    JSON is not an answer of that shape or memory runs out. */
char *export_csv (const char *op, const char *json, size_t len, size_t *out_len);

/*  One page of a list's answer (json, len bytes: {count, results: [...]}) as CSV lines: the
    header first when header (the first row's scalar fields, or empty_header when there is
    no row), then at most limit rows. Sets *count (the answer's count) and *rows (the lines
    written but the header). Returns a new string (free()) of *out_len bytes, or NULL when
    the JSON is not such a page or memory runs out. */
char *export_list_csv (const char *json, size_t len, bool header, const char *empty_header,
                       long long limit, long long *count, size_t *rows, size_t *out_len);

#endif
