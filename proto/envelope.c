/*  envelope: the msgpack bodies of SPEC §7 (see envelope.h and proto/README.md).

    Everything that arrives here may come from a rogue peer, so nothing is handed to
    msgpack-c before s_check() has walked the bytes: msgpack-c allocates an array or map
    from the count in its header before it reads a single element, so a 5-byte body
    announcing 4 billion elements would ask for 64 GB. s_check() accepts only one complete
    value whose every container count fits in the bytes left, nested no deeper than asked,
    with nothing after it. After that, msgpack_unpack_next() needs memory proportional to
    the input only. */

#include "envelope.h"

#include <assert.h>
#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

/*  Deepest nesting accepted anywhere (msgpack-c's own parser stops at 32). */
#define S_MAX_DEPTH 32
/*  A request nests two deep: the root map and its params map. */
#define S_REQUEST_DEPTH 2

/*  =======================================================================================
    Structural check */

/*  Reads a big-endian unsigned integer of width bytes at p. */
static uint64_t
s_be (const unsigned char *p, size_t width)
{
    uint64_t value = 0;
    for (size_t i = 0; i < width; i++)
        value = (value << 8) | p[i];
    return value;
}

/*  Returns 0 when data holds exactly one well-formed msgpack value, nested at most
    max_depth containers deep, each container count no larger than the bytes after its
    header; else -1. Sets *root to the first byte (the root's type) when it returns 0. */
static int
s_check (const unsigned char *data, size_t size, int max_depth, unsigned char *root)
{
    uint64_t pending[S_MAX_DEPTH + 1]; /* elements still expected at each level */
    int depth = 1;
    size_t pos = 0;
    pending[0] = 1;
    if (max_depth > S_MAX_DEPTH)
        max_depth = S_MAX_DEPTH;

    while (depth > 0) {
        if (pending[depth - 1] == 0) {
            depth--;
            continue;
        }
        pending[depth - 1]--;
        if (pos >= size)
            return -1;
        unsigned char type = data[pos++];
        size_t width = 0;    /* bytes of a length or count field that follows */
        uint64_t skip = 0;   /* payload bytes to skip */
        uint64_t items = 0;  /* elements of a container */
        bool container = false;

        if (type <= 0x7f || type >= 0xe0 || type == 0xc0 || type == 0xc2 || type == 0xc3)
            ;
        else if (type <= 0x8f) { /* fixmap */
            container = true;
            items = 2 * (uint64_t) (type & 0x0f);
        }
        else if (type <= 0x9f) { /* fixarray */
            container = true;
            items = type & 0x0f;
        }
        else if (type <= 0xbf) /* fixstr */
            skip = type & 0x1f;
        else {
            switch (type) {
            case 0xc4: case 0xd9: width = 1; break;       /* bin8, str8 */
            case 0xc5: case 0xda: width = 2; break;       /* bin16, str16 */
            case 0xc6: case 0xdb: width = 4; break;       /* bin32, str32 */
            case 0xc7: width = 1; skip = 1; break;        /* ext8: length, type */
            case 0xc8: width = 2; skip = 1; break;
            case 0xc9: width = 4; skip = 1; break;
            case 0xca: skip = 4; break;                   /* float32 */
            case 0xcb: skip = 8; break;                   /* float64 */
            case 0xcc: case 0xd0: skip = 1; break;
            case 0xcd: case 0xd1: skip = 2; break;
            case 0xce: case 0xd2: skip = 4; break;
            case 0xcf: case 0xd3: skip = 8; break;
            case 0xd4: skip = 2; break;                   /* fixext1..16: type + data */
            case 0xd5: skip = 3; break;
            case 0xd6: skip = 5; break;
            case 0xd7: skip = 9; break;
            case 0xd8: skip = 17; break;
            case 0xdc: width = 2; container = true; break; /* array16 */
            case 0xdd: width = 4; container = true; break; /* array32 */
            case 0xde: width = 2; container = true; break; /* map16 */
            case 0xdf: width = 4; container = true; break; /* map32 */
            default: return -1;                            /* 0xc1 is never used */
            }
            if (width) {
                if (size - pos < width)
                    return -1;
                uint64_t n = s_be (data + pos, width);
                pos += width;
                if (container)
                    items = type >= 0xde ? 2 * n : n;
                else
                    skip += n;
            }
        }
        if (container) {
            /*  This container is nested depth deep; each element takes at least a byte. */
            if (depth > max_depth || items > size - pos)
                return -1;
            if (items > 0)
                pending[depth++] = items;
        }
        else {
            if (skip > size - pos)
                return -1;
            pos += (size_t) skip;
        }
    }
    if (pos != size)
        return -1;
    *root = data[0];
    return 0;
}

/*  True when type (the first byte of a value) starts a map. */
static bool
s_is_map (unsigned char type)
{
    return (type >= 0x80 && type <= 0x8f) || type == 0xde || type == 0xdf;
}

/*  Checks and unpacks data into *unpacked (which the caller destroys whatever happens).
    Returns 0, or -1 when data is not one well-formed value within max_depth. */
static int
s_unpack (msgpack_unpacked *unpacked, const void *data, size_t size, int max_depth)
{
    unsigned char root;
    msgpack_unpacked_init (unpacked);
    if (!data || size == 0 || s_check (data, size, max_depth, &root))
        return -1;
    size_t offset = 0;
    if (msgpack_unpack_next (unpacked, data, size, &offset) != MSGPACK_UNPACK_SUCCESS
        || offset != size)
        return -1;
    return 0;
}

/*  True when o is the string key. */
static bool
s_str_is (const msgpack_object *o, const char *key)
{
    size_t len = strlen (key);
    return o->type == MSGPACK_OBJECT_STR && o->via.str.size == len
           && memcmp (o->via.str.ptr, key, len) == 0;
}

/*  =======================================================================================
    Requests */

/*  Packs text as a msgpack string. Returns 0, or -1 when the buffer could not grow. */
static int
s_pack_str (msgpack_packer *pk, const char *text)
{
    size_t len = strlen (text);
    if (msgpack_pack_str (pk, len))
        return -1;
    return msgpack_pack_str_body (pk, text, len);
}

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
    rc = rc || s_pack_str (&pk, "op") || s_pack_str (&pk, req->op);
    rc = rc || s_pack_str (&pk, "params") || msgpack_pack_map (&pk, req->param_count);
    for (size_t i = 0; !rc && i < req->param_count; i++) {
        assert (req->params[i].key && req->params[i].value);
        rc = s_pack_str (&pk, req->params[i].key) || s_pack_str (&pk, req->params[i].value);
    }
    if (req->sub)
        rc = rc || s_pack_str (&pk, "sub") || s_pack_str (&pk, req->sub);
    if (req->request_id)
        rc = rc || s_pack_str (&pk, "request_id") || s_pack_str (&pk, req->request_id);
    if (req->base_url)
        rc = rc || s_pack_str (&pk, "base_url") || s_pack_str (&pk, req->base_url);
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
    const unsigned char *s = (const unsigned char *) o->via.str.ptr;
    size_t len = o->via.str.size;
    for (size_t i = 0; i < len;) {
        unsigned char c = s[i];
        size_t extra;
        uint32_t cp, min;
        if (c == 0)
            return NULL;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) { extra = 1; cp = c & 0x1f; min = 0x80; }
        else if (c >= 0xe0 && c <= 0xef) { extra = 2; cp = c & 0x0f; min = 0x800; }
        else if (c >= 0xf0 && c <= 0xf4) { extra = 3; cp = c & 0x07; min = 0x10000; }
        else
            return NULL;
        if (len - i <= extra)
            return NULL;
        for (size_t k = 1; k <= extra; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return NULL;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return NULL;
        i += extra + 1;
    }
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
    int rc = req ? s_unpack (&unpacked, data, size, S_REQUEST_DEPTH) : -1;
    const msgpack_object *root = &unpacked.data;
    if (!rc && root->type != MSGPACK_OBJECT_MAP)
        rc = -1;
    bool have_params = false;
    for (uint32_t i = 0; !rc && i < root->via.map.size; i++) {
        const msgpack_object *key = &root->via.map.ptr[i].key;
        const msgpack_object *val = &root->via.map.ptr[i].val;
        if (s_str_is (key, "op"))
            rc = s_request_field (&req->op, val);
        else if (s_str_is (key, "sub"))
            rc = s_request_field (&req->sub, val);
        else if (s_str_is (key, "request_id"))
            rc = s_request_field (&req->request_id, val);
        else if (s_str_is (key, "base_url"))
            rc = s_request_base_url (&req->base_url, val);
        else if (s_str_is (key, "params") && !have_params) {
            have_params = true;
            rc = s_request_params (req, val);
        }
        else
            rc = -1;    /* an unknown or repeated key */
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

/*  =======================================================================================
    Writer. An allocation failure poisons the writer: data() is NULL until reset(), so a
    truncated body is never sent. */

struct _proto_writer_t {
    msgpack_sbuffer sbuf;
    msgpack_packer pk;
    bool failed;
};

proto_writer_t *
proto_writer_new (void)
{
    proto_writer_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    msgpack_sbuffer_init (&self->sbuf);
    msgpack_packer_init (&self->pk, &self->sbuf, msgpack_sbuffer_write);
    return self;
}

void
proto_writer_destroy (proto_writer_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    msgpack_sbuffer_destroy (&(*self_p)->sbuf);
    free (*self_p);
    *self_p = NULL;
}

void
proto_writer_reset (proto_writer_t *self)
{
    msgpack_sbuffer_clear (&self->sbuf);
    self->failed = false;
}

/*  Records the result of one pack call. */
static void
s_writer_rc (proto_writer_t *self, int rc)
{
    if (rc)
        self->failed = true;
}

void
proto_writer_map (proto_writer_t *self, uint32_t pairs)
{
    s_writer_rc (self, msgpack_pack_map (&self->pk, pairs));
}

void
proto_writer_array (proto_writer_t *self, uint32_t items)
{
    s_writer_rc (self, msgpack_pack_array (&self->pk, items));
}

void
proto_writer_str (proto_writer_t *self, const char *text)
{
    s_writer_rc (self, text ? s_pack_str (&self->pk, text) : msgpack_pack_nil (&self->pk));
}

void
proto_writer_int (proto_writer_t *self, int64_t value)
{
    s_writer_rc (self, msgpack_pack_int64 (&self->pk, value));
}

void
proto_writer_double (proto_writer_t *self, double value)
{
    s_writer_rc (self, msgpack_pack_double (&self->pk, value));
}

void
proto_writer_bool (proto_writer_t *self, bool value)
{
    s_writer_rc (self, value ? msgpack_pack_true (&self->pk) : msgpack_pack_false (&self->pk));
}

void
proto_writer_nil (proto_writer_t *self)
{
    s_writer_rc (self, msgpack_pack_nil (&self->pk));
}

const char *
proto_writer_data (const proto_writer_t *self)
{
    return self->failed ? NULL : self->sbuf.data;
}

size_t
proto_writer_size (const proto_writer_t *self)
{
    return self->failed ? 0 : self->sbuf.size;
}

/*  =======================================================================================
    Replies */

bool
proto_body_valid (const char *body, size_t body_size)
{
    unsigned char root;
    return body && s_check ((const unsigned char *) body, body_size, S_MAX_DEPTH, &root) == 0
           && s_is_map (root);
}

char *
proto_reply_encode (int status, const char *body, size_t body_size, int cache_hit,
                    size_t *size)
{
    unsigned char root;
    if (status < 100 || status > 599 || !body
        || s_check ((const unsigned char *) body, body_size, S_MAX_DEPTH, &root)
        || !s_is_map (root))
        return NULL;

    msgpack_sbuffer sbuf;
    msgpack_packer pk;
    msgpack_sbuffer_init (&sbuf);
    msgpack_packer_init (&pk, &sbuf, msgpack_sbuffer_write);
    int rc = msgpack_pack_map (&pk, 2);
    rc = rc || s_pack_str (&pk, "status") || msgpack_pack_int (&pk, status);
    rc = rc || s_pack_str (&pk, "body");
    if (cache_hit == 0 || cache_hit == 1) {
        /*  Rewrite the body's map header with one more pair, copy its pairs, append
            "cache": {"hit": ...}. The header is 1 (fixmap), 3 (map16) or 5 (map32) bytes. */
        size_t header = root == 0xde ? 3 : root == 0xdf ? 5 : 1;
        uint64_t pairs = header == 1 ? (uint64_t) (root & 0x0f)
                                     : s_be ((const unsigned char *) body + 1, header - 1);
        if (pairs >= UINT32_MAX)
            rc = -1;
        rc = rc || msgpack_pack_map (&pk, (size_t) pairs + 1);
        rc = rc || msgpack_sbuffer_write (&sbuf, body + header, body_size - header);
        rc = rc || s_pack_str (&pk, "cache") || msgpack_pack_map (&pk, 1);
        rc = rc || s_pack_str (&pk, "hit")
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
        reply = proto_reply_encode (status, proto_writer_data (writer),
                                    proto_writer_size (writer), -1, size);
    proto_writer_destroy (&writer);
    return reply;
}

struct _proto_reply_t {
    char *data;                  /* our copy: msgpack-c's objects point into it */
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
        rc = s_unpack (&self->unpacked, self->data, size, S_MAX_DEPTH);
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
        if (s_str_is (key, "status") && !have_status) {
            have_status = true;
            if (val->type == MSGPACK_OBJECT_POSITIVE_INTEGER && val->via.u64 >= 100
                && val->via.u64 <= 599)
                self->status = (int) val->via.u64;
            else
                rc = -1;
        }
        else if (s_str_is (key, "body") && !self->body) {
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
        if (!s_str_is (&body->ptr[i].key, "cache") || body->ptr[i].val.type != MSGPACK_OBJECT_MAP)
            continue;
        const msgpack_object_map *cache = &body->ptr[i].val.via.map;
        for (uint32_t j = 0; j < cache->size; j++)
            if (s_str_is (&cache->ptr[j].key, "hit")
                && cache->ptr[j].val.type == MSGPACK_OBJECT_BOOLEAN)
                return cache->ptr[j].val.via.boolean ? 1 : 0;
    }
    return -1;
}

/*  Visits o and what it holds. The depth is bounded by s_check(). Returns 0, the first
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
