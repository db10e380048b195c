/*  ecom_config: the process configuration, read from the environment (SPEC §3).
    Every binary reads the same variables; each uses the ones it needs. */
#ifndef ECOM_CONFIG_H
#define ECOM_CONFIG_H

#include <stddef.h>

/*  The defaults of unset or empty variables, in one place: ecom_config_new() takes them and
    every help text prints them. */
#define ECOM_DEFAULT_DATABASE_URL "postgresql://ecom:ecom@127.0.0.1:5432/ecom"
#define ECOM_DEFAULT_REDIS_URL "redis://127.0.0.1:6379/0"
#define ECOM_DEFAULT_BROKER_ENDPOINT "tcp://127.0.0.1:5555"
#define ECOM_DEFAULT_API_HOST "127.0.0.1"
#define ECOM_DEFAULT_ETL_SOURCE "data/raw/orders.csv"
#define ECOM_DEFAULT_LOG_LEVEL "info"
#define ECOM_DEFAULT_API_PORT 8000
#define ECOM_DEFAULT_DASHBOARD_PORT 8050
#define ECOM_DEFAULT_ACCESS_TOKEN_TTL 300
#define ECOM_DEFAULT_REFRESH_TOKEN_TTL 86400
#define ECOM_DEFAULT_CACHE_TTL_SECONDS 300
#define ECOM_DEFAULT_ETL_SCHEDULE_SECONDS 300
#define ECOM_DEFAULT_REQUEST_TIMEOUT_MS 10000
#define ECOM_DEFAULT_AUTH_THROTTLE_WINDOW_SECONDS 300
#define ECOM_DEFAULT_GATEWAY_START_GRACE_MS 2000
#define ECOM_DEFAULT_EXPORT_MAX_ROWS 1048576

typedef struct {
    char *database_url;        /* DATABASE_URL */
    char *database_read_url;   /* DATABASE_READ_URL (SPEC §11), DATABASE_URL when unset */
    char *redis_url;           /* REDIS_URL */
    char *broker_endpoint;     /* BROKER_ENDPOINT */
    char *api_host;            /* API_HOST */
    int api_port;              /* API_PORT, 1..65535 */
    int dashboard_port;        /* DASHBOARD_PORT, 1..65535 */
    char *jwt_secret;          /* JWT_SECRET, NULL when unset or empty */
    int access_token_ttl;      /* ACCESS_TOKEN_TTL seconds, >= 1 */
    int refresh_token_ttl;     /* REFRESH_TOKEN_TTL seconds, >= 1 */
    int cache_ttl_seconds;     /* CACHE_TTL_SECONDS, >= 0 (0: no caching) */
    char *etl_source;          /* ETL_SOURCE */
    int etl_schedule_seconds;  /* ETL_SCHEDULE_SECONDS, >= 0 (0: off) */
    int request_timeout_ms;    /* REQUEST_TIMEOUT_MS, gateway per-request timeout, >= 1 */
    char *log_level;           /* LOG_LEVEL: debug, info, warn or error */
    char *curve_dir;           /* CURVE_DIR: CurveZMQ certificates (SPEC §11), NULL when unset */
    char *curve_cert;          /* CURVE_CERT: an MDP client's secret certificate, NULL when unset */
    /* The gateway's own (gateway/README.md): */
    int auth_throttle_window_seconds; /* AUTH_THROTTLE_WINDOW_SECONDS, 1..86400 */
    char *trusted_proxies;     /* TRUSTED_PROXIES: IP addresses, comma-separated; NULL: none */
    int gateway_start_grace_ms;/* GATEWAY_START_GRACE_MS, 0..60000 */
    char *swagger_ui_dir;      /* SWAGGER_UI_DIR, NULL: the build's */
    int export_max_rows;       /* EXPORT_MAX_ROWS, 1..1048576: a list's CSV export (SPEC §10) */
} ecom_config_t;

/*  Reads the configuration from the environment, with the SPEC's defaults for unset or empty
    variables. On an invalid value (a port that is not 1..65535, a TTL that is not a whole
    number, an unknown log level) returns NULL and writes a one-line message naming the
    variable into err. */
ecom_config_t *ecom_config_new (char *err, size_t errlen);

/*  Destroys the configuration and nulls the caller's pointer. NULL-safe. */
void ecom_config_destroy (ecom_config_t **self_p);

#endif
