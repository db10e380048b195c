#include "etl_hash.h"

uint64_t
etl_hash (const char *data, size_t len)
{
    uint64_t hash = 14695981039346656037ULL;
    for (size_t i = 0; i < len; i++) {
        hash ^= (unsigned char) data[i];
        hash *= 1099511628211ULL;
    }
    return hash;
}
