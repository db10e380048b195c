#include "engine_text.h"

#include <locale.h> /* memmem, newlocale, towlower_l: _GNU_SOURCE, set by the build */
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

struct _engine_text_t {
    uint32_t items; /* the bound of item numbers */
    char *blob;     /* every record's folded fields, each followed by NUL */
    size_t len, size;
    uint32_t *item; /* records: the item of each */
    size_t *end;    /* records: the offset just past each one's last field */
    uint32_t records, capacity;
};

engine_text_t *
engine_text_new (uint32_t items)
{
    engine_text_t *self = calloc (1, sizeof *self);
    if (self)
        self->items = items;
    return self;
}

void
engine_text_destroy (engine_text_t **self_p)
{
    engine_text_t *self = *self_p;
    if (!self)
        return;
    free (self->blob);
    free (self->item);
    free (self->end);
    free (self);
    *self_p = NULL;
}

uint32_t
engine_text_items (const engine_text_t *self)
{
    return self->items;
}

size_t
engine_text_bytes (const engine_text_t *self)
{
    return self->size + (size_t) self->capacity * (sizeof (uint32_t) + sizeof (size_t));
}

/*  ---------------------------------------------------------------------------------------
    Folding */

/*  The C.UTF-8 locale whose towlower() PostgreSQL's lower() uses in a C.UTF-8 database;
    (locale_t) 0 when the system lacks it (then only ASCII is folded). */
static locale_t
s_locale (void)
{
    static locale_t loc;
    static int tried;
    if (!tried) {
        loc = newlocale (LC_CTYPE_MASK, "C.UTF-8", (locale_t) 0);
        tried = 1;
    }
    return loc;
}

/*  Decodes the UTF-8 sequence at p (at most left bytes): returns its length and sets *cp,
    or 0 when it is not a valid sequence. */
static size_t
s_decode (const unsigned char *p, size_t left, uint32_t *cp)
{
    size_t n = p[0] >= 0xF0 && p[0] <= 0xF4 ? 4 : p[0] >= 0xE0 ? 3 : p[0] >= 0xC2 ? 2 : 0;
    if (n == 0 || n > left || p[0] > 0xF4)
        return 0;
    uint32_t c = p[0] & (0x7F >> n);
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (p[i] & 0x3F);
    }
    static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (c < min[n] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return n;
}

/*  Encodes cp as UTF-8 at out (room for 4). Returns its length. */
static size_t
s_encode (uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char) cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char) (0xC0 | (cp >> 6));
        out[1] = (char) (0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char) (0xE0 | (cp >> 12));
        out[1] = (char) (0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char) (0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char) (0xF0 | (cp >> 18));
    out[1] = (char) (0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char) (0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char) (0x80 | (cp & 0x3F));
    return 4;
}

/*  Folds len bytes at text into out (room for 4 * len bytes: a code point's lower case
    never takes more than 4 bytes). Returns the folded length. */
static size_t
s_fold_into (const char *text, size_t len, char *out)
{
    const unsigned char *p = (const unsigned char *) text;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n;
        if (p[i] < 0x80) {
            out[o++] = (char) (p[i] >= 'A' && p[i] <= 'Z' ? p[i] + 32 : p[i]);
            i++;
        }
        else if ((n = s_decode (p + i, len - i, &cp)) == 0)
            out[o++] = (char) p[i++];
        else {
            locale_t loc = s_locale ();
            uint32_t lower = loc ? (uint32_t) towlower_l ((wint_t) cp, loc) : cp;
            o += s_encode (lower <= 0x10FFFF ? lower : cp, out + o);
            i += n;
        }
    }
    return o;
}

char *
engine_text_fold (const char *text, size_t len, size_t *folded_len)
{
    char *out = malloc (4 * len + 1);
    if (!out)
        return NULL;
    *folded_len = s_fold_into (text, len, out);
    out[*folded_len] = '\0';
    return out;
}

/*  ---------------------------------------------------------------------------------------
    Adding and searching */

static int
s_reserve (engine_text_t *self, size_t bytes)
{
    if (self->len + bytes > self->size) {
        size_t size = self->size ? self->size : 4096;
        while (size < self->len + bytes)
            size *= 2;
        char *blob = realloc (self->blob, size);
        if (!blob)
            return -1;
        self->blob = blob;
        self->size = size;
    }
    if (self->records == self->capacity) {
        uint32_t capacity = self->capacity ? self->capacity * 2 : 1024;
        uint32_t *item = realloc (self->item, capacity * sizeof *item);
        if (item)
            self->item = item;
        size_t *end = item ? realloc (self->end, capacity * sizeof *end) : NULL;
        if (!end)
            return -1;
        self->end = end;
        self->capacity = capacity;
    }
    return 0;
}

int
engine_text_add (engine_text_t *self, uint32_t item, size_t count, const char *const *fields,
                 const size_t *lens)
{
    size_t bytes = 0;
    for (size_t f = 0; f < count; f++)
        bytes += 4 * lens[f] + 1;
    if (item >= self->items || s_reserve (self, bytes) != 0)
        return -1;
    for (size_t f = 0; f < count; f++) {
        self->len += s_fold_into (fields[f], lens[f], self->blob + self->len);
        self->blob[self->len++] = '\0';
    }
    self->item[self->records] = item;
    self->end[self->records++] = self->len;
    return 0;
}

void
engine_text_shrink (engine_text_t *self)
{
    char *blob = self->len ? realloc (self->blob, self->len) : NULL;
    if (blob) {
        self->blob = blob;
        self->size = self->len;
    }
    uint32_t *item = self->records ? realloc (self->item, self->records * sizeof *item) : NULL;
    if (!item)
        return;
    self->item = item;
    self->capacity = self->records; /* end keeps at least as many, shrunk or not */
    size_t *end = realloc (self->end, self->records * sizeof *end);
    if (end)
        self->end = end;
}

int
engine_text_search (const engine_text_t *self, const char *needle, engine_set_t *matches)
{
    size_t flen;
    char *folded = engine_text_fold (needle, strlen (needle), &flen);
    if (!folded)
        return -1;
    size_t at = 0;
    uint32_t record = 0;
    while (flen && at < self->len) {
        const char *hit = memmem (self->blob + at, self->len - at, folded, flen);
        if (!hit)
            break;
        size_t offset = (size_t) (hit - self->blob);
        while (self->end[record] <= offset)
            record++; /* hits come in blob order: records advance, never go back */
        engine_set_add (matches, self->item[record]);
        at = self->end[record];
    }
    free (folded);
    return 0;
}
