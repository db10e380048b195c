/*  svc_main: a service's process (svc.h's svc_main): arguments, configuration, the start
    hook, the MDP worker loop that serves batches and warms between them, and the stop. */
#include "svc_internal.h"

#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecom_config.h"
#include "ecom_log.h"
#include "mdp_curve.h"

/*  ---------------------------------------------------------------------------------------
    The process */

static void
s_usage (const char *prog, const svc_def_t *def)
{
    printf ("Usage: %s [--help]\n"
            "\n"
            "%s\n"
            "Registers as MDP service '%s' at the broker and answers its ops:",
            prog, def->summary, def->name);
    for (const svc_op_t *op = def->ops; op->op; op++)
        printf (" %s", op->op);
    printf ("\n"
            "\n"
            "Environment (defaults in brackets):\n"
            "  DATABASE_URL       PostgreSQL [%s]\n"
            "%s"
            "  REDIS_URL          Redis answer cache, optional at run time [%s]\n"
            "  BROKER_ENDPOINT    the MDP broker, or several, comma-separated (one\n"
            "                     session each) [%s]\n"
            "  CACHE_TTL_SECONDS  cache entry lifetime, 0 turns caching off [%d]\n"
            "  LOG_LEVEL          debug, info, warn or error [%s]\n"
            "\n"
            "Stops after the request in hand on SIGTERM or SIGINT.\n",
            ECOM_DEFAULT_DATABASE_URL,
            def->read_only ? "  DATABASE_READ_URL  the PostgreSQL this service reads, e.g. a "
                             "streaming standby [DATABASE_URL]\n"
                           : "",
            ECOM_DEFAULT_REDIS_URL, ECOM_DEFAULT_BROKER_ENDPOINT, ECOM_DEFAULT_CACHE_TTL_SECONDS,
            ECOM_DEFAULT_LOG_LEVEL);
}

/*  A batch being served: the requests taken from the worker and where to send answers. */
typedef struct {
    svc_t *svc;
    mdp_worker_t *worker;
    zframe_t *requests[MDP_CREDIT_MAX];
    zframe_t *reply_to[MDP_CREDIT_MAX];
} s_batch_t;

/*  svc_answer_fn of s_serve_batch(): sends the reply at once. */
static void
s_send_reply (void *arg, size_t index, char *reply, size_t size)
{
    s_batch_t *batch = arg;
    /*  A request must be answered even without memory for its reply, or the broker counts
        it against our credit for good. */
    zframe_t *frame = reply ? zframe_new (reply, size)
                            : zframe_new (batch->svc->oom_reply, batch->svc->oom_size);
    free (reply);
    if (frame)
        mdp_worker_send (batch->worker, &batch->reply_to[index], &frame);
    zframe_destroy (&batch->reply_to[index]);
    zframe_destroy (&frame);
}

/*  svc_t's cancelled under svc_main: whether the broker cancelled request index of the
    batch (arg). */
static bool
s_request_cancelled (void *arg, size_t index)
{
    s_batch_t *batch = arg;
    return batch->reply_to[index] && mdp_worker_cancelled (batch->worker, batch->reply_to[index]);
}

/*  Waits up to timeout_ms for a request, takes every other one already waiting (up to
    credit) and answers them as one batch (svc_handle_batch). */
static void
s_serve_batch (svc_t *svc, mdp_worker_t *worker, int credit, int timeout_ms)
{
    s_batch_t batch = {.svc = svc, .worker = worker};
    size_t count = 0;
    zframe_t *request = mdp_worker_recv (worker, timeout_ms, &batch.reply_to[0]);
    while (request) {
        batch.requests[count++] = request;
        request = count < (size_t) credit ? mdp_worker_recv (worker, 0, &batch.reply_to[count])
                                          : NULL;
    }
    if (count == 0)
        return;
    const void *data[MDP_CREDIT_MAX];
    size_t sizes[MDP_CREDIT_MAX];
    for (size_t i = 0; i < count; i++) {
        data[i] = zframe_data (batch.requests[i]);
        sizes[i] = zframe_size (batch.requests[i]);
    }
    svc_handle_batch (svc, count, data, sizes, s_send_reply, &batch);
    for (size_t i = 0; i < count; i++)
        zframe_destroy (&batch.requests[i]);
}

int
svc_main (int argc, char **argv, const svc_def_t *def)
{
    const char *prog = argc > 0 && argv[0] ? strrchr (argv[0], '/') : NULL;
    prog = prog ? prog + 1 : argc > 0 && argv[0] ? argv[0] : def->name;
    for (int i = 1; i < argc; i++) {
        if (strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0) {
            s_usage (prog, def);
            return 0;
        }
        fprintf (stderr, "%s: unknown argument '%s' (try --help)\n", prog, argv[i]);
        return 2;
    }

    char err[512];
    ecom_config_t *config = ecom_config_new (err, sizeof err);
    if (!config) {
        fprintf (stderr, "%s: %s\n", prog, err);
        return 1;
    }
    ecom_log_init (def->name, config->log_level);
    zsys_init (); /* installs the SIGTERM/SIGINT handler before anything slow */

    if (mdp_endpoint_list_check (config->broker_endpoint, err, sizeof err) < 0) {
        fprintf (stderr, "%s: %s\n", prog, err);
        ecom_config_destroy (&config);
        return 2;
    }
    int rc = 1;
    int credit = def->credit <= 0 ? SVC_CREDIT : def->credit > MDP_CREDIT_MAX ? MDP_CREDIT_MAX
                                                                              : def->credit;
    mdp_worker_t *worker = NULL;
    svc_t *svc = svc_new (def, config, err, sizeof err);
    if (svc && svc->snapshot)
        svc_snapshot_reload (svc->snapshot); /* before registering: no request waits for it
                                                (a failure is logged; the first request
                                                tries again) */
    if (!svc)
        ecom_error ("msg=\"cannot start\" reason=\"%s\"", err);
    else if (mdp_curve_use_config (config->curve_dir, NULL, def->name, NULL, err, sizeof err)
             != 0)
        ecom_error ("msg=\"cannot start\" reason=\"%s\"", err);
    else if (def->start && def->start (config) != 0) {
        /* the hook said why, in one line */
    }
    else if (!(worker = mdp_worker_new (config->broker_endpoint, def->name, credit))) {
        ecom_error ("msg=\"cannot start: cannot connect to the brokers\" endpoint=%s",
                    config->broker_endpoint);
        if (def->stop)
            def->stop ();
    }
    else {
        svc_db_set_worker (svc->db, worker);
        svc->worker = worker;
        svc->cancelled = s_request_cancelled;
        ecom_info ("msg=\"ready\" broker=%s cache_ttl_seconds=%d credit=%d",
                   config->broker_endpoint, config->cache_ttl_seconds, credit);
        while (!zsys_interrupted) {
            /*  A second at most between version checks; no sleep while warming. */
            s_serve_batch (svc, worker, credit, svc_warm_running (svc) ? 0 : 1000);
            svc_warm_next (svc);
        }
        svc_db_set_worker (svc->db, NULL);
        svc->worker = NULL;
        svc->cancelled = NULL;
        ecom_info ("msg=\"stopping on signal\"");
        if (def->stop)
            def->stop ();
        rc = 0;
    }
    mdp_worker_destroy (&worker);
    svc_destroy (&svc);
    ecom_config_destroy (&config);
    return rc;
}
