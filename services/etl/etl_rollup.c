#include "etl_rollup.h"

#include "ecom_copy.h"
#include "ecom_date.h"
#include "ecom_db.h"

#include <stdbool.h>
#include <stdlib.h>

/*  rollups_add()'s grouping sets: a day, a customer's month, a product's month. */
enum { S_DAY = 3, S_CUSTOMER_MONTH = 5, S_PRODUCT_MONTH = 6 };

/*  One group (set 0: an empty slot). day is the order date for S_DAY, else the month's first
    day; key is 0 for S_DAY. */
typedef struct {
    int32_t set, day, key, last_day;
    int64_t orders, units, cents;
} s_group_t;

struct _etl_rollup_t {
    s_group_t *slots; /* open addressing, linear probing; a power of two, at most half full */
    size_t mask, count, limit;
};

etl_rollup_t *
etl_rollup_new (size_t limit)
{
    etl_rollup_t *self = calloc (1, sizeof *self);
    if (self) {
        self->mask = 4095;
        self->limit = limit ? limit : 1;
        self->slots = calloc (self->mask + 1, sizeof *self->slots);
    }
    if (!self || !self->slots) {
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
    free ((*self_p)->slots);
    free (*self_p);
    *self_p = NULL;
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

/*  Twice the slots. Returns 0, or -1 when out of memory. */
static int
s_grow (etl_rollup_t *self)
{
    size_t mask = self->mask * 2 + 1;
    s_group_t *slots = calloc (mask + 1, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i <= self->mask; i++) {
        const s_group_t *g = &self->slots[i];
        if (g->set)
            *s_find (slots, mask, g->set, g->day, g->key) = *g;
    }
    free (self->slots);
    self->slots = slots;
    self->mask = mask;
    return 0;
}

/*  The group, created empty when new (the table has room: see etl_rollup_add). Returns
    NULL when refused (full). */
static s_group_t *
s_group (etl_rollup_t *self, int32_t set, int32_t day, int32_t key)
{
    s_group_t *g = s_find (self->slots, self->mask, set, day, key);
    if (g->set)
        return g;
    if (self->count == self->limit)
        return NULL;
    *g = (s_group_t) {.set = set, .day = day, .key = key, .last_day = INT32_MIN};
    self->count++;
    return g;
}

/*  Whether the group can take units and cents more within 64 bits. */
static bool
s_fits (const s_group_t *g, int64_t units, int64_t cents)
{
    int64_t sum;
    return !__builtin_add_overflow (g->units, units, &sum)
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
    /*  Room for the row's three groups first: growing moves the groups. */
    if ((self->count + 3) * 2 > self->mask + 1 && s_grow (self))
        return -1;
    /*  An empty group left behind by a refusal is skipped by etl_rollup_apply(). */
    s_group_t *groups[3] = {s_group (self, S_DAY, day, 0), NULL, NULL};
    if (groups[0])
        groups[1] = s_group (self, S_CUSTOMER_MONTH, month, customer_key);
    if (groups[1])
        groups[2] = s_group (self, S_PRODUCT_MONTH, month, product_key);
    if (!groups[2])
        return -1;
    for (int i = 0; i < 3; i++)
        if (!s_fits (groups[i], quantity, cents))
            return -1;
    for (int i = 0; i < 3; i++) {
        groups[i]->orders++;
        groups[i]->units += quantity;
        groups[i]->cents += cents;
    }
    if (day > groups[1]->last_day)
        groups[1]->last_day = day;
    return 0;
}

static const char s_table_sql[] =
    "CREATE TEMP TABLE etl_rollup_groups (grouping_set integer, day date, key integer,"
    " orders bigint, units bigint, revenue numeric(20,2), last_day date) ON COMMIT DROP";

static const char s_apply_sql[] =
    "SELECT rollups_add(array_agg(grouping_set), array_agg(day), array_agg(key),"
    "                   array_agg(orders), array_agg(units), array_agg(revenue),"
    "                   array_agg(last_day))"
    " FROM etl_rollup_groups";

int
etl_rollup_apply (const etl_rollup_t *self, PGconn *conn, char *err, size_t errlen)
{
    if (ecom_db_exec (conn, s_table_sql, err, errlen))
        return -1;
    ecom_copy_t *copy = ecom_copy_begin_binary (conn, "COPY etl_rollup_groups FROM STDIN (FORMAT binary)",
                                                err, errlen);
    if (!copy)
        return -1;
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
            ecom_copy_bin_date (copy, g->last_day);
        else
            ecom_copy_bin_null (copy);
    }
    if (ecom_copy_end (&copy, err, errlen) < 0)
        return -1;
    return ecom_db_exec (conn, s_apply_sql, err, errlen);
}
