/*  etl_row_utf8_valid: valid UTF-8 without NUL bytes (RFC 3629: no overlong forms, no
    surrogates, nothing above U+10FFFF), hand-picked cases at every offset (so the eight-bytes-at-a-time path sees each
    bad byte at each position of a word). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "etl_row.h"

static const struct {
    const char *bytes;
    size_t len;
    bool valid;
} s_cases[] = {
    {"plain ascii", 11, true},
    {"caf\xc3\xa9", 5, true},
    {"\xe2\x82\xac", 3, true},              /* euro sign */
    {"\xf0\x9f\x98\x80", 4, true},          /* emoji */
    {"\xef\xbf\xbf", 3, true},              /* U+FFFF */
    {"\xf4\x8f\xbf\xbf", 4, true},          /* U+10FFFF */
    {"a\0b", 3, false},                     /* NUL */
    {"\xff", 1, false},
    {"\xc3", 1, false},                     /* cut short */
    {"\xc3(", 2, false},                    /* bad continuation */
    {"\xc0\xaf", 2, false},                 /* overlong */
    {"\xe0\x80\xaf", 3, false},             /* overlong */
    {"\xed\xa0\x80", 3, false},             /* surrogate */
    {"\xf4\x90\x80\x80", 4, false},         /* above U+10FFFF */
    {"\x80", 1, false},                     /* lone continuation */
};

static void
test_every_case_at_every_offset (void **state)
{
    for (size_t c = 0; c < sizeof s_cases / sizeof s_cases[0]; c++)
        for (size_t before = 0; before < 17; before++)
            for (size_t after = 0; after < 9; after++) {
                char text[64];
                memset (text, 'x', before);
                memcpy (text + before, s_cases[c].bytes, s_cases[c].len);
                memset (text + before + s_cases[c].len, 'y', after);
                size_t len = before + s_cases[c].len + after;
                if (etl_row_utf8_valid (text, len) != s_cases[c].valid)
                    fail_msg ("case %zu with %zu bytes before and %zu after: expected %s", c,
                              before, after, s_cases[c].valid ? "valid" : "invalid");
            }
    assert_true (etl_row_utf8_valid ("", 0));
    /*  Only len bytes count: a bad byte just past the end is not looked at. */
    assert_true (etl_row_utf8_valid ("abcdefgh\xff", 8));
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_every_case_at_every_offset),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
