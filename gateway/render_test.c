/*  render: msgpack reply bodies (built with proto's writer) as JSON. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

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

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_shapes),
        cmocka_unit_test (test_refuses),
        cmocka_unit_test (test_error),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
