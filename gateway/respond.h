/*  respond: sends the gateway's HTTP answers. Every body is JSON (Content-Type
    application/json); every error has the SPEC §6 shape {"error": code, "detail": text}.
    Also rewrites the few errors h2o itself generates as text (413 for a body over the
    limit, 400 for broken chunked encoding, 417) into that shape. */
#ifndef GATEWAY_RESPOND_H
#define GATEWAY_RESPOND_H

#include <stddef.h>

#include <h2o.h>

/*  Sends status with body (json, len bytes; copied). */
void respond_json (h2o_req_t *req, int status, const char *json, size_t len);

/*  Sets the head of a 200 CSV download (SPEC §10): Content-Type text/csv; charset=utf-8 and
    Content-Disposition: attachment; filename="<name>.csv" (a streamed answer's, too). */
void respond_csv_head (h2o_req_t *req, const char *name);

/*  Answers 200 with csv (len bytes, copied) as a download (respond_csv_head). */
void respond_csv (h2o_req_t *req, const char *name, const char *csv, size_t len);

/*  Sends an error in the SPEC shape. code is a short machine-readable word
    ("bad_request"); detail is printf-formatted text for a person. */
void respond_error (h2o_req_t *req, int status, const char *code, const char *detail_fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

/*  The reason phrase of status ("Not Found"); "Unknown" for a status it does not know. */
const char *respond_reason (int status);

/*  The error code word used for status ("not_found" for 404 ...). */
const char *respond_code (int status);

/*  Registers, on pathconf, the filter that turns h2o's own text/plain error answers into
    SPEC-shaped JSON. */
void respond_register_error_filter (h2o_pathconf_t *pathconf);

#endif
