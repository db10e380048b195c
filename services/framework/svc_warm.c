/*  svc_warm: the bookkeeping of a service's warm runs (see svc_warm.h). */
#include "svc_warm.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ecom_log.h"

struct _svc_warmer_t {
    const svc_warm_t *list;
    int views;         /* the list's length */
    long long version; /* the version of the current (or last) run; 0: none yet */
    int next;          /* the current run's next view; views when none is left */
    double started_ms; /* when the current run started (monotonic) */
    svc_warm_stats_t stats;
};

static double
s_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

svc_warmer_t *
svc_warmer_new (const svc_warm_t *list)
{
    svc_warmer_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->list = list;
    while (list && list[self->views].op)
        self->views++;
    self->next = self->views;
    return self;
}

void
svc_warmer_destroy (svc_warmer_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free (*self_p);
    *self_p = NULL;
}

bool
svc_warmer_version (svc_warmer_t *self, long long version)
{
    if (version <= self->version || self->views == 0)
        return false;
    self->version = version;
    self->next = 0;
    self->started_ms = s_now_ms ();
    self->stats = (svc_warm_stats_t){.version = version, .views = self->views};
    return true;
}

long long
svc_warmer_behind (const svc_warmer_t *self)
{
    return self->next >= self->views && self->stats.behind > 0 ? self->version : 0;
}

void
svc_warmer_again (svc_warmer_t *self)
{
    long long version = self->version;
    self->version = 0;
    svc_warmer_version (self, version);
}

bool
svc_warmer_pending (const svc_warmer_t *self)
{
    return self->next < self->views;
}

char *
svc_warmer_next (svc_warmer_t *self, size_t *size)
{
    if (self->next >= self->views)
        return NULL;
    const svc_warm_t *view = &self->list[self->next];
    size_t count = 0;
    while (view->params && view->params[2 * count] && view->params[2 * count + 1])
        count++;
    proto_param_t *params = calloc (count ? count : 1, sizeof *params);
    if (!params)
        return NULL;
    for (size_t i = 0; i < count; i++)
        params[i] = (proto_param_t){.key = view->params[2 * i], .value = view->params[2 * i + 1]};
    proto_request_t req = {
        .op = view->op, .param_count = count, .params = params, .request_id = "warm"};
    char *data = proto_request_encode (&req, size);
    free (params);
    return data;
}

svc_warm_stats_t *
svc_warmer_stats (svc_warmer_t *self)
{
    return &self->stats;
}

bool
svc_warmer_advance (svc_warmer_t *self, svc_warm_stats_t *stats)
{
    if (self->next >= self->views)
        return false;
    if (++self->next < self->views)
        return false;
    self->stats.duration_ms = s_now_ms () - self->started_ms;
    ecom_info ("msg=\"cache warmed\" version=%lld views=%d computed=%d cached=%d skipped=%d "
               "failed=%d duration_ms=%.1f behind=%d",
               self->stats.version, self->stats.views, self->stats.computed, self->stats.cached,
               self->stats.skipped, self->stats.failed, self->stats.duration_ms,
               self->stats.behind);
    if (stats)
        *stats = self->stats;
    return true;
}
