/*  envelope_request: the request envelope (envelope_request.h, proto/README.md). */

#include "envelope_request.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "ecom_utf8.h"
#include "msgpack_check.h"

/*  A request nests two deep: the root map and its params map. */
#define S_REQUEST_DEPTH 2

char *
proto_request_encode (const proto_request_t *req, size_t *size)
{
    assert (req && req->op && size);
    msgpack_sbuffer sbuf;
    msgpack_packer pk;
    msgpack_sbuffer_init (&sbuf);
    msgpack_packer_init (&pk, &sbuf, msgpack_sbuffer_write);

    int rc = msgpack_pack_map (&pk, 2 + (req->sub != NULL) + (req->request_id != NULL)
                                        + (req->base_url != NULL));
    rc = rc || proto_msgpack_pack_str (&pk, "op") || proto_msgpack_pack_str (&pk, req->op);
    rc = rc || proto_msgpack_pack_str (&pk, "params") || msgpack_pack_map (&pk, req->param_count);
    for (size_t i = 0; !rc && i < req->param_count; i++) {
        assert (req->params[i].key && req->params[i].value);
        rc = proto_msgpack_pack_str (&pk, req->params[i].key)
             || proto_msgpack_pack_str (&pk, req->params[i].value);
    }
    if (req->sub)
        rc = rc || proto_msgpack_pack_str (&pk, "sub") || proto_msgpack_pack_str (&pk, req->sub);
    if (req->request_id)
        rc = rc || proto_msgpack_pack_str (&pk, "request_id")
             || proto_msgpack_pack_str (&pk, req->request_id);
    if (req->base_url)
        rc = rc || proto_msgpack_pack_str (&pk, "base_url")
             || proto_msgpack_pack_str (&pk, req->base_url);
    if (rc) {
        msgpack_sbuffer_destroy (&sbuf);
        return NULL;
    }
    *size = sbuf.size;
    return msgpack_sbuffer_release (&sbuf);
}

/*  What the first pass of proto_request_decode() found: the fields' msgpack strings (NULL
    when absent), the params map, and the bytes their copies take, each with its NUL. */
typedef struct {
    const msgpack_object *op, *sub, *request_id, *base_url, *params;
    size_t text_bytes;
} s_found_t;

/*  Whether o is a string a request may hold: at most PROTO_MAX_STRING bytes of valid UTF-8
    without a NUL. Counts its copy's bytes into found->text_bytes. */
static bool
s_string_valid (const msgpack_object *o, s_found_t *found)
{
    if (o->type != MSGPACK_OBJECT_STR || o->via.str.size > PROTO_MAX_STRING
        || !ecom_utf8_text_valid (o->via.str.ptr, o->via.str.size))
        return false;
    found->text_bytes += o->via.str.size + 1;
    return true;
}

/*  Records the string o in *slot, which must still be empty (a repeated key is malformed).
    Returns 0, or -1. */
static int
s_found_field (const msgpack_object **slot, const msgpack_object *o, s_found_t *found)
{
    if (*slot || !s_string_valid (o, found))
        return -1;
    *slot = o;
    return 0;
}

/*  Records base_url o (see s_found_field) when it is 1..PROTO_MAX_BASE_URL bytes of
    printable ASCII without spaces. Returns 0, or -1. */
static int
s_found_base_url (const msgpack_object *o, s_found_t *found)
{
    if (o->type != MSGPACK_OBJECT_STR || o->via.str.size == 0
        || o->via.str.size > PROTO_MAX_BASE_URL)
        return -1;
    const unsigned char *text = (const unsigned char *) o->via.str.ptr;
    for (uint32_t i = 0; i < o->via.str.size; i++)
        if (text[i] < 0x21 || text[i] > 0x7e)
            return -1;
    return s_found_field (&found->base_url, o, found);
}

/*  Records the params map o when it maps at most PROTO_MAX_PARAMS distinct strings to
    strings, and is the first. Returns 0, or -1. */
static int
s_found_params (const msgpack_object *o, s_found_t *found)
{
    if (found->params || o->type != MSGPACK_OBJECT_MAP || o->via.map.size > PROTO_MAX_PARAMS)
        return -1;
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        const msgpack_object_kv *kv = &o->via.map.ptr[i];
        if (!s_string_valid (&kv->key, found) || !s_string_valid (&kv->val, found))
            return -1;
        for (uint32_t j = 0; j < i; j++) {
            const msgpack_object *seen = &o->via.map.ptr[j].key;
            if (seen->via.str.size == kv->key.via.str.size
                && memcmp (seen->via.str.ptr, kv->key.via.str.ptr, seen->via.str.size) == 0)
                return -1;
        }
    }
    found->params = o;
    return 0;
}

/*  The first pass: checks the root map and records its fields into found. Returns 0, or -1
    when the request is malformed. */
static int
s_find_fields (const msgpack_object *root, s_found_t *found)
{
    if (root->type != MSGPACK_OBJECT_MAP)
        return -1;
    int rc = 0;
    for (uint32_t i = 0; !rc && i < root->via.map.size; i++) {
        const msgpack_object *key = &root->via.map.ptr[i].key;
        const msgpack_object *val = &root->via.map.ptr[i].val;
        if (proto_msgpack_str_is (key, "op"))
            rc = s_found_field (&found->op, val, found);
        else if (proto_msgpack_str_is (key, "sub"))
            rc = s_found_field (&found->sub, val, found);
        else if (proto_msgpack_str_is (key, "request_id"))
            rc = s_found_field (&found->request_id, val, found);
        else if (proto_msgpack_str_is (key, "base_url"))
            rc = s_found_base_url (val, found);
        else if (proto_msgpack_str_is (key, "params"))
            rc = s_found_params (val, found);
        else
            rc = -1; /* an unknown key */
    }
    if (!rc && (!found->op || found->op->via.str.size == 0 || !found->params))
        rc = -1;
    return rc;
}

/*  Copies the string o (NULL stays NULL) to *text as a C string, and moves *text past it. */
static const char *
s_copy (char **text, const msgpack_object *o)
{
    if (!o)
        return NULL;
    char *copy = *text;
    memcpy (copy, o->via.str.ptr, o->via.str.size);
    copy[o->via.str.size] = 0;
    *text += o->via.str.size + 1;
    return copy;
}

/*  The second pass: the request of found as one block (the request, then its params, then
    their strings). Returns NULL when out of memory. */
static proto_request_t *
s_build (const s_found_t *found)
{
    size_t count = found->params->via.map.size;
    proto_request_t *req =
        malloc (sizeof *req + count * sizeof (proto_param_t) + found->text_bytes);
    if (!req)
        return NULL;
    proto_param_t *params = (proto_param_t *) (req + 1);
    char *text = (char *) (params + count);
    for (size_t i = 0; i < count; i++) {
        params[i].key = s_copy (&text, &found->params->via.map.ptr[i].key);
        params[i].value = s_copy (&text, &found->params->via.map.ptr[i].val);
    }
    req->param_count = count;
    req->params = params;
    req->op = s_copy (&text, found->op);
    req->sub = s_copy (&text, found->sub);
    req->request_id = s_copy (&text, found->request_id);
    req->base_url = s_copy (&text, found->base_url);
    return req;
}

proto_request_t *
proto_request_decode (const void *data, size_t size)
{
    /*  The largest request that can be valid: every string at its limit. */
    const size_t max_size = (2 * PROTO_MAX_PARAMS + 8) * (PROTO_MAX_STRING + 5) + 16;
    if (size > max_size)
        return NULL;
    msgpack_unpacked unpacked;
    s_found_t found = {0};
    proto_request_t *req = NULL;
    if (!proto_msgpack_unpack (&unpacked, data, size, S_REQUEST_DEPTH)
        && !s_find_fields (&unpacked.data, &found))
        req = s_build (&found);
    msgpack_unpacked_destroy (&unpacked);
    return req;
}

void
proto_request_destroy (proto_request_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free (*self_p);
    *self_p = NULL;
}

const char *
proto_request_param (const proto_request_t *req, const char *key)
{
    for (size_t i = 0; i < req->param_count; i++)
        if (strcmp (req->params[i].key, key) == 0)
            return *req->params[i].value ? req->params[i].value : NULL;
    return NULL;
}
