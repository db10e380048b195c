/*  etl_hash: the hash the reader's in-memory tables (etl_attr_cache, etl_key_map) place
    their ids by. */
#ifndef ETL_HASH_H
#define ETL_HASH_H

#include <stddef.h>
#include <stdint.h>

/*  FNV-1a, 64 bits, of the len bytes at data, its bits mixed (MurmurHash3's finalizer) so
    that every bit of the result depends on every byte. */
uint64_t etl_hash (const char *data, size_t len);

#endif
