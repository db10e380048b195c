/*  ecom_date: calendar dates as days since 1970-01-01 (proleptic Gregorian), the strict
    YYYY-MM-DD format of SPEC §6, and the period starts used by revenue trends. */
#ifndef ECOM_DATE_H
#define ECOM_DATE_H

#include <stdint.h>

/*  Parses exactly "YYYY-MM-DD" (zero-padded, a real calendar date, year 0001..9999).
    Returns 0 and sets *days, or -1 for anything else. */
int ecom_date_parse (const char *text, int32_t *days);

/*  Writes days as "YYYY-MM-DD" into out (11 bytes with the NUL). */
void ecom_date_format (int32_t days, char out[11]);

/*  Day number from year, month (1..12) and day (1..31); no validation. */
int32_t ecom_date_from_ymd (int year, int month, int day);

/*  Splits days into year, month and day. */
void ecom_date_to_ymd (int32_t days, int *year, int *month, int *day);

/*  ISO weekday: 1 = Monday .. 7 = Sunday. */
int ecom_date_weekday (int32_t days);

/*  The Monday on or before days (ISO 8601 week start). */
int32_t ecom_date_week_start (int32_t days);

/*  The first day of days' month. */
int32_t ecom_date_month_start (int32_t days);

/*  The first day of the month after days' month. */
int32_t ecom_date_next_month (int32_t days);

#endif
