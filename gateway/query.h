/*  query: an HTTP query string, percent-decoded and validated at the edge.

    "a=1&b=x%20y+z" becomes the pairs (a, "1"), (b, "x y z"): '+' is a space, %XY a byte.
    Rejected, with a message for a person: an escape that is not '%' and two hex digits,
    a name or value that is not valid UTF-8 after decoding or holds a NUL, an empty name,
    a name given twice, more than QUERY_MAX_PARAMS parameters, a name longer than
    QUERY_MAX_NAME bytes, a value longer than QUERY_MAX_VALUE bytes, or a query string
    longer than QUERY_MAX_LENGTH bytes. Empty pieces ("a=1&&b=2") are skipped; a piece
    without '=' is a name with an empty value. A JSON body's members are added with the same
    checks (query_add_json). */
#ifndef GATEWAY_QUERY_H
#define GATEWAY_QUERY_H

#include <stddef.h>

#define QUERY_MAX_LENGTH 4096
#define QUERY_MAX_PARAMS 32
#define QUERY_MAX_NAME 64
#define QUERY_MAX_VALUE 1024

typedef struct _query_t query_t;

/*  Parses raw (len bytes, without the leading '?'; NULL or 0 for none). Returns NULL on
    allocation failure or invalid input, with a one-line message in err (which names the
    parameter when one is at fault). */
query_t *query_new (const char *raw, size_t len, char *err, size_t errlen);

/*  Destroys the query and nulls the caller's pointer. NULL-safe. */
void query_destroy (query_t **self_p);

/*  The number of parameters, and the name and value of the i-th (NUL-terminated, in the
    order given). */
size_t query_count (const query_t *self);
const char *query_name (const query_t *self, size_t index);
const char *query_value (const query_t *self, size_t index);

/*  Returns the value of name, or NULL when absent. */
const char *query_get (const query_t *self, const char *name);

/*  Adds a parameter that came from elsewhere (a JSON body), with the same checks as a parsed
    one (length, UTF-8, NUL, repetition). Returns 0, or -1 with a message in err. */
int query_add (query_t *self, const char *name, size_t nlen, const char *value, size_t vlen,
               char *err, size_t errlen);

/*  Adds the members of a JSON body (text, len bytes): a JSON object whose members are all
    strings, none given twice, each added as query_add() does. Returns 0, or -1 with a
    message in err (not JSON, not an object, a member that is not a string, or what
    query_add() refused); members before the one at fault may have been added. */
int query_add_json (query_t *self, const char *text, size_t len, char *err, size_t errlen);

#endif
