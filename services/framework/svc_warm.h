/*  svc_warm: the bookkeeping of a service's warm runs (svc_def_t.warm, svc_warm() in svc.h).

    A run starts when the data version rises above the last run's (the first version an
    instance sees counts as a rise, so an instance warms once at start too; a view found
    cached costs one lookup). svc_batch.c feeds it the version it reads (once a second between
    batches), takes the run's views one by one as encoded requests, runs each through the
    normal batch path in warm mode (which counts the outcome into the run's stats instead of
    answering anyone) and calls svc_warmer_advance() after each; after the last view the run's
    line is logged:

        msg="cache warmed" version=8 views=3 computed=2 cached=1 skipped=0 failed=0
        duration_ms=41.2 behind=0

    A rise during a run starts the run over at the new version. A run whose views were
    behind (computed from a standby that lagged, so not cached) is started over at its
    version by svc_warmer_again(), which svc_batch.c calls once the standby has that version. */
#ifndef SVC_WARM_H
#define SVC_WARM_H

#include <stdbool.h>
#include <stddef.h>

#include "svc.h"

/*  How often an instance reads the data version to notice a load (one GET). */
#define SVC_WARM_CHECK_MS 1000

typedef struct _svc_warmer_t svc_warmer_t;

/*  A warmer for list (ends with {NULL}; must outlive the warmer). Returns NULL when out of
    memory. */
svc_warmer_t *svc_warmer_new (const svc_warm_t *list);

/*  NULL-safe; nulls the caller's pointer. */
void svc_warmer_destroy (svc_warmer_t **self_p);

/*  The data version just read. Starts a run (over) and returns true when it is above the
    last run's. */
bool svc_warmer_version (svc_warmer_t *self, long long version);

/*  The version of the last run when it is over and some of its views were behind (computed
    from a standby that lagged: not cached), else 0. */
long long svc_warmer_behind (const svc_warmer_t *self);

/*  Starts the last run over at its version: for a run whose views were behind, once the
    standby has that version. */
void svc_warmer_again (svc_warmer_t *self);

/*  True while the current run has views left. */
bool svc_warmer_pending (const svc_warmer_t *self);

/*  The encoded request (free()) of the run's next view and its *size; NULL when no view is
    left or out of memory (the caller counts that view as failed). */
char *svc_warmer_next (svc_warmer_t *self, size_t *size);

/*  The current run's stats, for the batch path to count a view's outcome into. */
svc_warm_stats_t *svc_warmer_stats (svc_warmer_t *self);

/*  Moves past the view just run. After the last one, logs the run's line, copies its
    stats into *stats (when not NULL) and returns true. */
bool svc_warmer_advance (svc_warmer_t *self, svc_warm_stats_t *stats);

#endif
