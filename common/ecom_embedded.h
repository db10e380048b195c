/*  ecom_embedded: text files compiled into a binary (SQL migrations and queries).
    The tables are generated at build time by cmake/embed.cmake; see ecom_embed() in
    cmake/EcomEmbed.cmake. Entries are sorted by file name and end with {NULL, NULL}. */
#ifndef ECOM_EMBEDDED_H
#define ECOM_EMBEDDED_H

#include <stddef.h>

typedef struct {
    const char *name; /* file name without directory, e.g. "0001_star_schema.sql" */
    const char *text; /* the file's bytes, NUL-terminated */
} ecom_embedded_t;

/*  Returns the text of the entry called name in table, or NULL when there is none. */
const char *ecom_embedded_find (const ecom_embedded_t *table, const char *name);

#endif
