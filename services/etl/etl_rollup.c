#include "etl_rollup.h"

#include "ecom_copy.h"
#include "ecom_date.h"
#include "ecom_db.h"
#include "etl_indexes.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  rollups_add()'s grouping sets: a day, a customer's month, a product's month. */
enum { S_DAY = 3, S_CUSTOMER_MONTH = 5, S_PRODUCT_MONTH = 6 };

/*  One group (set 0: an empty slot), 32 bytes. day is the order date for S_DAY, else the
    month's first day; key is 0 for S_DAY; last is the last order date's day of the month
    (S_CUSTOMER_MONTH; 0: none yet). */
typedef struct {
    int32_t day, key;
    int64_t units, cents;
    uint32_t orders;
    uint8_t set, last;
} s_group_t;

struct _etl_rollup_t {
    s_group_t *slots; /* open addressing, linear probing over n slots, at most 4/5 full */
    size_t n, count, limit;
    s_group_t *kept;  /* room for the groups a spill keeps (limit of them) */
    ecom_copy_t *spools[3]; /* the groups written out, once the table was full: a stream
                               per grouping set (s_set_index), in its rollup's columns */
    size_t spills;
    int32_t newest;     /* the latest month of a row added */
    int32_t spilled;    /* the latest month of a group written out (INT32_MIN: none) */
    bool repeats;       /* a group may have been written out more than once */
};

/*  The groups of each grouping set (s_set_index) go to a table of the columns of its
    rollup: the rollup itself when it is empty and nobody else can write it (see
    etl_rollup_apply), else a temporary table of the same shape (dropped at commit). */
static const char *const s_rollup_columns[3] = {
    "agg_daily_sales (date, orders, units, revenue)",
    "agg_customer_monthly (customer_key, month, orders, revenue, last_date)",
    "agg_product_monthly (product_key, month, orders, units, revenue)"};
static const char *const s_temp_tables[3] = {"etl_rollup_days", "etl_rollup_customers",
                                             "etl_rollup_products"};
static const char s_tables_sql[] =
    "CREATE TEMP TABLE etl_rollup_days (day date, orders bigint, units bigint,"
    " revenue numeric(20,2)) ON COMMIT DROP;"
    "CREATE TEMP TABLE etl_rollup_customers (key integer, day date, orders bigint,"
    " revenue numeric(20,2), last_day date) ON COMMIT DROP;"
    "CREATE TEMP TABLE etl_rollup_products (key integer, day date, orders bigint, units bigint,"
    " revenue numeric(20,2)) ON COMMIT DROP";

static int
s_set_index (int set)
{
    return set == S_DAY ? 0 : set == S_CUSTOMER_MONTH ? 1 : 2;
}

etl_rollup_t *
etl_rollup_new (size_t limit)
{
    etl_rollup_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->limit = limit < 3 ? 3 : limit;
    size_t slots = self->limit / 4 * 5 + 5;
    self->n = slots;
    self->slots = calloc (slots, sizeof *self->slots);
    self->kept = malloc (self->limit * sizeof *self->kept);
    self->newest = self->spilled = INT32_MIN;
    if (!self->slots || !self->kept) {
        free (self->slots);
        free (self->kept);
        free (self);
        return NULL;
    }
    return self;
}

void
etl_rollup_destroy (etl_rollup_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    etl_rollup_t *self = *self_p;
    for (int i = 0; i < 3; i++)
        if (self->spools[i]) {
            char ignored[256];
            ecom_copy_end (&self->spools[i], ignored, sizeof ignored);
        }
    free (self->slots);
    free (self->kept);
    free (self);
    *self_p = NULL;
}

size_t
etl_rollup_spills (const etl_rollup_t *self)
{
    return self->spills;
}

bool
etl_rollup_repeats (const etl_rollup_t *self)
{
    return self->repeats;
}

/*  Every bit of the result depends on every bit of the group (MurmurHash3's finalizer):
    the low bits place it, and customer keys of one month differ in theirs and above. */
static size_t
s_hash (int32_t set, int32_t day, int32_t key)
{
    uint64_t h = ((uint64_t) (uint32_t) key << 32 | (uint32_t) day) ^ (uint64_t) set << 61;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return (size_t) h;
}

static s_group_t *
s_find (s_group_t *slots, size_t n, int32_t set, int32_t day, int32_t key)
{
    /*  The hash's low 32 bits scaled to n (no power of two needed). */
    for (size_t i = (size_t) (((s_hash (set, day, key) & 0xffffffffULL) * n) >> 32);;
         i = i + 1 == n ? 0 : i + 1) {
        s_group_t *g = &slots[i];
        if (!g->set || (g->set == set && g->day == day && g->key == key))
            return g;
    }
}

/*  The group, created empty when new (the table has room: see etl_rollup_add). */
static s_group_t *
s_group (etl_rollup_t *self, int32_t set, int32_t day, int32_t key)
{
    s_group_t *g = s_find (self->slots, self->n, set, day, key);
    if (!g->set) {
        *g = (s_group_t) {.set = (uint8_t) set, .day = day, .key = key};
        self->count++;
    }
    return g;
}

/*  The first day of the group's month. */
static int32_t
s_month (const s_group_t *g)
{
    return g->set == S_DAY ? ecom_date_month_start (g->day) : g->day;
}

/*  Writes a group as a row of its set's table (s_rollup_columns). */
static void
s_write (ecom_copy_t *copy, const s_group_t *g)
{
    switch (g->set) {
    case S_DAY:
        ecom_copy_bin_row (copy, 4);
        ecom_copy_bin_date (copy, g->day);
        ecom_copy_bin_int8 (copy, g->orders);
        ecom_copy_bin_int8 (copy, g->units);
        ecom_copy_bin_cents (copy, g->cents);
        break;
    case S_CUSTOMER_MONTH:
        ecom_copy_bin_row (copy, 5);
        ecom_copy_bin_int4 (copy, g->key);
        ecom_copy_bin_date (copy, g->day);
        ecom_copy_bin_int8 (copy, g->orders);
        ecom_copy_bin_cents (copy, g->cents);
        ecom_copy_bin_date (copy, g->day + g->last - 1);
        break;
    default:
        ecom_copy_bin_row (copy, 5);
        ecom_copy_bin_int4 (copy, g->key);
        ecom_copy_bin_date (copy, g->day);
        ecom_copy_bin_int8 (copy, g->orders);
        ecom_copy_bin_int8 (copy, g->units);
        ecom_copy_bin_cents (copy, g->cents);
    }
}

/*  Writes the groups out to the spool (made at the first time): those of the months before
    the newest one a row brought, which an export in date order does not name again, and
    keeps the newest month's; when they alone fill the table, all. Returns 0, or -1 when
    the spool cannot be made (the table is left as it is). */
static int
s_spill (etl_rollup_t *self)
{
    char err[256];
    for (int i = 0; i < 3; i++)
        if (!self->spools[i] && !(self->spools[i] = ecom_copy_spool_binary (err, sizeof err)))
            return -1;
    size_t kept = 0;
    for (int pass = 0; pass < 2; pass++) {
        kept = 0;
        bool all = pass == 1;
        for (size_t i = 0; i < self->n; i++) {
            s_group_t *g = &self->slots[i];
            if (!g->set)
                continue;
            int32_t month = s_month (g);
            if (!all && month >= self->newest) {
                self->kept[kept++] = *g;
                continue;
            }
            if (g->orders)
                s_write (self->spools[s_set_index (g->set)], g);
            if (month > self->spilled)
                self->spilled = month;
            g->set = 0;
        }
        if (kept + 3 <= self->limit)
            break;
    }
    memset (self->slots, 0, self->n * sizeof *self->slots);
    for (size_t k = 0; k < kept; k++)
        *s_find (self->slots, self->n, self->kept[k].set, self->kept[k].day,
                 self->kept[k].key)
            = self->kept[k];
    self->count = kept;
    self->spills++;
    return 0;
}

/*  Whether the group can take one order, units and cents more. */
static bool
s_fits (const s_group_t *g, int64_t units, int64_t cents)
{
    int64_t sum;
    return g->orders < UINT32_MAX && !__builtin_add_overflow (g->units, units, &sum)
           && !__builtin_add_overflow (g->cents, cents, &sum);
}

int
etl_rollup_add (etl_rollup_t *self, int32_t day, int32_t customer_key, int32_t product_key,
                int32_t quantity, int64_t unit_cents)
{
    int64_t cents;
    if (__builtin_mul_overflow ((int64_t) quantity, unit_cents, &cents))
        return -1;
    int32_t month = ecom_date_month_start (day);
    const int32_t sets[3] = {S_DAY, S_CUSTOMER_MONTH, S_PRODUCT_MONTH};
    const int32_t days[3] = {day, month, month}, keys[3] = {0, customer_key, product_key};
    s_group_t *groups[3];
    size_t new_groups = 0;
    for (int i = 0; i < 3; i++) {
        groups[i] = s_find (self->slots, self->n, sets[i], days[i], keys[i]);
        new_groups += !groups[i]->set;
    }
    if (month > self->newest)
        self->newest = month;
    if (new_groups) {
        /*  Room for the new groups first (writing out moves the groups), then made one
            after the other (two new ones may have found the same empty slot). A new group
            of a month already written out may repeat one written out. */
        if (self->count + new_groups > self->limit && s_spill (self))
            return -1;
        if (month <= self->spilled)
            self->repeats = true;
        for (int i = 0; i < 3; i++)
            groups[i] = s_group (self, sets[i], days[i], keys[i]);
    }
    /*  An empty group left behind by a refusal is skipped by s_write(). */
    for (int i = 0; i < 3; i++)
        if (!s_fits (groups[i], quantity, cents))
            return -1;
    for (int i = 0; i < 3; i++) {
        groups[i]->orders++;
        groups[i]->units += quantity;
        groups[i]->cents += cents;
    }
    uint8_t last = (uint8_t) (day - month + 1);
    if (last > groups[1]->last)
        groups[1]->last = last;
    return 0;
}

/*  The groups, to rollups_add(): as they are, or, when some may have been written out more
    than once (a group of a month written out came again), added up first. In key order, so
    that the upserts meet the rollups' primary keys in order. */
static const char s_apply_sql[] =
    "SELECT rollups_add(array_agg(grouping_set), array_agg(day), array_agg(key),"
    "                   array_agg(orders), array_agg(units), array_agg(revenue),"
    "                   array_agg(last_day))"
    " FROM (SELECT * FROM ("
    "         SELECT 3 AS grouping_set, day, NULL::integer AS key, orders, units, revenue,"
    "                NULL::date AS last_day FROM etl_rollup_days"
    "         UNION ALL SELECT 5, day, key, orders, NULL, revenue, last_day"
    "         FROM etl_rollup_customers"
    "         UNION ALL SELECT 6, day, key, orders, units, revenue, NULL FROM etl_rollup_products"
    "       ) u ORDER BY grouping_set, key, day) g";

static const char s_apply_summed_sql[] =
    "SELECT rollups_add(array_agg(grouping_set), array_agg(day), array_agg(key),"
    "                   array_agg(orders), array_agg(units), array_agg(revenue),"
    "                   array_agg(last_day))"
    " FROM (SELECT * FROM ("
    "         SELECT 3 AS grouping_set, day, NULL::integer AS key, sum(orders)::bigint AS orders,"
    "                sum(units)::bigint AS units, sum(revenue) AS revenue,"
    "                NULL::date AS last_day FROM etl_rollup_days GROUP BY day"
    "         UNION ALL SELECT 5, day, key, sum(orders)::bigint, NULL, sum(revenue),"
    "                max(last_day) FROM etl_rollup_customers GROUP BY key, day"
    "         UNION ALL SELECT 6, day, key, sum(orders)::bigint, sum(units)::bigint,"
    "                sum(revenue), NULL FROM etl_rollup_products GROUP BY key, day"
    "       ) u ORDER BY grouping_set, key, day) g";

/*  When the rollups are empty and nobody else can write them (the load holds fact_order
    exclusively, whose insert trigger is their only other writer) and no group was written
    out twice, the groups are copied straight into the rollups (COPY writes a page at a
    time), their indexes dropped before and built again after (like fact_order's on the
    bulk path, etl_indexes): half a million customer months take about a fifth of their
    upsert, which adds each one to the primary key as it goes. */
static const char s_empty_sql[] =
    "SELECT (NOT EXISTS (SELECT FROM agg_daily_sales) AND NOT EXISTS (SELECT FROM agg_customer_monthly)"
    "        AND NOT EXISTS (SELECT FROM agg_product_monthly))::int";
static const char s_rollup_tables[] =
    "'agg_daily_sales', 'agg_customer_monthly', 'agg_product_monthly'";

/*  Copies the groups of set index i (those written out, then the table's) into table.
    Returns 0, or -1 with err. */
static int
s_copy_set (etl_rollup_t *self, PGconn *conn, int i, const char *table, char *err,
            size_t errlen)
{
    char sql[160];
    snprintf (sql, sizeof sql, "COPY %s FROM STDIN (FORMAT binary)", table);
    ecom_copy_t *copy = self->spools[i];
    self->spools[i] = NULL;
    if (copy && ecom_copy_send (copy, conn, sql, err, errlen)) {
        char ignored[256];
        ecom_copy_end (&copy, ignored, sizeof ignored);
        return -1;
    }
    if (!copy && !(copy = ecom_copy_begin_binary (conn, sql, err, errlen)))
        return -1;
    for (size_t k = 0; k < self->n; k++) {
        const s_group_t *g = &self->slots[k];
        if (g->set && g->orders && s_set_index (g->set) == i)
            s_write (copy, g);
    }
    return ecom_copy_end (&copy, err, errlen) < 0 ? -1 : 0;
}

int
etl_rollup_apply (etl_rollup_t *self, PGconn *conn, bool exclusive, char *err, size_t errlen)
{
    long long empty = 0;
    if (exclusive && !self->repeats && ecom_db_query_int64 (conn, s_empty_sql, &empty, err, errlen))
        return -1;
    if (empty ? etl_indexes_drop (conn, "etl_rollup_indexes", s_rollup_tables, err, errlen)
              : ecom_db_exec (conn, s_tables_sql, err, errlen))
        return -1;
    for (int i = 0; i < 3; i++)
        if (s_copy_set (self, conn, i, empty ? s_rollup_columns[i] : s_temp_tables[i], err,
                        errlen))
            return -1;
    if (empty)
        return etl_indexes_build (conn, "etl_rollup_indexes", err, errlen);
    return ecom_db_exec (conn, self->repeats ? s_apply_summed_sql : s_apply_sql, err, errlen);
}
