/*  ecom_config: defaults and validation of the environment of SPEC §3. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "ecom_config.h"

static const char *const s_vars[] = {
    "DATABASE_URL", "DATABASE_READ_URL", "REDIS_URL", "BROKER_ENDPOINT", "API_HOST", "API_PORT",
    "DASHBOARD_PORT", "JWT_SECRET", "ACCESS_TOKEN_TTL", "REFRESH_TOKEN_TTL", "CACHE_TTL_SECONDS",
    "ETL_SOURCE", "ETL_SCHEDULE_SECONDS", "REQUEST_TIMEOUT_MS", "LOG_LEVEL",
    "AUTH_THROTTLE_WINDOW_SECONDS", "TRUSTED_PROXIES", "GATEWAY_START_GRACE_MS", "SWAGGER_UI_DIR",
    "EXPORT_MAX_ROWS"};

static int
s_clear_env (void **state)
{
    for (size_t i = 0; i < sizeof s_vars / sizeof s_vars[0]; i++)
        unsetenv (s_vars[i]);
    return 0;
}

static void
test_defaults (void **state)
{
    char err[256];
    ecom_config_t *config = ecom_config_new (err, sizeof err);
    assert_non_null (config);
    assert_string_equal (config->database_url, "postgresql://ecom:ecom@127.0.0.1:5432/ecom");
    assert_string_equal (config->database_read_url, config->database_url);
    assert_string_equal (config->redis_url, "redis://127.0.0.1:6379/0");
    assert_string_equal (config->broker_endpoint, "tcp://127.0.0.1:5555");
    assert_string_equal (config->api_host, "127.0.0.1");
    assert_int_equal (config->api_port, 8000);
    assert_int_equal (config->dashboard_port, 8050);
    assert_null (config->jwt_secret);
    assert_int_equal (config->access_token_ttl, 300);
    assert_int_equal (config->refresh_token_ttl, 86400);
    assert_int_equal (config->cache_ttl_seconds, 300);
    assert_string_equal (config->etl_source, "data/raw/orders.csv");
    assert_int_equal (config->etl_schedule_seconds, 300);
    assert_int_equal (config->request_timeout_ms, 10000);
    assert_string_equal (config->log_level, "info");
    assert_int_equal (config->auth_throttle_window_seconds, 300);
    assert_null (config->trusted_proxies);
    assert_int_equal (config->gateway_start_grace_ms, 2000);
    assert_null (config->swagger_ui_dir);
    assert_int_equal (config->export_max_rows, 1048576);
    ecom_config_destroy (&config);
    assert_null (config);
}

static void
test_overrides_and_empty_means_default (void **state)
{
    setenv ("API_PORT", "9000", 1);
    setenv ("JWT_SECRET", "s3cret", 1);
    setenv ("ETL_SCHEDULE_SECONDS", "0", 1);
    setenv ("CACHE_TTL_SECONDS", "", 1);
    setenv ("LOG_LEVEL", "debug", 1);
    char err[256];
    ecom_config_t *config = ecom_config_new (err, sizeof err);
    assert_non_null (config);
    assert_int_equal (config->api_port, 9000);
    assert_string_equal (config->jwt_secret, "s3cret");
    assert_int_equal (config->etl_schedule_seconds, 0);
    assert_int_equal (config->cache_ttl_seconds, 300);
    assert_string_equal (config->log_level, "debug");
    ecom_config_destroy (&config);
}

/*  DATABASE_READ_URL defaults to DATABASE_URL as set (an empty value counts as unset). */
static void
test_read_url_defaults_to_database_url (void **state)
{
    char err[256];
    setenv ("DATABASE_URL", "postgresql://u:p@10.0.0.1:5432/shop", 1);
    setenv ("DATABASE_READ_URL", "", 1);
    ecom_config_t *config = ecom_config_new (err, sizeof err);
    assert_non_null (config);
    assert_string_equal (config->database_read_url, "postgresql://u:p@10.0.0.1:5432/shop");
    ecom_config_destroy (&config);
    setenv ("DATABASE_READ_URL", "postgresql://u:p@10.0.0.2:5432/shop", 1);
    config = ecom_config_new (err, sizeof err);
    assert_non_null (config);
    assert_string_equal (config->database_url, "postgresql://u:p@10.0.0.1:5432/shop");
    assert_string_equal (config->database_read_url, "postgresql://u:p@10.0.0.2:5432/shop");
    ecom_config_destroy (&config);
}

static void
test_invalid_values_name_the_variable (void **state)
{
    struct { const char *name, *value; } bad[] = {
        {"API_PORT", "0"}, {"API_PORT", "65536"}, {"API_PORT", "80x"}, {"DASHBOARD_PORT", "-1"},
        {"ACCESS_TOKEN_TTL", "0"}, {"REFRESH_TOKEN_TTL", "1.5"}, {"CACHE_TTL_SECONDS", "-3"},
        {"ETL_SCHEDULE_SECONDS", "abc"}, {"REQUEST_TIMEOUT_MS", "99999999999"},
        {"LOG_LEVEL", "loud"}, {"AUTH_THROTTLE_WINDOW_SECONDS", "0"},
        {"AUTH_THROTTLE_WINDOW_SECONDS", "86401"}, {"GATEWAY_START_GRACE_MS", "-1"},
        {"GATEWAY_START_GRACE_MS", "60001"}, {"EXPORT_MAX_ROWS", "0"},
        {"EXPORT_MAX_ROWS", "1048577"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s_clear_env (state);
        setenv (bad[i].name, bad[i].value, 1);
        char err[256] = "";
        ecom_config_t *config = ecom_config_new (err, sizeof err);
        if (config)
            fail_msg ("%s=%s accepted", bad[i].name, bad[i].value);
        assert_non_null (strstr (err, bad[i].name));
    }
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup (test_defaults, s_clear_env),
        cmocka_unit_test_setup (test_overrides_and_empty_means_default, s_clear_env),
        cmocka_unit_test_setup (test_read_url_defaults_to_database_url, s_clear_env),
        cmocka_unit_test_setup (test_invalid_values_name_the_variable, s_clear_env),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
