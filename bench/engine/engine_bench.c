/*  engine_bench: loads the analytics store from DATABASE_URL once, then times each engine
    answer over the ranges of bench/scale.sh (min and p50 of N runs, CPU time of this
    thread), so the compute cost is seen apart from HTTP, MDP, Redis and a busy machine.
        engine_bench [RUNS]          (default 9) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ecom_date.h"
#include "ecom_db.h"
#include "engine_rfm.h"
#include "engine_top.h"
#include "engine_breakdown.h"
#include "engine_cohorts.h"
#include "engine_filter.h"
#include "engine_totals.h"
#include "store.h"

static double
s_cpu_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

static int
s_cmp (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

typedef enum { S_KPIS, S_SEGMENTS, S_TOP, S_TREND, S_BREAKDOWN, S_COHORTS } s_what_t;

/*  The filter of a case: none, a country, a category (the store's first of each). */
typedef enum { S_NONE, S_COUNTRY, S_CATEGORY } s_filter_t;

static void
s_run (const store_t *store, s_what_t what, const engine_filter_t *f, int32_t start, int32_t end)
{
    engine_totals_t totals;
    engine_rfm_t rfm;
    engine_top_t items[100];
    engine_group_t groups[100], total;
    engine_point_t points[800];
    engine_cohorts_t grid;
    size_t count;
    if (what == S_KPIS)
        engine_totals (store, start, end, f, &totals);
    else if (what == S_SEGMENTS)
        engine_rfm (store, start, end, end, f, &rfm);
    else if (what == S_TOP)
        engine_top (store, start, end, f, false, 100, items, &count);
    else if (what == S_TREND && end - start < 800)
        engine_trend (store, start, end, ENGINE_DAY, f, points, (size_t) ((int64_t) end - start + 1));
    else if (what == S_BREAKDOWN)
        engine_breakdown (store, start, end, f, ENGINE_BY_CITY, 100, groups, &count, &total);
    else if (what == S_COHORTS && engine_cohorts (store, start, end, f, &grid) == 0)
        engine_cohorts_free (&grid);
}

static void
s_time (const store_t *store, s_what_t what, s_filter_t which, const char *label, int32_t start,
        int32_t end, int runs)
{
    double t[64] = {0};
    engine_filter_t f =
        engine_filter (store, which == S_COUNTRY ? store_dict_text (store->countries, 0) : NULL,
                       which == S_CATEGORY ? store_dict_text (store->categories, 0) : NULL);
    for (int r = 0; r < runs; r++) {
        double began = s_cpu_ms ();
        s_run (store, what, &f, start, end);
        t[r] = s_cpu_ms () - began;
    }
    qsort (t, (size_t) runs, sizeof *t, s_cmp);
    printf ("| %-44s | %8.2f | %8.2f |\n", label, t[0], t[runs / 2]);
}

int
main (int argc, char **argv)
{
    long runs = argc > 1 ? strtol (argv[1], NULL, 10) : 9;
    runs = runs < 1 ? 1 : runs > 64 ? 64 : runs;
    const char *url = getenv ("DATABASE_URL");
    char err[512];
    PGconn *conn = url ? ecom_db_connect (url, err, sizeof err) : NULL;
    if (!conn) {
        fprintf (stderr, "engine_bench: %s\n", url ? err : "DATABASE_URL is not set");
        return 1;
    }
    double began = s_cpu_ms ();
    struct timespec w0, w1;
    clock_gettime (CLOCK_MONOTONIC, &w0);
    store_t *store = store_load (conn, NULL, err, sizeof err);
    clock_gettime (CLOCK_MONOTONIC, &w1);
    if (!store) {
        fprintf (stderr, "engine_bench: %s\n", err);
        return 1;
    }
    printf ("store: %zu orders, %u customers, %u products, %u days, %.1f MiB; load %.1f s wall, "
            "%.1f s CPU here\n",
            store->orders, store->customers, store->products, store->span,
            (double) store_bytes (store) / (1 << 20),
            (double) (w1.tv_sec - w0.tv_sec) + (double) (w1.tv_nsec - w0.tv_nsec) / 1e9,
            (s_cpu_ms () - began) / 1e3);
    clock_gettime (CLOCK_MONOTONIC, &w0);
    began = s_cpu_ms ();
    store_t *again = store_load (conn, store, err, sizeof err);
    clock_gettime (CLOCK_MONOTONIC, &w1);
    if (!again) {
        fprintf (stderr, "engine_bench: %s\n", err);
        return 1;
    }
    printf ("refresh (orders read: %zu): %.2f s wall, %.2f s CPU here\n\n", again->refreshed_orders,
            (double) (w1.tv_sec - w0.tv_sec) + (double) (w1.tv_nsec - w0.tv_nsec) / 1e9,
            (s_cpu_ms () - began) / 1e3);
    store_destroy (&store);
    store = again;
    int32_t first = store->first_day, last = store->last_day;
    int32_t month = ecom_date_from_ymd (2025, 6, 1), quarter = ecom_date_from_ymd (2025, 4, 1);
    int32_t mid_a = ecom_date_from_ymd (2024, 3, 17), mid_b = ecom_date_from_ymd (2025, 9, 12);
    struct {
        s_what_t what;
        s_filter_t filter;
        const char *label;
        int32_t start, end;
    } cases[] = {
        {S_KPIS, S_NONE, "kpis, no dates", first, last},
        {S_KPIS, S_NONE, "kpis, one month", month, month + 29},
        {S_KPIS, S_NONE, "kpis, a quarter", quarter, month + 29},
        {S_KPIS, S_NONE, "kpis, 2024-03-17..2025-09-12", mid_a, mid_b},
        {S_KPIS, S_COUNTRY, "kpis, a country, no dates", first, last},
        {S_KPIS, S_CATEGORY, "kpis, a category, 2024-03-17..2025-09-12", mid_a, mid_b},
        {S_TREND, S_CATEGORY, "trend daily, a category, no dates", first, last},
        {S_SEGMENTS, S_NONE, "segments, no dates", first, last},
        {S_SEGMENTS, S_NONE, "segments, a quarter", quarter, month + 29},
        {S_SEGMENTS, S_NONE, "segments, 2024-03-17..2025-09-12", mid_a, mid_b},
        {S_SEGMENTS, S_CATEGORY, "segments, a category, no dates", first, last},
        {S_TOP, S_NONE, "top sellers 100, no dates", first, last},
        {S_TOP, S_NONE, "top sellers 100, 2024-03-17..2025-09-12", mid_a, mid_b},
        {S_TOP, S_COUNTRY, "top sellers 100, a country, no dates", first, last},
        {S_BREAKDOWN, S_NONE, "breakdown by city, no dates", first, last},
        {S_BREAKDOWN, S_CATEGORY, "breakdown by city, a category, a quarter", quarter, month + 29},
        {S_COHORTS, S_NONE, "cohorts, no dates (24 months)", first, last},
        {S_COHORTS, S_COUNTRY, "cohorts, a country, 2024-03-17..2025-09-12", mid_a, mid_b},
    };
    printf ("| answer | min ms | p50 ms |\n|---|---|---|\n");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        s_time (store, cases[i].what, cases[i].filter, cases[i].label, cases[i].start, cases[i].end,
                runs);
    store_destroy (&store);
    PQfinish (conn);
    return 0;
}
