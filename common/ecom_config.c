#include "ecom_config.h"

#include "ecom_log.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  The value of name, or NULL when it is unset or empty (an empty value means the default). */
static const char *
s_env (const char *name)
{
    const char *value = getenv (name);
    return value && *value ? value : NULL;
}

static char *
s_string (const char *name, const char *fallback)
{
    const char *value = s_env (name);
    return value ? strdup (value) : fallback ? strdup (fallback) : NULL;
}

/*  Reads name as a whole number in min..max into *out (fallback when unset).
    Returns 0, or -1 with a message in err. */
static int
s_int (const char *name, int fallback, int min, int max, int *out, char *err, size_t errlen)
{
    const char *value = s_env (name);
    if (!value) {
        *out = fallback;
        return 0;
    }
    char *end;
    errno = 0;
    long n = strtol (value, &end, 10);
    if (errno || *end || end == value || n < min || n > max) {
        snprintf (err, errlen, "%s must be a whole number in %d..%d, not '%.40s'", name, min, max,
                  value);
        return -1;
    }
    *out = (int) n;
    return 0;
}

ecom_config_t *
ecom_config_new (char *err, size_t errlen)
{
    ecom_config_t *self = calloc (1, sizeof *self);
    if (!self) {
        snprintf (err, errlen, "out of memory");
        return NULL;
    }
    self->database_url = s_string ("DATABASE_URL", ECOM_DEFAULT_DATABASE_URL);
    self->database_read_url = s_string ("DATABASE_READ_URL", self->database_url);
    self->redis_url = s_string ("REDIS_URL", ECOM_DEFAULT_REDIS_URL);
    self->broker_endpoint = s_string ("BROKER_ENDPOINT", ECOM_DEFAULT_BROKER_ENDPOINT);
    self->api_host = s_string ("API_HOST", ECOM_DEFAULT_API_HOST);
    self->jwt_secret = s_string ("JWT_SECRET", NULL);
    self->etl_source = s_string ("ETL_SOURCE", ECOM_DEFAULT_ETL_SOURCE);
    self->log_level = s_string ("LOG_LEVEL", ECOM_DEFAULT_LOG_LEVEL);
    self->curve_dir = s_string ("CURVE_DIR", NULL);
    self->curve_cert = s_string ("CURVE_CERT", NULL);
    self->trusted_proxies = s_string ("TRUSTED_PROXIES", NULL);
    self->swagger_ui_dir = s_string ("SWAGGER_UI_DIR", NULL);
    if (s_int ("API_PORT", ECOM_DEFAULT_API_PORT, 1, 65535, &self->api_port, err, errlen)
        || s_int ("DASHBOARD_PORT", ECOM_DEFAULT_DASHBOARD_PORT, 1, 65535, &self->dashboard_port,
                  err, errlen)
        || s_int ("ACCESS_TOKEN_TTL", ECOM_DEFAULT_ACCESS_TOKEN_TTL, 1, INT_MAX,
                  &self->access_token_ttl, err, errlen)
        || s_int ("REFRESH_TOKEN_TTL", ECOM_DEFAULT_REFRESH_TOKEN_TTL, 1, INT_MAX,
                  &self->refresh_token_ttl, err, errlen)
        || s_int ("CACHE_TTL_SECONDS", ECOM_DEFAULT_CACHE_TTL_SECONDS, 0, INT_MAX,
                  &self->cache_ttl_seconds, err, errlen)
        || s_int ("ETL_SCHEDULE_SECONDS", ECOM_DEFAULT_ETL_SCHEDULE_SECONDS, 0, INT_MAX,
                  &self->etl_schedule_seconds, err, errlen)
        || s_int ("REQUEST_TIMEOUT_MS", ECOM_DEFAULT_REQUEST_TIMEOUT_MS, 1, 3600000,
                  &self->request_timeout_ms, err, errlen)
        || s_int ("AUTH_THROTTLE_WINDOW_SECONDS", ECOM_DEFAULT_AUTH_THROTTLE_WINDOW_SECONDS, 1,
                  86400, &self->auth_throttle_window_seconds, err, errlen)
        || s_int ("GATEWAY_START_GRACE_MS", ECOM_DEFAULT_GATEWAY_START_GRACE_MS, 0, 60000,
                  &self->gateway_start_grace_ms, err, errlen)
        || s_int ("EXPORT_MAX_ROWS", ECOM_DEFAULT_EXPORT_MAX_ROWS, 1, ECOM_DEFAULT_EXPORT_MAX_ROWS,
                  &self->export_max_rows, err, errlen))
        goto fail;
    ecom_log_level_t level;
    if (ecom_log_level_parse (self->log_level, &level) != 0) {
        snprintf (err, errlen, "LOG_LEVEL must be debug, info, warn or error, not '%.40s'",
                  self->log_level);
        goto fail;
    }
    if (!self->database_url || !self->database_read_url || !self->redis_url
        || !self->broker_endpoint || !self->api_host || !self->etl_source || !self->log_level) {
        snprintf (err, errlen, "out of memory");
        goto fail;
    }
    return self;
fail:
    ecom_config_destroy (&self);
    return NULL;
}

void
ecom_config_destroy (ecom_config_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ecom_config_t *self = *self_p;
    free (self->database_url);
    free (self->database_read_url);
    free (self->redis_url);
    free (self->broker_endpoint);
    free (self->api_host);
    free (self->jwt_secret);
    free (self->etl_source);
    free (self->log_level);
    free (self->curve_dir);
    free (self->curve_cert);
    free (self->trusted_proxies);
    free (self->swagger_ui_dir);
    free (self);
    *self_p = NULL;
}
