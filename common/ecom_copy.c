#include "ecom_copy.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_CAPACITY (1 << 20)

struct _ecom_copy_t {
    PGconn *conn;
    char *data;
    size_t size;
    bool failed;
};

ecom_copy_t *
ecom_copy_begin (PGconn *conn, const char *sql, char *err, size_t errlen)
{
    PGresult *res = PQexec (conn, sql);
    bool ok = PQresultStatus (res) == PGRES_COPY_IN;
    if (!ok)
        snprintf (err, errlen, "%s", PQresultErrorMessage (res));
    PQclear (res);
    if (!ok)
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

static void
s_flush (ecom_copy_t *self)
{
    if (self->size && !self->failed && PQputCopyData (self->conn, self->data, (int) self->size) != 1)
        self->failed = true;
    self->size = 0;
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

long long
ecom_copy_end (ecom_copy_t **self_p, char *err, size_t errlen)
{
    ecom_copy_t *self = *self_p;
    s_flush (self);
    long long rows = -1;
    if (PQputCopyEnd (self->conn, self->failed ? "the client failed while sending rows" : NULL) != 1)
        snprintf (err, errlen, "%s", PQerrorMessage (self->conn));
    else {
        PGresult *res;
        rows = 0;
        while ((res = PQgetResult (self->conn))) {
            if (PQresultStatus (res) != PGRES_COMMAND_OK) {
                snprintf (err, errlen, "%s", PQresultErrorMessage (res));
                rows = -1;
            }
            else if (rows >= 0)
                rows = strtoll (PQcmdTuples (res), NULL, 10);
            PQclear (res);
        }
    }
    free (self->data);
    free (self);
    *self_p = NULL;
    return rows;
}
