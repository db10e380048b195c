/*  store_dict: interned strings (countries, categories) numbered 0, 1, 2, ... in the order
    they were first added, so that the store keeps a 32-bit number per customer or product
    instead of a string, and a filter compares numbers. */
#ifndef STORE_DICT_H
#define STORE_DICT_H

#include <stddef.h>
#include <stdint.h>

typedef struct _store_dict_t store_dict_t;

#define STORE_DICT_NONE UINT32_MAX

/*  Returns an empty dictionary, or NULL when out of memory. */
store_dict_t *store_dict_new (void);

/*  Frees the dictionary and nulls the caller's pointer. NULL-safe. */
void store_dict_destroy (store_dict_t **self_p);

/*  The number of the len bytes at text, added when new. STORE_DICT_NONE when out of
    memory. */
uint32_t store_dict_add (store_dict_t *self, const char *text, size_t len);

/*  The number of text (NUL-terminated), or STORE_DICT_NONE when it was never added. */
uint32_t store_dict_find (const store_dict_t *self, const char *text);

/*  The string numbered index (NUL-terminated), or NULL beyond the last. */
const char *store_dict_text (const store_dict_t *self, uint32_t index);

/*  How many strings it holds. */
uint32_t store_dict_size (const store_dict_t *self);

#endif
