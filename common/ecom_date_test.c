/*  ecom_date: strict parsing and period starts, checked against known calendar facts and a
    brute-force walk of every day of 1900..2100. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "ecom_date.h"

static void
test_parse_strict (void **state)
{
    int32_t days;
    assert_int_equal (ecom_date_parse ("1970-01-01", &days), 0);
    assert_int_equal (days, 0);
    assert_int_equal (ecom_date_parse ("2024-02-29", &days), 0);
    assert_int_equal (days, 19782);
    const char *bad[] = {"2024-2-01", "2024-02-30", "2023-02-29", "1900-02-29", "2024-13-01",
                         "2024-00-10", "2024-01-00", "20240101", "2024-01-01 ", " 2024-01-01",
                         "2024/01/01", "0000-01-01", "2024-01-1x", "", "abcd-ef-gh",
                         "2024-01-01T00"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (ecom_date_parse (bad[i], &days) == 0)
            fail_msg ("accepted '%s'", bad[i]);
    assert_int_equal (ecom_date_parse ("2000-02-29", &days), 0);
}

static void
test_round_trip_and_weeks (void **state)
{
    /* Walk day by day, tracking the calendar independently. */
    int year = 1900, month = 1, day = 1, weekday = 1; /* 1900-01-01 was a Monday */
    static const int len[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int32_t days = ecom_date_from_ymd (1900, 1, 1);
    int32_t monday = days, first = days;
    while (year < 2101) {
        char text[11], expect[32];
        snprintf (expect, sizeof expect, "%04d-%02d-%02d", year, month, day);
        ecom_date_format (days, text);
        assert_string_equal (text, expect);
        int32_t parsed;
        assert_int_equal (ecom_date_parse (text, &parsed), 0);
        assert_int_equal (parsed, days);
        assert_int_equal (ecom_date_weekday (days), weekday);
        if (weekday == 1)
            monday = days;
        if (day == 1)
            first = days;
        assert_int_equal (ecom_date_week_start (days), monday);
        assert_int_equal (ecom_date_month_start (days), first);
        /* next day */
        int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        int mlen = month == 2 ? 28 + leap : len[month - 1];
        days++;
        weekday = weekday % 7 + 1;
        if (++day > mlen) {
            day = 1;
            assert_int_equal (ecom_date_next_month (days - 1), days);
            if (++month > 12) {
                month = 1;
                year++;
            }
        }
    }
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_parse_strict),
        cmocka_unit_test (test_round_trip_and_weeks),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
