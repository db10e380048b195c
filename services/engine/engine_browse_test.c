/*  engine_browse, engine_text, engine_set: the orderings of the SPEC §10 lists (ties by
    id, customers without orders last, day 0 before none), the case-insensitive search
    (as PostgreSQL's lower() in C.UTF-8, never across two fields), sets and cursors. The
    lists end to end, against SQL: tests/e2e/test_browse.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "engine_browse.h"

static void
test_fold (void **state)
{
    size_t len;
    const char *text = "AbC-Ölaf ÅNGSTRÖM İ Ⱥ \xff";
    char *folded = engine_text_fold (text, strlen (text), &len);
    /*  Ⱥ (2 bytes) lower-cases to ⱥ (3 bytes); İ to i; invalid bytes stay. */
    assert_string_equal (folded, "abc-ölaf ångström i ⱥ \xff");
    assert_int_equal (len, strlen (folded));
    free (folded);
}

static void
test_search (void **state)
{
    engine_text_t *text = engine_text_new (10);
    const char *a[] = {"C-1", "Ada Lovelace", "ADA@example.com"};
    const char *b[] = {"C-2", "Zoë Ångström", "zoe@example.com"};
    const char *c[] = {"C-3", "Bob", "bob@ex"};
    size_t la[] = {3, 12, 15}, lb[] = {3, 14, 15}, lc[] = {3, 3, 6};
    assert_int_equal (engine_text_add (text, 7, 3, a, la), 0);
    assert_int_equal (engine_text_add (text, 2, 3, b, lb), 0);
    assert_int_equal (engine_text_add (text, 9, 3, c, lc), 0);
    assert_int_equal (engine_text_add (text, 10, 3, c, lc), -1); /* out of bounds */
    engine_text_shrink (text); /* the room to grow is given back; the index is the same */
    struct {
        const char *needle;
        uint64_t expected; /* bits of items */
    } cases[] = {
        {"ada", 1U << 7},
        {"EXAMPLE", (1U << 7) | (1U << 2)},
        {"ÅNGST", 1U << 2},
        {"c-", (1U << 7) | (1U << 2) | (1U << 9)},
        {"bobbob", 0},
        {"3bob", 0}, /* never across two fields */
        {"ex", (1U << 7) | (1U << 2) | (1U << 9)},
        {"lovelaceada", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        engine_set_t set;
        assert_int_equal (engine_set_init (&set, 10, false), 0);
        assert_int_equal (engine_text_search (text, cases[i].needle, &set), 0);
        assert_int_equal (set.bits[0], cases[i].expected);
        engine_set_free (&set);
    }
    engine_text_destroy (&text);
    assert_null (text);
}

static void
test_sets_and_cursors (void **state)
{
    engine_set_t set;
    assert_int_equal (engine_set_init (&set, 130, true), 0);
    assert_int_equal (engine_set_count (&set), 130);
    assert_false (engine_set_has (&set, 130));
    engine_set_remove (&set, 5);
    engine_set_remove (&set, 129);
    assert_int_equal (engine_set_count (&set), 128);
    uint32_t order[] = {129, 5, 4, 3, 200, 2};
    engine_cursor_t cursor = engine_browse_cursor (order, 6, &set);
    assert_int_equal (engine_cursor_skip (&cursor, 1), 1); /* 4 */
    uint32_t item = 0;
    assert_true (engine_cursor_next (&cursor, &item));
    assert_int_equal (item, 3);
    assert_true (engine_cursor_next (&cursor, &item));
    assert_int_equal (item, 2);
    assert_false (engine_cursor_next (&cursor, &item));
    assert_int_equal (engine_cursor_skip (&cursor, 3), 0);
    engine_set_free (&set);
    engine_set_free (&set); /* idempotent */
}

/*  A store of five customers (numbers in id order) and four product slots, by hand. */
static void
test_orderings (void **state)
{
    size_t start[] = {0, 2, 2, 3, 5, 6};     /* orders: 2, 0, 1, 2, 1 */
    int64_t cents[] = {500, 0, 700, 500, 1}; /* revenue */
    int32_t last[] = {3, STORE_NO_DAY, 0, 3, 0};
    char *ids[] = {"P-b", NULL, "P-a", "P-c"};
    int64_t pcents[] = {10, 0, 10, 30}, units[] = {1, 0, 5, 1};
    store_t store = {.version = 1,
                     .customers = 5,
                     .customer_start = start,
                     .customer_cents = cents,
                     .customer_last_day = last,
                     .product_slots = 4,
                     .product_id = ids,
                     .product_cents = pcents,
                     .product_units = units};
    engine_browse_t *cache = NULL, *browse = engine_browse_of (&cache, &store);
    assert_non_null (browse);
    struct {
        engine_by_t by;
        uint32_t expected[5];
    } customers[] = {{ENGINE_BY_ID, {0, 1, 2, 3, 4}},
                     {ENGINE_BY_REVENUE, {2, 0, 3, 4, 1}},
                     {ENGINE_BY_ORDERS, {0, 3, 2, 4, 1}},
                     {ENGINE_BY_LAST_ORDER, {0, 3, 2, 4, 1}}};
    for (size_t i = 0; i < 4; i++) {
        uint32_t n;
        const uint32_t *order = engine_browse_customers (browse, &store, customers[i].by, &n);
        assert_int_equal (n, 5);
        assert_memory_equal (order, customers[i].expected, sizeof customers[i].expected);
    }
    struct {
        engine_by_t by;
        uint32_t expected[3];
    } products[] = {
        {ENGINE_BY_ID, {2, 0, 3}}, {ENGINE_BY_REVENUE, {3, 2, 0}}, {ENGINE_BY_UNITS, {2, 0, 3}}};
    for (size_t i = 0; i < 3; i++) {
        uint32_t n;
        const uint32_t *order = engine_browse_products (browse, &store, products[i].by, &n);
        assert_int_equal (n, 3);
        assert_memory_equal (order, products[i].expected, sizeof products[i].expected);
    }
    uint32_t n;
    assert_null (engine_browse_products (browse, &store, ENGINE_BY_LAST_ORDER, &n));
    assert_ptr_equal (engine_browse_of (&cache, &store), browse); /* same version: kept */
    store.version = 2;
    assert_non_null (engine_browse_of (&cache, &store));
    engine_browse_destroy (&cache);
    assert_null (cache);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_fold),
        cmocka_unit_test (test_search),
        cmocka_unit_test (test_sets_and_cursors),
        cmocka_unit_test (test_orderings),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
