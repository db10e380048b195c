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

/*  Copies a request string out of o into a new C string. Returns NULL when o is not a
    string, is longer than PROTO_MAX_STRING, holds a NUL or is not valid UTF-8. */
static char *
s_request_string (const msgpack_object *o)
{
    if (o->type != MSGPACK_OBJECT_STR || o->via.str.size > PROTO_MAX_STRING)
        return NULL;
    const char *s = o->via.str.ptr;
    size_t len = o->via.str.size;
    if (!ecom_utf8_text_valid (s, len))
        return NULL;
    char *copy = malloc (len + 1);
    if (copy) {
        memcpy (copy, s, len);
        copy[len] = 0;
    }
    return copy;
}

/*  Fills req->params from the params map o. Returns 0, or -1 when it is malformed. */
static int
s_request_params (proto_request_t *req, const msgpack_object *o)
{
    if (o->type != MSGPACK_OBJECT_MAP || o->via.map.size > PROTO_MAX_PARAMS)
        return -1;
    size_t count = o->via.map.size;
    if (count == 0)
        return 0;
    req->params = calloc (count, sizeof (proto_param_t));
    if (!req->params)
        return -1;
    for (size_t i = 0; i < count; i++) {
        const msgpack_object_kv *kv = &o->via.map.ptr[i];
        for (size_t j = 0; j < i; j++) {
            const msgpack_object *seen = &o->via.map.ptr[j].key;
            if (kv->key.type == MSGPACK_OBJECT_STR && seen->via.str.size == kv->key.via.str.size
                && memcmp (seen->via.str.ptr, kv->key.via.str.ptr, seen->via.str.size) == 0)
                return -1;
        }
        proto_param_t *param = &req->params[req->param_count];
        param->key = s_request_string (&kv->key);
        param->value = param->key ? s_request_string (&kv->val) : NULL;
        if (!param->key || !param->value) {
            free (param->key);
            param->key = NULL;
            return -1;
        }
        req->param_count++;
    }
    return 0;
}

/*  Stores the string o into *slot, which must still be empty (a repeated key is
    malformed). Returns 0, or -1. */
static int
s_request_field (char **slot, const msgpack_object *o)
{
    if (*slot)
        return -1;
    *slot = s_request_string (o);
    return *slot ? 0 : -1;
}

/*  Stores base_url o into *slot (empty, see s_request_field) when it is 1..PROTO_MAX_BASE_URL
    bytes of printable ASCII without spaces. Returns 0, or -1. */
static int
s_request_base_url (char **slot, const msgpack_object *o)
{
    if (o->type != MSGPACK_OBJECT_STR || o->via.str.size == 0
        || o->via.str.size > PROTO_MAX_BASE_URL)
        return -1;
    const unsigned char *text = (const unsigned char *) o->via.str.ptr;
    for (uint32_t i = 0; i < o->via.str.size; i++)
        if (text[i] < 0x21 || text[i] > 0x7e)
            return -1;
    return s_request_field (slot, o);
}

proto_request_t *
proto_request_decode (const void *data, size_t size)
{
    /*  The largest request that can be valid: every string at its limit. */
    const size_t max_size = (2 * PROTO_MAX_PARAMS + 8) * (PROTO_MAX_STRING + 5) + 16;
    if (size > max_size)
        return NULL;
    msgpack_unpacked unpacked;
    proto_request_t *req = calloc (1, sizeof *req);
    int rc = req ? proto_msgpack_unpack (&unpacked, data, size, S_REQUEST_DEPTH) : -1;
    const msgpack_object *root = &unpacked.data;
    if (!rc && root->type != MSGPACK_OBJECT_MAP)
        rc = -1;
    bool have_params = false;
    for (uint32_t i = 0; !rc && i < root->via.map.size; i++) {
        const msgpack_object *key = &root->via.map.ptr[i].key;
        const msgpack_object *val = &root->via.map.ptr[i].val;
        if (proto_msgpack_str_is (key, "op"))
            rc = s_request_field (&req->op, val);
        else if (proto_msgpack_str_is (key, "sub"))
            rc = s_request_field (&req->sub, val);
        else if (proto_msgpack_str_is (key, "request_id"))
            rc = s_request_field (&req->request_id, val);
        else if (proto_msgpack_str_is (key, "base_url"))
            rc = s_request_base_url (&req->base_url, val);
        else if (proto_msgpack_str_is (key, "params") && !have_params) {
            have_params = true;
            rc = s_request_params (req, val);
        }
        else
            rc = -1; /* an unknown or repeated key */
    }
    if (!rc && (!req->op || !*req->op || !have_params))
        rc = -1;
    if (req)
        msgpack_unpacked_destroy (&unpacked);
    if (rc)
        proto_request_destroy (&req);
    return req;
}

void
proto_request_destroy (proto_request_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    proto_request_t *self = *self_p;
    for (size_t i = 0; i < self->param_count; i++) {
        free (self->params[i].key);
        free (self->params[i].value);
    }
    free (self->params);
    free (self->op);
    free (self->sub);
    free (self->request_id);
    free (self->base_url);
    free (self);
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
