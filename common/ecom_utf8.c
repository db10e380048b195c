/*  ecom_utf8: the strict UTF-8 validator (ecom_utf8.h). Most text is ASCII, so it is
    checked eight bytes at a time until a byte with the high bit (or, for text, a NUL)
    turns up; that byte starts a sequence checked on its own. */

#include "ecom_utf8.h"

#include <stdint.h>
#include <string.h>

#define S_HIGH_BITS 0x8080808080808080ULL
#define S_LOW_BITS 0x0101010101010101ULL

/*  True when the eight bytes at s are ASCII, and none of them NUL unless nul_allowed. */
static bool
s_ascii_word (const unsigned char *s, bool nul_allowed)
{
    uint64_t word;
    memcpy (&word, s, 8);
    if (word & S_HIGH_BITS)
        return false;
    /*  A byte below 0x80 is zero exactly when subtracting 1 from it borrows. */
    return nul_allowed || !((word - S_LOW_BITS) & ~word & S_HIGH_BITS);
}

/*  The length (2..4) of the valid multi-byte sequence at s (left bytes available, s[0] >=
    0x80), or 0 when it is invalid: a bad lead byte, cut short, a bad continuation byte,
    an overlong form, a surrogate or past U+10FFFF. */
static size_t
s_sequence (const unsigned char *s, size_t left)
{
    static const uint32_t min[] = {0, 0x80, 0x800, 0x10000}; /* shortest form per length */
    size_t extra;
    uint32_t cp;
    if ((s[0] & 0xe0) == 0xc0) {
        extra = 1;
        cp = s[0] & 0x1f;
    }
    else if ((s[0] & 0xf0) == 0xe0) {
        extra = 2;
        cp = s[0] & 0x0f;
    }
    else if ((s[0] & 0xf8) == 0xf0) {
        extra = 3;
        cp = s[0] & 0x07;
    }
    else
        return 0; /* a continuation byte, or 0xf8..0xff */
    if (left <= extra)
        return 0;
    for (size_t k = 1; k <= extra; k++) {
        if ((s[k] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[k] & 0x3f);
    }
    if (cp < min[extra] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return extra + 1;
}

/*  ecom_utf8_valid() and ecom_utf8_text_valid(): NUL bytes allowed or not. */
static bool
s_valid (const char *text, size_t len, bool nul_allowed)
{
    const unsigned char *s = (const unsigned char *) text;
    size_t i = 0;
    while (i < len) {
        if (len - i >= 8 && s_ascii_word (s + i, nul_allowed)) {
            i += 8;
            continue;
        }
        if (s[i] < 0x80) {
            if (s[i] == 0 && !nul_allowed)
                return false;
            i++;
            continue;
        }
        size_t n = s_sequence (s + i, len - i);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

bool
ecom_utf8_valid (const char *text, size_t len)
{
    return s_valid (text, len, true);
}

bool
ecom_utf8_text_valid (const char *text, size_t len)
{
    return s_valid (text, len, false);
}
