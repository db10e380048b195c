#include "ecom_copy_out.h"

#include <stdio.h>
#include <string.h>

#include "ecom_db.h"

/*  "PGCOPY\n\377\r\n\0", then 32-bit flags and a 32-bit header extension length. */
static const char s_signature[11] = "PGCOPY\n\377\r\n";
#define S_HEADER_SIZE 19
/*  PostgreSQL's date epoch (2000-01-01) in days since 1970-01-01. */
#define S_PG_EPOCH_DAYS 10957

static uint16_t
s_u16 (const char *p)
{
    const unsigned char *u = (const unsigned char *) p;
    return (uint16_t) (u[0] << 8 | u[1]);
}

static uint32_t
s_u32 (const char *p)
{
    const unsigned char *u = (const unsigned char *) p;
    return (uint32_t) u[0] << 24 | (uint32_t) u[1] << 16 | (uint32_t) u[2] << 8 | u[3];
}

int
ecom_copy_out_begin (ecom_copy_out_t *self, PGconn *conn, const char *sql, char *err, size_t errlen)
{
    *self = (ecom_copy_out_t){.conn = conn};
    PGresult *res = PQexec (conn, sql);
    int rc = PQresultStatus (res) == PGRES_COPY_OUT ? 0 : -1;
    if (rc != 0)
        ecom_db_error (res, err, errlen);
    PQclear (res);
    if (rc != 0)
        self->ended = true;
    return rc;
}

/*  Reads the result that follows the copy's data. */
static int
s_finish (ecom_copy_out_t *self, char *err, size_t errlen)
{
    self->ended = true;
    int rc = 0;
    PGresult *res;
    while ((res = PQgetResult (self->conn))) {
        if (PQresultStatus (res) != PGRES_COMMAND_OK && rc == 0) {
            ecom_db_error (res, err, errlen);
            rc = -1;
        }
        PQclear (res);
    }
    return rc;
}

/*  Makes at least need bytes available at pos, fetching the next message when the current
    one is used up (a row never spans two messages). Returns 1, 0 at the end of the copy,
    -1 on an error. */
static int
s_fill (ecom_copy_out_t *self, size_t need, char *err, size_t errlen)
{
    if (self->message && self->pos < self->size) {
        if (self->size - self->pos >= need)
            return 1;
        snprintf (err, errlen, "COPY: a row is cut short");
        return -1;
    }
    PQfreemem (self->message);
    self->message = NULL;
    char *buffer = NULL;
    int len = PQgetCopyData (self->conn, &buffer, 0);
    if (len == -1)
        return s_finish (self, err, errlen) == 0 ? 0 : -1;
    if (len < 0) {
        snprintf (err, errlen, "COPY: %s", PQerrorMessage (self->conn));
        return -1;
    }
    self->message = buffer;
    self->size = (size_t) len;
    self->pos = 0;
    return s_fill (self, need, err, errlen);
}

static int
s_read_header (ecom_copy_out_t *self, char *err, size_t errlen)
{
    int rc = s_fill (self, S_HEADER_SIZE, err, errlen);
    if (rc <= 0)
        return rc;
    const char *p = self->message + self->pos;
    uint32_t extension = s_u32 (p + 15);
    if (memcmp (p, s_signature, sizeof s_signature) != 0
        || extension > self->size - self->pos - S_HEADER_SIZE) {
        snprintf (err, errlen, "COPY: not a binary COPY stream");
        return -1;
    }
    self->pos += S_HEADER_SIZE + extension;
    self->header_read = true;
    return 1;
}

int
ecom_copy_out_next (ecom_copy_out_t *self, ecom_field_t *fields, int nfields, char *err,
                    size_t errlen)
{
    if (self->ended)
        return 0;
    int rc = self->header_read ? 1 : s_read_header (self, err, errlen);
    if (rc > 0)
        rc = s_fill (self, 2, err, errlen);
    if (rc <= 0)
        return rc;
    int16_t count = (int16_t) s_u16 (self->message + self->pos);
    self->pos += 2;
    if (count == -1) { /* the trailer: what follows is the end of the copy */
        self->pos = self->size;
        rc = s_fill (self, 1, err, errlen);
        return rc == 0 ? 0 : -1;
    }
    if (count != nfields) {
        snprintf (err, errlen, "COPY: a row has %d fields, expected %d", count, nfields);
        return -1;
    }
    for (int i = 0; i < nfields; i++) {
        if (self->size - self->pos < 4) {
            snprintf (err, errlen, "COPY: a row is cut short");
            return -1;
        }
        int32_t len = (int32_t) s_u32 (self->message + self->pos);
        self->pos += 4;
        if (len < -1 || (len > 0 && (size_t) len > self->size - self->pos)) {
            snprintf (err, errlen, "COPY: a field is cut short");
            return -1;
        }
        fields[i].data = self->message + self->pos;
        fields[i].len = len;
        self->pos += len > 0 ? (size_t) len : 0;
    }
    return 1;
}

void
ecom_copy_out_end (ecom_copy_out_t *self)
{
    PQfreemem (self->message);
    self->message = NULL;
    if (self->ended)
        return;
    char *buffer = NULL;
    while (PQgetCopyData (self->conn, &buffer, 0) >= 0)
        PQfreemem (buffer);
    char err[8];
    s_finish (self, err, sizeof err);
}

int
ecom_field_int32 (const ecom_field_t *field, int32_t *value)
{
    if (field->len != 4)
        return -1;
    *value = (int32_t) s_u32 (field->data);
    return 0;
}

int
ecom_field_int64 (const ecom_field_t *field, int64_t *value)
{
    if (field->len != 8)
        return -1;
    *value = (int64_t) ((uint64_t) s_u32 (field->data) << 32 | s_u32 (field->data + 4));
    return 0;
}

int
ecom_field_date (const ecom_field_t *field, int32_t *days)
{
    int32_t pg_days;
    if (ecom_field_int32 (field, &pg_days) != 0 || pg_days < -3000000 || pg_days > 3000000)
        return -1; /* beyond any calendar date: infinity is INT32_MIN / INT32_MAX */
    *days = pg_days + S_PG_EPOCH_DAYS;
    return 0;
}

/*  NUMERIC's send format: ndigits, weight, sign, dscale (16 bits each), then ndigits base-
    10000 digits, the first worth 10000^weight. */
int
ecom_field_cents (const ecom_field_t *field, int64_t *cents)
{
    if (field->len < 8)
        return -1;
    int ndigits = s_u16 (field->data);
    int weight = (int16_t) s_u16 (field->data + 2);
    uint16_t sign = s_u16 (field->data + 4);
    int dscale = s_u16 (field->data + 6);
    if (field->len != 8 + 2 * ndigits || (sign != 0 && sign != 0x4000) || dscale > 2 || weight > 3)
        return -1;     /* weight 3: up to 10^16 - 1, well inside int64 as cents */
    int64_t value = 0; /* the number times 10^4, digit by digit from 10000^weight down */
    for (int position = weight; position >= -1; position--) {
        int index = weight - position;
        int digit = index < ndigits ? s_u16 (field->data + 8 + 2 * index) : 0;
        if (digit > 9999)
            return -1;
        value = value * 10000 + digit;
    }
    if (weight - ndigits + 1 < -1) /* a digit below 10^-4: more than 2 decimals */
        return -1;
    if (value % 100 != 0)
        return -1;
    *cents = sign ? -(value / 100) : value / 100;
    return 0;
}
