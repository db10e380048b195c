/*  envelope_writer: builds a msgpack value without exposing msgpack (envelope_writer.h).
    An allocation failure poisons the writer: data() is NULL until reset(), so a truncated
    body is never sent. */

#include "envelope_writer.h"

#include <stdlib.h>

#include "msgpack_check.h"

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
    s_writer_rc (self,
                 text ? proto_msgpack_pack_str (&self->pk, text) : msgpack_pack_nil (&self->pk));
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
