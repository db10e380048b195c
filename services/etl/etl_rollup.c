#include "etl_rollup.h"

#include "ecom_copy.h"
#include "ecom_date.h"
#include "ecom_db.h"

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
    s_group_t *slots; /* open addressing, linear probing; twice the limit, a power of two */
    size_t mask, count, limit;
    ecom_copy_t *spool; /* the groups written out, once the table was full */
    size_t spills;
};

/*  The staging table of the groups, and its COPY. */
static const char s_table_sql[] =
    "CREATE TEMP TABLE etl_rollup_groups (grouping_set integer, day date, key integer,"
    " orders bigint, units bigint, revenue numeric(20,2), last_day date) ON COMMIT DROP";
static const char s_copy_sql[] = "COPY etl_rollup_groups FROM STDIN (FORMAT binary)";

etl_rollup_t *
etl_rollup_new (size_t limit)
{
    etl_rollup_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->limit = limit < 3 ? 3 : limit;
    size_t slots = 8;
    while (slots < self->limit * 2)
        slots *= 2;
    self->mask = slots - 1;
    self->slots = calloc (slots, sizeof *self->slots);
    if (!self->slots) {
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
    if (self->spool) {
        char ignored[256];
        ecom_copy_end (&self->spool, ignored, sizeof ignored);
    }
    free (self->slots);
    free (self);
    *self_p = NULL;
}

size_t
etl_rollup_spills (const etl_rollup_t *self)
{
    return self->spills;
}

static size_t
s_hash (int32_t set, int32_t day, int32_t key)
{
    uint64_t h = ((uint64_t) (uint32_t) key << 32 | (uint32_t) day) * 0x9E3779B97F4A7C15ULL;
    h ^= (uint64_t) set * 0xC2B2AE3D27D4EB4FULL;
    return (size_t) (h ^ (h >> 29));
}

static s_group_t *
s_find (s_group_t *slots, size_t mask, int32_t set, int32_t day, int32_t key)
{
    for (size_t i = s_hash (set, day, key) & mask;; i = (i + 1) & mask) {
        s_group_t *g = &slots[i];
        if (!g->set || (g->set == set && g->day == day && g->key == key))
            return g;
    }
}

/*  The group, created empty when new (the table has room: see etl_rollup_add). */
static s_group_t *
s_group (etl_rollup_t *self, int32_t set, int32_t day, int32_t key)
{
    s_group_t *g = s_find (self->slots, self->mask, set, day, key);
    if (!g->set) {
        *g = (s_group_t) {.set = (uint8_t) set, .day = day, .key = key};
        self->count++;
    }
    return g;
}

/*  Writes every group with orders to copy as a row of etl_rollup_groups. */
static void
s_write (const etl_rollup_t *self, ecom_copy_t *copy)
{
    for (size_t i = 0; i <= self->mask; i++) {
        const s_group_t *g = &self->slots[i];
        if (!g->set || !g->orders)
            continue;
        ecom_copy_bin_row (copy, 7);
        ecom_copy_bin_int4 (copy, g->set);
        ecom_copy_bin_date (copy, g->day);
        if (g->set == S_DAY)
            ecom_copy_bin_null (copy);
        else
            ecom_copy_bin_int4 (copy, g->key);
        ecom_copy_bin_int8 (copy, g->orders);
        ecom_copy_bin_int8 (copy, g->units);
        ecom_copy_bin_cents (copy, g->cents);
        if (g->set == S_CUSTOMER_MONTH)
            ecom_copy_bin_date (copy, g->day + g->last - 1);
        else
            ecom_copy_bin_null (copy);
    }
}

/*  Writes the groups out to the spool (made at the first time) and empties the table.
    Returns 0, or -1 when the spool cannot be made (the table is left as it is). */
static int
s_spill (etl_rollup_t *self)
{
    char err[256];
    if (!self->spool && !(self->spool = ecom_copy_spool_binary (err, sizeof err)))
        return -1;
    s_write (self, self->spool);
    memset (self->slots, 0, (self->mask + 1) * sizeof *self->slots);
    self->count = 0;
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
        groups[i] = s_find (self->slots, self->mask, sets[i], days[i], keys[i]);
        new_groups += !groups[i]->set;
    }
    if (new_groups) {
        /*  Room for the new groups first (writing out empties the table), then made one
            after the other (two new ones may have found the same empty slot). */
        if (self->count + new_groups > self->limit && s_spill (self))
            return -1;
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

/*  The groups, to rollups_add(): as they are, or, when some were written out more than
    once (a customer's month in the table before and after it was emptied), added up first.
    In key order, so that the upserts meet the rollups' primary keys in order. */
static const char s_apply_sql[] =
    "SELECT rollups_add(array_agg(grouping_set), array_agg(day), array_agg(key),"
    "                   array_agg(orders), array_agg(units), array_agg(revenue),"
    "                   array_agg(last_day))"
    " FROM (SELECT * FROM etl_rollup_groups ORDER BY grouping_set, key, day) g";

static const char s_apply_summed_sql[] =
    "SELECT rollups_add(array_agg(grouping_set), array_agg(day), array_agg(key),"
    "                   array_agg(orders), array_agg(units), array_agg(revenue),"
    "                   array_agg(last_day))"
    " FROM (SELECT grouping_set, day, key, sum(orders)::bigint AS orders,"
    "              sum(units)::bigint AS units, sum(revenue) AS revenue,"
    "              max(last_day) AS last_day"
    "       FROM etl_rollup_groups GROUP BY grouping_set, key, day"
    "       ORDER BY grouping_set, key, day) g";

int
etl_rollup_apply (etl_rollup_t *self, PGconn *conn, char *err, size_t errlen)
{
    if (ecom_db_exec (conn, s_table_sql, err, errlen))
        return -1;
    ecom_copy_t *copy = self->spool;
    self->spool = NULL;
    if (copy && ecom_copy_send (copy, conn, s_copy_sql, err, errlen)) {
        char ignored[256];
        ecom_copy_end (&copy, ignored, sizeof ignored);
        return -1;
    }
    if (!copy && !(copy = ecom_copy_begin_binary (conn, s_copy_sql, err, errlen)))
        return -1;
    s_write (self, copy);
    if (ecom_copy_end (&copy, err, errlen) < 0)
        return -1;
    return ecom_db_exec (conn, self->spills ? s_apply_summed_sql : s_apply_sql, err, errlen);
}
