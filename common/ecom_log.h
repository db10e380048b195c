/*  ecom_log: one line per event on stderr, as key=value pairs:
      ts=2026-11-24T20:00:00.123Z level=info service=kpi msg="..." key=value ...
    The level threshold comes from LOG_LEVEL (ecom_log_init). */
#ifndef ECOM_LOG_H
#define ECOM_LOG_H

#include <stdbool.h>

typedef enum { ECOM_LOG_DEBUG, ECOM_LOG_INFO, ECOM_LOG_WARN, ECOM_LOG_ERROR } ecom_log_level_t;

/*  Sets the service name written on every line and the threshold by name ("debug", "info",
    "warn", "error"); an unknown or NULL name keeps "info". */
void ecom_log_init (const char *service, const char *level_name);

/*  Returns 0 and sets *level when name is a known level name, else returns -1. */
int ecom_log_level_parse (const char *name, ecom_log_level_t *level);

/*  True when a line of level would be written: lets a caller skip preparing the fields of
    a line nobody reads (a request line per request). */
bool ecom_log_enabled (ecom_log_level_t level);

/*  Writes one line when level is at or above the threshold. fields is a printf format for the
    rest of the line, which the caller writes as key=value pairs (quote values with spaces). */
void ecom_log (ecom_log_level_t level, const char *fields, ...)
    __attribute__ ((format (printf, 2, 3)));

#define ecom_debug(...) ecom_log (ECOM_LOG_DEBUG, __VA_ARGS__)
#define ecom_info(...) ecom_log (ECOM_LOG_INFO, __VA_ARGS__)
#define ecom_warn(...) ecom_log (ECOM_LOG_WARN, __VA_ARGS__)
#define ecom_error(...) ecom_log (ECOM_LOG_ERROR, __VA_ARGS__)

#endif
