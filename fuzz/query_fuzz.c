/*  libFuzzer target: the gateway's query-string parser (gateway/query.c), which reads the
    raw query of every HTTP request. Checks, beyond "no crash, no sanitizer report": every
    accepted query has at most QUERY_MAX_PARAMS pairs within the length limits, each name
    non-empty and found again by query_get(). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ecom_utf8.h"
#include "query.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char err[256];
    query_t *q = query_new ((const char *) data, size, err, sizeof err);
    if (!q) {
        if (strlen (err) == 0)
            abort (); /* a refusal always says why */
        return 0;
    }
    size_t count = query_count (q);
    if (count > QUERY_MAX_PARAMS)
        abort ();
    for (size_t i = 0; i < count; i++) {
        const char *name = query_name (q, i), *value = query_value (q, i);
        size_t nlen = strlen (name), vlen = strlen (value);
        if (nlen == 0 || nlen > QUERY_MAX_NAME || vlen > QUERY_MAX_VALUE
            || !ecom_utf8_text_valid (name, nlen) || !ecom_utf8_text_valid (value, vlen)
            || !query_get (q, name) || strcmp (query_get (q, name), value) != 0)
            abort ();
    }
    query_destroy (&q);
    return 0;
}
