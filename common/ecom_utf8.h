/*  ecom_utf8: the one UTF-8 validator (RFC 3629, strict): no overlong forms, no surrogates
    (U+D800..U+DFFF), nothing past U+10FFFF, no truncated or stray continuation bytes.
    Used wherever outside text comes in: the gateway's query and JSON bodies (query.c) and
    the JSON it writes (render.c), the envelope's strings (proto), the ETL's CSV rows. */
#ifndef ECOM_UTF8_H
#define ECOM_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/*  True when the len bytes at text are valid UTF-8; NUL bytes (U+0000) are allowed (a
    JSON string may hold one, escaped). Only len bytes are looked at. */
bool ecom_utf8_valid (const char *text, size_t len);

/*  True when the len bytes at text are valid UTF-8 without any NUL byte: text that a C
    string can hold whole. */
bool ecom_utf8_text_valid (const char *text, size_t len);

#endif
