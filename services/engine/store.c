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
    if (s_int64 (conn, "SELECT version FROM data_version WHERE id = 1", &self->version, err, errlen)
        || s_int64 (conn, "SELECT coalesce(max(customer_key), 0) FROM dim_customer", &max_customer,
                    err, errlen)
        || s_int64 (conn, "SELECT count(*) FROM dim_customer", &customers, err, errlen)
        || s_int64 (conn, "SELECT coalesce(max(product_key), 0) FROM dim_product", &max_product,
                    err, errlen)
        || s_int64 (conn, "SELECT count(*) FROM dim_product", &products, err, errlen)
        || s_int64 (conn, "SELECT pg_relation_filenode('fact_order')", &self->fact_filenode, err,
                    errlen))
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

/*  The first and last order dates and the number of orders, from the daily rollup (kept
    equal to fact_order by its triggers; s_read_orders checks the count). */
static int
s_read_days (store_t *self, PGconn *conn, char *err, size_t errlen)
{
    PGresult *res = PQexec (conn, "SELECT min(date) - DATE '1970-01-01',"
                                  " max(date) - DATE '1970-01-01', coalesce(sum(orders), 0)"
                                  " FROM agg_daily_sales");
    if (PQresultStatus (res) != PGRES_TUPLES_OK || PQntuples (res) != 1) {
        ecom_db_error (res, err, errlen);
        PQclear (res);
        return -1;
    }
    if (!PQgetisnull (res, 0, 0)) {
        self->first_day = (int32_t) ecom_db_int64 (res, 0, 0);
        self->last_day = (int32_t) ecom_db_int64 (res, 0, 1);
        self->span = (uint32_t) (self->last_day - self->first_day + 1);
        self->orders = ecom_db_int64 (res, 0, 2);
    }
    PQclear (res);
    self->day_orders = s_array (self->span, sizeof *self->day_orders);
    self->day_units = s_array (self->span, sizeof *self->day_units);
    self->day_cents = s_array (self->span, sizeof *self->day_cents);
    if (!self->day_orders || !self->day_units || !self->day_cents) {
        snprintf (err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

/*  ---------------------------------------------------------------------------------------
    Dimensions */

static int
s_alloc_customers (store_t *self)
{
    size_t n = self->customers;
    self->customer_index = s_array (self->customer_slots, sizeof (uint32_t));
    self->customer_key = s_array (n, sizeof (uint32_t));
    self->customer_start = s_array (n + 1, sizeof (size_t));
    self->customer_country = s_array (n, sizeof (uint32_t));
    self->customer_city = s_array (n, sizeof (uint32_t));
    self->customer_first_day = s_array (n, sizeof (int32_t));
    self->customer_last_day = s_array (n, sizeof (int32_t));
    self->customer_cents = s_array (n, sizeof (int64_t));
    self->countries = store_dict_new ();
    self->cities = store_dict_new ();
    if (!self->customer_index || !self->customer_key || !self->customer_start
        || !self->customer_country || !self->customer_city || !self->cities
        || !self->customer_first_day || !self->customer_last_day || !self->customer_cents
        || !self->countries)
        return -1;
    for (size_t k = 0; k < self->customer_slots; k++)
        self->customer_index[k] = STORE_NO_CUSTOMER;
    for (size_t c = 0; c < n; c++)
        self->customer_first_day[c] = self->customer_last_day[c] = STORE_NO_DAY;
    return 0;
}

/*  The customer_id of the row read last, to check that the rows come in byte order. */
typedef struct {
    char *id;
    size_t len, size;
} s_last_id_t;

/*  True when id (len bytes) sorts after last in byte order; then it becomes last. */
static bool
s_after (s_last_id_t *last, const char *id, size_t len)
{
    if (last->id) {
        int c = memcmp (last->id, id, last->len < len ? last->len : len);
        if (c > 0 || (c == 0 && last->len >= len))
            return false;
    }
    if (len + 1 > last->size) {
        char *grown = realloc (last->id, len + 1);
        if (!grown)
            return false;
        last->id = grown;
        last->size = len + 1;
    }
    memcpy (last->id, id, len);
    last->len = len;
    return true;
}

/*  Interns a customer's (city, country) pair as "<country length>:<country><city>", which
    no two pairs share. */
static uint32_t
s_city (store_t *self, const ecom_field_t *country, const ecom_field_t *city)
{
    char prefix[16];
    int plen = snprintf (prefix, sizeof prefix, "%d:", country->len);
    size_t len = (size_t) plen + (size_t) country->len + (size_t) city->len;
    char *pair = malloc (len);
    if (!pair)
        return STORE_DICT_NONE;
    memcpy (pair, prefix, (size_t) plen);
    memcpy (pair + plen, country->data, (size_t) country->len);
    memcpy (pair + plen + country->len, city->data, (size_t) city->len);
    uint32_t index = store_dict_add (self->cities, pair, len);
    free (pair);
    return index;
}

/*  Numbers one customer row (key, id, country, city): rows arrive in customer_id order. */
static int
s_customer_row (store_t *self, const ecom_field_t *f, s_last_id_t *last, uint32_t *count)
{
    int32_t key;
    if (ecom_field_int32 (&f[0], &key) != 0 || key < 0 || (uint32_t) key >= self->customer_slots
        || f[1].len < 0 || f[2].len < 0 || f[3].len < 0 || *count >= self->customers
        || !s_after (last, f[1].data, (size_t) f[1].len))
        return -1;
    uint32_t country = store_dict_add (self->countries, f[2].data, (size_t) f[2].len);
    uint32_t city = s_city (self, &f[2], &f[3]);
    if (country == STORE_DICT_NONE || city == STORE_DICT_NONE)
        return -1;
    uint32_t c = (*count)++;
    self->customer_index[key] = c;
    self->customer_key[c] = (uint32_t) key;
    self->customer_country[c] = country;
    self->customer_city[c] = city;
    return 0;
}

/*  Numbers the customers in customer_id order, which the unique index on customer_id (in
    byte order: the column is COLLATE "C") hands over without a sort; the order is checked
    row by row all the same. */
static int
s_read_customers (store_t *self, PGconn *conn, char *err, size_t errlen)
{
    if (s_alloc_customers (self) != 0) {
        snprintf (err, errlen, "out of memory for %u customers", self->customers);
        return -1;
    }
    ecom_copy_out_t out;
    uint32_t count = 0;
    s_last_id_t last = {NULL, 0, 0};
    int rc = ecom_copy_out_begin (&out, conn,
                                  "COPY (SELECT customer_key, customer_id, country, city FROM"
                                  " dim_customer ORDER BY customer_id) TO STDOUT (FORMAT binary)",
                                  err, errlen);
    ecom_field_t f[4];
    while (rc == 0 && (rc = ecom_copy_out_next (&out, f, 4, err, errlen)) == 1)
        if ((rc = s_customer_row (self, f, &last, &count)) != 0)
            snprintf (err, errlen,
                      "dim_customer: a row the store cannot hold, or not in "
                      "customer_id byte order");
    ecom_copy_out_end (&out);
    free (last.id);
    if (rc == 0 && count != self->customers) {
        snprintf (err, errlen, "dim_customer changed while it was read");
        rc = -1;
    }
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
    self->product_orders = s_array (n, sizeof (int64_t));
    self->product_units = s_array (n, sizeof (int64_t));
    self->product_cents = s_array (n, sizeof (int64_t));
    self->product_first_day = s_array (n, sizeof (int32_t));
    self->product_last_day = s_array (n, sizeof (int32_t));
    self->categories = store_dict_new ();
    if (!self->product_id || !self->product_name || !self->product_category || !self->categories
        || !self->product_orders || !self->product_units || !self->product_cents
        || !self->product_first_day || !self->product_last_day) {
        snprintf (err, errlen, "out of memory for %u products", self->products);
        return -1;
    }
    for (size_t k = 0; k < n; k++)
        self->product_first_day[k] = self->product_last_day[k] = STORE_NO_DAY;
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
    Orders: read as they come into a staging copy (with each order's customer), then placed
    customer by customer (a counting sort on the customer's number). */

typedef struct {
    uint32_t *customer;
    int32_t *day;
    uint32_t *product, *quantity;
    int64_t *cents;
} s_columns_t;

static int
s_columns_alloc (s_columns_t *c, size_t n, bool with_customer)
{
    *c = (s_columns_t){with_customer ? s_array (n, sizeof (uint32_t)) : NULL,
                       s_array (n, sizeof (int32_t)), s_array (n, sizeof (uint32_t)),
                       s_array (n, sizeof (uint32_t)), s_array (n, sizeof (int64_t))};
    return (c->customer || !with_customer) && c->day && c->product && c->quantity && c->cents ? 0
                                                                                              : -1;
}

static void
s_columns_free (s_columns_t *c)
{
    free (c->customer);
    free (c->day);
    free (c->product);
    free (c->quantity);
    free (c->cents);
}

/*  Widens product's first and last order days (day indexes) to hold first .. last. */
static void
s_product_days (store_t *self, uint32_t product, int32_t first, int32_t last)
{
    int32_t *f = &self->product_first_day[product], *l = &self->product_last_day[product];
    *f = *f == STORE_NO_DAY || first < *f ? first : *f;
    *l = last > *l ? last : *l;
}

/*  Puts one order (customer number c, day index d) at row at of the staging columns and
    adds it to its day's and product's sums. */
static void
s_stage (store_t *self, s_columns_t *staged, size_t at, uint32_t c, int32_t d, uint32_t product,
         uint32_t quantity, int64_t cents)
{
    staged->customer[at] = c;
    staged->day[at] = d;
    staged->product[at] = product;
    staged->quantity[at] = quantity;
    staged->cents[at] = cents;
    self->customer_start[c + 1]++;
    self->day_orders[d]++;
    self->day_units[d] += quantity;
    self->day_cents[d] += cents;
    self->product_orders[product]++;
    self->product_units[product] += quantity;
    self->product_cents[product] += cents;
    s_product_days (self, product, d, d);
}

/*  Reads one order (date, customer_key, product_key, quantity, total_amount, etl_run_id)
    into row at of the staging columns, which have room for room rows. */
static int
s_order_row (store_t *self, const ecom_field_t *f, s_columns_t *staged, size_t room, size_t at)
{
    int32_t day, customer, product, quantity;
    int64_t cents, run = 0;
    if (ecom_field_date (&f[0], &day) != 0 || ecom_field_int32 (&f[1], &customer) != 0
        || ecom_field_int32 (&f[2], &product) != 0 || ecom_field_int32 (&f[3], &quantity) != 0
        || ecom_field_cents (&f[4], &cents) != 0
        || (f[5].len != -1 && ecom_field_int64 (&f[5], &run) != 0))
        return -1;
    int64_t d = (int64_t) day - self->first_day;
    if (at >= room || d < 0 || d >= self->span || customer < 0
        || (uint32_t) customer >= self->customer_slots
        || self->customer_index[customer] == STORE_NO_CUSTOMER || product < 0
        || (uint32_t) product >= self->product_slots || !self->product_id[product] || quantity < 1
        || cents < 0)
        return -1;
    self->etl_run_max = run > self->etl_run_max ? run : self->etl_run_max;
    s_stage (self, staged, at, self->customer_index[customer], (int32_t) d, (uint32_t) product,
             (uint32_t) quantity, cents);
    return 0;
}

/*  Makes the customers' counts offsets, allocates placed (room for every order) and returns
    each customer's next free place (free()), or NULL when out of memory. */
static size_t *
s_place_begin (store_t *self, s_columns_t *placed)
{
    size_t *next = s_array ((size_t) self->customers + 1, sizeof *next);
    if (s_columns_alloc (placed, self->orders, false) != 0 || !next) {
        s_columns_free (placed);
        free (next);
        return NULL;
    }
    for (uint32_t c = 0; c < self->customers; c++)
        self->customer_start[c + 1] += self->customer_start[c];
    memcpy (next, self->customer_start, ((size_t) self->customers + 1) * sizeof *next);
    return next;
}

static void s_place_one (store_t *self, s_columns_t *placed, size_t *next,
                         const s_columns_t *staged, size_t i);
static void s_adopt (store_t *self, const s_columns_t *placed);

/*  Adds previous's per-day and per-product sums and per-customer counts to this store's
    (days shifted to this store's first day). Returns 0, or -1 when previous does not fit
    (a customer or product gone, a day outside this store's): read everything instead. */
static int
s_add_previous (store_t *self, const store_t *previous, int32_t shift)
{
    if (previous->span
        && (previous->first_day < self->first_day || previous->last_day > self->last_day))
        return -1;
    for (uint32_t d = 0; d < previous->span; d++) {
        self->day_orders[d + shift] += previous->day_orders[d];
        self->day_units[d + shift] += previous->day_units[d];
        self->day_cents[d + shift] += previous->day_cents[d];
    }
    for (uint32_t k = 0; k < previous->product_slots; k++) {
        if (!previous->product_orders[k])
            continue;
        if (k >= self->product_slots || !self->product_id[k])
            return -1;
        self->product_orders[k] += previous->product_orders[k];
        self->product_units[k] += previous->product_units[k];
        self->product_cents[k] += previous->product_cents[k];
        s_product_days (self, k, previous->product_first_day[k] + shift,
                        previous->product_last_day[k] + shift);
    }
    for (uint32_t old = 0; old < previous->customers; old++) {
        size_t n = previous->customer_start[old + 1] - previous->customer_start[old];
        uint32_t key = previous->customer_key[old];
        uint32_t c = key < self->customer_slots ? self->customer_index[key] : STORE_NO_CUSTOMER;
        if (n && c == STORE_NO_CUSTOMER)
            return -1;
        if (n)
            self->customer_start[c + 1] += n;
    }
    return 0;
}

/*  Places previous's orders and the staged new ones customer by customer: numbers keep
    customer_id order, so each old customer's orders are one block copied in order (days
    shifted), and the few new orders go after their customer's. Sets each customer's first
    and last days and revenue. */
static int
s_merge_orders (store_t *self, const store_t *previous, int32_t shift, const s_columns_t *staged,
                size_t fresh)
{
    s_columns_t placed;
    size_t *next = s_place_begin (self, &placed);
    if (!next)
        return -1;
    for (uint32_t old = 0; old < previous->customers; old++) {
        size_t from = previous->customer_start[old], n = previous->customer_start[old + 1] - from;
        if (!n)
            continue;
        uint32_t c = self->customer_index[previous->customer_key[old]];
        size_t at = next[c];
        next[c] += n;
        for (size_t i = 0; i < n; i++)
            placed.day[at + i] = previous->order_day[from + i] + shift;
        memcpy (placed.product + at, previous->order_product + from, n * sizeof (uint32_t));
        memcpy (placed.quantity + at, previous->order_quantity + from, n * sizeof (uint32_t));
        memcpy (placed.cents + at, previous->order_cents + from, n * sizeof (int64_t));
        self->customer_first_day[c] = previous->customer_first_day[old] + shift;
        self->customer_last_day[c] = previous->customer_last_day[old] + shift;
        self->customer_cents[c] = previous->customer_cents[old];
    }
    for (size_t i = 0; i < fresh; i++)
        s_place_one (self, &placed, next, staged, i);
    free (next);
    s_adopt (self, &placed);
    return 0;
}

/*  Puts staged order i at next[its customer]++ of placed and adds it to the customer's
    first and last days and revenue. */
static void
s_place_one (store_t *self, s_columns_t *placed, size_t *next, const s_columns_t *staged, size_t i)
{
    uint32_t c = staged->customer[i];
    size_t at = next[c]++;
    int32_t day = staged->day[i];
    placed->day[at] = day;
    placed->product[at] = staged->product[i];
    placed->quantity[at] = staged->quantity[i];
    placed->cents[at] = staged->cents[i];
    int32_t *first = &self->customer_first_day[c], *last = &self->customer_last_day[c];
    *first = *first == STORE_NO_DAY || day < *first ? day : *first;
    *last = day > *last ? day : *last;
    self->customer_cents[c] += staged->cents[i];
}

/*  Makes the placed columns the store's orders and counts the customers with orders. */
static void
s_adopt (store_t *self, const s_columns_t *placed)
{
    self->order_day = placed->day;
    self->order_product = placed->product;
    self->order_quantity = placed->quantity;
    self->order_cents = placed->cents;
    for (uint32_t c = 0; c < self->customers; c++)
        self->customers_with_orders += self->customer_start[c + 1] > self->customer_start[c];
}

/*  Places the staged orders customer by customer (a counting sort on the number). */
static int
s_place_orders (store_t *self, const s_columns_t *staged)
{
    s_columns_t placed;
    size_t *next = s_place_begin (self, &placed);
    if (!next)
        return -1;
    for (size_t i = 0; i < self->orders; i++)
        s_place_one (self, &placed, next, staged, i);
    free (next);
    s_adopt (self, &placed);
    return 0;
}

/*  Reads the orders: all of them, or, with previous (an older store of the same table),
    its orders plus those of the ETL runs after the last it holds. Returns 0; 1 when the
    orders read are not what the table holds now (previous does not fit: load everything
    instead); -1 with err. */
static int
s_read_orders (store_t *self, PGconn *conn, const store_t *previous, char *err, size_t errlen)
{
    int32_t shift = previous ? previous->first_day - self->first_day : 0;
    if (previous && (previous->orders > self->orders || s_add_previous (self, previous, shift)))
        return 1;
    size_t expected = self->orders - (previous ? previous->orders : 0);
    s_columns_t staged;
    if (s_columns_alloc (&staged, expected, true) != 0) {
        s_columns_free (&staged);
        snprintf (err, errlen, "out of memory for %zu orders", expected);
        return -1;
    }
    char sql[256] = "COPY (SELECT order_date, customer_key, product_key, quantity, total_amount,"
                    " etl_run_id FROM fact_order";
    if (previous) {
        /*  The planner prices a BRIN scan as reading every row (it cannot tell how many
            block ranges match) and picks a parallel sequential scan of the whole table
            (0.8-1.3 s at 10M orders) over the BRIN bitmap scan that reads the newest
            ranges alone (a few ms): for this last statement of the snapshot, it may not. */
        if (ecom_db_exec (conn,
                          "SET LOCAL enable_seqscan = off;"
                          "SET LOCAL max_parallel_workers_per_gather = 0",
                          err, errlen)
            != 0) {
            s_columns_free (&staged);
            return -1;
        }
        self->etl_run_max = previous->etl_run_max;
        snprintf (sql + strlen (sql), sizeof sql - strlen (sql), " WHERE etl_run_id > %lld",
                  (long long) previous->etl_run_max);
    }
    snprintf (sql + strlen (sql), sizeof sql - strlen (sql), ") TO STDOUT (FORMAT binary)");
    ecom_copy_out_t out;
    size_t count = 0;
    int rc = ecom_copy_out_begin (&out, conn, sql, err, errlen);
    ecom_field_t f[6];
    while (rc == 0 && (rc = ecom_copy_out_next (&out, f, 6, err, errlen)) == 1)
        if ((rc = s_order_row (self, f, &staged, expected, count++)) != 0)
            snprintf (err, errlen,
                      "fact_order: more orders than agg_daily_sales counts, or "
                      "an order whose customer or product is missing");
    ecom_copy_out_end (&out);
    self->refreshed_orders = count;
    if (rc == 0 && count != expected) {
        snprintf (err, errlen, "fact_order holds %zu orders, agg_daily_sales %zu",
                  count + (previous ? previous->orders : 0), self->orders);
        rc = -1;
    }
    if (rc != 0 && previous)
        rc = 1; /* counts that do not add up: read everything before calling it an error */
    if (rc == 0
        && (previous ? s_merge_orders (self, previous, shift, &staged, count)
                     : s_place_orders (self, &staged))
               != 0) {
        snprintf (err, errlen, "out of memory for %zu orders", self->orders);
        rc = -1;
    }
    s_columns_free (&staged);
    return rc;
}

/*  ---------------------------------------------------------------------------------------
    The whole load */

/*  One attempt: see s_read_orders for 1. */
static int
s_load (store_t *self, PGconn *conn, const store_t *previous, char *err, size_t errlen)
{
    int rc = ecom_db_exec (conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", err, errlen);
    if (rc == 0)
        rc = s_read_sizes (self, conn, err, errlen);
    if (previous && rc == 0 && previous->fact_filenode != self->fact_filenode)
        previous = NULL; /* the table was rewritten (TRUNCATE): nothing carries over */
    if (rc == 0)
        rc = s_read_days (self, conn, err, errlen);
    if (rc == 0)
        rc = s_read_customers (self, conn, err, errlen);
    if (rc == 0)
        rc = s_read_products (self, conn, err, errlen);
    if (rc == 0)
        rc = s_read_orders (self, conn, previous, err, errlen);
    char end_err[256];
    if (PQtransactionStatus (conn) != PQTRANS_IDLE)
        ecom_db_exec (conn, "ROLLBACK", end_err, sizeof end_err); /* read only: nothing to keep */
    return rc;
}

store_t *
store_load (PGconn *conn, const store_t *previous, char *err, size_t errlen)
{
    store_t *self = calloc (1, sizeof *self);
    int rc = self ? s_load (self, conn, previous, err, errlen) : -1;
    if (rc == 1) {
        store_destroy (&self);
        self = calloc (1, sizeof *self);
        rc = self ? s_load (self, conn, NULL, err, errlen) : -1;
    }
    if (!self)
        snprintf (err, errlen, "out of memory");
    if (rc != 0)
        store_destroy (&self);
    return self;
}

void
store_destroy (store_t **self_p)
{
    store_t *self = *self_p;
    if (!self)
        return;
    free (self->day_orders);
    free (self->day_units);
    free (self->day_cents);
    free (self->order_day);
    free (self->order_product);
    free (self->order_quantity);
    free (self->order_cents);
    free (self->customer_index);
    free (self->customer_key);
    free (self->customer_start);
    free (self->customer_country);
    free (self->customer_city);
    free (self->customer_first_day);
    free (self->customer_last_day);
    free (self->customer_cents);
    for (uint32_t k = 0; self->product_id && k < self->product_slots; k++) {
        free (self->product_id[k]);
        free (self->product_name[k]);
    }
    free (self->product_id);
    free (self->product_name);
    free (self->product_category);
    free (self->product_orders);
    free (self->product_units);
    free (self->product_cents);
    free (self->product_first_day);
    free (self->product_last_day);
    store_dict_destroy (&self->countries);
    store_dict_destroy (&self->cities);
    store_dict_destroy (&self->categories);
    free (self);
    *self_p = NULL;
}

size_t
store_bytes (const store_t *self)
{
    size_t per_order = 3 * sizeof (uint32_t) + sizeof (int64_t);
    size_t per_day = 3 * sizeof (int64_t);
    size_t per_customer = sizeof (size_t) + 5 * sizeof (uint32_t) + sizeof (int64_t);
    size_t per_product = 2 * sizeof (char *) + 3 * sizeof (uint32_t) + 3 * sizeof (int64_t) + 32;
    return self->orders * per_order + (size_t) self->span * per_day
           + (size_t) self->customers * per_customer
           + (size_t) self->customer_slots * sizeof (uint32_t)
           + (size_t) self->product_slots * per_product;
}

bool
store_days (const store_t *self, int32_t start, int32_t end, int32_t *lo, int32_t *hi)
{
    if (self->span == 0 || end < self->first_day || start > self->last_day || start > end)
        return false;
    *lo = (start < self->first_day ? self->first_day : start) - self->first_day;
    *hi = (end > self->last_day ? self->last_day : end) - self->first_day;
    return true;
}

bool
store_all_days (const store_t *self, int32_t lo, int32_t hi)
{
    return lo == 0 && hi + 1 == (int32_t) self->span;
}

void
store_city_name (const store_t *self, uint32_t index, const char **city, size_t *city_len,
                 const char **country, size_t *country_len)
{
    const char *pair = store_dict_text (self->cities, index);
    char *rest = NULL;
    long clen = pair ? strtol (pair, &rest, 10) : 0;
    if (!pair || *rest != ':' || clen < 0 || (size_t) clen > strlen (rest + 1)) {
        *city = *country = "";
        *city_len = *country_len = 0;
        return;
    }
    *country = rest + 1;
    *country_len = (size_t) clen;
    *city = rest + 1 + clen;
    *city_len = strlen (*city);
}
