/*  etl_runner: the ETL service's background loader, a thread with its own PostgreSQL
    connection, so the service keeps answering `status` while a load runs.

    Every second (or at once when etl_runner_wake() is called) it:
      1. marks failed, with a reason, every run left `running` whose loader is gone (each
         running load holds a session advisory lock on its run id; a run whose lock can be
         taken has no live loader: its process was killed);
      2. when the schedule is on and due, queues a `scheduled` run;
      3. runs the queued runs oldest first, one at a time.
    Steps 2 and 3 happen only while holding the session advisory lock "etl runner", so any
    number of ETL service instances run one load at a time, in queue order, and schedule
    once. The schedule is kept in the database: the next scheduled run is due
    ETL_SCHEDULE_SECONDS after the last one was queued (or after the first runner started). */
#ifndef ETL_RUNNER_H
#define ETL_RUNNER_H

#include "ecom_config.h"

#include <libpq-fe.h>
#include <stddef.h>

typedef struct _etl_runner_t etl_runner_t;

/*  Starts the runner thread. Returns NULL with a message in err when the thread cannot
    start; a database that is down is not an error (the runner retries every second). */
etl_runner_t *etl_runner_new (const ecom_config_t *config, char *err, size_t errlen);

/*  Asks the runner to look for queued runs now. Thread-safe. */
void etl_runner_wake (etl_runner_t *self);

/*  Stops the runner after the load in hand (if any) and joins it; nulls the pointer. */
void etl_runner_destroy (etl_runner_t **self_p);

/*  Marks failed every `running` run with no live loader. Returns how many, or -1 with err.
    (The runner calls it; ecomctl and tests may too.) */
long long etl_runner_fail_orphans (PGconn *conn, char *err, size_t errlen);

#endif
