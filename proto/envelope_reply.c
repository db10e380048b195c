/*  envelope_reply: the reply envelope (envelope_reply.h, proto/README.md). */

#include "envelope_reply.h"

#include <stdlib.h>
#include <string.h>

#include "envelope_writer.h"
#include "msgpack_check.h"

bool
proto_body_valid (const char *body, size_t body_size)
{
    unsigned char root;
    return body
           && proto_msgpack_check ((const unsigned char *) body, body_size, PROTO_MSGPACK_MAX_DEPTH,
                                   &root)
                  == 0
           && proto_msgpack_is_map (root);
}

char *
proto_reply_encode (int status, const char *body, size_t body_size, int cache_hit, size_t *size)
{
    unsigned char root;
    if (status < 100 || status > 599 || !body
        || proto_msgpack_check ((const unsigned char *) body, body_size, PROTO_MSGPACK_MAX_DEPTH,
                                &root)
        || !proto_msgpack_is_map (root))
        return NULL;

    msgpack_sbuffer sbuf;
    msgpack_packer pk;
    msgpack_sbuffer_init (&sbuf);
    msgpack_packer_init (&pk, &sbuf, msgpack_sbuffer_write);
    int rc = msgpack_pack_map (&pk, 2);
    rc = rc || proto_msgpack_pack_str (&pk, "status") || msgpack_pack_int (&pk, status);
    rc = rc || proto_msgpack_pack_str (&pk, "body");
    if (cache_hit == 0 || cache_hit == 1) {
        /*  Rewrite the body's map header with one more pair, copy its pairs, append
            "cache": {"hit": ...}. The header is 1 (fixmap), 3 (map16) or 5 (map32) bytes. */
        size_t header = root == 0xde ? 3 : root == 0xdf ? 5 : 1;
        uint64_t pairs = header == 1
                             ? (uint64_t) (root & 0x0f)
                             : proto_msgpack_be ((const unsigned char *) body + 1, header - 1);
        if (pairs >= UINT32_MAX)
            rc = -1;
        rc = rc || msgpack_pack_map (&pk, (size_t) pairs + 1);
        rc = rc || msgpack_sbuffer_write (&sbuf, body + header, body_size - header);
        rc = rc || proto_msgpack_pack_str (&pk, "cache") || msgpack_pack_map (&pk, 1);
        rc = rc || proto_msgpack_pack_str (&pk, "hit")
             || (cache_hit ? msgpack_pack_true (&pk) : msgpack_pack_false (&pk));
    }
    else
        rc = rc || msgpack_sbuffer_write (&sbuf, body, body_size);
    if (rc) {
        msgpack_sbuffer_destroy (&sbuf);
        return NULL;
    }
    *size = sbuf.size;
    return msgpack_sbuffer_release (&sbuf);
}

char *
proto_reply_encode_error (int status, const char *code, const char *detail, size_t *size)
{
    proto_writer_t *writer = proto_writer_new ();
    if (!writer)
        return NULL;
    proto_writer_map (writer, 2);
    proto_writer_str (writer, "error");
    proto_writer_str (writer, code ? code : "error");
    proto_writer_str (writer, "detail");
    proto_writer_str (writer, detail ? detail : "");
    char *reply = NULL;
    if (proto_writer_data (writer))
        reply = proto_reply_encode (status, proto_writer_data (writer), proto_writer_size (writer),
                                    -1, size);
    proto_writer_destroy (&writer);
    return reply;
}

struct _proto_reply_t {
    char *data; /* our copy: msgpack-c's objects point into it */
    msgpack_unpacked unpacked;
    int status;
    const msgpack_object *body;
};

proto_reply_t *
proto_reply_decode (const void *data, size_t size)
{
    proto_reply_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->data = malloc (size ? size : 1);
    int rc = self->data ? 0 : -1;
    if (!rc) {
        if (size)
            memcpy (self->data, data, size);
        rc = proto_msgpack_unpack (&self->unpacked, self->data, size, PROTO_MSGPACK_MAX_DEPTH);
    }
    else
        msgpack_unpacked_init (&self->unpacked);
    const msgpack_object *root = &self->unpacked.data;
    if (!rc && root->type != MSGPACK_OBJECT_MAP)
        rc = -1;
    bool have_status = false;
    for (uint32_t i = 0; !rc && i < root->via.map.size; i++) {
        const msgpack_object *key = &root->via.map.ptr[i].key;
        const msgpack_object *val = &root->via.map.ptr[i].val;
        if (proto_msgpack_str_is (key, "status") && !have_status) {
            have_status = true;
            if (val->type == MSGPACK_OBJECT_POSITIVE_INTEGER && val->via.u64 >= 100
                && val->via.u64 <= 599)
                self->status = (int) val->via.u64;
            else
                rc = -1;
        }
        else if (proto_msgpack_str_is (key, "body") && !self->body) {
            if (val->type == MSGPACK_OBJECT_MAP)
                self->body = val;
            else
                rc = -1;
        }
        else
            rc = -1;
    }
    if (!rc && (!have_status || !self->body))
        rc = -1;
    if (rc)
        proto_reply_destroy (&self);
    return self;
}

void
proto_reply_destroy (proto_reply_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    proto_reply_t *self = *self_p;
    msgpack_unpacked_destroy (&self->unpacked);
    free (self->data);
    free (self);
    *self_p = NULL;
}

int
proto_reply_status (const proto_reply_t *self)
{
    return self->status;
}

int
proto_reply_cache_hit (const proto_reply_t *self)
{
    const msgpack_object_map *body = &self->body->via.map;
    for (uint32_t i = 0; i < body->size; i++) {
        if (!proto_msgpack_str_is (&body->ptr[i].key, "cache")
            || body->ptr[i].val.type != MSGPACK_OBJECT_MAP)
            continue;
        const msgpack_object_map *cache = &body->ptr[i].val.via.map;
        for (uint32_t j = 0; j < cache->size; j++)
            if (proto_msgpack_str_is (&cache->ptr[j].key, "hit")
                && cache->ptr[j].val.type == MSGPACK_OBJECT_BOOLEAN)
                return cache->ptr[j].val.via.boolean ? 1 : 0;
    }
    return -1;
}

/*  Visits o and what it holds. The depth is bounded by proto_msgpack_check(). Returns 0, the first
    non-zero callback result, or -1 for a value JSON cannot hold (bin, ext). */
static int
s_visit (const msgpack_object *o, const proto_visitor_t *v, void *arg)
{
    int rc = 0;
    switch (o->type) {
    case MSGPACK_OBJECT_MAP:
        rc = v->on_map ? v->on_map (arg, o->via.map.size) : 0;
        for (uint32_t i = 0; !rc && i < o->via.map.size; i++) {
            rc = s_visit (&o->via.map.ptr[i].key, v, arg);
            rc = rc ? rc : s_visit (&o->via.map.ptr[i].val, v, arg);
        }
        return rc ? rc : v->on_end ? v->on_end (arg) : 0;
    case MSGPACK_OBJECT_ARRAY:
        rc = v->on_array ? v->on_array (arg, o->via.array.size) : 0;
        for (uint32_t i = 0; !rc && i < o->via.array.size; i++)
            rc = s_visit (&o->via.array.ptr[i], v, arg);
        return rc ? rc : v->on_end ? v->on_end (arg) : 0;
    case MSGPACK_OBJECT_STR:
        return v->on_str ? v->on_str (arg, o->via.str.ptr, o->via.str.size) : 0;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        if (o->via.u64 > INT64_MAX)
            return v->on_double ? v->on_double (arg, (double) o->via.u64) : 0;
        return v->on_int ? v->on_int (arg, (int64_t) o->via.u64) : 0;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        return v->on_int ? v->on_int (arg, o->via.i64) : 0;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        return v->on_double ? v->on_double (arg, o->via.f64) : 0;
    case MSGPACK_OBJECT_BOOLEAN:
        return v->on_bool ? v->on_bool (arg, o->via.boolean) : 0;
    case MSGPACK_OBJECT_NIL:
        return v->on_nil ? v->on_nil (arg) : 0;
    default:
        return -1;
    }
}

int
proto_reply_visit_body (const proto_reply_t *self, const proto_visitor_t *visitor, void *arg)
{
    return s_visit (self->body, visitor, arg);
}
