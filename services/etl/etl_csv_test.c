/*  etl_csv: a line without quotes or carriage returns, which the reader splits itself,
    gives exactly the fields libcsv gives for it (libcsv called directly here, with the
    reader's options), with its line number and raw text, over random lines of commas,
    spaces, tabs, NULs, UTF-8 and letters, LF and CRLF endings, blank lines, and a last
    line without an ending. Lines with quotes go to libcsv and are read as before. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etl_csv.h"

typedef struct {
    char fields[64][64];
    size_t lengths[64];
    size_t count;
} s_expected_t;

static void
s_on_field (void *data, size_t len, void *arg)
{
    s_expected_t *e = arg;
    if (e->count < 64 && len < 64) {
        memcpy (e->fields[e->count], data ? data : "", data ? len : 0);
        e->lengths[e->count] = len;
    }
    e->count++;
}

static int
s_no_space (unsigned char c)
{
    return 0;
}

/*  libcsv's fields for one line (its content, then a newline). */
static void
s_libcsv (const char *line, size_t len, s_expected_t *e)
{
    struct csv_parser p;
    csv_init (&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL);
    csv_set_space_func (&p, s_no_space);
    memset (e, 0, sizeof *e);
    assert_int_equal (csv_parse (&p, line, len, s_on_field, NULL, e), len);
    assert_int_equal (csv_parse (&p, "\n", 1, s_on_field, NULL, e), 1);
    assert_int_equal (csv_fini (&p, s_on_field, NULL, e), 0);
    csv_free (&p);
}

static void
test_plain_lines_match_libcsv (void **state)
{
    enum { LINES = 4000 };
    static const char alphabet[] = {'a', 'b', ',', ',', ',', ' ', '\t', '\0', 'x', '\xc3', '\xa9'};
    static char lines[LINES][40];
    static size_t lens[LINES];
    static long long numbers[LINES];
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream (&text, &size);
    assert_non_null (out);
    srand (42);
    long long line = 1;
    for (int i = 0; i < LINES; i++) {
        if (rand () % 20 == 0) { /* a blank line, skipped */
            fputs (rand () % 2 ? "\n" : "\r\n", out);
            line++;
        }
        do {
            lens[i] = (size_t) (rand () % 39);
            for (size_t k = 0; k < lens[i]; k++)
                lines[i][k] = alphabet[rand () % (int) sizeof alphabet];
        } while (lens[i] == 0);
        fwrite (lines[i], 1, lens[i], out);
        if (i < LINES - 1)
            fputs (rand () % 2 ? "\n" : "\r\n", out);
        numbers[i] = line++;
    }
    fclose (out);
    FILE *in = fmemopen (text, size, "rb");
    etl_csv_t *csv = etl_csv_new (in, 0);
    etl_csv_record_t record;
    for (int i = 0; i < LINES; i++) {
        assert_int_equal (etl_csv_next (csv, &record), 1);
        assert_null (record.error);
        assert_int_equal (record.line, numbers[i]);
        assert_int_equal (record.raw_len, lens[i]);
        assert_memory_equal (record.raw, lines[i], lens[i]);
        s_expected_t e;
        s_libcsv (lines[i], lens[i], &e);
        assert_int_equal (record.field_count, e.count);
        for (size_t f = 0; f < e.count; f++) {
            assert_int_equal (record.lengths[f], e.lengths[f]);
            assert_memory_equal (record.fields[f], e.fields[f], e.lengths[f]);
            assert_int_equal (record.fields[f][record.lengths[f]], '\0');
        }
    }
    assert_int_equal (etl_csv_next (csv, &record), 0);
    etl_csv_destroy (&csv);
    fclose (in);
    free (text);
}

/*  Quoted lines, between plain ones, still go through libcsv's rules. */
static void
test_quoted_lines_between_plain_ones (void **state)
{
    static const char text[] = "a,b\n\"x,y\",\"say \"\"hi\"\"\"\nc,\"multi\nline\"\nbad\"quote,1\r\nd,e";
    FILE *in = fmemopen ((void *) text, sizeof text - 1, "rb");
    etl_csv_t *csv = etl_csv_new (in, 2);
    etl_csv_record_t r;
    assert_int_equal (etl_csv_next (csv, &r), 1);
    assert_int_equal (r.field_count, 2);
    assert_string_equal (r.fields[1], "b");
    assert_int_equal (etl_csv_next (csv, &r), 1);
    assert_int_equal (r.line, 2);
    assert_string_equal (r.fields[0], "x,y");
    assert_string_equal (r.fields[1], "say \"hi\"");
    assert_int_equal (etl_csv_next (csv, &r), 1);
    assert_int_equal (r.line, 3);
    assert_string_equal (r.fields[1], "multi\nline");
    assert_int_equal (etl_csv_next (csv, &r), 1);
    assert_int_equal (r.line, 5);
    assert_non_null (r.error);
    assert_int_equal (etl_csv_next (csv, &r), 1);
    assert_int_equal (r.line, 6);
    assert_null (r.error);
    assert_string_equal (r.raw, "d,e");
    assert_string_equal (r.fields[0], "d");
    assert_int_equal (etl_csv_next (csv, &r), 0);
    etl_csv_destroy (&csv);
    fclose (in);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_plain_lines_match_libcsv),
        cmocka_unit_test (test_quoted_lines_between_plain_ones),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
