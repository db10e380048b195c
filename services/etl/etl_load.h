/*  etl_load: the CSV orders load job of SPEC §5, shared by `ecomctl load-csv` and the ETL
    service. One run:
      queued   etl_load_queue() records it (committed at once, so status shows it);
      running  etl_load_run() marks it (committed), checks the header, then in ONE
               transaction reads every record once: valid orders go straight into
               fact_order with COPY while their ids keep increasing above the table's
               (etl_direct), and from the first one that cannot, into a staging table with
               the rest (a rejected record with its line, raw text and reason); it stores
               the rejects, fills dim_time, upserts customers and products (the last valid
               row of the file wins), inserts the staged orders whose order_id is new (the
               first occurrence in the file wins), records the counts and success, and bumps
               the data version when the load changed data: an order loaded, a customer or
               product inserted, or one of their attributes changed (a load that changes
               nothing keeps the version, so cached answers stay valid);
      success  or failed, with the reason (an unreadable file, a wrong header, a database
               error). A failed or interrupted run loads nothing: the transaction never
               commits. Loads are serialized by an advisory lock. */
#ifndef ETL_LOAD_H
#define ETL_LOAD_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

/*  The advisory locks of the ETL (the two-integer form, its first integer this class, as
    SQL text): (ETL_LOCK_CLASS, 0) is the runner's (etl_runner: one process queues and runs
    loads at a time), (ETL_LOCK_CLASS, run_id) is held by the loader of that run from
    before it is marked running until it ends (etl_runner_fail_orphans). */
#define ETL_LOCK_CLASS "4242"

typedef struct {
    long long run_id;
    char task_id[40];
    long long rows_read;      /* data records (the header excluded) */
    long long rows_loaded;    /* new orders inserted */
    long long rows_skipped;   /* valid rows whose order_id was already loaded or repeated */
    long long rows_rejected;  /* malformed rows, kept in etl_rejects */
    bool data_changed;        /* the run changed data: its data_version was bumped, and
                                 must be published */
    long long data_version;   /* after a successful run (the one before it when nothing
                                 changed) */
    char error[512];          /* why the run failed */
} etl_load_result_t;

/*  Records a queued run of the job for source, started by trigger ("manual", "scheduled"
    or "cli"). Returns its run_id and writes its task id (a UUID), or returns -1 with the
    server's message in err. */
long long etl_load_queue (PGconn *conn, const char *trigger, const char *source,
                          char task_id[40], char *err, size_t errlen);

/*  Runs the queued run run_id on the file at path (see above). Returns 0 when the run
    succeeded, -1 when it failed (result->error says why, and the run is recorded failed). */
int etl_load_run (PGconn *conn, long long run_id, const char *path, etl_load_result_t *result);

#endif
