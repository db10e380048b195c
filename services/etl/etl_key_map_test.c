/*  etl_key_map: every id put is found with its key (and ids never put are not), through the
    map's growth, checked against a plain array; the limits refuse what they say. */
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
    etl_key_map_t *map = etl_key_map_new (IDS);
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
    etl_key_map_t *map = etl_key_map_new (4);
    assert_non_null (map);
    char long_id[ETL_KEY_MAP_MAX_ID + 1];
    memset (long_id, 'x', sizeof long_id);
    assert_int_equal (etl_key_map_put (map, long_id, ETL_KEY_MAP_MAX_ID + 1, 1), -1);
    assert_int_equal (etl_key_map_put (map, long_id, ETL_KEY_MAP_MAX_ID, 1), 0);
    assert_int_equal (etl_key_map_get (map, long_id, ETL_KEY_MAP_MAX_ID), 1);
    assert_int_equal (etl_key_map_put (map, "zero", 4, 0), -1);   /* keys are >= 1 */
    assert_int_equal (etl_key_map_put (map, "minus", 5, -3), -1);
    /*  4 ids x 64 bytes of ids at most: 255 are taken, so a 2nd long id does not fit */
    long_id[0] = 'y';
    assert_int_equal (etl_key_map_put (map, long_id, ETL_KEY_MAP_MAX_ID, 2), -1);
    assert_int_equal (etl_key_map_put (map, "", 0, 3), 0); /* the empty id is an id */
    assert_int_equal (etl_key_map_get (map, "", 0), 3);
    etl_key_map_destroy (&map);
    etl_key_map_destroy (&map); /* twice is harmless */
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_put_get_through_growth),
        cmocka_unit_test (test_refusals),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
