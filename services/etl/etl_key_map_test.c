/*  etl_key_map: every id put is found with its key (and ids never put are not), through the
    map's growth and after a reserve, checked against a plain array; the limits refuse what
    they say; a million ids of 7 bytes take at most 24 bytes each. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etl_key_map.h"

static void
test_put_get_through_growth (void **state)
{
    enum { IDS = 50000 };
    etl_key_map_t *map = etl_key_map_new (IDS, 64 * IDS);
    assert_non_null (map);
    static char ids[IDS][16];
    static int32_t keys[IDS];
    for (int i = 0; i < IDS; i++) {
        snprintf (ids[i], sizeof ids[i], "C%07d", i * 7);
        keys[i] = 1 + (int32_t) ((i * 2654435761U) % 2000000000U);
        assert_int_equal (etl_key_map_put (map, ids[i], strlen (ids[i]), keys[i]), 0);
        if (i % 997 == 0) /* what was put before is still there as the table grows */
            for (int j = 0; j <= i; j += 101)
                assert_int_equal (etl_key_map_get (map, ids[j], strlen (ids[j])), keys[j]);
    }
    for (int i = 0; i < IDS; i++) {
        assert_int_equal (etl_key_map_get (map, ids[i], strlen (ids[i])), keys[i]);
        char other[16];
        snprintf (other, sizeof other, "C%07d", i * 7 + 1); /* never put */
        assert_int_equal (etl_key_map_get (map, other, strlen (other)), 0);
    }
    /*  A prefix, or the same bytes with a NUL after them, is another id. */
    assert_int_equal (etl_key_map_get (map, "C000000", 7), 0);
    assert_int_equal (etl_key_map_get (map, "C0000000\0", 9), 0);
    /*  Full: a new id is refused; an id held takes a new key. */
    assert_int_equal (etl_key_map_put (map, "new", 3, 5), -1);
    assert_int_equal (etl_key_map_get (map, "new", 3), 0);
    assert_int_equal (etl_key_map_put (map, ids[3], strlen (ids[3]), 77), 0);
    assert_int_equal (etl_key_map_get (map, ids[3], strlen (ids[3])), 77);
    etl_key_map_destroy (&map);
    assert_null (map);
}

static void
test_refusals (void **state)
{
    etl_key_map_t *map = etl_key_map_new (4, 270);
    assert_non_null (map);
    char long_id[ETL_KEY_MAP_MAX_ID + 1];
    memset (long_id, 'x', sizeof long_id);
    assert_int_equal (etl_key_map_put (map, long_id, ETL_KEY_MAP_MAX_ID + 1, 1), -1);
    assert_int_equal (etl_key_map_put (map, long_id, ETL_KEY_MAP_MAX_ID, 1), 0);
    assert_int_equal (etl_key_map_get (map, long_id, ETL_KEY_MAP_MAX_ID), 1);
    assert_int_equal (etl_key_map_put (map, "zero", 4, 0), -1);   /* keys are >= 1 */
    assert_int_equal (etl_key_map_put (map, "minus", 5, -3), -1);
    /*  270 bytes of records at most: 260 are taken, so a 2nd long id does not fit, the
        empty one (5 bytes) does */
    long_id[0] = 'y';
    assert_int_equal (etl_key_map_put (map, long_id, ETL_KEY_MAP_MAX_ID, 2), -1);
    assert_int_equal (etl_key_map_put (map, "", 0, 3), 0); /* the empty id is an id */
    assert_int_equal (etl_key_map_get (map, "", 0), 3);
    etl_key_map_destroy (&map);
    etl_key_map_destroy (&map); /* twice is harmless */
}

/*  The catalogue of a big shop: a million customers of 7-byte ids ("C000001"), read into a
    map sized for them at once (as etl_surrogate_keys does), then 300,000 new ones; every key
    found, and the bytes per id printed (the figure of services/etl/README.md). */
static void
test_a_million_ids_compactly (void **state)
{
    enum { IDS = 1000000, NEW = 300000 };
    etl_key_map_t *map = etl_key_map_new (1500000, (size_t) 16 << 20); /* etl_surrogate_keys' */
    assert_non_null (map);
    assert_int_equal (etl_key_map_reserve (map, IDS), 0);
    size_t reserved = etl_key_map_bytes (map);
    char id[16];
    for (int i = 1; i <= IDS; i++) {
        snprintf (id, sizeof id, "C%06d", i % 1000000);
        assert_int_equal (etl_key_map_put (map, id, 7, i), 0);
    }
    size_t million = etl_key_map_bytes (map);
    for (int i = 0; i < NEW; i++) {
        snprintf (id, sizeof id, "N%06d", i);
        assert_int_equal (etl_key_map_put (map, id, 7, IDS + 1 + i), 0);
    }
    size_t after = etl_key_map_bytes (map);
    assert_int_equal (etl_key_map_count (map), IDS + NEW);
    for (int i = 1; i <= IDS; i += 7) {
        snprintf (id, sizeof id, "C%06d", i % 1000000);
        assert_int_equal (etl_key_map_get (map, id, 7), i);
    }
    for (int i = 0; i < NEW; i += 3) {
        snprintf (id, sizeof id, "N%06d", i);
        assert_int_equal (etl_key_map_get (map, id, 7), IDS + 1 + i);
        snprintf (id, sizeof id, "X%06d", i);
        assert_int_equal (etl_key_map_get (map, id, 7), 0);
    }
    printf ("etl_key_map: reserved for 1M ids %.1f MB; 1M ids %.1f MB (%.1f bytes/id);"
            " 1.3M ids %.1f MB (%.1f bytes/id)\n",
            reserved / 1e6, million / 1e6, (double) million / IDS, after / 1e6,
            (double) after / (IDS + NEW));
    assert_true (million <= 24 * (size_t) IDS);
    assert_true (after <= 24 * (size_t) (IDS + NEW));
    /*  The bytes bound: records of 12 bytes, 1 MiB of them at most. */
    etl_key_map_t *small = etl_key_map_new ((size_t) 1 << 21, (size_t) 1 << 20);
    int refused = 0, i = 0;
    for (; i < 200000 && !refused; i++) {
        snprintf (id, sizeof id, "C%06d", i);
        refused = etl_key_map_put (small, id, 7, i + 1) != 0;
    }
    assert_true (refused);
    assert_true ((size_t) (i - 1) * 12 <= ((size_t) 1 << 20));
    assert_true ((size_t) i * 12 > ((size_t) 1 << 20) - 12);
    etl_key_map_destroy (&small);
    etl_key_map_destroy (&map);
    /*  Full to its limit of ids, the table is no bigger than the limit needs (4/5 full). */
    etl_key_map_t *full = etl_key_map_new (100000, (size_t) 4 << 20);
    for (i = 0; i < 100000; i++) {
        snprintf (id, sizeof id, "C%06d", i);
        assert_int_equal (etl_key_map_put (full, id, 7, i + 1), 0);
    }
    assert_int_equal (etl_key_map_put (full, "one more", 8, 1), -1);
    assert_true (etl_key_map_bytes (full) <= ((size_t) 2 << 20) + 4 * (100000 / 4 * 5 + 5) + 4096);
    etl_key_map_destroy (&full);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_put_get_through_growth),
        cmocka_unit_test (test_refusals),
        cmocka_unit_test (test_a_million_ids_compactly),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
