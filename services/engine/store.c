#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecom_copy_out.h"
#include "ecom_db.h"

/*  A slot bound: keys come from identity sequences, so they are about as many as rows;
    arrays indexed by key are refused beyond this (a sparse key space would waste memory). */
#define S_MAX_SLOTS (1U << 28)

static void *
s_array (size_t count, size_t size)
{
    return calloc (count ? count : 1, size);
}

/*  ---------------------------------------------------------------------------------------
    The snapshot's small facts: version, key bounds, days */

static int
s_int64 (PGconn *conn, const char *sql, long long *value, char *err, size_t errlen)
{
    return ecom_db_query_int64 (conn, sql, value, err, errlen);
}

static int
s_read_sizes (store_t *self, PGconn *conn, char *err, size_t errlen)
{
    long long max_customer, customers, max_product, products;
    if (s_int64 (conn, "SELECT version FROM data_version WHERE id = 1", &self->version, err,
                 errlen)
        || s_int64 (conn, "SELECT coalesce(max(customer_key), 0) FROM dim_customer",
                    &max_customer, err, errlen)
        || s_int64 (conn, "SELECT count(*) FROM dim_customer", &customers, err, errlen)
        || s_int64 (conn, "SELECT coalesce(max(product_key), 0) FROM dim_product", &max_product,
                    err, errlen)
        || s_int64 (conn, "SELECT count(*) FROM dim_product", &products, err, errlen))
        return -1;
    if (max_customer < 0 || max_customer >= S_MAX_SLOTS || max_product < 0
        || max_product >= S_MAX_SLOTS) {
        snprintf (err, errlen, "surrogate keys beyond %u", S_MAX_SLOTS);
        return -1;
    }
    self->customer_slots = (uint32_t) max_customer + 1;
    self->customers = (uint32_t) customers;
    self->product_slots = (uint32_t) max_product + 1;
    self->products = (uint32_t) products;
    return 0;
}

/*  The days and the orders of each, from the daily rollup (kept equal to fact_order by its
    triggers; s_read_orders checks every order lands inside its day's count). */
static int
s_read_days (store_t *self, PGconn *conn, char *err, size_t errlen)
{
    PGresult *res = PQexec (conn, "SELECT (date - DATE '1970-01-01'), orders"
                                  " FROM agg_daily_sales ORDER BY date");
    if (PQresultStatus (res) != PGRES_TUPLES_OK) {
        ecom_db_error (res, err, errlen);
        PQclear (res);
        return -1;
    }
    int rows = PQntuples (res);
    if (rows > 0) {
        self->first_day = (int32_t) strtol (PQgetvalue (res, 0, 0), NULL, 10);
        self->last_day = (int32_t) strtol (PQgetvalue (res, rows - 1, 0), NULL, 10);
        self->span = (uint32_t) (self->last_day - self->first_day + 1);
    }
    self->day_start = s_array ((size_t) self->span + 1, sizeof *self->day_start);
    self->day_units = s_array (self->span, sizeof *self->day_units);
    self->day_cents = s_array (self->span, sizeof *self->day_cents);
    if (!self->day_start || !self->day_units || !self->day_cents) {
        PQclear (res);
        snprintf (err, errlen, "out of memory");
        return -1;
    }
    for (int row = 0; row < rows; row++) {
        int32_t day = (int32_t) strtol (PQgetvalue (res, row, 0), NULL, 10);
        self->day_start[day - self->first_day + 1] = strtoull (PQgetvalue (res, row, 1), NULL, 10);
    }
    PQclear (res);
    for (uint32_t d = 0; d < self->span; d++)
        self->day_start[d + 1] += self->day_start[d];
    self->orders = self->day_start[self->span];
    return 0;
}

/*  ---------------------------------------------------------------------------------------
    Dimensions */

/*  A customer row while the customers are read, to number them in customer_id order. */
typedef struct {
    char *id;
    uint32_t len, key, country;
} s_customer_t;

static int
s_by_id (const void *a, const void *b)
{
    const s_customer_t *x = a, *y = b;
    int c = memcmp (x->id, y->id, x->len < y->len ? x->len : y->len);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

static int
s_alloc_customers (store_t *self)
{
    size_t n = self->customers;
    self->customer_index = s_array (self->customer_slots, sizeof (uint32_t));
    self->customer_country = s_array (n, sizeof (uint32_t));
    self->customer_first_day = s_array (n, sizeof (int32_t));
    self->customer_last_day = s_array (n, sizeof (int32_t));
    self->customer_orders = s_array (n, sizeof (uint32_t));
    self->customer_cents = s_array (n, sizeof (int64_t));
    self->countries = store_dict_new ();
    if (!self->customer_index || !self->customer_country || !self->customer_first_day
        || !self->customer_last_day || !self->customer_orders || !self->customer_cents
        || !self->countries)
        return -1;
    for (size_t k = 0; k < self->customer_slots; k++)
        self->customer_index[k] = STORE_NO_CUSTOMER;
    for (size_t c = 0; c < n; c++)
        self->customer_first_day[c] = self->customer_last_day[c] = STORE_NO_DAY;
    return 0;
}

/*  Reads one customer row (key, id, country) into rows[*count]. */
static int
s_customer_row (store_t *self, const ecom_field_t *f, s_customer_t *rows, uint32_t *count)
{
    int32_t key;
    if (ecom_field_int32 (&f[0], &key) != 0 || key < 0 || (uint32_t) key >= self->customer_slots
        || f[1].len < 0 || f[2].len < 0 || *count >= self->customers)
        return -1;
    uint32_t country = store_dict_add (self->countries, f[2].data, (size_t) f[2].len);
    char *id = malloc ((size_t) f[1].len + 1);
    if (country == STORE_DICT_NONE || !id) {
        free (id);
        return -1;
    }
    memcpy (id, f[1].data, (size_t) f[1].len);
    rows[(*count)++] = (s_customer_t) {id, (uint32_t) f[1].len, (uint32_t) key, country};
    return 0;
}

/*  Numbers the customers in customer_id order: rows sorted by id give the index of each. */
static void
s_number_customers (store_t *self, s_customer_t *rows, uint32_t count)
{
    qsort (rows, count, sizeof *rows, s_by_id);
    for (uint32_t c = 0; c < count; c++) {
        self->customer_index[rows[c].key] = c;
        self->customer_country[c] = rows[c].country;
    }
}

static int
s_read_customers (store_t *self, PGconn *conn, char *err, size_t errlen)
{
    s_customer_t *rows = s_array (self->customers, sizeof *rows);
    if (s_alloc_customers (self) != 0 || !rows) {
        free (rows);
        snprintf (err, errlen, "out of memory for %u customers", self->customers);
        return -1;
    }
    ecom_copy_out_t out;
    uint32_t count = 0;
    int rc = ecom_copy_out_begin (&out, conn,
                                  "COPY (SELECT customer_key, customer_id, country"
                                  " FROM dim_customer) TO STDOUT (FORMAT binary)",
                                  err, errlen);
    ecom_field_t f[3];
    while (rc == 0 && (rc = ecom_copy_out_next (&out, f, 3, err, errlen)) == 1)
        if ((rc = s_customer_row (self, f, rows, &count)) != 0)
            snprintf (err, errlen, "dim_customer: a row the store cannot hold");
    ecom_copy_out_end (&out);
    if (rc == 0 && count == self->customers)
        s_number_customers (self, rows, count);
    else if (rc == 0) {
        snprintf (err, errlen, "dim_customer changed while it was read");
        rc = -1;
    }
    for (uint32_t i = 0; i < count; i++)
        free (rows[i].id);
    free (rows);
    return rc;
}

static char *
s_text (const ecom_field_t *field)
{
    char *text = field->len >= 0 ? malloc ((size_t) field->len + 1) : NULL;
    if (text) {
        memcpy (text, field->data, (size_t) field->len);
        text[field->len] = '\0';
    }
    return text;
}

static int
s_product_row (store_t *self, const ecom_field_t *f)
{
    int32_t key;
    if (ecom_field_int32 (&f[0], &key) != 0 || key < 0 || (uint32_t) key >= self->product_slots
        || f[3].len < 0 || self->product_id[key])
        return -1;
    self->product_id[key] = s_text (&f[1]);
    self->product_name[key] = s_text (&f[2]);
    self->product_category[key] = store_dict_add (self->categories, f[3].data, (size_t) f[3].len);
    return self->product_id[key] && self->product_name[key]
                   && self->product_category[key] != STORE_DICT_NONE
               ? 0
               : -1;
}

static int
s_read_products (store_t *self, PGconn *conn, char *err, size_t errlen)
{
    size_t n = self->product_slots;
    self->product_id = s_array (n, sizeof (char *));
    self->product_name = s_array (n, sizeof (char *));
    self->product_category = s_array (n, sizeof (uint32_t));
    self->categories = store_dict_new ();
    if (!self->product_id || !self->product_name || !self->product_category || !self->categories) {
        snprintf (err, errlen, "out of memory for %u products", self->products);
        return -1;
    }
    ecom_copy_out_t out;
    int rc = ecom_copy_out_begin (&out, conn,
                                  "COPY (SELECT product_key, product_id, name, category"
                                  " FROM dim_product) TO STDOUT (FORMAT binary)",
                                  err, errlen);
    ecom_field_t f[4];
    while (rc == 0 && (rc = ecom_copy_out_next (&out, f, 4, err, errlen)) == 1)
        if ((rc = s_product_row (self, f)) != 0)
            snprintf (err, errlen, "dim_product: a row the store cannot hold");
    ecom_copy_out_end (&out);
    return rc;
}

/*  ---------------------------------------------------------------------------------------
    Orders */

static int
s_alloc_orders (store_t *self)
{
    size_t n = self->orders;
    self->order_customer = s_array (n, sizeof (uint32_t));
    self->order_product = s_array (n, sizeof (uint32_t));
    self->order_quantity = s_array (n, sizeof (uint32_t));
    self->order_cents = s_array (n, sizeof (int64_t));
    return self->order_customer && self->order_product && self->order_quantity
                   && self->order_cents
               ? 0
               : -1;
}

/*  Places one order (date, customer_key, product_key, quantity, total_amount) into its
    day's next free place; fill[d] counts the places used so far. */
static int
s_order_row (store_t *self, const ecom_field_t *f, size_t *fill)
{
    int32_t day, customer, product, quantity;
    int64_t cents;
    if (ecom_field_date (&f[0], &day) != 0 || ecom_field_int32 (&f[1], &customer) != 0
        || ecom_field_int32 (&f[2], &product) != 0 || ecom_field_int32 (&f[3], &quantity) != 0
        || ecom_field_cents (&f[4], &cents) != 0)
        return -1;
    int64_t d = (int64_t) day - self->first_day;
    if (d < 0 || d >= self->span || customer < 0 || (uint32_t) customer >= self->customer_slots
        || self->customer_index[customer] == STORE_NO_CUSTOMER || product < 0
        || (uint32_t) product >= self->product_slots || !self->product_id[product]
        || quantity < 1 || cents < 0)
        return -1;
    size_t at = self->day_start[d] + fill[d];
    if (at >= self->day_start[d + 1])
        return -1;
    fill[d]++;
    self->order_customer[at] = self->customer_index[customer];
    self->order_product[at] = (uint32_t) product;
    self->order_quantity[at] = (uint32_t) quantity;
    self->order_cents[at] = cents;
    self->day_units[d] += quantity;
    self->day_cents[d] += cents;
    return 0;
}

static int
s_read_orders (store_t *self, PGconn *conn, char *err, size_t errlen)
{
    size_t *fill = s_array (self->span, sizeof *fill);
    if (s_alloc_orders (self) != 0 || !fill) {
        free (fill);
        snprintf (err, errlen, "out of memory for %zu orders", self->orders);
        return -1;
    }
    ecom_copy_out_t out;
    int rc = ecom_copy_out_begin (&out, conn,
                                  "COPY (SELECT order_date, customer_key, product_key, quantity,"
                                  " total_amount FROM fact_order) TO STDOUT (FORMAT binary)",
                                  err, errlen);
    ecom_field_t f[5];
    size_t count = 0;
    while (rc == 0 && (rc = ecom_copy_out_next (&out, f, 5, err, errlen)) == 1) {
        if ((rc = s_order_row (self, f, fill)) != 0)
            snprintf (err, errlen, "fact_order: an order outside the rollup's days or whose "
                                   "customer or product is missing");
        count++;
    }
    ecom_copy_out_end (&out);
    free (fill);
    if (rc == 0 && count != self->orders) {
        snprintf (err, errlen, "fact_order holds %zu orders, agg_daily_sales %zu", count,
                  self->orders);
        rc = -1;
    }
    return rc;
}

/*  Every customer's first and last order dates, orders and revenue ever. */
static void
s_sum_customers (store_t *self)
{
    for (uint32_t d = 0; d < self->span; d++) {
        int32_t day = self->first_day + (int32_t) d;
        for (size_t i = self->day_start[d]; i < self->day_start[d + 1]; i++) {
            uint32_t c = self->order_customer[i];
            if (self->customer_first_day[c] == STORE_NO_DAY)
                self->customer_first_day[c] = day;
            self->customer_last_day[c] = day;
            self->customer_orders[c]++;
            self->customer_cents[c] += self->order_cents[i];
        }
    }
}

/*  ---------------------------------------------------------------------------------------
    The whole load */

store_t *
store_load (PGconn *conn, char *err, size_t errlen)
{
    store_t *self = calloc (1, sizeof *self);
    if (!self) {
        snprintf (err, errlen, "out of memory");
        return NULL;
    }
    int rc = ecom_db_exec (conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", err, errlen);
    if (rc == 0)
        rc = s_read_sizes (self, conn, err, errlen);
    if (rc == 0)
        rc = s_read_days (self, conn, err, errlen);
    if (rc == 0)
        rc = s_read_customers (self, conn, err, errlen);
    if (rc == 0)
        rc = s_read_products (self, conn, err, errlen);
    if (rc == 0)
        rc = s_read_orders (self, conn, err, errlen);
    char end_err[256];
    if (PQtransactionStatus (conn) != PQTRANS_IDLE)
        ecom_db_exec (conn, "ROLLBACK", end_err, sizeof end_err); /* read only: nothing to keep */
    if (rc != 0) {
        store_destroy (&self);
        return NULL;
    }
    s_sum_customers (self);
    return self;
}

void
store_destroy (store_t **self_p)
{
    store_t *self = *self_p;
    if (!self)
        return;
    free (self->day_start);
    free (self->day_units);
    free (self->day_cents);
    free (self->order_customer);
    free (self->order_product);
    free (self->order_quantity);
    free (self->order_cents);
    free (self->customer_index);
    free (self->customer_country);
    free (self->customer_first_day);
    free (self->customer_last_day);
    free (self->customer_orders);
    free (self->customer_cents);
    for (uint32_t k = 0; self->product_id && k < self->product_slots; k++) {
        free (self->product_id[k]);
        free (self->product_name[k]);
    }
    free (self->product_id);
    free (self->product_name);
    free (self->product_category);
    store_dict_destroy (&self->countries);
    store_dict_destroy (&self->categories);
    free (self);
    *self_p = NULL;
}

size_t
store_bytes (const store_t *self)
{
    size_t per_order = 3 * sizeof (uint32_t) + sizeof (int64_t);
    size_t per_day = sizeof (size_t) + 2 * sizeof (int64_t);
    size_t per_customer = 2 * sizeof (uint32_t) + 2 * sizeof (int32_t) + sizeof (int64_t);
    size_t per_product = 2 * sizeof (char *) + sizeof (uint32_t) + 32;
    return self->orders * per_order + (size_t) self->span * per_day
           + (size_t) self->customers * per_customer
           + (size_t) self->customer_slots * sizeof (uint32_t)
           + (size_t) self->product_slots * per_product;
}

bool
store_slice (const store_t *self, int32_t start, int32_t end, uint32_t *day_lo,
             uint32_t *day_hi, size_t *from, size_t *to)
{
    if (self->span == 0 || end < self->first_day || start > self->last_day || start > end)
        return false;
    int32_t lo = start < self->first_day ? self->first_day : start;
    int32_t hi = end > self->last_day ? self->last_day : end;
    *day_lo = (uint32_t) (lo - self->first_day);
    *day_hi = (uint32_t) (hi - self->first_day);
    *from = self->day_start[*day_lo];
    *to = self->day_start[*day_hi + 1];
    return true;
}
