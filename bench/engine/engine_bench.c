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

typedef enum { S_KPIS, S_SEGMENTS, S_TOP } s_what_t;

static void
s_time (const store_t *store, s_what_t what, const char *label, int32_t start, int32_t end,
        int runs)
{
    double t[64];
    for (int r = 0; r < runs; r++) {
        double began = s_cpu_ms ();
        engine_totals_t totals;
        engine_rfm_t rfm;
        engine_top_t items[100];
        size_t count;
        engine_filter_t none = engine_filter (store, NULL, NULL);
        if (what == S_KPIS)
            engine_totals (store, start, end, &none, &totals);
        else if (what == S_SEGMENTS)
            engine_rfm (store, start, end, end, &none, &rfm);
        else
            engine_top (store, start, end, &none, false, 100, items, &count);
        t[r] = s_cpu_ms () - began;
    }
    qsort (t, (size_t) runs, sizeof *t, s_cmp);
    printf ("| %-34s | %8.2f | %8.2f |\n", label, t[0], t[runs / 2]);
}

int
main (int argc, char **argv)
{
    int runs = argc > 1 ? atoi (argv[1]) : 9;
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
        const char *label;
        int32_t start, end;
    } cases[] = {
        {S_KPIS, "kpis, no dates", first, last},
        {S_KPIS, "kpis, one month", month, month + 29},
        {S_KPIS, "kpis, a quarter", quarter, month + 29},
        {S_KPIS, "kpis, 2024-03-17..2025-09-12", mid_a, mid_b},
        {S_SEGMENTS, "segments, no dates", first, last},
        {S_SEGMENTS, "segments, a quarter", quarter, month + 29},
        {S_SEGMENTS, "segments, 2024-03-17..2025-09-12", mid_a, mid_b},
        {S_TOP, "top sellers 100, no dates", first, last},
        {S_TOP, "top sellers 100, 2024-03-17..2025-09-12", mid_a, mid_b},
    };
    printf ("| answer | min ms | p50 ms |\n|---|---|---|\n");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        s_time (store, cases[i].what, cases[i].label, cases[i].start, cases[i].end, runs);
    store_destroy (&store);
    PQfinish (conn);
    return 0;
}
