/*  engine_text: a case-insensitive substring index over a few text fields per item (a
    customer's id, name and email; a product's id and name), for the search of SPEC §10.

    Each field is kept lower-cased (engine_text_fold) in one blob, every field followed by
    a NUL byte, so that a search is a memmem() scan of the blob and a match never spans two
    fields (a search holds no NUL). Items are numbers below a bound given at creation
    (customer keys, product keys) and are matched into a bitmap (engine_set_t). */
#ifndef ENGINE_TEXT_H
#define ENGINE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine_set.h"

typedef struct _engine_text_t engine_text_t;

/*  Returns an empty index for items below items, or NULL when out of memory. */
engine_text_t *engine_text_new (uint32_t items);

/*  Frees the index and nulls the caller's pointer. NULL-safe. */
void engine_text_destroy (engine_text_t **self_p);

/*  Adds item (below the bound) with its count fields (field i: lens[i] bytes at fields[i]),
    each folded. Returns 0, or -1 when out of memory or item is out of bounds. */
int engine_text_add (engine_text_t *self, uint32_t item, size_t count, const char *const *fields,
                     const size_t *lens);

/*  Gives back the room kept for more items (the blob and the record arrays grow by
    doubling): call it once the last item is added. Never fails (a failed shrink keeps the
    room). */
void engine_text_shrink (engine_text_t *self);

/*  The bound given to engine_text_new(). */
uint32_t engine_text_items (const engine_text_t *self);

/*  The bytes it holds. */
size_t engine_text_bytes (const engine_text_t *self);

/*  Adds to matches (of engine_text_items() items) every item one of whose fields holds
    needle (NUL-terminated, non-empty), both compared folded. Returns 0, or -1 when out of
    memory. */
int engine_text_search (const engine_text_t *self, const char *needle, engine_set_t *matches);

/*  Lower-cases len bytes of UTF-8 at text as PostgreSQL's lower() does in a C.UTF-8
    database (towlower of each code point); bytes that are not valid UTF-8 are kept as they
    are. Returns the folded text (free(), NUL-terminated, *folded_len bytes), or NULL when
    out of memory. */
char *engine_text_fold (const char *text, size_t len, size_t *folded_len);

#endif
