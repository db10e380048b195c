#include "etl_hash.h"

uint64_t
etl_hash (const char *data, size_t len)
{
    uint64_t hash = 14695981039346656037ULL;
    for (size_t i = 0; i < len; i++) {
        hash ^= (unsigned char) data[i];
        hash *= 1099511628211ULL;
    }
    /*  MurmurHash3's finalizer: FNV-1a's bits above the last bytes' depend little on them
        (the low 32 bits of its prime are 0x1b3), so ids that differ in their last digits
        would share their top bits, and a table placing ids by them would cluster. */
    hash ^= hash >> 33;
    hash *= 0xff51afd7ed558ccdULL;
    hash ^= hash >> 33;
    hash *= 0xc4ceb9fe1a85ec53ULL;
    hash ^= hash >> 33;
    return hash;
}
