/*  render: msgpack reply bodies (built with proto's writer) as JSON. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <stdint.h>

#include "render.h"

/*  Wraps the writer's map into a reply, renders it; returns the JSON or NULL. */
static char *
s_render (proto_writer_t *w, int cache_hit)
{
    size_t size = 0;
    char *data =
        proto_reply_encode (200, proto_writer_data (w), proto_writer_size (w), cache_hit, &size);
    assert_non_null (data);
    proto_reply_t *reply = proto_reply_decode (data, size);
    assert_non_null (reply);
    size_t len = 0;
    char *json = render_reply_json (reply, &len);
    if (json)
        assert_int_equal (len, strlen (json));
    proto_reply_destroy (&reply);
    free (data);
    return json;
}

/*  The same, but the reply is assembled by hand, so bodies proto's encoder would refuse
    reach the decoder. Returns NULL when either the decoder or the renderer refuses. */
static char *
s_render_raw (proto_writer_t *w)
{
    static const unsigned char head[] = {0x82, 0xa6, 's',  't', 'a', 't', 'u', 's',
                                         0xcc, 200,  0xa4, 'b', 'o', 'd', 'y'};
    size_t size = sizeof head + proto_writer_size (w);
    char *data = malloc (size);
    memcpy (data, head, sizeof head);
    memcpy (data + sizeof head, proto_writer_data (w), proto_writer_size (w));
    proto_reply_t *reply = proto_reply_decode (data, size);
    size_t len = 0;
    char *json = reply ? render_reply_json (reply, &len) : NULL;
    proto_reply_destroy (&reply);
    free (data);
    return json;
}

static void
test_shapes (void **state)
{
    proto_writer_t *w = proto_writer_new ();
    proto_writer_map (w, 7);
    proto_writer_str (w, "total_revenue");
    proto_writer_double (w, 19.99);
    proto_writer_str (w, "orders");
    proto_writer_int (w, 42);
    proto_writer_str (w, "start_date");
    proto_writer_nil (w);
    proto_writer_str (w, "ok");
    proto_writer_bool (w, true);
    proto_writer_str (w, "points");
    proto_writer_array (w, 2);
    proto_writer_map (w, 1);
    proto_writer_str (w, "period");
    proto_writer_str (w, "2024-01-01");
    proto_writer_array (w, 0);
    proto_writer_str (w, "name");
    proto_writer_str (w, "caf\xC3\xA9 \"q\"");
    proto_writer_str (w, "big");
    proto_writer_double (w, 1234567890.12);
    char *json = s_render_raw (w);
    assert_non_null (json); /* the hand-made reply renders the same, without "cache" */
    free (json);
    json = s_render (w, 1);
    assert_non_null (json);
    assert_string_equal (json, "{\"total_revenue\":19.99,\"orders\":42,\"start_date\":null,"
                               "\"ok\":true,\"points\":[{\"period\":\"2024-01-01\"},[]],"
                               "\"name\":\"caf\xC3\xA9 \\\"q\\\"\",\"big\":1234567890.12,"
                               "\"cache\":{\"hit\":true}}");
    free (json);
    proto_writer_destroy (&w);
}

static void
test_refuses (void **state)
{
    proto_writer_t *w = proto_writer_new ();
    /* invalid UTF-8 value */
    proto_writer_map (w, 1);
    proto_writer_str (w, "k");
    proto_writer_str (w, "\xFF\xFE");
    assert_null (s_render_raw (w));
    /* non-string key */
    proto_writer_reset (w);
    proto_writer_map (w, 1);
    proto_writer_int (w, 1);
    proto_writer_int (w, 2);
    assert_null (s_render_raw (w));
    /* NaN */
    proto_writer_reset (w);
    proto_writer_map (w, 1);
    proto_writer_str (w, "k");
    proto_writer_double (w, NAN);
    assert_null (s_render_raw (w));
    /* nesting deeper than the limit */
    proto_writer_reset (w);
    proto_writer_map (w, 1);
    proto_writer_str (w, "k");
    for (int i = 0; i < RENDER_MAX_DEPTH + 2; i++)
        proto_writer_array (w, 1);
    proto_writer_int (w, 1);
    assert_null (s_render_raw (w));
    proto_writer_destroy (&w);
}

static void
test_refuses_repeated_keys (void **state)
{
    proto_writer_t *w = proto_writer_new ();
    proto_writer_map (w, 2);
    proto_writer_str (w, "k");
    proto_writer_int (w, 1);
    proto_writer_str (w, "k");
    proto_writer_int (w, 2);
    assert_null (s_render_raw (w));
    /* in a nested map, and in a map large enough to be sorted */
    proto_writer_reset (w);
    proto_writer_map (w, 1);
    proto_writer_str (w, "items");
    proto_writer_array (w, 1);
    proto_writer_map (w, 40);
    char key[16];
    for (int i = 0; i < 40; i++) {
        snprintf (key, sizeof key, "k%d", i == 39 ? 7 : i);
        proto_writer_str (w, key);
        proto_writer_int (w, i);
    }
    assert_null (s_render_raw (w));
    /* the same key in two different maps is fine, as are 40 distinct keys */
    proto_writer_reset (w);
    proto_writer_map (w, 2);
    proto_writer_str (w, "a");
    proto_writer_map (w, 1);
    proto_writer_str (w, "a");
    proto_writer_int (w, 1);
    proto_writer_str (w, "b");
    proto_writer_map (w, 40);
    for (int i = 0; i < 40; i++) {
        snprintf (key, sizeof key, "k%d", i);
        proto_writer_str (w, key);
        proto_writer_int (w, i);
    }
    char *json = s_render_raw (w);
    assert_non_null (json);
    assert_non_null (strstr (json, "{\"a\":{\"a\":1},\"b\":{\"k0\":0,"));
    free (json);
    proto_writer_destroy (&w);
}

static void
test_numbers (void **state)
{
    static const struct {
        double value;
        const char *text;
    } cases[] = {
        {0.0, "0.0"},          {-0.0, "-0.0"},           {100.0, "100.0"},
        {19.99, "19.99"},      {-19.9, "-19.9"},         {0.01, "0.01"},
        {0.1 + 0.2, "0.3"},    {1e20, "1e20"},           {1e-5, "1e-5"},
        {1.5e-7, "1.5e-7"},    {123456.789, "123456.789"}, {1e15, "1e15"},
        {9999999999999.99, "9999999999999.99"},          {6385992.19, "6385992.19"},
        {1e300, "1e300"},      {3.14159265358979, "3.14159265358979"},
    };
    proto_writer_t *w = proto_writer_new ();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        proto_writer_reset (w);
        proto_writer_map (w, 1);
        proto_writer_str (w, "v");
        proto_writer_double (w, cases[i].value);
        char *json = s_render_raw (w);
        char expected[64];
        snprintf (expected, sizeof expected, "{\"v\":%s}", cases[i].text);
        assert_string_equal (json, expected);
        free (json);
    }
    proto_writer_reset (w);
    proto_writer_map (w, 3);
    proto_writer_str (w, "min");
    proto_writer_int (w, INT64_MIN);
    proto_writer_str (w, "max");
    proto_writer_int (w, INT64_MAX);
    proto_writer_str (w, "zero");
    proto_writer_int (w, 0);
    char *json = s_render_raw (w);
    assert_string_equal (json, "{\"min\":-9223372036854775808,\"max\":9223372036854775807,"
                               "\"zero\":0}");
    free (json);
    proto_writer_destroy (&w);
}

/*  ---------------------------------------------------------------------------------------
    The renderer against jansson, which it replaced: random bodies must come out byte for
    byte as json_dumps (JSON_COMPACT | JSON_REAL_PRECISION (15)) writes them. */

static uint64_t s_seed = 0x9E3779B97F4A7C15ULL;

static uint64_t
s_next (void)
{
    uint64_t z = (s_seed += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static double
s_random_double (void)
{
    switch (s_next () % 6) {
    case 0: /* money */
        return (double) ((int64_t) (s_next () % 2000000000000ULL) - 1000000000000LL) / 100.0;
    case 1: /* small money */
        return (double) (s_next () % 100000) / 100.0;
    case 2: { /* any finite double */
        double d;
        do {
            uint64_t bits = s_next ();
            memcpy (&d, &bits, sizeof d);
        } while (!isfinite (d));
        return d;
    }
    case 3: /* a power of ten, around the edges of %g */
        return pow (10.0, (double) ((int) (s_next () % 41) - 20)) * ((s_next () & 1) ? 1 : -1);
    case 4: /* ratios, like averages */
        return (double) (s_next () % 1000000) / (double) (1 + s_next () % 997);
    default:
        return (double) (int64_t) (s_next () % 100000000) * ((s_next () & 1) ? 1.0 : -1.0);
    }
}

static void
s_random_text (char *out, size_t size)
{
    static const char *const pieces[] = {"a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t",
                                         "\b", "\f", "\r", "\x01", "\x1f", "\x7f", "caf\xC3\xA9",
                                         "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "{", ":", ","};
    size_t n = 0, count = s_next () % 12;
    out[0] = '\0';
    for (size_t i = 0; i < count; i++) {
        const char *piece = pieces[s_next () % (sizeof pieces / sizeof pieces[0])];
        size_t len = strlen (piece);
        if (n + len + 1 > size)
            break;
        memcpy (out + n, piece, len + 1);
        n += len;
    }
}

/*  Writes a random value to w and the same into a jansson value. */
static json_t *
s_random_value (proto_writer_t *w, int depth)
{
    char text[64];
    switch (s_next () % (depth < 4 ? 8 : 6)) {
    case 0:
        s_random_text (text, sizeof text);
        proto_writer_str (w, text);
        return json_string (text);
    case 1: {
        int64_t v = (int64_t) s_next () >> (s_next () % 64);
        proto_writer_int (w, v);
        return json_integer (v);
    }
    case 2:
    case 3: {
        double d = s_random_double ();
        proto_writer_double (w, d);
        return json_real (d);
    }
    case 4: {
        bool b = s_next () & 1;
        proto_writer_bool (w, b);
        return json_boolean (b);
    }
    case 5:
        proto_writer_nil (w);
        return json_null ();
    case 6: {
        uint32_t items = (uint32_t) (s_next () % 5);
        proto_writer_array (w, items);
        json_t *array = json_array ();
        for (uint32_t i = 0; i < items; i++)
            json_array_append_new (array, s_random_value (w, depth + 1));
        return array;
    }
    default: {
        uint32_t pairs = (uint32_t) (s_next () % 6);
        proto_writer_map (w, pairs);
        json_t *map = json_object ();
        for (uint32_t i = 0; i < pairs; i++) {
            s_random_text (text, sizeof text - 8);
            char key[96]; /* the text, "#" and any uint32_t */
            snprintf (key, sizeof key, "%s#%u", text, i); /* distinct */
            proto_writer_str (w, key);
            json_object_set_new (map, key, s_random_value (w, depth + 1));
        }
        return map;
    }
    }
}

static void
test_matches_jansson (void **state)
{
    proto_writer_t *w = proto_writer_new ();
    for (int round = 0; round < 3000; round++) {
        proto_writer_reset (w);
        uint32_t pairs = (uint32_t) (1 + s_next () % 8);
        proto_writer_map (w, pairs);
        json_t *root = json_object ();
        for (uint32_t i = 0; i < pairs; i++) {
            char key[16];
            snprintf (key, sizeof key, "k%u", i);
            proto_writer_str (w, key);
            json_object_set_new (root, key, s_random_value (w, 1));
        }
        char *expected = json_dumps (root, JSON_COMPACT | JSON_REAL_PRECISION (15));
        json_decref (root);
        char *json = s_render_raw (w);
        if (!json)
            print_message ("refused: %s\n", expected);
        assert_non_null (json);
        assert_string_equal (json, expected);
        free (json);
        free (expected);
    }
    proto_writer_destroy (&w);
}

static void
test_error (void **state)
{
    size_t len = 0;
    char *json = render_error_json ("bad_request", "parameter 'x' is \"odd\"", &len);
    assert_string_equal (json, "{\"error\":\"bad_request\",\"detail\":\"parameter 'x' is "
                               "\\\"odd\\\"\"}");
    free (json);
    json = render_error_json ("bad_request", "bad \xFF", &len);
    assert_non_null (json);
    assert_non_null (strstr (json, "not valid UTF-8"));
    free (json);
}

/*  render_body_json: a body as the gateway writes its own (/healthz's shape), byte for byte;
    anything but one map is refused. */
static void
test_body (void **state)
{
    (void) state;
    proto_writer_t *w = proto_writer_new ();
    proto_writer_map (w, 2);
    proto_writer_str (w, "status");
    proto_writer_str (w, "degraded");
    proto_writer_str (w, "services");
    proto_writer_map (w, 2);
    proto_writer_str (w, "kpi");
    proto_writer_map (w, 1);
    proto_writer_str (w, "workers");
    proto_writer_int (w, 2);
    proto_writer_str (w, "auth");
    proto_writer_map (w, 1);
    proto_writer_str (w, "workers");
    proto_writer_int (w, 0);
    size_t len = 0;
    char *json = render_body_json (proto_writer_data (w), proto_writer_size (w), &len);
    assert_non_null (json);
    assert_string_equal (json,
                         "{\"status\":\"degraded\",\"services\":{\"kpi\":{\"workers\":2},"
                         "\"auth\":{\"workers\":0}}}");
    assert_int_equal (len, strlen (json));
    free (json);
    proto_writer_reset (w);
    proto_writer_array (w, 0);
    assert_null (render_body_json (proto_writer_data (w), proto_writer_size (w), &len));
    assert_null (render_body_json ("\x81", 1, &len)); /* a map cut short */
    proto_writer_destroy (&w);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_shapes),
        cmocka_unit_test (test_refuses),
        cmocka_unit_test (test_refuses_repeated_keys),
        cmocka_unit_test (test_numbers),
        cmocka_unit_test (test_matches_jansson),
        cmocka_unit_test (test_error),
        cmocka_unit_test (test_body),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
