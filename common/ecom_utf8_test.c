/*  ecom_utf8: strict UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above
    U+10FFFF, nothing cut short), with and without NUL bytes allowed. Hand-picked cases at
    every offset, so the eight-bytes-at-a-time path sees each bad byte at each position of
    a word, and an independent decoder over every 1-, 2- and 3-byte input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ecom_utf8.h"

static const struct {
    const char *bytes;
    size_t len;
    bool valid;
} s_cases[] = {
    {"plain ascii", 11, true},
    {"caf\xc3\xa9", 5, true},
    {"\xc2\x80", 2, true},         /* U+0080, the first 2-byte form */
    {"\xe0\xa0\x80", 3, true},     /* U+0800, the first 3-byte form */
    {"\xe2\x82\xac", 3, true},     /* euro sign */
    {"\xed\x9f\xbf", 3, true},     /* U+D7FF, just below the surrogates */
    {"\xee\x80\x80", 3, true},     /* U+E000, just above them */
    {"\xef\xbf\xbf", 3, true},     /* U+FFFF */
    {"\xf0\x90\x80\x80", 4, true}, /* U+10000, the first 4-byte form */
    {"\xf0\x9f\x98\x80", 4, true}, /* emoji */
    {"\xf4\x8f\xbf\xbf", 4, true}, /* U+10FFFF */
    {"\xff", 1, false},
    {"\xfe", 1, false},
    {"\xf8\x88\x80\x80\x80", 5, false}, /* a 5-byte form */
    {"\xc3", 1, false},                 /* cut short */
    {"\xe2\x82", 2, false},             /* cut short */
    {"\xf0\x9f\x98", 3, false},         /* cut short */
    {"\xc3(", 2, false},                /* bad continuation */
    {"\xe2(\xac", 3, false},            /* bad continuation */
    {"\xf0\x9f\x98(", 4, false},        /* bad continuation */
    {"\xc0\x80", 2, false},             /* overlong NUL */
    {"\xc0\xaf", 2, false},             /* overlong '/' */
    {"\xc1\xbf", 2, false},             /* overlong */
    {"\xe0\x80\x80", 3, false},         /* overlong NUL */
    {"\xe0\x80\xaf", 3, false},         /* overlong */
    {"\xe0\x9f\xbf", 3, false},         /* overlong U+07FF */
    {"\xf0\x80\x80\x80", 4, false},     /* overlong NUL */
    {"\xf0\x8f\xbf\xbf", 4, false},     /* overlong U+FFFF */
    {"\xed\xa0\x80", 3, false},         /* surrogate U+D800 */
    {"\xed\xbf\xbf", 3, false},         /* surrogate U+DFFF */
    {"\xf4\x90\x80\x80", 4, false},     /* U+110000, above U+10FFFF */
    {"\xf5\x80\x80\x80", 4, false},     /* above U+10FFFF */
    {"\x80", 1, false},                 /* lone continuation */
    {"\xbf", 1, false},                 /* lone continuation */
};

/*  Runs every case with 0..16 bytes of ASCII before and 0..8 after through check. */
static void
s_every_case_at_every_offset (bool (*check) (const char *, size_t))
{
    for (size_t c = 0; c < sizeof s_cases / sizeof s_cases[0]; c++)
        for (size_t before = 0; before < 17; before++)
            for (size_t after = 0; after < 9; after++) {
                char text[64];
                memset (text, 'x', before);
                memcpy (text + before, s_cases[c].bytes, s_cases[c].len);
                memset (text + before + s_cases[c].len, 'y', after);
                size_t len = before + s_cases[c].len + after;
                if (check (text, len) != s_cases[c].valid)
                    fail_msg ("case %zu with %zu bytes before and %zu after: expected %s", c,
                              before, after, s_cases[c].valid ? "valid" : "invalid");
            }
    assert_true (check ("", 0));
    /*  Only len bytes count: a bad byte just past the end is not looked at. */
    assert_true (check ("abcdefgh\xff", 8));
    assert_true (check ("\xc3\xa9\xff", 2));
}

static void
test_cases (void **state)
{
    (void) state;
    s_every_case_at_every_offset (ecom_utf8_valid);
    s_every_case_at_every_offset (ecom_utf8_text_valid);
}

/*  A NUL byte is a character for ecom_utf8_valid and refused by ecom_utf8_text_valid,
    wherever it is (in the word-at-a-time path or not). */
static void
test_nul (void **state)
{
    (void) state;
    for (size_t at = 0; at < 20; at++) {
        char text[20];
        memset (text, 'a', sizeof text);
        text[at] = 0;
        assert_true (ecom_utf8_valid (text, sizeof text));
        assert_false (ecom_utf8_text_valid (text, sizeof text));
    }
    assert_true (ecom_utf8_valid ("\0", 1));
    assert_false (ecom_utf8_text_valid ("\0", 1));
    assert_true (ecom_utf8_valid ("caf\xc3\xa9\0", 6));
    assert_false (ecom_utf8_text_valid ("caf\xc3\xa9\0", 6));
}

/*  An independent check: decodes the sequence at s by the table of RFC 3629 §4 (the
    allowed byte ranges per lead byte). Returns its length, or 0 when invalid. */
static size_t
s_rfc_sequence (const unsigned char *s, size_t left)
{
    static const struct {
        unsigned char lead_lo, lead_hi, second_lo, second_hi;
        size_t len;
    } rows[] = {
        {0xc2, 0xdf, 0x80, 0xbf, 2}, {0xe0, 0xe0, 0xa0, 0xbf, 3}, {0xe1, 0xec, 0x80, 0xbf, 3},
        {0xed, 0xed, 0x80, 0x9f, 3}, {0xee, 0xef, 0x80, 0xbf, 3}, {0xf0, 0xf0, 0x90, 0xbf, 4},
        {0xf1, 0xf3, 0x80, 0xbf, 4}, {0xf4, 0xf4, 0x80, 0x8f, 4},
    };
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        if (s[0] < rows[r].lead_lo || s[0] > rows[r].lead_hi)
            continue;
        if (left < rows[r].len || s[1] < rows[r].second_lo || s[1] > rows[r].second_hi)
            return 0;
        for (size_t k = 2; k < rows[r].len; k++)
            if (s[k] < 0x80 || s[k] > 0xbf)
                return 0;
        return rows[r].len;
    }
    return 0;
}

static bool
s_rfc_valid (const unsigned char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        size_t n = s_rfc_sequence (s + i, len - i);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

/*  Every input of 1 and 2 bytes, and every 3-byte input whose first byte has the high bit,
    judged as the RFC's table judges it. */
static void
test_against_the_rfc_table (void **state)
{
    (void) state;
    unsigned char s[3];
    for (unsigned a = 0; a < 256; a++) {
        s[0] = (unsigned char) a;
        assert_int_equal (ecom_utf8_valid ((char *) s, 1), s_rfc_valid (s, 1));
        for (unsigned b = 0; b < 256; b++) {
            s[1] = (unsigned char) b;
            if (ecom_utf8_valid ((char *) s, 2) != s_rfc_valid (s, 2))
                fail_msg ("%02x %02x", a, b);
            if (a < 0x80)
                continue;
            for (unsigned c = 0; c < 256; c++) {
                s[2] = (unsigned char) c;
                if (ecom_utf8_valid ((char *) s, 3) != s_rfc_valid (s, 3))
                    fail_msg ("%02x %02x %02x", a, b, c);
            }
        }
    }
}

/*  Every 4-byte sequence with a lead byte 0xf0..0xf7 and continuation bytes. */
static void
test_four_byte_forms (void **state)
{
    (void) state;
    unsigned char s[4];
    for (unsigned a = 0xf0; a <= 0xf7; a++)
        for (unsigned b = 0x80; b <= 0xbf; b++)
            for (unsigned c = 0x80; c <= 0xbf; c += 0x3f)
                for (unsigned d = 0x80; d <= 0xbf; d += 0x3f) {
                    s[0] = (unsigned char) a;
                    s[1] = (unsigned char) b;
                    s[2] = (unsigned char) c;
                    s[3] = (unsigned char) d;
                    if (ecom_utf8_valid ((char *) s, 4) != s_rfc_valid (s, 4))
                        fail_msg ("%02x %02x %02x %02x", a, b, c, d);
                }
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_cases),
        cmocka_unit_test (test_nul),
        cmocka_unit_test (test_against_the_rfc_table),
        cmocka_unit_test (test_four_byte_forms),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
