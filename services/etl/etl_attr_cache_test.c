/*  etl_attr_cache: a dimension's attributes are written again exactly when they differ from
    the ones last written for the same id, whether it holds every id or has to start over,
    checked against a plain list of everything written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etl_attr_cache.h"

static bool
changed (etl_attr_cache_t *cache, const char *id, const char *a, const char *b)
{
    const char *fields[] = {id, a, b};
    size_t lengths[] = {strlen (id), strlen (a), strlen (b)};
    return etl_attr_cache_changed (cache, fields, lengths, 3);
}

static void
test_first_change_and_repeat (void **state)
{
    etl_attr_cache_t *cache = etl_attr_cache_new ((size_t) 1 << 20);
    assert_non_null (cache);
    assert_true (changed (cache, "C1", "Ann", "Oslo"));   /* never seen */
    assert_false (changed (cache, "C1", "Ann", "Oslo"));  /* the same again */
    assert_true (changed (cache, "C1", "Ann", "Bergen")); /* moved */
    assert_false (changed (cache, "C1", "Ann", "Bergen"));
    assert_true (changed (cache, "C1", "Ann", "Oslo")); /* and back: written again */
    /*  The same bytes split differently between the fields are other attributes. */
    assert_true (changed (cache, "C2", "ab", "c"));
    assert_true (changed (cache, "C2", "a", "bc"));
    assert_true (changed (cache, "C2", "a", ""));
    assert_true (changed (cache, "C2", "", "a"));
    assert_false (changed (cache, "C2", "", "a"));
    /*  Bytes after a NUL count (the cache compares lengths and bytes, not C strings). */
    const char *fields[] = {"C3", "x\0y", "z"};
    size_t lengths[] = {2, 3, 1};
    assert_true (etl_attr_cache_changed (cache, fields, lengths, 3));
    fields[1] = "x\0q";
    assert_true (etl_attr_cache_changed (cache, fields, lengths, 3));
    /*  Too long to remember: always written, and the older fields of the id are forgotten
        (else a return to them would look unchanged although the long ones came last). */
    char long_name[1100];
    memset (long_name, 'n', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    assert_true (changed (cache, "C4", "Ann", "Oslo"));
    assert_true (changed (cache, "C4", long_name, "Oslo"));
    assert_true (changed (cache, "C4", long_name, "Oslo"));
    assert_true (changed (cache, "C4", "Ann", "Oslo"));
    assert_false (changed (cache, "C4", "Ann", "Oslo"));
    etl_attr_cache_destroy (&cache);
    assert_null (cache);
    etl_attr_cache_destroy (&cache); /* twice is harmless */
}

/*  Whatever the cache holds or forgets, it never misses a change: whenever the attributes
    differ from the last ones written for that id (or none were), the answer is "changed".
    It may also answer "changed" for an id it forgot (it was full), which only writes a row
    again. 50 ids fit: most rows are not written; 100,000 ids with long attributes do not
    (1 MiB): the cache starts again, and still misses nothing. Changes longer than the
    record they replace are appended. */
static void
test_never_misses_a_change (void **state)
{
    const int id_counts[] = {50, 100000};
    for (size_t s = 0; s < sizeof id_counts / sizeof id_counts[0]; s++) {
        int ids = id_counts[s];
        etl_attr_cache_t *cache = etl_attr_cache_new ((size_t) 1 << 20);
        assert_non_null (cache);
        int *last = malloc (sizeof *last * (size_t) ids);
        for (int i = 0; i < ids; i++)
            last[i] = -1;
        unsigned int seed = 12345;
        size_t written = 0;
        for (int n = 0; n < 400000; n++) {
            seed = seed * 1103515245U + 12345U;
            int id = (int) ((seed >> 8) % (unsigned) ids);
            int value = (seed >> 4) % 8 == 0 ? (int) (seed % 3) : 0; /* changes now and then */
            char id_text[16], a[64];
            snprintf (id_text, sizeof id_text, "C%d", id);
            snprintf (a, sizeof a, "name-%d%.*s", value, value * 20,
                      "----------------------------------------------------------");
            bool must = last[id] != value;
            bool got = changed (cache, id_text, a, "a city of some length");
            if (must && !got)
                fail_msg ("%d ids: row %d: the change of %s was missed", ids, n, id_text);
            if (got) {
                last[id] = value;
                written++;
            }
        }
        if (ids == 50) {
            assert_true (written < 400000 / 4);
            assert_int_equal (etl_attr_cache_resets (cache), 0);
        }
        else
            assert_true (etl_attr_cache_resets (cache) > 0);
        free (last);
        etl_attr_cache_destroy (&cache);
    }
    etl_attr_cache_t *zero = etl_attr_cache_new (0); /* taken as 1 MiB */
    assert_non_null (zero);
    assert_true (changed (zero, "A", "x", "y"));
    assert_false (changed (zero, "A", "x", "y"));
    etl_attr_cache_destroy (&zero);
}

/*  A shop's 300,000 customers, each named three times with the same attributes, through
    the cache of a load (8 MiB): each is written once while it fits, and again after the
    cache started over. */
static void
test_many_customers (void **state)
{
    etl_attr_cache_t *cache = etl_attr_cache_new ((size_t) 8 << 20);
    size_t written = 0;
    for (int round = 0; round < 3; round++)
        for (int c = 0; c < 300000; c++) {
            char id[16], name[32], email[64];
            snprintf (id, sizeof id, "C%06d", c);
            snprintf (name, sizeof name, "First%d Last%d", c % 97, c % 89);
            snprintf (email, sizeof email, "first%d.last%d%d@example.com", c % 97, c % 89, c);
            const char *fields[] = {id, name, email, "Los Angeles", "United States"};
            size_t lengths[] = {strlen (id), strlen (name), strlen (email), 11, 13};
            written += etl_attr_cache_changed (cache, fields, lengths, 5);
        }
    printf ("etl_attr_cache: 900,000 rows of 300,000 customers in 8 MiB: %zu written, %zu resets\n",
            written, etl_attr_cache_resets (cache));
    assert_true (written >= 300000 && written <= 900000);
    etl_attr_cache_destroy (&cache);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_first_change_and_repeat),
        cmocka_unit_test (test_never_misses_a_change),
        cmocka_unit_test (test_many_customers),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
