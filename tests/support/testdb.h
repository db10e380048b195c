/*  testdb: throwaway databases for tests, on the PostgreSQL server of DATABASE_URL (the one
    the test harness started). */
#ifndef TESTS_TESTDB_H
#define TESTS_TESTDB_H

/*  Creates an empty database with a unique name starting with prefix. Returns its URL
    (free() it, or pass it to testdb_drop), or NULL after printing why. */
char *testdb_create (const char *prefix);

/*  Drops the database of *url_p (forcing out its connections), frees the URL and nulls it.
    NULL-safe. */
void testdb_drop (char **url_p);

#endif
