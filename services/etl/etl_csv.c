#include "etl_csv.h"

#include <csv.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*  The lines of the record being parsed: where each starts in raw, and its line number. */
#define S_MAX_LINES 10000
#define S_CHUNK (64 * 1024)

typedef struct {
    char *data;
    size_t len, cap;
} s_buf_t;

struct _etl_csv_t {
    FILE *file;
    size_t expected_fields;
    struct csv_parser parser;
    char chunk[S_CHUNK];       /* read-ahead from the file */
    size_t chunk_pos, chunk_end;
    bool eof;
    long long next_line;       /* number of the next physical line of the file */

    s_buf_t line;              /* the physical line in hand, with its ending */
    bool line_too_long;

    s_buf_t raw;               /* the record's lines so far */
    size_t line_starts[S_MAX_LINES + 1];
    long long line_numbers[S_MAX_LINES + 1];
    size_t line_count;

    s_buf_t fields;            /* the record's fields, NUL-separated */
    size_t field_offsets[ETL_CSV_MAX_FIELDS];
    size_t field_lengths[ETL_CSV_MAX_FIELDS];
    size_t field_count;
    bool row_done;

    s_buf_t replay;            /* lines to read again before the file's next ones */
    size_t replay_pos;
    long long *replay_numbers; /* the line number of each replayed line, in order */
    size_t replay_count, replay_index;
};

/*  Appends len bytes of data and a NUL to buf. Returns 0, or -1 when out of memory or when
    the size would overflow (buf unchanged). */
static int
s_buf_add (s_buf_t *buf, const char *data, size_t len)
{
    if (len >= SIZE_MAX - buf->len)
        return -1;
    if (buf->len + len + 1 > buf->cap) {
        size_t cap = buf->cap ? buf->cap : 256;
        while (cap < buf->len + len + 1)
            cap *= 2;
        char *grown = realloc (buf->data, cap);
        if (!grown)
            return -1;
        buf->data = grown;
        buf->cap = cap;
    }
    memcpy (buf->data + buf->len, data, len);
    buf->len += len;
    buf->data[buf->len] = '\0';
    return 0;
}

/*  libcsv trims spaces around unquoted fields by default; RFC 4180 keeps them. */
static int
s_no_space (unsigned char c)
{
    return 0;
}

static void
s_parser_init (etl_csv_t *self)
{
    csv_init (&self->parser, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL);
    csv_set_space_func (&self->parser, s_no_space);
}

etl_csv_t *
etl_csv_new (FILE *file, size_t expected_fields)
{
    etl_csv_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->file = file;
    self->expected_fields = expected_fields;
    self->next_line = 1;
    s_parser_init (self);
    return self;
}

void
etl_csv_destroy (etl_csv_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    etl_csv_t *self = *self_p;
    csv_free (&self->parser);
    free (self->line.data);
    free (self->raw.data);
    free (self->fields.data);
    free (self->replay.data);
    free (self->replay_numbers);
    free (self);
    *self_p = NULL;
}

/*  Reads the next physical line (with its ending) into self->line, and its number into
    *number. Returns 1, 0 at end of input, -1 on a read error. A line longer than
    ETL_CSV_MAX_RECORD is consumed whole but only its start is kept (line_too_long). */
static int
s_read_line (etl_csv_t *self, long long *number)
{
    self->line.len = 0;
    self->line_too_long = false;
    if (self->replay_index < self->replay_count) {
        const char *start = self->replay.data + self->replay_pos;
        const char *nl = memchr (start, '\n', self->replay.len - self->replay_pos);
        size_t len = nl ? (size_t) (nl - start) + 1 : self->replay.len - self->replay_pos;
        if (s_buf_add (&self->line, start, len))
            return -1;
        self->replay_pos += len;
        *number = self->replay_numbers[self->replay_index++];
        return 1;
    }
    bool any = false;
    while (true) {
        if (self->chunk_pos == self->chunk_end) {
            if (self->eof)
                break;
            self->chunk_end = fread (self->chunk, 1, S_CHUNK, self->file);
            self->chunk_pos = 0;
            if (self->chunk_end == 0) {
                if (ferror (self->file))
                    return -1;
                self->eof = true;
                break;
            }
        }
        any = true;
        const char *start = self->chunk + self->chunk_pos;
        size_t avail = self->chunk_end - self->chunk_pos;
        const char *nl = memchr (start, '\n', avail);
        size_t take = nl ? (size_t) (nl - start) + 1 : avail;
        if (self->line.len + take > ETL_CSV_MAX_RECORD) {
            self->line_too_long = true;
            size_t keep = self->line.len < 200 ? 200 - self->line.len : 0;
            if (s_buf_add (&self->line, start, take < keep ? take : keep))
                return -1;
        }
        else if (!self->line_too_long && s_buf_add (&self->line, start, take))
            return -1;
        self->chunk_pos += take;
        if (nl)
            break;
    }
    if (!any)
        return 0;
    *number = self->next_line++;
    return 1;
}

static void
s_on_field (void *data, size_t len, void *arg)
{
    etl_csv_t *self = arg;
    if (self->field_count < ETL_CSV_MAX_FIELDS) {
        self->field_offsets[self->field_count] = self->fields.len;
        self->field_lengths[self->field_count] = len;
        /*  The field and its NUL (s_buf_add ends the buffer with one, which the next field's
            bytes then follow: account for it as part of this field). */
        if (s_buf_add (&self->fields, data ? data : "", data ? len : 0) == 0)
            self->fields.len++;
    }
    self->field_count++;
}

static void
s_on_row (int c, void *arg)
{
    etl_csv_t *self = arg;
    self->row_done = true;
}

/*  Forgets the record in hand and starts a fresh parser. */
static void
s_reset (etl_csv_t *self)
{
    csv_free (&self->parser);
    s_parser_init (self);
    self->raw.len = 0;
    self->line_count = 0;
    self->fields.len = 0;
    self->field_count = 0;
    self->row_done = false;
}

/*  Fills record from the record in hand. */
static void
s_emit (etl_csv_t *self, etl_csv_record_t *record, const char *error, size_t raw_len)
{
    memset (record, 0, sizeof *record);
    record->line = self->line_numbers[0];
    record->raw = self->raw.data;
    while (raw_len > 0 && (self->raw.data[raw_len - 1] == '\n' || self->raw.data[raw_len - 1] == '\r'))
        raw_len--;
    self->raw.data[raw_len] = '\0';
    record->raw_len = raw_len;
    record->error = error;
    record->field_count = self->field_count;
    for (size_t i = 0; i < self->field_count && i < ETL_CSV_MAX_FIELDS; i++) {
        record->fields[i] = self->fields.data + self->field_offsets[i];
        record->lengths[i] = self->field_lengths[i];
    }
}

/*  How many bytes of the line are its content (without its ending), when it has no quote
    and no carriage return before its ending; else 0 ("a plain line": see s_split). */
static size_t
s_plain (const char *data, size_t len)
{
    size_t n = len;
    if (n && data[n - 1] == '\n')
        n--;
    if (n && data[n - 1] == '\r')
        n--;
    return memchr (data, '"', n) || memchr (data, '\r', n) ? 0 : n;
}

/*  A plain line, which starts a record, is that record: its fields are the bytes between
    its commas, kept as they are, which is all libcsv's rules make of a line without
    quotes or carriage returns (etl_csv_test checks the two agree). Splitting it here
    costs a tenth of feeding it to libcsv a byte at a time, and most lines of an export
    are plain; any other line goes to libcsv. */
static int
s_split (etl_csv_t *self, etl_csv_record_t *record, long long number, size_t content_len)
{
    self->line_starts[0] = 0;
    self->line_numbers[0] = number;
    self->line_count = 1;
    if (s_buf_add (&self->raw, self->line.data, self->line.len)
        || s_buf_add (&self->fields, self->line.data, content_len))
        return -1;
    char *at = self->fields.data, *end = at + content_len;
    while (true) {
        char *comma = memchr (at, ',', (size_t) (end - at));
        char *stop = comma ? comma : end;
        if (self->field_count < ETL_CSV_MAX_FIELDS) {
            self->field_offsets[self->field_count] = (size_t) (at - self->fields.data);
            self->field_lengths[self->field_count] = (size_t) (stop - at);
        }
        self->field_count++;
        if (!comma)
            break;
        *comma = '\0';
        at = comma + 1;
    }
    s_emit (self, record, NULL, self->raw.len);
    return 1;
}

/*  The record in hand never closed its quote: reject its first line, and queue the lines
    after it to be read again. */
static int
s_unterminated (etl_csv_t *self, etl_csv_record_t *record)
{
    s_buf_t replay = {0};
    size_t first_len = self->line_count > 1 ? self->line_starts[1] : self->raw.len;
    size_t count = self->line_count - 1 + (self->replay_count - self->replay_index);
    /* one slot at least: the array is never NULL, even with nothing to replay */
    long long *numbers = malloc ((count ? count : 1) * sizeof *numbers);
    if (!numbers)
        return -1;
    size_t n = 0;
    if (self->line_count > 1
        && s_buf_add (&replay, self->raw.data + first_len, self->raw.len - first_len))
        goto oom;
    for (size_t i = 1; i < self->line_count; i++)
        numbers[n++] = self->line_numbers[i];
    if (self->replay_pos < self->replay.len
        && s_buf_add (&replay, self->replay.data + self->replay_pos,
                      self->replay.len - self->replay_pos))
        goto oom;
    for (size_t i = self->replay_index; i < self->replay_count; i++)
        numbers[n++] = self->replay_numbers[i];
    free (self->replay.data);
    free (self->replay_numbers);
    self->replay = replay;
    self->replay_pos = 0;
    self->replay_numbers = numbers;
    self->replay_count = n;
    self->replay_index = 0;
    self->field_count = 0;
    s_emit (self, record, "unterminated quoted field", first_len);
    return 1;
oom:
    free (replay.data);
    free (numbers);
    return -1;
}

int
etl_csv_next (etl_csv_t *self, etl_csv_record_t *record)
{
    s_reset (self);
    while (true) {
        long long number;
        int rc = s_read_line (self, &number);
        if (rc < 0)
            return -1;
        if (rc == 0) {
            if (self->line_count == 0)
                return 0;
            /* end of input inside a record: only an open quote can leave one */
            if (csv_fini (&self->parser, s_on_field, s_on_row, self) != 0 || !self->row_done
                || (self->line_count > 1 && self->expected_fields
                    && self->field_count != self->expected_fields))
                return s_unterminated (self, record);
            s_emit (self, record, NULL, self->raw.len);
            return 1;
        }
        if (self->line_too_long) {
            if (self->line_count > 0) {
                /* a huge line inside an open quote: reject the record in hand whole */
                self->field_count = 0;
                s_emit (self, record, "record longer than 1 MiB (an unterminated quote?)",
                        self->raw.len);
                return 1;
            }
            self->line_numbers[0] = number;
            self->line_count = 1;
            s_buf_add (&self->raw, self->line.data, self->line.len);
            s_emit (self, record, "line longer than 1 MiB", self->raw.len);
            return 1;
        }
        if (self->line_count == 0
            && (self->line.len == 0 || strspn (self->line.data, "\r\n") == self->line.len))
            continue; /* a blank line between records */
        size_t plain = self->line_count == 0 ? s_plain (self->line.data, self->line.len) : 0;
        if (plain)
            return s_split (self, record, number, plain);
        if (self->line_count == S_MAX_LINES || self->raw.len + self->line.len > ETL_CSV_MAX_RECORD) {
            /* the quote has not closed in time: this line is read again with the others */
            self->line_starts[self->line_count] = self->raw.len;
            self->line_numbers[self->line_count] = number;
            self->line_count++;
            if (s_buf_add (&self->raw, self->line.data, self->line.len))
                return -1;
            return s_unterminated (self, record);
        }
        self->line_starts[self->line_count] = self->raw.len;
        self->line_numbers[self->line_count] = number;
        self->line_count++;
        if (s_buf_add (&self->raw, self->line.data, self->line.len))
            return -1;
        size_t parsed = csv_parse (&self->parser, self->line.data, self->line.len, s_on_field,
                                   s_on_row, self);
        if (parsed != self->line.len || csv_error (&self->parser) != CSV_SUCCESS) {
            if (self->line_count > 1)
                return s_unterminated (self, record);
            self->field_count = 0;
            s_emit (self, record, "malformed quoting (a quote inside an unquoted field, or text after a closing quote)",
                    self->raw.len);
            return 1;
        }
        if (self->row_done) {
            if (self->line_count > 1 && self->expected_fields
                && self->field_count != self->expected_fields)
                return s_unterminated (self, record);
            s_emit (self, record, NULL, self->raw.len);
            return 1;
        }
        if (self->line.len > 0 && self->line.data[self->line.len - 1] != '\n') {
            /* the last line of the file has no line ending: finish the record */
            continue;
        }
    }
}
