#include "render.h"

#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define RENDER_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION (15))

/*  The visitor's state: a stack of the open containers. A map alternates between waiting
    for a key (a string) and for its value. */
typedef struct {
    json_t *node;
    bool is_map;
    char *key; /* pending key of a map, NULL when waiting for one */
    size_t key_len;
} frame_t;

typedef struct {
    frame_t stack[RENDER_MAX_DEPTH];
    size_t depth;
    json_t *root;
} builder_t;

/*  Attaches value (taking it) to the innermost container, or makes it the root. */
static int
s_attach (builder_t *b, json_t *value)
{
    if (!value)
        return -1;
    if (b->depth == 0) {
        if (b->root) {
            json_decref (value);
            return -1;
        }
        b->root = value;
        return 0;
    }
    frame_t *top = &b->stack[b->depth - 1];
    int rc;
    if (top->is_map) {
        if (!top->key) {
            json_decref (value);
            return -1; /* a key that is not a string */
        }
        rc = json_object_setn_new (top->node, top->key, top->key_len, value);
        free (top->key);
        top->key = NULL;
    }
    else
        rc = json_array_append_new (top->node, value);
    return rc == 0 ? 0 : -1;
}

static int
s_open (builder_t *b, json_t *node, bool is_map)
{
    if (!node || b->depth == RENDER_MAX_DEPTH) {
        json_decref (node);
        return -1;
    }
    json_incref (node); /* one reference for the parent, one for the stack */
    if (s_attach (b, node) != 0) {
        json_decref (node);
        return -1;
    }
    b->stack[b->depth++] = (frame_t){node, is_map, NULL, 0};
    return 0;
}

static int
s_on_map (void *arg, uint32_t pairs)
{
    return s_open (arg, json_object (), true);
}

static int
s_on_array (void *arg, uint32_t items)
{
    return s_open (arg, json_array (), false);
}

static int
s_on_str (void *arg, const char *text, size_t len)
{
    builder_t *b = arg;
    if (b->depth > 0 && b->stack[b->depth - 1].is_map && !b->stack[b->depth - 1].key) {
        frame_t *top = &b->stack[b->depth - 1];
        if (memchr (text, '\0', len))
            return -1;
        top->key = malloc (len + 1);
        if (!top->key)
            return -1;
        memcpy (top->key, text, len);
        top->key[len] = '\0';
        top->key_len = len;
        return 0;
    }
    return s_attach (b, json_stringn (text, len)); /* NULL for invalid UTF-8 */
}

static int
s_on_int (void *arg, int64_t value)
{
    return s_attach (arg, json_integer ((json_int_t) value));
}

static int
s_on_double (void *arg, double value)
{
    if (!isfinite (value))
        return -1;
    return s_attach (arg, json_real (value));
}

static int
s_on_bool (void *arg, bool value)
{
    return s_attach (arg, json_boolean (value));
}

static int
s_on_nil (void *arg)
{
    return s_attach (arg, json_null ());
}

static int
s_on_end (void *arg)
{
    builder_t *b = arg;
    if (b->depth == 0)
        return -1;
    frame_t *top = &b->stack[--b->depth];
    bool dangling = top->key != NULL;
    free (top->key);
    json_decref (top->node);
    return dangling ? -1 : 0;
}

static const proto_visitor_t s_visitor = {s_on_map,    s_on_array, s_on_str, s_on_int,
                                          s_on_double, s_on_bool,  s_on_nil, s_on_end};

char *
render_reply_json (const proto_reply_t *reply, size_t *len)
{
    builder_t b = {.depth = 0, .root = NULL};
    int rc = proto_reply_visit_body (reply, &s_visitor, &b);
    while (b.depth > 0) { /* unwind after a failure */
        frame_t *top = &b.stack[--b.depth];
        free (top->key);
        json_decref (top->node);
        rc = -1;
    }
    char *text = NULL;
    if (rc == 0 && json_is_object (b.root)) /* false for NULL too */
        text = json_dumps (b.root, RENDER_FLAGS);
    json_decref (b.root);
    if (text)
        *len = strlen (text);
    return text;
}

char *
render_error_json (const char *code, const char *detail, size_t *len)
{
    json_t *root = json_object ();
    json_t *detail_json = json_string (detail); /* NULL for invalid UTF-8 */
    if (!detail_json)
        detail_json = json_string ("(detail was not valid UTF-8)");
    json_object_set_new (root, "error", json_string (code));
    json_object_set_new (root, "detail", detail_json);
    char *text = json_dumps (root, RENDER_FLAGS);
    json_decref (root);
    if (text)
        *len = strlen (text);
    return text;
}
