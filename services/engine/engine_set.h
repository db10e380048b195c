/*  engine_set: a set of items (customer numbers, product keys) below a bound, as a bitmap:
    what a list's search and filters select (SPEC §10), walked in an ordering by a cursor
    (engine_browse). */
#ifndef ENGINE_SET_H
#define ENGINE_SET_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    uint64_t *bits;
    uint32_t size; /* items 0 .. size - 1 */
} engine_set_t;

/*  Makes set an empty set of size items (every item when full). Returns 0, or -1 when out
    of memory (set then holds nothing to free). */
int engine_set_init (engine_set_t *set, uint32_t size, bool full);

/*  Frees the set's bits. NULL-safe, idempotent. */
void engine_set_free (engine_set_t *set);

/*  How many items it holds. */
uint32_t engine_set_count (const engine_set_t *set);

static inline bool
engine_set_has (const engine_set_t *set, uint32_t item)
{
    return item < set->size && (set->bits[item >> 6] >> (item & 63)) & 1;
}

static inline void
engine_set_add (engine_set_t *set, uint32_t item)
{
    if (item < set->size)
        set->bits[item >> 6] |= (uint64_t) 1 << (item & 63);
}

static inline void
engine_set_remove (engine_set_t *set, uint32_t item)
{
    if (item < set->size)
        set->bits[item >> 6] &= ~((uint64_t) 1 << (item & 63));
}

/*  Walks an ordering of items (an array of n of them), yielding those in a set. */
typedef struct {
    const uint32_t *order;
    uint32_t n, at;
    const engine_set_t *set;
} engine_cursor_t;

/*  Sets *item to the next item of the ordering in the set and returns true, or returns
    false at the end. */
static inline bool
engine_cursor_next (engine_cursor_t *cursor, uint32_t *item)
{
    while (cursor->at < cursor->n) {
        uint32_t i = cursor->order[cursor->at++];
        if (engine_set_has (cursor->set, i)) {
            *item = i;
            return true;
        }
    }
    return false;
}

/*  Skips the next count items of the ordering in the set. Returns how many it skipped
    (fewer at the end). */
long long engine_cursor_skip (engine_cursor_t *cursor, long long count);

/*  One page of the cursor's items: skips offset of them, then puts at most size into items.
    Returns how many it put (0 when the page lies past the end). */
uint32_t engine_cursor_page (engine_cursor_t *cursor, long long offset, uint32_t size,
                             uint32_t *items);

#endif
