#include "ecom_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static ecom_log_level_t s_threshold = ECOM_LOG_INFO;
static char s_service[32] = "ecom";
static const char *const s_names[] = {"debug", "info", "warn", "error"};

int
ecom_log_level_parse (const char *name, ecom_log_level_t *level)
{
    for (int i = 0; name && i < 4; i++)
        if (strcmp (name, s_names[i]) == 0) {
            *level = (ecom_log_level_t) i;
            return 0;
        }
    return -1;
}

void
ecom_log_init (const char *service, const char *level_name)
{
    if (service)
        snprintf (s_service, sizeof s_service, "%s", service);
    if (ecom_log_level_parse (level_name, &s_threshold) != 0)
        s_threshold = ECOM_LOG_INFO;
}

bool
ecom_log_enabled (ecom_log_level_t level)
{
    return level >= s_threshold;
}

void
ecom_log (ecom_log_level_t level, const char *fields, ...)
{
    if (level < s_threshold)
        return;
    struct timeval tv;
    gettimeofday (&tv, NULL);
    struct tm tm;
    gmtime_r (&tv.tv_sec, &tm);
    char line[2048];
    int n = snprintf (line, sizeof line, "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03dZ level=%s service=%s ",
                      tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                      tm.tm_sec, (int) (tv.tv_usec / 1000), s_names[level], s_service);
    va_list args;
    va_start (args, fields);
    vsnprintf (line + n, sizeof line - (size_t) n, fields, args);
    va_end (args);
    /* One write per line, so lines of concurrent processes never interleave. */
    fprintf (stderr, "%s\n", line);
}
