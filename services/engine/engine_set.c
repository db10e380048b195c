#include "engine_set.h"

#include <stdlib.h>
#include <string.h>

int
engine_set_init (engine_set_t *set, uint32_t size, bool full)
{
    size_t words = ((size_t) size + 63) / 64;
    set->size = size;
    set->bits = calloc (words ? words : 1, sizeof (uint64_t));
    if (!set->bits) {
        set->size = 0;
        return -1;
    }
    if (full && words) {
        memset (set->bits, 0xff, words * sizeof (uint64_t));
        if (size % 64)
            set->bits[words - 1] = ((uint64_t) 1 << (size % 64)) - 1;
    }
    return 0;
}

void
engine_set_free (engine_set_t *set)
{
    free (set->bits);
    set->bits = NULL;
    set->size = 0;
}

uint32_t
engine_set_count (const engine_set_t *set)
{
    uint32_t count = 0;
    for (size_t w = 0; w < ((size_t) set->size + 63) / 64; w++)
        count += (uint32_t) __builtin_popcountll (set->bits[w]);
    return count;
}

long long
engine_cursor_skip (engine_cursor_t *cursor, long long count)
{
    long long skipped = 0;
    uint32_t item;
    while (skipped < count && engine_cursor_next (cursor, &item))
        skipped++;
    return skipped;
}

uint32_t
engine_cursor_page (engine_cursor_t *cursor, long long offset, uint32_t size, uint32_t *items)
{
    uint32_t rows = 0;
    if (engine_cursor_skip (cursor, offset) == offset)
        while (rows < size && engine_cursor_next (cursor, &items[rows]))
            rows++;
    return rows;
}
