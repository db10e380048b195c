/*  etl_dim_cache: a dimension's attributes are written again exactly when they differ from
    the ones last written for the same id, whatever the number of slots (one slot: every
    other id evicts it), checked against a plain list of everything written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etl_dim_cache.h"

static bool
changed (etl_dim_cache_t *cache, const char *id, const char *a, const char *b)
{
    const char *fields[] = {id, a, b};
    size_t lengths[] = {strlen (id), strlen (a), strlen (b)};
    return etl_dim_cache_changed (cache, fields, lengths, 3);
}

static void
test_first_change_and_repeat (void **state)
{
    etl_dim_cache_t *cache = etl_dim_cache_new (64);
    assert_non_null (cache);
    assert_true (changed (cache, "C1", "Ann", "Oslo"));   /* never seen */
    assert_false (changed (cache, "C1", "Ann", "Oslo"));  /* the same again */
    assert_true (changed (cache, "C1", "Ann", "Bergen")); /* moved */
    assert_false (changed (cache, "C1", "Ann", "Bergen"));
    assert_true (changed (cache, "C1", "Ann", "Oslo"));   /* and back: written again */
    /*  The same bytes split differently between the fields are other attributes. */
    assert_true (changed (cache, "C2", "ab", "c"));
    assert_true (changed (cache, "C2", "a", "bc"));
    assert_true (changed (cache, "C2", "a", ""));
    assert_true (changed (cache, "C2", "", "a"));
    assert_false (changed (cache, "C2", "", "a"));
    /*  Bytes after a NUL count (the cache compares lengths and bytes, not C strings). */
    const char *fields[] = {"C3", "x\0y", "z"};
    size_t lengths[] = {2, 3, 1};
    assert_true (etl_dim_cache_changed (cache, fields, lengths, 3));
    fields[1] = "x\0q";
    assert_true (etl_dim_cache_changed (cache, fields, lengths, 3));
    /*  Too long to remember: always written, and the older fields of the id are forgotten
        (else a return to them would look unchanged although the long ones came last). */
    char long_name[300];
    memset (long_name, 'n', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    assert_true (changed (cache, "C4", "Ann", "Oslo"));
    assert_true (changed (cache, "C4", long_name, "Oslo"));
    assert_true (changed (cache, "C4", long_name, "Oslo"));
    assert_true (changed (cache, "C4", "Ann", "Oslo"));
    assert_false (changed (cache, "C4", "Ann", "Oslo"));
    etl_dim_cache_destroy (&cache);
    assert_null (cache);
    etl_dim_cache_destroy (&cache); /* twice is harmless */
}

/*  Random rows over 50 ids with two attribute values each, mostly the same, for several slot counts: whenever
    the attributes differ from the last ones written for that id (or none were), the answer
    is "changed". A cache may also answer "changed" for an id that lost its slot, which only
    writes a row again; with one slot and two alternating ids, every row is written. */
static void
test_never_misses_a_change (void **state)
{
    const size_t slot_counts[] = {1, 2, 7, 64, 4096};
    for (size_t s = 0; s < sizeof slot_counts / sizeof slot_counts[0]; s++) {
        etl_dim_cache_t *cache = etl_dim_cache_new (slot_counts[s]);
        assert_non_null (cache);
        int last[50];
        for (int i = 0; i < 50; i++)
            last[i] = -1;
        unsigned int seed = 12345;
        size_t written = 0;
        for (int n = 0; n < 20000; n++) {
            seed = seed * 1103515245U + 12345U;
            int id = (int) ((seed >> 16) % 50);
            int value = (seed >> 8) % 8 == 0; /* a change now and then */
            char id_text[16], a[16];
            snprintf (id_text, sizeof id_text, "C%d", id);
            snprintf (a, sizeof a, "name-%d", value);
            bool must = last[id] != value;
            bool got = changed (cache, id_text, a, "city");
            if (must && !got)
                fail_msg ("slots %zu: row %d: the change of %s was missed", slot_counts[s], n,
                          id_text);
            if (got) {
                last[id] = value;
                written++;
            }
        }
        if (slot_counts[s] == 4096 && written >= 20000 / 2)
            fail_msg ("4096 slots for 50 ids wrote %zu of 20000 rows", written);
        etl_dim_cache_destroy (&cache);
    }
    etl_dim_cache_t *one = etl_dim_cache_new (1);
    for (int n = 0; n < 10; n++)
        assert_true (changed (one, n % 2 ? "A" : "B", "same", "same"));
    etl_dim_cache_destroy (&one);
    etl_dim_cache_t *zero = etl_dim_cache_new (0); /* taken as one slot */
    assert_non_null (zero);
    assert_true (changed (zero, "A", "x", "y"));
    assert_false (changed (zero, "A", "x", "y"));
    etl_dim_cache_destroy (&zero);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_first_change_and_repeat),
        cmocka_unit_test (test_never_misses_a_change),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
