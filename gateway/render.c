/*  render: msgpack reply bodies as JSON, written straight into one growing buffer while
    proto_reply_visit_body() walks the body: no tree of JSON values, one allocation for a
    small answer. The output is byte for byte what jansson's json_dumps() gives with
    JSON_COMPACT | JSON_REAL_PRECISION (15), which this module used before: strings keep
    UTF-8 as is and escape '"', '\\' and control bytes (\b \f \n \r \t, else \u00XX);
    reals print as %.15g with ".0" added when that looks like an integer and the exponent
    without '+' or leading zeros. Error bodies still go through jansson (rare). */
#include "render.h"

#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecom_utf8.h"

#define RENDER_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION (15))
/*  First size of the output buffer: a KPI answer is about 200 bytes. */
#define S_INITIAL_SIZE 512
/*  A map with at most this many keys is checked for repeats pair by pair; larger ones
    are sorted. */
#define S_LINEAR_KEYS 16

/*  A key written into the output: where and how long (its escaped text, no quotes). */
typedef struct {
    size_t at;
    size_t len;
} s_key_t;

/*  An open container. A map alternates between waiting for a key and for its value. */
typedef struct {
    bool is_map;
    bool want_key;    /* map: the next string is a key */
    uint32_t written; /* elements (pairs for a map) written so far */
    size_t keys;      /* map: where its keys start in the writer's key list */
} s_frame_t;

typedef struct {
    char *data;
    size_t size;
    size_t capacity;
    bool failed;      /* out of memory */
    s_frame_t stack[RENDER_MAX_DEPTH];
    size_t depth;
    bool done;        /* the root value is complete */
    s_key_t *keys;    /* keys of the open maps, innermost last */
    size_t key_count;
    size_t key_capacity;
} s_writer_t;

/*  =======================================================================================
    Output buffer */

/*  Makes room for more bytes. Returns 0, or -1 (and marks the writer failed). */
static int
s_reserve (s_writer_t *w, size_t more)
{
    if (w->failed)
        return -1;
    if (w->size + more <= w->capacity)
        return 0;
    size_t capacity = w->capacity ? w->capacity : S_INITIAL_SIZE;
    while (capacity < w->size + more)
        capacity *= 2;
    char *data = realloc (w->data, capacity);
    if (!data) {
        w->failed = true;
        return -1;
    }
    w->data = data;
    w->capacity = capacity;
    return 0;
}

static int
s_put (s_writer_t *w, const char *bytes, size_t len)
{
    if (s_reserve (w, len) != 0)
        return -1;
    memcpy (w->data + w->size, bytes, len);
    w->size += len;
    return 0;
}

static int
s_putc (s_writer_t *w, char c)
{
    return s_put (w, &c, 1);
}

/*  Writes text as a JSON string, quotes included, escaping as jansson does. */
static int
s_put_string (s_writer_t *w, const char *text, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    /*  At most 6 bytes out per byte in, plus the quotes. */
    if (s_reserve (w, len * 6 + 2) != 0)
        return -1;
    char *out = w->data + w->size;
    *out++ = '"';
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char) text[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            *out++ = (char) c;
            continue;
        }
        *out++ = '\\';
        switch (c) {
        case '"':  *out++ = '"'; break;
        case '\\': *out++ = '\\'; break;
        case '\b': *out++ = 'b'; break;
        case '\f': *out++ = 'f'; break;
        case '\n': *out++ = 'n'; break;
        case '\r': *out++ = 'r'; break;
        case '\t': *out++ = 't'; break;
        default:
            out[0] = 'u';
            out[1] = '0';
            out[2] = '0';
            out[3] = hex[c >> 4];
            out[4] = hex[c & 0xF];
            out += 5;
        }
    }
    *out++ = '"';
    w->size = (size_t) (out - w->data);
    return 0;
}

/*  Writes value in decimal. */
static int
s_put_int (s_writer_t *w, int64_t value)
{
    char buf[24];
    char *end = buf + sizeof buf, *p = end;
    uint64_t magnitude = value < 0 ? 0 - (uint64_t) value : (uint64_t) value;
    do {
        *--p = (char) ('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude);
    if (value < 0)
        *--p = '-';
    return s_put (w, p, (size_t) (end - p));
}

/*  Writes a finite real as jansson does with precision 15. Money (a whole number of
    cents below 10^13, the common case) is written directly: for such a value %.15g
    prints exactly its cents, trailing zeros dropped; anything else goes through
    snprintf. */
static int
s_put_double (s_writer_t *w, double value)
{
    char buf[40];
    int n;
    double cents = nearbyint (value * 100.0);
    if (fabs (cents) < 1e15 && cents / 100.0 == value && !(value == 0 && signbit (value))) {
        int64_t c = (int64_t) cents;
        uint64_t units = (uint64_t) (c < 0 ? -c : c);
        unsigned frac = (unsigned) (units % 100);
        char *p = buf;
        if (c < 0)
            *p++ = '-';
        char digits[24];
        char *d = digits + sizeof digits;
        uint64_t whole = units / 100;
        do {
            *--d = (char) ('0' + whole % 10);
            whole /= 10;
        } while (whole);
        size_t dl = (size_t) (digits + sizeof digits - d);
        memcpy (p, d, dl);
        p += dl;
        *p++ = '.';
        *p++ = (char) ('0' + frac / 10);
        if (frac % 10)
            *p++ = (char) ('0' + frac % 10);
        n = (int) (p - buf);
    }
    else {
        n = snprintf (buf, sizeof buf, "%.15g", value);
        if (n < 0 || (size_t) n + 3 > sizeof buf)
            return -1;
        for (int i = 0; i < n; i++)
            if (buf[i] == ',')
                buf[i] = '.'; /* a locale's decimal comma */
        if (!memchr (buf, '.', (size_t) n) && !memchr (buf, 'e', (size_t) n)) {
            memcpy (buf + n, ".0", 3);
            n += 2;
        }
        char *e = memchr (buf, 'e', (size_t) n);
        if (e) { /* "1e+20" -> "1e20", "1e-05" -> "1e-5" */
            char *from = e + 1, *to = e + 1;
            if (*from == '+')
                from++;
            else if (*from == '-')
                from = ++to;
            while (*from == '0' && from[1])
                from++;
            memmove (to, from, (size_t) (buf + n - from) + 1);
            n -= (int) (from - to);
        }
    }
    return s_put (w, buf, (size_t) n);
}

/*  =======================================================================================
    Structure */

/*  A key of a map being checked for repeats. */
typedef struct {
    const char *text;
    size_t len;
} s_key_text_t;

/*  Orders keys by length, then bytes. */
static int
s_key_order (const void *a, const void *b)
{
    const s_key_text_t *x = a, *y = b;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return memcmp (x->text, y->text, x->len);
}

/*  True when the map whose keys start at first has the same key twice (or when there is
    no memory to tell). */
static bool
s_keys_repeat (s_writer_t *w, size_t first)
{
    const s_key_t *keys = w->keys + first;
    size_t count = w->key_count - first;
    if (count <= S_LINEAR_KEYS) {
        for (size_t i = 1; i < count; i++)
            for (size_t j = 0; j < i; j++)
                if (keys[i].len == keys[j].len
                    && memcmp (w->data + keys[i].at, w->data + keys[j].at, keys[i].len) == 0)
                    return true;
        return false;
    }
    s_key_text_t *sorted = malloc (count * sizeof *sorted);
    if (!sorted)
        return true;
    for (size_t i = 0; i < count; i++)
        sorted[i] = (s_key_text_t){w->data + keys[i].at, keys[i].len};
    qsort (sorted, count, sizeof *sorted, s_key_order);
    bool repeat = false;
    for (size_t i = 1; i < count && !repeat; i++)
        repeat = s_key_order (&sorted[i - 1], &sorted[i]) == 0;
    free (sorted);
    return repeat;
}

/*  Before a value (or a key): the separator it needs, and whether it may come at all. */
static int
s_before_value (s_writer_t *w)
{
    if (w->done)
        return -1; /* a second root */
    if (w->depth == 0)
        return 0;
    s_frame_t *top = &w->stack[w->depth - 1];
    if (top->is_map) {
        if (top->want_key)
            return -1; /* a key that is not a string */
        top->want_key = true;
        top->written++;
        return 0;
    }
    return top->written++ ? s_putc (w, ',') : 0;
}

/*  After a scalar: completes the root when it was one. */
static int
s_after_value (s_writer_t *w)
{
    if (w->depth == 0)
        w->done = true;
    return w->failed ? -1 : 0;
}

static int
s_open (s_writer_t *w, bool is_map)
{
    if (s_before_value (w) != 0 || w->depth == RENDER_MAX_DEPTH)
        return -1;
    w->stack[w->depth++] = (s_frame_t){is_map, is_map, 0, w->key_count};
    return s_putc (w, is_map ? '{' : '[');
}

static int
s_on_map (void *arg, uint32_t pairs)
{
    (void) pairs;
    return s_open (arg, true);
}

static int
s_on_array (void *arg, uint32_t items)
{
    (void) items;
    return s_open (arg, false);
}

/*  A key of the innermost map: valid UTF-8 without NUL, remembered to refuse repeats. */
static int
s_put_key (s_writer_t *w, s_frame_t *top, const char *text, size_t len)
{
    if (!ecom_utf8_text_valid (text, len))
        return -1;
    if (w->key_count == w->key_capacity) {
        size_t capacity = w->key_capacity ? w->key_capacity * 2 : 32;
        s_key_t *keys = realloc (w->keys, capacity * sizeof *keys);
        if (!keys)
            return -1;
        w->keys = keys;
        w->key_capacity = capacity;
    }
    if (top->written && s_putc (w, ',') != 0)
        return -1;
    size_t at = w->size + 1; /* its text, escaped (escaping keeps keys apart) */
    top->want_key = false;
    if (s_put_string (w, text, len) != 0)
        return -1;
    w->keys[w->key_count++] = (s_key_t){at, w->size - 1 - at};
    return s_putc (w, ':');
}

static int
s_on_str (void *arg, const char *text, size_t len)
{
    s_writer_t *w = arg;
    if (w->depth > 0 && w->stack[w->depth - 1].is_map && w->stack[w->depth - 1].want_key)
        return s_put_key (w, &w->stack[w->depth - 1], text, len);
    if (!ecom_utf8_valid (text, len) || s_before_value (w) != 0
        || s_put_string (w, text, len) != 0)
        return -1;
    return s_after_value (w);
}

static int
s_on_int (void *arg, int64_t value)
{
    s_writer_t *w = arg;
    if (s_before_value (w) != 0 || s_put_int (w, value) != 0)
        return -1;
    return s_after_value (w);
}

static int
s_on_double (void *arg, double value)
{
    s_writer_t *w = arg;
    if (!isfinite (value) || s_before_value (w) != 0 || s_put_double (w, value) != 0)
        return -1;
    return s_after_value (w);
}

static int
s_on_literal (s_writer_t *w, const char *text)
{
    if (s_before_value (w) != 0 || s_put (w, text, strlen (text)) != 0)
        return -1;
    return s_after_value (w);
}

static int
s_on_bool (void *arg, bool value)
{
    return s_on_literal (arg, value ? "true" : "false");
}

static int
s_on_nil (void *arg)
{
    return s_on_literal (arg, "null");
}

static int
s_on_end (void *arg)
{
    s_writer_t *w = arg;
    if (w->depth == 0)
        return -1;
    s_frame_t *top = &w->stack[w->depth - 1];
    if (top->is_map && (!top->want_key || s_keys_repeat (w, top->keys)))
        return -1; /* a key without its value, or a key given twice */
    w->key_count = top->keys;
    w->depth--;
    if (s_putc (w, top->is_map ? '}' : ']') != 0)
        return -1;
    return s_after_value (w);
}

static const proto_visitor_t s_visitor = {s_on_map,    s_on_array, s_on_str, s_on_int,
                                          s_on_double, s_on_bool,  s_on_nil, s_on_end};

char *
render_reply_json (const proto_reply_t *reply, size_t *len)
{
    s_writer_t w;
    memset (&w, 0, sizeof w);
    int rc = proto_reply_visit_body (reply, &s_visitor, &w);
    free (w.keys);
    /*  The root must be one complete map (a body is one); then room for the NUL. */
    if (rc != 0 || !w.done || w.size == 0 || w.data[0] != '{' || s_putc (&w, '\0') != 0) {
        free (w.data);
        return NULL;
    }
    *len = w.size - 1;
    return w.data;
}

char *
render_body_json (const char *body, size_t size, size_t *len)
{
    size_t reply_size = 0;
    char *bytes = proto_reply_encode (200, body, size, -1, &reply_size);
    proto_reply_t *reply = bytes ? proto_reply_decode (bytes, reply_size) : NULL;
    char *json = reply ? render_reply_json (reply, len) : NULL;
    proto_reply_destroy (&reply);
    free (bytes);
    return json;
}

char *
render_error_json (const char *code, const char *detail, size_t *len)
{
    json_t *root = json_object ();
    json_t *detail_json = json_string (detail); /* NULL for invalid UTF-8 */
    if (!detail_json)
        detail_json = json_string ("(detail was not valid UTF-8)");
    json_object_set_new (root, "error", json_string (code));
    json_object_set_new (root, "detail", detail_json);
    char *text = json_dumps (root, RENDER_FLAGS);
    json_decref (root);
    if (text)
        *len = strlen (text);
    return text;
}
