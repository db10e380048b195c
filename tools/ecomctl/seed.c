/*  The generator draws everything from one splitmix64 stream seeded with the random seed, in
    a fixed order (customers, products, who buys how often, product popularity, the day of
    each order, then each order's details day by day), so the output depends on the options
    alone. The customer and product rows come first, so a seed with the same random seed,
    customers and products has the same dimension rows whatever its orders.

    Realism. Customers buy like a real shop's: how many orders each customer places is
    decided before any order is drawn (s_customer_orders): 60 % of the customers who buy buy
    once, 15 % twice, and the top quarter three times or more along a power-law tail (a few
    buy very often); buyers place at least 2.5 orders on average, so when there are more
    customers than that allows, the others never order. Each order then takes its customer
    from an urn holding every customer's remaining orders (s_urn_draw), so the counts are
    exact and a customer's orders fall at random over the period. Products are picked with
    Zipf-like weights over a shuffled rank (a few sell most); order volume grows over the
    period, peaks on weekends and in November and December; most orders are of one item. */
#include "seed.h"

#include "ecom_copy.h"
#include "ecom_data_version.h"
#include "ecom_date.h"
#include "ecom_db.h"
#include "ecom_indexes.h"
#include "wordlists.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  ---------------------------------------------------------------------------------------
    Random numbers */

static uint64_t
s_next (uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/*  Uniform in [0, 1). */
static double
s_unit (uint64_t *state)
{
    return (double) (s_next (state) >> 11) * 0x1.0p-53;
}

static size_t
s_below (uint64_t *state, size_t n)
{
    return (size_t) (s_unit (state) * (double) n);
}

/*  Cumulative weights (cum[i] = w[0] + .. + w[i]); picks i with probability w[i] / total. */
static size_t
s_pick (const double *cum, size_t n, uint64_t *state)
{
    double u = s_unit (state) * cum[n - 1];
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cum[mid] > u)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/*  Zipf-like cumulative weights over a shuffled rank: weight = 1 / (rank + offset)^exponent. */
static double *
s_zipf (size_t n, double offset, double exponent, uint64_t *state)
{
    double *cum = malloc (n * sizeof *cum);
    size_t *rank = malloc (n * sizeof *rank);
    if (!cum || !rank) {
        free (cum);
        free (rank);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        rank[i] = i;
    for (size_t i = n; i > 1; i--) { /* Fisher-Yates */
        size_t j = s_below (state, i);
        size_t t = rank[i - 1];
        rank[i - 1] = rank[j];
        rank[j] = t;
    }
    double total = 0;
    for (size_t i = 0; i < n; i++) {
        total += 1.0 / pow ((double) rank[i] + offset, exponent);
        cum[i] = total;
    }
    free (rank);
    return cum;
}

/*  ---------------------------------------------------------------------------------------
    Generator */

void
seed_options_default (seed_options_t *options)
{
    options->customers = 0;
    options->products = 0;
    options->orders = SEED_DEFAULT_ORDERS;
    options->days = SEED_DEFAULT_DAYS;
    options->random_seed = SEED_DEFAULT_RANDOM_SEED;
    options->end_date =
        ecom_date_from_ymd (SEED_DEFAULT_END_YEAR, SEED_DEFAULT_END_MONTH, SEED_DEFAULT_END_DAY);
    options->reset = false;
}

long
seed_default_customers (long orders)
{
    long customers = orders / SEED_ORDERS_PER_CUSTOMER;
    return customers < 1 ? 1 : customers > SEED_MAX_CUSTOMERS ? SEED_MAX_CUSTOMERS : customers;
}

long
seed_default_products (long orders)
{
    long products = orders / SEED_ORDERS_PER_PRODUCT;
    return products < SEED_MIN_DEFAULT_PRODUCTS ? SEED_MIN_DEFAULT_PRODUCTS : products > SEED_MAX_PRODUCTS ? SEED_MAX_PRODUCTS : products;
}

long long
seed_existing_rows (PGconn *conn, char *err, size_t errlen)
{
    long long rows;
    if (ecom_db_query_int64 (conn,
                             "SELECT (SELECT count(*) FROM (SELECT 1 FROM fact_order LIMIT 1) f)"
                             " + (SELECT count(*) FROM (SELECT 1 FROM dim_customer LIMIT 1) c)"
                             " + (SELECT count(*) FROM (SELECT 1 FROM dim_product LIMIT 1) p)",
                             &rows, err, errlen))
        return -1;
    return rows;
}

static void
s_customers (ecom_copy_t *copy, long n, uint64_t *rng)
{
    for (long i = 1; i <= n; i++) {
        const char *first = wordlists_first_names[s_below (rng, wordlists_first_name_count)];
        const char *last = wordlists_last_names[s_below (rng, wordlists_last_name_count)];
        const wordlists_place_t *place = &wordlists_places[s_below (rng, wordlists_place_count)];
        const char *domain = wordlists_email_domains[s_below (rng, wordlists_email_domain_count)];
        char email[128];
        snprintf (email, sizeof email, "%s.%s%ld@%s", first, last, i, domain);
        for (char *c = email; *c; c++)
            *c = (char) (*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
        ecom_copy_printf (copy, "%ld\tC%06ld\t%s %s\t%s\t%s\t%s\n", i, i, first, last, email,
                     place->city, place->country);
    }
}

/*  Writes the products and fills price_cents[i] with product i's list price. */
static void
s_products (ecom_copy_t *copy, long n, uint64_t *rng, long *price_cents)
{
    for (long i = 0; i < n; i++) {
        const wordlists_category_t *cat =
            &wordlists_categories[s_below (rng, wordlists_category_count)];
        size_t nouns = 0;
        while (cat->nouns[nouns])
            nouns++;
        const char *noun = cat->nouns[s_below (rng, nouns)];
        const char *adjective = wordlists_adjectives[s_below (rng, wordlists_adjective_count)];
        double u = s_unit (rng);
        double price = cat->min_price + (cat->max_price - cat->min_price) * u * u;
        price_cents[i] = (long) floor (price) * 100 + 99;
        ecom_copy_printf (copy, "%ld\tP%05ld\t%s %s\t%s\n", i + 1, i + 1, adjective, noun, cat->name);
    }
}

/*  How many orders each customer places (SEED_... shares in the comment at the top): returns
    an array of customers + 1 counts, count[1 .. customers] summing to orders exactly
    (count[0] unused, 0), or NULL when out of memory.

    The buyers, at most one per 2.5 orders, are laid out by rank u = (i + 0.5) / buyers: below
    0.60 one order, below 0.75 two, above three plus a share of the rest of the orders by the
    quantile of a Lomax (Pareto II) law of shape 2, 1 / sqrt (1 - v) - 1 over v = the rank
    within the top quarter: most of them a few orders, the last few thousands. The shares
    are by construction, not by chance, so they hold at any size. Rounding the tail is
    cumulative (each buyer gets the increase of the rounded running total), so the counts sum
    to orders exactly. The counts are then shuffled over all the customers. */
static uint32_t *
s_customer_orders (long customers, long orders, uint64_t *rng)
{
    uint32_t *count = calloc ((size_t) customers + 1, sizeof *count);
    if (!count || orders == 0)
        return count;
    long buyers = (orders * 2 + 4) / 5; /* ceil (orders / 2.5) */
    if (buyers > customers)
        buyers = customers;
    uint32_t *rank = count + 1;
    long sum = 0, tail = buyers;
    for (long i = 0; i < buyers; i++) {
        double u = ((double) i + 0.5) / (double) buyers;
        rank[i] = u < 0.60 ? 1 : u < 0.75 ? 2 : 3;
        if (u >= 0.75 && tail == buyers)
            tail = i;
        sum += rank[i];
    }
    for (long i = buyers - 1; i >= 0 && sum > orders; i--) { /* a few orders, few buyers */
        long cut = (long) rank[i] - 1 < sum - orders ? (long) rank[i] - 1 : sum - orders;
        rank[i] -= (uint32_t) cut;
        sum -= cut;
    }
    long extra = orders - sum;
    double total = 0;
    for (long i = tail; i < buyers; i++) {
        double v = (((double) i + 0.5) / (double) buyers - 0.75) / 0.25;
        total += 1 / sqrt (1 - v) - 1;
    }
    if (total > 0) {
        double running = 0;
        long given = 0;
        for (long i = tail; i < buyers; i++) {
            double v = (((double) i + 0.5) / (double) buyers - 0.75) / 0.25;
            running += 1 / sqrt (1 - v) - 1;
            long upto = llround ((double) extra * running / total);
            rank[i] += (uint32_t) (upto - given);
            given = upto;
        }
    }
    else
        rank[buyers - 1] += (uint32_t) extra;
    for (long i = customers; i > 1; i--) { /* Fisher-Yates */
        size_t j = s_below (rng, (size_t) i);
        uint32_t t = rank[i - 1];
        rank[i - 1] = rank[j];
        rank[j] = t;
    }
    return count;
}

/*  The urn of the orders still to be drawn: a Fenwick tree over count[1 .. n] (built in
    place by s_urn_build). s_urn_draw picks customer i with probability count[i] / remaining,
    takes one of its orders out and returns i; one walk down the tree does both, since the
    nodes the walk does not step past are exactly the nodes whose sums hold i. */
static void
s_urn_build (uint32_t *tree, size_t n)
{
    for (size_t i = 1; i <= n; i++) {
        size_t parent = i + (i & (~i + 1));
        if (parent <= n)
            tree[parent] += tree[i];
    }
}

static size_t
s_urn_draw (uint32_t *tree, size_t n, size_t top, uint64_t remaining, uint64_t *rng)
{
    uint64_t u = s_below (rng, remaining);
    size_t pos = 0;
    for (size_t step = top; step > 0; step >>= 1) {
        size_t next = pos + step;
        if (next > n)
            continue;
        if (tree[next] <= u) {
            u -= tree[next];
            pos = next;
        }
        else
            tree[next]--;
    }
    return pos + 1;
}

/*  Relative order volume of day d of days (0 = first day). */
static double
s_day_weight (int32_t date, int d, int days, uint64_t *rng)
{
    int year, month, day;
    ecom_date_to_ymd (date, &year, &month, &day);
    double weight = 0.7 + 0.6 * (double) d / (double) days;  /* growth */
    if (ecom_date_weekday (date) >= 6)
        weight *= 1.15;                                     /* weekends */
    if (month == 11)
        weight *= 1.25;                                     /* holiday season */
    else if (month == 12)
        weight *= 1.4;
    return weight * (0.9 + 0.2 * s_unit (rng));             /* daily noise */
}

/*  ---------------------------------------------------------------------------------------
    The daily rollup

    The seed sums agg_daily_sales (sql/0002: a day's orders, units and revenue) as it writes
    the orders, and copies the days into it, instead of fact_order's insert trigger hashing
    every order again after the COPY (sql/0009). The table is empty here (the star was
    empty, or truncated with fact_order); a row already there fails the COPY on the primary
    key, and the seed with it. Orders come day by day, so a day is complete when the next
    one starts; each is written to a binary COPY spooled to a temporary file until
    fact_order's COPY ends. */

typedef struct {
    ecom_copy_t *days; /* spooled binary COPY */
    int64_t orders, units, cents; /* the current day's */
} s_rollup_t;

static const char s_rollup_copy_sql[] =
    "COPY agg_daily_sales (date, orders, units, revenue) FROM STDIN (FORMAT binary)";

/*  Writes the day's row (day: its date) and starts the next. */
static void
s_rollup_end_day (s_rollup_t *self, int32_t day)
{
    if (self->orders) {
        ecom_copy_bin_row (self->days, 4);
        ecom_copy_bin_date (self->days, day);
        ecom_copy_bin_int8 (self->days, self->orders);
        ecom_copy_bin_int8 (self->days, self->units);
        ecom_copy_bin_cents (self->days, self->cents);
    }
    self->orders = self->units = self->cents = 0;
}

/*  Writes the orders into fact (a binary COPY of order_id, order_date, customer_key,
    product_key, quantity, unit_price) and their days into days (s_rollup_copy_sql's rows).
    Returns 0, or -1 when out of memory. */
static int
s_orders (ecom_copy_t *fact, ecom_copy_t *days, const seed_options_t *o, uint64_t *rng,
          const long *price_cents, seed_progress_fn *progress, void *arg)
{
    int32_t first = o->end_date - o->days + 1;
    double *day_cum = calloc ((size_t) o->days, sizeof *day_cum);
    long *per_day = calloc ((size_t) o->days, sizeof *per_day);
    uint32_t *urn = s_customer_orders (o->customers, o->orders, rng);
    double *product_cum = s_zipf ((size_t) o->products, 3.0, 1.1, rng);
    s_rollup_t rollup = {.days = days};
    int rc = -1;
    if (!day_cum || !per_day || !urn || !product_cum)
        goto done;
    s_urn_build (urn, (size_t) o->customers);
    size_t top = 1;
    while (top * 2 <= (size_t) o->customers)
        top *= 2;
    double total = 0;
    for (int d = 0; d < o->days; d++) {
        total += s_day_weight (first + d, d, o->days, rng);
        day_cum[d] = total;
    }
    for (long i = 0; i < o->orders; i++)
        per_day[s_pick (day_cum, (size_t) o->days, rng)]++;

    long order = 0, step = o->orders / 100 > 0 ? o->orders / 100 : 1;
    for (int d = 0; d < o->days; d++) {
        int32_t day = first + d;
        for (long k = 0; k < per_day[d]; k++) {
            size_t customer = s_urn_draw (urn, (size_t) o->customers, top,
                                          (uint64_t) (o->orders - order), rng);
            size_t product = s_pick (product_cum, (size_t) o->products, rng);
            double u = s_unit (rng);
            int quantity = u < 0.62 ? 1 : u < 0.85 ? 2 : u < 0.94 ? 3 : u < 0.98 ? 4 : 5;
            long cents = price_cents[product];
            if (s_unit (rng) < 0.15) /* a 10% discount on some orders */
                cents = (cents * 9 + 5) / 10;
            order++;
            char id[24];
            int len = snprintf (id, sizeof id, "ORD-%08ld", order);
            ecom_copy_bin_row (fact, 6);
            ecom_copy_bin_bytes (fact, id, (size_t) len);
            ecom_copy_bin_date (fact, day);
            ecom_copy_bin_int4 (fact, (int32_t) customer);
            ecom_copy_bin_int4 (fact, (int32_t) product + 1);
            ecom_copy_bin_int4 (fact, quantity);
            ecom_copy_bin_cents (fact, cents);

            rollup.orders++;
            rollup.units += quantity;
            rollup.cents += (int64_t) quantity * cents;
            if (progress && order % step == 0)
                progress (arg, order, o->orders);
        }
        s_rollup_end_day (&rollup, day);
    }
    if (progress)
        progress (arg, order, o->orders);
    rc = 0;
done:
    free (day_cum);
    free (per_day);
    free (urn);
    free (product_cum);
    return rc;
}

int
seed_run (PGconn *conn, const seed_options_t *options, seed_progress_fn *progress, void *arg,
          seed_counts_t *counts, long long *data_version, char *err, size_t errlen)
{
    char why[1024] = "";
    seed_options_t resolved = *options;
    const seed_options_t *o = &resolved;
    if (resolved.customers == 0)
        resolved.customers = seed_default_customers (resolved.orders);
    if (resolved.products == 0)
        resolved.products = seed_default_products (resolved.orders);
    if (o->customers < 1 || o->customers > SEED_MAX_CUSTOMERS || o->products < 1
        || o->products > SEED_MAX_PRODUCTS || o->orders < 0 || o->orders > SEED_MAX_ORDERS
        || o->days < 1 || o->days > SEED_MAX_DAYS) {
        snprintf (err, errlen, "seed options out of range");
        return -1;
    }
    uint64_t rng = o->random_seed;
    ecom_copy_t *copy = NULL, *days = NULL;
    long *price_cents = malloc ((size_t) o->products * sizeof *price_cents);
    if (!price_cents) {
        snprintf (why, sizeof why, "out of memory");
        goto fail;
    }
    if (ecom_db_exec (conn, "BEGIN", why, sizeof why))
        goto fail;
    if (o->reset) {
        if (ecom_db_exec (conn,
                          "TRUNCATE fact_order, dim_customer, dim_product RESTART IDENTITY",
                          why, sizeof why))
            goto fail;
    }
    else {
        long long existing = seed_existing_rows (conn, why, sizeof why);
        if (existing < 0)
            goto fail;
        if (existing > 0) {
            snprintf (why, sizeof why,
                      "the database already has customers, products or orders; "
                      "use --reset to replace them");
            goto fail;
        }
    }
    char first[11], last[11], sql[200];
    ecom_date_format (o->end_date - o->days + 1, first);
    ecom_date_format (o->end_date, last);
    snprintf (sql, sizeof sql, "SELECT dim_time_fill('%s', '%s')", first, last);
    if (ecom_db_exec (conn, sql, why, sizeof why))
        goto fail;

    copy = ecom_copy_begin (conn,
                            "COPY dim_customer (customer_key, customer_id, name, email, city,"
                            " country) FROM STDIN",
                            why, sizeof why);
    if (!copy)
        goto fail;
    s_customers (copy, o->customers, &rng);
    if (ecom_copy_end (&copy, why, sizeof why) < 0)
        goto fail;

    copy = ecom_copy_begin (conn,
                            "COPY dim_product (product_key, product_id, name, category) FROM STDIN",
                            why, sizeof why);
    if (!copy)
        goto fail;
    s_products (copy, o->products, &rng, price_cents);
    if (ecom_copy_end (&copy, why, sizeof why) < 0)
        goto fail;

    /* fact_order and agg_daily_sales are empty here: building fact_order's secondary indexes
       once after the COPY is several times faster than maintaining them row by row
       (docs/performance.md). The primary keys stay: order ids and days come in order. The
       seed writes the days itself (see "The daily rollup" above): the insert trigger
       leaves the COPY alone. */
    if (ecom_db_exec (conn, "SET LOCAL maintenance_work_mem = '256MB'", why, sizeof why)
        || ecom_indexes_drop (conn, "seed_indexes", "'fact_order', 'agg_daily_sales'", true,
                              why, sizeof why)
        || !(days = ecom_copy_spool_binary (why, sizeof why))
        || ecom_db_exec (conn, "SET LOCAL ecom.rollups_added_by_writer = on", why, sizeof why))
        goto fail;
    copy = ecom_copy_begin_binary (conn,
                                   "COPY fact_order (order_id, order_date, customer_key,"
                                   " product_key, quantity, unit_price) FROM STDIN"
                                   " (FORMAT binary)",
                                   why, sizeof why);
    if (!copy)
        goto fail;
    if (s_orders (copy, days, o, &rng, price_cents, progress, arg)) {
        ecom_copy_end (&copy, why, sizeof why); /* the ROLLBACK below undoes what it sent */
        snprintf (why, sizeof why, "out of memory");
        goto fail;
    }
    if (ecom_copy_end (&copy, why, sizeof why) < 0
        || ecom_db_exec (conn, "SET LOCAL ecom.rollups_added_by_writer = off", why, sizeof why))
        goto fail;
    if (ecom_copy_send (days, conn, s_rollup_copy_sql, why, sizeof why)
        || ecom_copy_end (&days, why, sizeof why) < 0
        || ecom_indexes_build (conn, "seed_indexes", why, sizeof why))
        goto fail;

    if (ecom_db_exec (conn,
                      "SELECT setval(pg_get_serial_sequence('dim_customer', 'customer_key'),"
                      "              greatest((SELECT max(customer_key) FROM dim_customer), 1));"
                      "SELECT setval(pg_get_serial_sequence('dim_product', 'product_key'),"
                      "              greatest((SELECT max(product_key) FROM dim_product), 1));"
                      "ANALYZE dim_customer, dim_product, fact_order, agg_daily_sales",
                      why, sizeof why))
        goto fail;
    long long version = ecom_data_version_bump (conn, why, sizeof why);
    if (version < 0 || ecom_db_exec (conn, "COMMIT", why, sizeof why))
        goto fail;
    if (data_version)
        *data_version = version;
    free (price_cents);
    if (counts
        && (ecom_db_query_int64 (conn, "SELECT count(*) FROM dim_customer", &counts->customers,
                                 err, errlen)
            || ecom_db_query_int64 (conn, "SELECT count(*) FROM dim_product", &counts->products,
                                    err, errlen)
            || ecom_db_query_int64 (conn, "SELECT count(*) FROM dim_time", &counts->dates, err,
                                    errlen)
            || ecom_db_query_int64 (conn, "SELECT count(*) FROM fact_order", &counts->orders,
                                    err, errlen)))
        return -1;
    return 0;
fail:
    if (days) {
        char ignored[256];
        ecom_copy_end (&days, ignored, sizeof ignored);
    }
    PQclear (PQexec (conn, "ROLLBACK"));
    free (price_cents);
    snprintf (err, errlen, "seed failed, nothing was loaded: %s", why);
    size_t n = strlen (err);
    while (n > 0 && err[n - 1] == '\n')
        err[--n] = '\0';
    return -1;
}
