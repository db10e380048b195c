#include "etl_rollup.h"

#include "ecom_copy.h"
#include "ecom_db.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  One day (orders 0: an empty slot; a day held has at least one order). */
typedef struct {
    int64_t units, cents;
    uint32_t orders;
    int32_t day;
} s_day_t;

struct _etl_rollup_t {
    s_day_t *slots; /* open addressing, linear probing over n slots, at most 4/5 full */
    size_t n, count, limit;
    ecom_copy_t *spool; /* the days written out, once the table was full */
    size_t spills;
};

/*  The days go to a temporary table (dropped at commit), summed there and handed to
    daily_sales_add() in date order, so that its upsert meets the primary key in order. */
static const char s_table_sql[] = "CREATE TEMP TABLE etl_rollup_days (day date, orders bigint,"
                                  " units bigint, revenue numeric(20,2)) ON COMMIT DROP";
static const char s_copy_sql[] = "COPY etl_rollup_days FROM STDIN (FORMAT binary)";
static const char s_apply_sql[] =
    "SELECT daily_sales_add(array_agg(day), array_agg(orders), array_agg(units),"
    "                       array_agg(revenue))"
    " FROM (SELECT day, sum(orders)::bigint AS orders, sum(units)::bigint AS units,"
    "              sum(revenue) AS revenue"
    "       FROM etl_rollup_days GROUP BY day ORDER BY day) d";

etl_rollup_t *
etl_rollup_new (size_t limit)
{
    etl_rollup_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->limit = limit < 1 ? 1 : limit;
    self->n = self->limit + self->limit / 4 + 1; /* always an empty slot: s_find ends */
    self->slots = calloc (self->n, sizeof *self->slots);
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

/*  The day's slot, or the empty slot where it goes (Fibonacci hashing: the top 32 bits of
    the product, scaled to n). */
static s_day_t *
s_find (s_day_t *slots, size_t n, int32_t day)
{
    uint64_t h = (uint32_t) day * 0x9e3779b97f4a7c15ULL;
    for (size_t i = (size_t) (((h >> 32) * n) >> 32);; i = i + 1 == n ? 0 : i + 1)
        if (!slots[i].orders || slots[i].day == day)
            return &slots[i];
}

/*  Writes a day as a row of etl_rollup_days. */
static void
s_write (ecom_copy_t *copy, const s_day_t *d)
{
    ecom_copy_bin_row (copy, 4);
    ecom_copy_bin_date (copy, d->day);
    ecom_copy_bin_int8 (copy, d->orders);
    ecom_copy_bin_int8 (copy, d->units);
    ecom_copy_bin_cents (copy, d->cents);
}

/*  Writes every day held to the spool (made the first time) and empties the table.
    Returns 0, or -1 when the spool cannot be made (the table is left as it is). */
static int
s_spill (etl_rollup_t *self)
{
    char err[256];
    if (!self->spool && !(self->spool = ecom_copy_spool_binary (err, sizeof err)))
        return -1;
    for (size_t i = 0; i < self->n; i++)
        if (self->slots[i].orders)
            s_write (self->spool, &self->slots[i]);
    memset (self->slots, 0, self->n * sizeof *self->slots);
    self->count = 0;
    self->spills++;
    return 0;
}

int
etl_rollup_add (etl_rollup_t *self, int32_t day, int32_t quantity, int64_t unit_cents)
{
    int64_t cents, sum;
    if (__builtin_mul_overflow ((int64_t) quantity, unit_cents, &cents))
        return -1;
    s_day_t *d = s_find (self->slots, self->n, day);
    if (!d->orders) {
        if (self->count == self->limit) {
            if (s_spill (self))
                return -1;
            d = s_find (self->slots, self->n, day);
        }
        *d = (s_day_t){.day = day};
        self->count++;
    }
    else if (d->orders == UINT32_MAX || __builtin_add_overflow (d->units, quantity, &sum)
             || __builtin_add_overflow (d->cents, cents, &sum)) {
        return -1;
    }
    /*  A new day's first order fits: 0 + an int32 quantity and 0 + any int64 cents. */
    d->orders++;
    d->units += quantity;
    d->cents += cents;
    return 0;
}

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
    for (size_t i = 0; i < self->n; i++)
        if (self->slots[i].orders)
            s_write (copy, &self->slots[i]);
    if (ecom_copy_end (&copy, err, errlen) < 0)
        return -1;
    return ecom_db_exec (conn, s_apply_sql, err, errlen);
}
