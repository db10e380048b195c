/*  ecom-gateway: the HTTP API of SPEC §6 in front of the services, and the Majordomo broker
    they register with (SPEC §7). See gateway/README.md. */
#include <stdio.h>
#include <string.h>

#include "ecom_config.h"
#include "ecom_log.h"
#include "mdp_curve.h"
#include "server.h"

static void
s_usage (FILE *out)
{
    fprintf (out,
             "usage: ecom-gateway [--help]\n"
             "\n"
             "Serves the HTTP API on API_HOST:API_PORT and runs the service broker on\n"
             "BROKER_ENDPOINT. Configuration comes from the environment [defaults]:\n"
             "  API_HOST, API_PORT       where to listen [%s, %d]\n"
             "  BROKER_ENDPOINT          where services connect [%s];\n"
             "                           not loopback only with CURVE_DIR\n"
             "  CURVE_DIR                CurveZMQ certificates (ecomctl keygen): only\n"
             "                           peers with one of them may connect\n"
             "  JWT_SECRET               verifies access tokens; required\n"
             "  REQUEST_TIMEOUT_MS       per-request timeout, 504 after it [%d]\n"
             "  AUTH_THROTTLE_WINDOW_SECONDS  5 failed logins from one address within\n"
             "                           it lock that address out for it [%d]\n"
             "  TRUSTED_PROXIES          load balancers (IP addresses, comma-separated)\n"
             "                           whose X-Forwarded-For names the client [none]\n"
             "  EXPORT_MAX_ROWS          the most rows of a list's CSV export [%d]\n"
             "  LOG_LEVEL                debug, info, warn or error [%s]\n"
             "Stops cleanly on SIGINT or SIGTERM.\n",
             ECOM_DEFAULT_API_HOST, ECOM_DEFAULT_API_PORT, ECOM_DEFAULT_BROKER_ENDPOINT,
             ECOM_DEFAULT_REQUEST_TIMEOUT_MS, ECOM_DEFAULT_AUTH_THROTTLE_WINDOW_SECONDS,
             ECOM_DEFAULT_EXPORT_MAX_ROWS, ECOM_DEFAULT_LOG_LEVEL);
}

int
main (int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0) {
            s_usage (stdout);
            return 0;
        }
        fprintf (stderr, "ecom-gateway: unknown argument '%s' (try --help)\n", argv[i]);
        return 2;
    }
    char err[256];
    ecom_config_t *config = ecom_config_new (err, sizeof err);
    if (!config) {
        fprintf (stderr, "ecom-gateway: %s\n", err);
        return 1;
    }
    ecom_log_init ("gateway", config->log_level);
    if (!config->jwt_secret) {
        fprintf (stderr, "ecom-gateway: JWT_SECRET is not set; the gateway refuses to start "
                         "without one (make run generates one into .env)\n");
        ecom_config_destroy (&config);
        return 1;
    }
    if (strchr (config->broker_endpoint, ',')) {
        fprintf (stderr, "ecom-gateway: BROKER_ENDPOINT '%.200s' lists several endpoints: a "
                         "gateway binds one (a service's may list every gateway's)\n",
                 config->broker_endpoint);
        ecom_config_destroy (&config);
        return 2;
    }
    if (!config->curve_dir && !mdp_endpoint_is_local (config->broker_endpoint)) {
        fprintf (stderr, "ecom-gateway: BROKER_ENDPOINT %s is not loopback: set CURVE_DIR "
                         "(ecomctl keygen DIR) so that only peers with a certificate may "
                         "connect\n",
                 config->broker_endpoint);
        ecom_config_destroy (&config);
        return 2;
    }
    server_t *server = server_new (config, err, sizeof err);
    if (!server) {
        fprintf (stderr, "ecom-gateway: %s\n", err);
        ecom_config_destroy (&config);
        return 1;
    }
    int rc = server_run (server);
    server_destroy (&server);
    ecom_config_destroy (&config);
    ecom_info ("msg=stopped");
    return rc == 0 ? 0 : 1;
}
