#include "query.h"

#include "ecom_utf8.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *name;
    char *value;
} query_pair_t;

struct _query_t {
    size_t count;
    query_pair_t pairs[QUERY_MAX_PARAMS];
};

static int
s_hex (char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/*  Decodes src into a new string; *out_len gets its length. Returns NULL with a message in
    err when an escape is malformed or on allocation failure. */
static char *
s_decode (const char *src, size_t len, size_t *out_len, const char *what, char *err, size_t errlen)
{
    char *out = malloc (len + 1);
    if (!out) {
        snprintf (err, errlen, "out of memory");
        return NULL;
    }
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char c = src[i];
        if (c == '+')
            out[n++] = ' ';
        else if (c == '%') {
            int hi = i + 2 < len ? s_hex (src[i + 1]) : -1;
            int lo = i + 2 < len ? s_hex (src[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                snprintf (err, errlen, "invalid percent-escape in %s", what);
                free (out);
                return NULL;
            }
            out[n++] = (char) (hi * 16 + lo);
            i += 2;
        }
        else
            out[n++] = c;
    }
    out[n] = '\0';
    *out_len = n;
    return out;
}

/*  Checks a decoded name or value; returns 0 or -1 with a message. */
static int
s_check (const char *text, size_t len, size_t max, const char *what, const char *name, char *err,
         size_t errlen)
{
    if (len > max) {
        snprintf (err, errlen, "%s%s%s is longer than %zu bytes", what, name ? " of " : "",
                  name ? name : "", max);
        return -1;
    }
    if (!ecom_utf8_text_valid (text, len)) {
        snprintf (err, errlen, "%s%s%s is not valid UTF-8 text", what, name ? " of " : "",
                  name ? name : "");
        return -1;
    }
    return 0;
}

/*  A name fit to quote in a message: printable ASCII only, else a placeholder. */
static const char *
s_printable (const char *name)
{
    for (const char *p = name; *p; p++)
        if (*p < 0x20 || *p > 0x7E || *p == '\'')
            return "(unprintable)";
    return name;
}

static int
s_add_owned (query_t *self, char *name, size_t nlen, char *value, size_t vlen, char *err,
             size_t errlen)
{
    if (nlen == 0) {
        snprintf (err, errlen, "a parameter has an empty name");
        goto fail;
    }
    if (s_check (name, nlen, QUERY_MAX_NAME, "a parameter name", NULL, err, errlen) != 0)
        goto fail;
    char quoted[QUERY_MAX_NAME + 3];
    snprintf (quoted, sizeof quoted, "'%s'", s_printable (name));
    if (s_check (value, vlen, QUERY_MAX_VALUE, "the value", quoted, err, errlen) != 0)
        goto fail;
    for (size_t i = 0; i < self->count; i++)
        if (strcmp (self->pairs[i].name, name) == 0) {
            snprintf (err, errlen, "parameter %s is given more than once", quoted);
            goto fail;
        }
    if (self->count == QUERY_MAX_PARAMS) {
        snprintf (err, errlen, "more than %d parameters", QUERY_MAX_PARAMS);
        goto fail;
    }
    self->pairs[self->count].name = name;
    self->pairs[self->count].value = value;
    self->count++;
    return 0;
fail:
    free (name);
    free (value);
    return -1;
}

query_t *
query_new (const char *raw, size_t len, char *err, size_t errlen)
{
    if (len > QUERY_MAX_LENGTH) {
        snprintf (err, errlen, "the query string is longer than %d bytes", QUERY_MAX_LENGTH);
        return NULL;
    }
    query_t *self = calloc (1, sizeof *self);
    if (!self) {
        snprintf (err, errlen, "out of memory");
        return NULL;
    }
    size_t pos = 0;
    while (raw && pos < len) {
        const char *piece = raw + pos;
        const char *amp = memchr (piece, '&', len - pos);
        size_t plen = amp ? (size_t) (amp - piece) : len - pos;
        pos += plen + 1;
        if (amp == piece)
            continue; /* an empty piece: "a=1&&b=2" */
        const char *eq = memchr (piece, '=', plen);
        size_t raw_nlen = eq ? (size_t) (eq - piece) : plen;
        size_t nlen, vlen = 0;
        char *name = s_decode (piece, raw_nlen, &nlen, "a parameter name", err, errlen);
        if (!name)
            goto fail;
        char *value =
            eq ? s_decode (eq + 1, plen - raw_nlen - 1, &vlen, "a parameter value", err, errlen)
               : strdup ("");
        if (!value) {
            free (name);
            goto fail;
        }
        if (s_add_owned (self, name, nlen, value, vlen, err, errlen) != 0)
            goto fail;
    }
    return self;
fail:
    query_destroy (&self);
    return NULL;
}

void
query_destroy (query_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    query_t *self = *self_p;
    for (size_t i = 0; i < self->count; i++) {
        free (self->pairs[i].name);
        free (self->pairs[i].value);
    }
    free (self);
    *self_p = NULL;
}

size_t
query_count (const query_t *self)
{
    return self->count;
}

const char *
query_name (const query_t *self, size_t index)
{
    return index < self->count ? self->pairs[index].name : NULL;
}

const char *
query_value (const query_t *self, size_t index)
{
    return index < self->count ? self->pairs[index].value : NULL;
}

const char *
query_get (const query_t *self, const char *name)
{
    for (size_t i = 0; i < self->count; i++)
        if (strcmp (self->pairs[i].name, name) == 0)
            return self->pairs[i].value;
    return NULL;
}

int
query_add (query_t *self, const char *name, size_t nlen, const char *value, size_t vlen, char *err,
           size_t errlen)
{
    char *n = malloc (nlen + 1), *v = malloc (vlen + 1);
    if (!n || !v) {
        free (n);
        free (v);
        snprintf (err, errlen, "out of memory");
        return -1;
    }
    memcpy (n, name, nlen);
    n[nlen] = '\0';
    memcpy (v, value, vlen);
    v[vlen] = '\0';
    return s_add_owned (self, n, nlen, v, vlen, err, errlen);
}

int
query_add_json (query_t *self, const char *text, size_t len, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *doc = json_loadb (text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc) {
        snprintf (err, errlen, "the body is not valid JSON: %s", jerr.text);
        return -1;
    }
    int rc = 0;
    if (!json_is_object (doc)) {
        snprintf (err, errlen, "the body must be a JSON object");
        rc = -1;
    }
    const char *key;
    json_t *value;
    json_object_foreach (doc, key, value)
    {
        if (rc != 0)
            break;
        if (!json_is_string (value)) {
            char name[QUERY_MAX_NAME + 1];
            snprintf (name, sizeof name, "%s", key);
            snprintf (err, errlen, "field '%s' must be a string", name);
            rc = -1;
            break;
        }
        rc = query_add (self, key, strlen (key), json_string_value (value),
                        json_string_length (value), err, errlen);
    }
    json_decref (doc);
    return rc;
}
