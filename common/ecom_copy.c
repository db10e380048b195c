#include "ecom_copy.h"

#include "ecom_db.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_CAPACITY (1 << 20)

/*  PostgreSQL's date 0, 2000-01-01, in days since 1970-01-01 (ecom_date's count). */
#define S_PG_EPOCH_DAYS 10957

struct _ecom_copy_t {
    PGconn *conn;   /* NULL while the rows go to spool */
    FILE *spool;    /* an anonymous temporary file (ecom_copy_spool_binary) */
    char *data;
    size_t size;
    bool failed;
    bool binary; /* the binary format: the trailer goes before the end */
};

/*  Starts sql on conn. Returns 0, or -1 with the server's message in err. */
static int
s_start (PGconn *conn, const char *sql, char *err, size_t errlen)
{
    PGresult *res = PQexec (conn, sql);
    bool ok = PQresultStatus (res) == PGRES_COPY_IN;
    if (!ok) {
        ecom_db_error (res, err, errlen);
    }
    PQclear (res);
    return ok ? 0 : -1;
}

/*  The signature, then two 32-bit zeros: no flags, no header extension. */
static const char s_binary_header[19] = "PGCOPY\n\377\r\n";

ecom_copy_t *
ecom_copy_begin (PGconn *conn, const char *sql, char *err, size_t errlen)
{
    if (s_start (conn, sql, err, errlen))
        return NULL;
    ecom_copy_t *self = calloc (1, sizeof *self);
    if (self)
        self->data = malloc (S_CAPACITY);
    if (!self || !self->data) {
        PQputCopyEnd (conn, "out of memory");
        PQclear (PQgetResult (conn));
        free (self);
        snprintf (err, errlen, "out of memory");
        return NULL;
    }
    self->conn = conn;
    return self;
}

ecom_copy_t *
ecom_copy_begin_binary (PGconn *conn, const char *sql, char *err, size_t errlen)
{
    ecom_copy_t *self = ecom_copy_begin (conn, sql, err, errlen);
    if (self) {
        ecom_copy_raw (self, s_binary_header, sizeof s_binary_header);
        self->binary = true;
    }
    return self;
}

ecom_copy_t *
ecom_copy_spool_binary (char *err, size_t errlen)
{
    ecom_copy_t *self = calloc (1, sizeof *self);
    if (self) {
        self->data = malloc (S_CAPACITY);
        self->spool = tmpfile ();
    }
    if (!self || !self->data || !self->spool) {
        snprintf (err, errlen, "cannot spool the rows: %s", strerror (errno));
        if (self && self->spool)
            fclose (self->spool);
        if (self)
            free (self->data);
        free (self);
        return NULL;
    }
    ecom_copy_raw (self, s_binary_header, sizeof s_binary_header);
    self->binary = true;
    return self;
}

static void
s_flush (ecom_copy_t *self)
{
    if (self->size && !self->failed
        && (self->conn ? PQputCopyData (self->conn, self->data, (int) self->size) != 1
                       : fwrite (self->data, 1, self->size, self->spool) != self->size))
        self->failed = true;
    self->size = 0;
}

int
ecom_copy_send (ecom_copy_t *self, PGconn *conn, const char *sql, char *err, size_t errlen)
{
    s_flush (self);
    if (self->failed || fflush (self->spool) != 0 || fseek (self->spool, 0, SEEK_SET) != 0) {
        snprintf (err, errlen, "cannot spool the rows: %s", strerror (errno));
        return -1;
    }
    if (s_start (conn, sql, err, errlen))
        return -1;
    self->conn = conn;
    size_t got;
    while (!self->failed && (got = fread (self->data, 1, S_CAPACITY, self->spool)) > 0)
        self->failed = PQputCopyData (conn, self->data, (int) got) != 1;
    if (ferror (self->spool))
        self->failed = true; /* the COPY is aborted at its end */
    fclose (self->spool);
    self->spool = NULL;
    return 0;
}

static void
s_put (ecom_copy_t *self, const char *data, size_t len)
{
    while (len > 0) {
        if (self->size == S_CAPACITY)
            s_flush (self);
        size_t take = S_CAPACITY - self->size < len ? S_CAPACITY - self->size : len;
        memcpy (self->data + self->size, data, take);
        self->size += take;
        data += take;
        len -= take;
    }
}

void
ecom_copy_printf (ecom_copy_t *self, const char *format, ...)
{
    char line[1024];
    va_list args;
    va_start (args, format);
    int n = vsnprintf (line, sizeof line, format, args);
    va_end (args);
    if (n < 0 || (size_t) n >= sizeof line)
        self->failed = true; /* callers format short, fixed-shape pieces */
    else
        s_put (self, line, (size_t) n);
}

void
ecom_copy_raw (ecom_copy_t *self, const char *data, size_t len)
{
    if (len <= S_CAPACITY - self->size) { /* the common case: room in the buffer */
        memcpy (self->data + self->size, data, len);
        self->size += len;
    }
    else
        s_put (self, data, len);
}

void
ecom_copy_int (ecom_copy_t *self, long long value)
{
    char digits[24];
    size_t at = sizeof digits;
    unsigned long long magnitude = value < 0 ? 0ULL - (unsigned long long) value
                                             : (unsigned long long) value;
    do {
        digits[--at] = (char) ('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude);
    if (value < 0)
        digits[--at] = '-';
    ecom_copy_raw (self, digits + at, sizeof digits - at);
}

/*  What a byte becomes in a text-format COPY value: 0 for itself, else the letter after
    the backslash. */
static const char s_escape[256] = {['\\'] = '\\', ['\t'] = 't', ['\n'] = 'n', ['\r'] = 'r'};

void
ecom_copy_text (ecom_copy_t *self, const char *text, size_t len)
{
    if (!text) {
        ecom_copy_raw (self, "\\N", 2);
        return;
    }
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        char letter = s_escape[(unsigned char) text[i]];
        if (letter) {
            const char escape[2] = {'\\', letter};
            ecom_copy_raw (self, text + start, i - start);
            ecom_copy_raw (self, escape, 2);
            start = i + 1;
        }
    }
    ecom_copy_raw (self, text + start, len - start);
}

/*  Room for n more bytes (n <= S_CAPACITY) in the buffer, flushed first when it is too
    full. Returns where they go. */
static char *
s_reserve (ecom_copy_t *self, size_t n)
{
    if (S_CAPACITY - self->size < n)
        s_flush (self);
    char *at = self->data + self->size;
    self->size += n;
    return at;
}

/*  The low bytes of value, most significant first (the binary format's byte order). */
static void
s_big_endian (ecom_copy_t *self, uint64_t value, size_t bytes)
{
    char *out = s_reserve (self, bytes);
    for (size_t i = 0; i < bytes; i++)
        out[i] = (char) (value >> (8 * (bytes - 1 - i)));
}

void
ecom_copy_bin_row (ecom_copy_t *self, int fields)
{
    s_big_endian (self, (uint16_t) fields, 2);
}

void
ecom_copy_bin_null (ecom_copy_t *self)
{
    s_big_endian (self, UINT32_MAX, 4); /* a length of -1 */
}

void
ecom_copy_bin_field (ecom_copy_t *self, size_t len)
{
    if (len > INT32_MAX)
        self->failed = true; /* more than a field can hold: the COPY is aborted at its end */
    else
        s_big_endian (self, len, 4);
}

void
ecom_copy_bin_bytes (ecom_copy_t *self, const char *data, size_t len)
{
    ecom_copy_bin_field (self, len);
    ecom_copy_raw (self, data, len);
}

void
ecom_copy_bin_int4 (ecom_copy_t *self, int32_t value)
{
    s_big_endian (self, 4, 4);
    s_big_endian (self, (uint32_t) value, 4);
}

void
ecom_copy_bin_int8 (ecom_copy_t *self, int64_t value)
{
    s_big_endian (self, 8, 4);
    s_big_endian (self, (uint64_t) value, 8);
}

void
ecom_copy_bin_date (ecom_copy_t *self, int32_t days)
{
    ecom_copy_bin_int4 (self, days - S_PG_EPOCH_DAYS);
}

/*  NUMERIC's binary form: the number of base-10000 digits, the weight of the first one (its
    power of 10000), the sign (0 or 0x4000), the display scale, then the digits, most
    significant first. */
void
ecom_copy_bin_cents (ecom_copy_t *self, int64_t cents)
{
    uint64_t magnitude = cents < 0 ? 0ULL - (uint64_t) cents : (uint64_t) cents;
    uint64_t whole = magnitude / 100;
    uint16_t groups[6]; /* the whole part, least significant first: 2^63 / 100 < 10000^5 */
    int count = 0;
    for (; whole; whole /= 10000)
        groups[count++] = (uint16_t) (whole % 10000);
    int weight = count ? count - 1 : magnitude ? -1 : 0;
    uint16_t digits[7];
    int ndigits = 0;
    while (count)
        digits[ndigits++] = groups[--count];
    if (magnitude % 100)
        digits[ndigits++] = (uint16_t) (magnitude % 100 * 100); /* .05 is the digit 0500 */
    s_big_endian (self, 8 + 2 * (uint64_t) ndigits, 4);
    s_big_endian (self, (uint16_t) ndigits, 2);
    s_big_endian (self, (uint16_t) (int16_t) weight, 2);
    s_big_endian (self, cents < 0 ? 0x4000 : 0, 2);
    s_big_endian (self, 2, 2);
    for (int i = 0; i < ndigits; i++)
        s_big_endian (self, digits[i], 2);
}

/*  Ends the COPY on self->conn. Returns the rows copied, or -1 with err. */
static long long
s_finish (ecom_copy_t *self, char *err, size_t errlen)
{
    if (self->binary)
        s_big_endian (self, UINT16_MAX, 2); /* the trailer: a field count of -1 */
    s_flush (self);
    if (PQputCopyEnd (self->conn, self->failed ? "the client failed while sending rows" : NULL) != 1) {
        snprintf (err, errlen, "%s", PQerrorMessage (self->conn));
        return -1;
    }
    long long rows = 0;
    PGresult *res;
    while ((res = PQgetResult (self->conn))) {
        if (PQresultStatus (res) != PGRES_COMMAND_OK) {
            snprintf (err, errlen, "%s", PQresultErrorMessage (res));
            rows = -1;
        }
        else if (rows >= 0)
            rows = strtoll (PQcmdTuples (res), NULL, 10);
        PQclear (res);
    }
    return rows;
}

long long
ecom_copy_end (ecom_copy_t **self_p, char *err, size_t errlen)
{
    ecom_copy_t *self = *self_p;
    long long rows = -1;
    if (self->conn)
        rows = s_finish (self, err, errlen);
    else
        snprintf (err, errlen, "the spooled rows were never sent");
    if (self->spool)
        fclose (self->spool);
    free (self->data);
    free (self);
    *self_p = NULL;
    return rows;
}
