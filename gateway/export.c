#include "export.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  Where an op's rows are: rows, the answer's list of rows (NULL: the answer is the one
    row); nested, each row's list of sub-rows that make the CSV's rows (NULL: none); the
    columns of an answer without rows. */
typedef struct {
    const char *op;
    const char *filename;
    const char *rows;
    const char *nested;
    const char *empty_header;
} s_shape_t;

static const s_shape_t s_shapes[] = {
    {.op = "kpis", .filename = "kpis", .empty_header = ""},
    {.op = "revenue_trends",
     .filename = "revenue-trends",
     .rows = "points",
     .empty_header = "period,revenue,orders"},
    {.op = "segments",
     .filename = "customer-segments",
     .rows = "segments",
     .empty_header = "segment,customers,share,avg_recency_days,avg_frequency,avg_monetary"},
    {.op = "top_sellers",
     .filename = "top-sellers",
     .rows = "items",
     .empty_header = "rank,product_id,name,category,revenue,units_sold,orders"},
    {.op = "revenue_breakdown",
     .filename = "revenue-breakdown",
     .rows = "items",
     .empty_header = "key,revenue,orders,units_sold,customers,share"},
    {.op = "cohorts",
     .filename = "customer-cohorts",
     .rows = "cohorts",
     .nested = "periods",
     .empty_header = "cohort,customers,offset,active,retention,revenue"},
};

static const s_shape_t *
s_shape (const char *op)
{
    for (size_t i = 0; op && i < sizeof s_shapes / sizeof s_shapes[0]; i++)
        if (strcmp (s_shapes[i].op, op) == 0)
            return &s_shapes[i];
    return NULL;
}

bool
export_supported (const char *op, const char **filename)
{
    const s_shape_t *shape = s_shape (op);
    if (shape && filename)
        *filename = shape->filename;
    return shape != NULL;
}

/*  A growing text; failed once an allocation failed (later writes do nothing). */
typedef struct {
    char *data;
    size_t len, cap;
    bool failed;
} s_text_t;

static void
s_put (s_text_t *t, const char *bytes, size_t n)
{
    if (t->failed)
        return;
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 1024;
        while (t->len + n + 1 > cap)
            cap *= 2;
        char *data = realloc (t->data, cap);
        if (!data) {
            t->failed = true;
            return;
        }
        t->data = data;
        t->cap = cap;
    }
    memcpy (t->data + t->len, bytes, n);
    t->len += n;
    t->data[t->len] = '\0';
}

/*  A text field, quoted (RFC 4180) when it holds a comma, a quote, CR or LF. */
static void
s_put_text (s_text_t *t, const char *text, size_t n)
{
    if (!memchr (text, ',', n) && !memchr (text, '"', n) && !memchr (text, '\r', n)
        && !memchr (text, '\n', n)) {
        s_put (t, text, n);
        return;
    }
    s_put (t, "\"", 1);
    for (const char *end = text + n, *quote; text < end; text = quote + 1) {
        quote = memchr (text, '"', (size_t) (end - text));
        if (!quote) {
            s_put (t, text, (size_t) (end - text));
            break;
        }
        s_put (t, text, (size_t) (quote - text + 1));
        s_put (t, "\"", 1); /* the quote doubled */
    }
    s_put (t, "\"", 1);
}

/*  One value: a string as text, a number as the JSON answer writes it, null empty. */
static void
s_put_value (s_text_t *t, const json_t *value)
{
    if (json_is_string (value))
        s_put_text (t, json_string_value (value), json_string_length (value));
    else if (json_is_number (value) || json_is_boolean (value)) {
        char *text = json_dumps (value, JSON_ENCODE_ANY | JSON_REAL_PRECISION (15));
        if (!text)
            t->failed = true;
        else
            s_put (t, text, strlen (text));
        free (text);
    }
}

static bool
s_scalar (const json_t *value)
{
    return !json_is_object (value) && !json_is_array (value);
}

/*  The scalar fields of row, names (header) or values, each after a comma unless it is
    the line's first (*first). */
static void
s_put_fields (s_text_t *t, const json_t *row, bool names, bool *first)
{
    const char *key;
    const json_t *value;
    json_object_foreach ((json_t *) row, key, value) {
        if (!s_scalar (value))
            continue;
        if (!*first)
            s_put (t, ",", 1);
        *first = false;
        if (names)
            s_put_text (t, key, strlen (key));
        else
            s_put_value (t, value);
    }
}

/*  One CSV line of row (and sub-row, when not NULL), names or values. */
static void
s_put_line (s_text_t *t, const json_t *row, const json_t *sub, bool names)
{
    bool first = true;
    s_put_fields (t, row, names, &first);
    if (sub)
        s_put_fields (t, sub, names, &first);
    s_put (t, "\r\n", 2);
}

/*  The header and lines of answer, shaped as shape says. Returns false when the answer
    is not of that shape. */
static bool
s_write (s_text_t *t, const s_shape_t *shape, const json_t *answer)
{
    if (!json_is_object (answer))
        return false;
    if (!shape->rows) {
        s_put_line (t, answer, NULL, true);
        s_put_line (t, answer, NULL, false);
        return true;
    }
    const json_t *rows = json_object_get (answer, shape->rows);
    if (!json_is_array (rows))
        return false;
    size_t i;
    const json_t *row;
    bool header = false;
    json_array_foreach (rows, i, row) {
        const json_t *subs = shape->nested ? json_object_get (row, shape->nested) : NULL;
        if (!json_is_object (row) || (shape->nested && !json_is_array (subs)))
            return false;
        size_t lines = subs ? json_array_size (subs) : 1;
        for (size_t n = 0; n < lines; n++) {
            const json_t *sub = subs ? json_array_get (subs, n) : NULL;
            if (subs && !json_is_object (sub))
                return false;
            if (!header)
                s_put_line (t, row, sub, true);
            header = true;
            s_put_line (t, row, sub, false);
        }
    }
    if (!header) {
        s_put (t, shape->empty_header, strlen (shape->empty_header));
        s_put (t, "\r\n", 2);
    }
    return true;
}

char *
export_list_csv (const char *json, size_t len, bool header, const char *empty_header,
                 long long limit, long long *count, size_t *rows, size_t *out_len)
{
    json_t *page = json_loadb (json, len, 0, NULL);
    const json_t *results = json_object_get (page, "results");
    const json_t *total = json_object_get (page, "count");
    s_text_t t = {0};
    bool ok = json_is_array (results) && json_is_integer (total);
    *rows = 0;
    for (size_t i = 0; ok && i < json_array_size (results) && (long long) i < limit; i++) {
        const json_t *row = json_array_get (results, i);
        if (!json_is_object (row)) {
            ok = false;
            break;
        }
        if (header && i == 0)
            s_put_line (&t, row, NULL, true);
        s_put_line (&t, row, NULL, false);
        (*rows)++;
    }
    if (ok && header && *rows == 0) {
        s_put (&t, empty_header, strlen (empty_header));
        s_put (&t, "\r\n", 2);
    }
    if (ok)
        *count = json_integer_value (total);
    json_decref (page);
    if (!ok || t.failed) {
        free (t.data);
        return NULL;
    }
    if (!t.data) /* no row and no header: an empty chunk */
        t.data = calloc (1, 1);
    *out_len = t.len;
    return t.data;
}

char *
export_csv (const char *op, const char *json, size_t len, size_t *out_len)
{
    const s_shape_t *shape = s_shape (op);
    json_t *answer = shape ? json_loadb (json, len, 0, NULL) : NULL;
    s_text_t t = {0};
    bool ok = answer && s_write (&t, shape, answer) && !t.failed;
    json_decref (answer);
    if (!ok) {
        free (t.data);
        return NULL;
    }
    *out_len = t.len;
    return t.data;
}
