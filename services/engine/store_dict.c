#include "store_dict.h"

#include <stdlib.h>
#include <string.h>

/*  Open addressing over a power-of-two table of string numbers (+1; 0 is an empty slot),
    kept at most half full; the strings themselves are copied one by one. */
struct _store_dict_t {
    char **texts;
    uint32_t count, capacity; /* texts */
    uint32_t *slots;
    uint32_t mask; /* slots - 1 */
};

static uint64_t
s_hash (const char *text, size_t len)
{
    uint64_t hash = 0xcbf29ce484222325ULL; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        hash = (hash ^ (unsigned char) text[i]) * 0x100000001b3ULL;
    return hash;
}

store_dict_t *
store_dict_new (void)
{
    store_dict_t *self = calloc (1, sizeof *self);
    if (self && !(self->slots = calloc (16, sizeof *self->slots)))
        store_dict_destroy (&self);
    if (self)
        self->mask = 15;
    return self;
}

void
store_dict_destroy (store_dict_t **self_p)
{
    store_dict_t *self = *self_p;
    if (!self)
        return;
    for (uint32_t i = 0; i < self->count; i++)
        free (self->texts[i]);
    free (self->texts);
    free (self->slots);
    free (self);
    *self_p = NULL;
}

/*  The slot holding text, or the empty slot where it belongs. */
static uint32_t *
s_slot (const store_dict_t *self, const char *text, size_t len)
{
    uint64_t at = s_hash (text, len) & self->mask;
    for (;; at = (at + 1) & self->mask) {
        uint32_t *slot = &self->slots[at];
        if (*slot == 0)
            return slot;
        const char *held = self->texts[*slot - 1];
        if (strncmp (held, text, len) == 0 && held[len] == '\0')
            return slot;
    }
}

static int
s_grow (store_dict_t *self)
{
    uint32_t size = (self->mask + 1) * 2;
    uint32_t *slots = calloc (size, sizeof *slots);
    if (!slots)
        return -1;
    free (self->slots);
    self->slots = slots;
    self->mask = size - 1;
    for (uint32_t i = 0; i < self->count; i++)
        *s_slot (self, self->texts[i], strlen (self->texts[i])) = i + 1;
    return 0;
}

uint32_t
store_dict_add (store_dict_t *self, const char *text, size_t len)
{
    if (memchr (text, '\0', len))
        len = strlen (text); /* text cannot hold NUL (PostgreSQL refuses it): never happens */
    uint32_t *slot = s_slot (self, text, len);
    if (*slot)
        return *slot - 1;
    if (self->count == self->capacity) {
        uint32_t capacity = self->capacity ? self->capacity * 2 : 16;
        char **texts = realloc (self->texts, capacity * sizeof *texts);
        if (!texts)
            return STORE_DICT_NONE;
        self->texts = texts;
        self->capacity = capacity;
    }
    char *copy = malloc (len + 1);
    if (!copy)
        return STORE_DICT_NONE;
    memcpy (copy, text, len);
    copy[len] = '\0';
    self->texts[self->count] = copy;
    *slot = ++self->count;
    if (self->count * 2 > self->mask && s_grow (self) != 0)
        return STORE_DICT_NONE;
    return self->count - 1;
}

uint32_t
store_dict_find (const store_dict_t *self, const char *text)
{
    uint32_t slot = *s_slot (self, text, strlen (text));
    return slot ? slot - 1 : STORE_DICT_NONE;
}

const char *
store_dict_text (const store_dict_t *self, uint32_t index)
{
    return index < self->count ? self->texts[index] : NULL;
}

uint32_t
store_dict_size (const store_dict_t *self)
{
    return self->count;
}
