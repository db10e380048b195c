#include "customer_search.h"

#include <stdio.h>
#include <stdlib.h>

#include "ecom_copy_out.h"
#include "ecom_db.h"

struct _customer_search_t {
    long long version;
    engine_text_t *text;
};

/*  Adds one row (customer_key, customer_id, name, email). */
static int
s_add (engine_text_t *text, const ecom_field_t *f)
{
    int32_t key;
    if (ecom_field_int32 (&f[0], &key) != 0 || key < 0 || f[1].len < 0 || f[2].len < 0
        || f[3].len < 0)
        return -1;
    const char *fields[] = {f[1].data, f[2].data, f[3].data};
    size_t lens[] = {(size_t) f[1].len, (size_t) f[2].len, (size_t) f[3].len};
    return engine_text_add (text, (uint32_t) key, 3, fields, lens);
}

/*  Reads the version and the rows; the transaction is open. */
static int
s_read (customer_search_t *self, PGconn *conn, char *err, size_t errlen)
{
    long long slots;
    if (ecom_db_query_int64 (conn, "SELECT version FROM data_version WHERE id = 1", &self->version,
                             err, errlen)
            != 0
        || ecom_db_query_int64 (conn, "SELECT coalesce(max(customer_key), 0) + 1 FROM dim_customer",
                                &slots, err, errlen)
               != 0)
        return -1;
    if (slots < 1 || slots > (1LL << 28) || !(self->text = engine_text_new ((uint32_t) slots))) {
        snprintf (err, errlen, "no memory for %lld customer keys", slots);
        return -1;
    }
    ecom_copy_out_t out;
    int rc = ecom_copy_out_begin (&out, conn,
                                  "COPY (SELECT customer_key, customer_id, name, email FROM"
                                  " dim_customer) TO STDOUT (FORMAT binary)",
                                  err, errlen);
    ecom_field_t f[4];
    while (rc == 0 && (rc = ecom_copy_out_next (&out, f, 4, err, errlen)) == 1)
        if ((rc = s_add (self->text, f)) != 0)
            snprintf (err, errlen, "dim_customer: a row the search index cannot hold");
    ecom_copy_out_end (&out);
    if (rc == 0)
        engine_text_shrink (self->text);
    return rc;
}

customer_search_t *
customer_search_load (PGconn *conn, char *err, size_t errlen)
{
    customer_search_t *self = calloc (1, sizeof *self);
    if (!self) {
        snprintf (err, errlen, "out of memory");
        return NULL;
    }
    int rc = ecom_db_exec (conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", err, errlen);
    if (rc == 0)
        rc = s_read (self, conn, err, errlen);
    char end_err[256];
    if (PQtransactionStatus (conn) != PQTRANS_IDLE)
        ecom_db_exec (conn, "ROLLBACK", end_err, sizeof end_err); /* read only */
    if (rc != 0)
        customer_search_destroy (&self);
    return self;
}

void
customer_search_destroy (customer_search_t **self_p)
{
    customer_search_t *self = *self_p;
    if (!self)
        return;
    engine_text_destroy (&self->text);
    free (self);
    *self_p = NULL;
}

long long
customer_search_version (const customer_search_t *self)
{
    return self->version;
}

const engine_text_t *
customer_search_text (const customer_search_t *self)
{
    return self->text;
}
