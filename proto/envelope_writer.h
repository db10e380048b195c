/*  envelope_writer: builds a msgpack value (a reply body) without exposing msgpack to
    callers. Maps and arrays are written as a header with their element count, then the
    elements; a map's elements are key, value, key, value ... */
#ifndef PROTO_ENVELOPE_WRITER_H
#define PROTO_ENVELOPE_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _proto_writer_t proto_writer_t;

proto_writer_t *proto_writer_new (void);
void proto_writer_destroy (proto_writer_t **self_p);
void proto_writer_reset (proto_writer_t *self);
void proto_writer_map (proto_writer_t *self, uint32_t pairs);
void proto_writer_array (proto_writer_t *self, uint32_t items);
void proto_writer_str (proto_writer_t *self, const char *text); /* NULL writes nil */
void proto_writer_int (proto_writer_t *self, int64_t value);
void proto_writer_double (proto_writer_t *self, double value);
void proto_writer_bool (proto_writer_t *self, bool value);
void proto_writer_nil (proto_writer_t *self);
/*  The bytes written so far. */
const char *proto_writer_data (const proto_writer_t *self);
size_t proto_writer_size (const proto_writer_t *self);

#endif
