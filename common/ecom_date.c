/*  Civil-date arithmetic after Howard Hinnant's days_from_civil algorithm (public domain
    description), valid over the whole proleptic Gregorian calendar. */
#include "ecom_date.h"

#include <stdio.h>
#include <string.h>

int32_t
ecom_date_from_ymd (int year, int month, int day)
{
    int y = month <= 2 ? year - 1 : year;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void
ecom_date_to_ymd (int32_t days, int *year, int *month, int *day)
{
    int z = days + 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    *day = doy - (153 * mp + 2) / 5 + 1;
    *month = mp < 10 ? mp + 3 : mp - 9;
    *year = yoe + era * 400 + (*month <= 2);
}

static int
s_days_in_month (int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 ? 28 + leap : days[month - 1];
}

static int
s_digits (const char *text, int count)
{
    int value = 0;
    for (int i = 0; i < count; i++) {
        if (text[i] < '0' || text[i] > '9')
            return -1;
        value = value * 10 + (text[i] - '0');
    }
    return value;
}

int
ecom_date_parse (const char *text, int32_t *days)
{
    if (!text || strnlen (text, 11) != 10 || text[4] != '-' || text[7] != '-')
        return -1;
    int year = s_digits (text, 4), month = s_digits (text + 5, 2), day = s_digits (text + 8, 2);
    if (year < 1 || month < 1 || month > 12 || day < 1 || day > s_days_in_month (year, month))
        return -1;
    *days = ecom_date_from_ymd (year, month, day);
    return 0;
}

void
ecom_date_format (int32_t days, char out[11])
{
    int year, month, day;
    ecom_date_to_ymd (days, &year, &month, &day);
    char text[32];
    snprintf (text, sizeof text, "%04d-%02d-%02d", year % 10000, month, day);
    memcpy (out, text, 10);
    out[10] = '\0';
}

int
ecom_date_weekday (int32_t days)
{
    /* 1970-01-01 was a Thursday (4). */
    int w = (int) ((days % 7 + 7) % 7); /* 0 = Thursday */
    return (w + 3) % 7 + 1;
}

int32_t
ecom_date_week_start (int32_t days)
{
    return days - (ecom_date_weekday (days) - 1);
}

int32_t
ecom_date_month_start (int32_t days)
{
    int year, month, day;
    ecom_date_to_ymd (days, &year, &month, &day);
    return days - (day - 1);
}

int32_t
ecom_date_next_month (int32_t days)
{
    int year, month, day;
    ecom_date_to_ymd (days, &year, &month, &day);
    return month == 12 ? ecom_date_from_ymd (year + 1, 1, 1) : ecom_date_from_ymd (year, month + 1, 1);
}
