/*  etl_record_table: records are found by their key exactly as a plain list of everything
    placed says, through collisions, the index's wrap-around, a rebuild and a clear; the
    index stops at 4/5 full, the arena at its blocks, and the bytes are what the header
    says. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etl_hash.h"
#include "etl_record_table.h"

/*  The test's records: the key's length (one byte), the key, a 4-byte value, then pad
    bytes (the value's low byte of them), so that records have many sizes. */
static const char *
key_of (const unsigned char *record, size_t *len)
{
    *len = record[0];
    return (const char *) record + 1;
}

static size_t
size_of (const unsigned char *record)
{
    uint32_t value;
    memcpy (&value, record + 1 + record[0], 4);
    return 1 + record[0] + 4 + (value & 0xff);
}

static const etl_record_kind_t kind = {key_of, size_of};

/*  Writes the record of the len bytes at key with value. */
static void
fill (unsigned char *record, const char *key, size_t len, uint32_t value)
{
    record[0] = (unsigned char) len;
    memcpy (record + 1, key, len);
    memcpy (record + 1 + len, &value, 4);
    memset (record + 1 + len + 4, (int) (value & 0xff), value & 0xff);
}

/*  Adds key with value (a new record, placed over an older one of the same key). Returns
    0, or -1 when the arena is full. */
static int
put (etl_record_table_t *table, const char *key, uint32_t value)
{
    size_t len = strlen (key);
    uint64_t hash = etl_hash (key, len);
    uint32_t *slot = etl_record_table_slot (table, hash, key, len);
    uint32_t ref;
    unsigned char *record = etl_record_table_append (table, 1 + len + 4 + (value & 0xff), &ref);
    if (!record)
        return -1;
    fill (record, key, len, value);
    etl_record_table_place (table, slot, hash, ref);
    return 0;
}

/*  The value held for key, or -1 when none. */
static long long
get (const etl_record_table_t *table, const char *key)
{
    size_t len = strlen (key);
    uint32_t slot = *etl_record_table_slot (table, etl_hash (key, len), key, len);
    if (!slot)
        return -1;
    const unsigned char *record = etl_record_table_record (table, slot);
    uint32_t value;
    memcpy (&value, record + 1 + len, 4);
    return value;
}

/*  Keys k0 .. k(count-1), placed with values from a seed, and some of them again with
    another: every key gives its last value (a plain array keeps them), other keys none;
    the same after a rebuild at twice the slots, which places the arena's records again. */
static void
test_found_as_placed (void **state)
{
    enum { KEYS = 800 }; /* 1024 slots: 4/5 full, so probes collide and wrap around */
    etl_record_table_t *table = etl_record_table_new (&kind, 4, 0);
    assert_non_null (table);
    assert_int_equal (etl_record_table_slots (table), ETL_RECORD_TABLE_MIN_SLOTS);
    long long last[KEYS];
    unsigned int seed = 7;
    char key[32];
    for (int i = 0; i < KEYS; i++) {
        seed = seed * 1103515245U + 12345U;
        snprintf (key, sizeof key, "k%d", i);
        assert_int_equal (put (table, key, seed >> 4), 0);
        last[i] = seed >> 4;
    }
    for (int i = 0; i < KEYS; i += 3) { /* a new record for every third key */
        seed = seed * 1103515245U + 12345U;
        snprintf (key, sizeof key, "k%d", i);
        assert_int_equal (put (table, key, seed >> 4), 0);
        last[i] = seed >> 4;
    }
    assert_int_equal (etl_record_table_count (table), KEYS);
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < KEYS; i++) {
            snprintf (key, sizeof key, "k%d", i);
            assert_true (get (table, key) == last[i]);
            snprintf (key, sizeof key, "x%d", i);
            assert_true (get (table, key) == -1);
        }
        assert_true (get (table, "") == -1);
        assert_int_equal (etl_record_table_rebuild (table, 2048), 0);
        assert_int_equal (etl_record_table_slots (table), 2048);
        assert_int_equal (etl_record_table_count (table), KEYS);
    }
    etl_record_table_destroy (&table);
    assert_null (table);
    etl_record_table_destroy (&table); /* twice is harmless */
    etl_record_table_destroy (NULL);
}

/*  At most 4/5 of the slots: 1024 take 819 records (4096 / 5), 2000 exactly 1600;
    slots_for() gives at least 5/4 of the records. */
static void
test_four_fifths (void **state)
{
    const size_t slots[] = {1024, 2000};
    const size_t most[] = {819, 1600};
    char key[32];
    for (size_t s = 0; s < 2; s++) {
        etl_record_table_t *table = etl_record_table_new (&kind, 1, slots[s]);
        size_t placed = 0;
        while (etl_record_table_has_room (table)) {
            snprintf (key, sizeof key, "id-%zu", placed++);
            assert_int_equal (put (table, key, 0), 0);
        }
        assert_int_equal (placed, most[s]);
        assert_int_equal (etl_record_table_count (table), most[s]);
        etl_record_table_destroy (&table);
    }
    assert_int_equal (etl_record_table_slots_for (0), ETL_RECORD_TABLE_MIN_SLOTS);
    for (size_t records = 1000; records < 10000000; records = records * 3 + 1)
        assert_true (etl_record_table_slots_for (records) * 4 >= records * 5);
}

/*  The arena: a record never straddles two blocks, the blocks stop at the bound, a clear
    keeps them to be written over, and the bytes count the index and the blocks. */
static void
test_arena (void **state)
{
    etl_record_table_t *table = etl_record_table_new (&kind, 2, 10000);
    size_t empty = etl_record_table_bytes (table);
    char key[32];
    size_t records = 0;
    /*  Records of 1 + 6 + 4 + 255 = 266 bytes: 3942 fit a block (1,048,572 bytes). */
    for (;; records++) {
        snprintf (key, sizeof key, "r%05zu", records);
        if (put (table, key, 0xff))
            break;
    }
    assert_int_equal (records, 2 * (ETL_RECORD_TABLE_BLOCK / 266));
    assert_int_equal (etl_record_table_held (table), records * 266);
    assert_int_equal (etl_record_table_bytes (table), empty + 2 * ETL_RECORD_TABLE_BLOCK);
    /*  The first record of the second block starts it. */
    snprintf (key, sizeof key, "r%05zu", ETL_RECORD_TABLE_BLOCK / 266);
    size_t len = strlen (key);
    uint32_t slot = *etl_record_table_slot (table, etl_hash (key, len), key, len);
    assert_ptr_equal (etl_record_table_record (table, slot),
                      etl_record_table_record (table, (uint32_t) ETL_RECORD_TABLE_BLOCK + 1));
    assert_true (get (table, "r00000") == 0xff);

    etl_record_table_clear (table);
    assert_int_equal (etl_record_table_count (table), 0);
    assert_int_equal (etl_record_table_held (table), 0);
    assert_true (get (table, "r00000") == -1);
    for (size_t i = 0; i < records; i++) {
        snprintf (key, sizeof key, "s%05zu", i);
        assert_int_equal (put (table, key, 0xff), 0);
    }
    assert_int_equal (etl_record_table_bytes (table), empty + 2 * ETL_RECORD_TABLE_BLOCK);
    assert_true (get (table, "s00000") == 0xff);

    /*  A bigger index: 4 bytes a slot more. */
    assert_int_equal (etl_record_table_rebuild (table, 20000), 0);
    assert_int_equal (etl_record_table_bytes (table),
                      empty + 2 * ETL_RECORD_TABLE_BLOCK + 4 * 10000);
    assert_true (get (table, "s07883") == 0xff);
    etl_record_table_destroy (&table);

    /*  The bound is taken as 1 to ETL_RECORD_TABLE_MAX_BLOCKS blocks. */
    table = etl_record_table_new (&kind, 0, 0);
    for (records = 0; put (table, "x", 0xff) == 0; records++)
        ;
    assert_int_equal (records, ETL_RECORD_TABLE_BLOCK / (1 + 1 + 4 + 255));
    etl_record_table_destroy (&table);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_found_as_placed),
        cmocka_unit_test (test_four_fifths),
        cmocka_unit_test (test_arena),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
