#include "respond.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"

static const struct {
    int status;
    const char *reason;
    const char *code;
} s_statuses[] = {
    {200, "OK", "ok"},
    {201, "Created", "created"},
    {202, "Accepted", "accepted"},
    {204, "No Content", "no_content"},
    {400, "Bad Request", "bad_request"},
    {401, "Unauthorized", "unauthorized"},
    {403, "Forbidden", "forbidden"},
    {404, "Not Found", "not_found"},
    {405, "Method Not Allowed", "method_not_allowed"},
    {408, "Request Timeout", "request_timeout"},
    {409, "Conflict", "conflict"},
    {413, "Payload Too Large", "payload_too_large"},
    {417, "Expectation Failed", "expectation_failed"},
    {422, "Unprocessable Entity", "unprocessable_entity"},
    {429, "Too Many Requests", "too_many_requests"},
    {499, "Client Closed Request", "client_closed_request"},
    {500, "Internal Server Error", "internal_error"},
    {502, "Bad Gateway", "bad_gateway"},
    {503, "Service Unavailable", "service_unavailable"},
    {504, "Gateway Timeout", "gateway_timeout"},
};
#define STATUS_COUNT (sizeof s_statuses / sizeof s_statuses[0])

const char *
respond_reason (int status)
{
    for (size_t i = 0; i < STATUS_COUNT; i++)
        if (s_statuses[i].status == status)
            return s_statuses[i].reason;
    return "Unknown";
}

const char *
respond_code (int status)
{
    for (size_t i = 0; i < STATUS_COUNT; i++)
        if (s_statuses[i].status == status)
            return s_statuses[i].code;
    return status >= 500 ? "server_error" : "client_error";
}

void
respond_json (h2o_req_t *req, int status, const char *json, size_t len)
{
    req->res.status = status;
    req->res.reason = respond_reason (status);
    req->res.content_length = len;
    h2o_add_header (&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                    H2O_STRLIT ("application/json"));
    h2o_send_inline (req, json, len);
}

void
respond_csv_head (h2o_req_t *req, const char *name)
{
    req->res.status = 200;
    req->res.reason = respond_reason (200);
    h2o_add_header (&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                    H2O_STRLIT ("text/csv; charset=utf-8"));
    h2o_iovec_t disposition
        = h2o_concat (&req->pool, h2o_iovec_init (H2O_STRLIT ("attachment; filename=\"")),
                      h2o_iovec_init (name, strlen (name)), h2o_iovec_init (H2O_STRLIT (".csv\"")));
    h2o_add_header (&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_DISPOSITION, NULL,
                    disposition.base, disposition.len);
}

void
respond_csv (h2o_req_t *req, const char *name, const char *csv, size_t len)
{
    respond_csv_head (req, name);
    req->res.content_length = len;
    h2o_send_inline (req, csv, len);
}

void
respond_error (h2o_req_t *req, int status, const char *code, const char *detail_fmt, ...)
{
    char detail[512];
    va_list args;
    va_start (args, detail_fmt);
    vsnprintf (detail, sizeof detail, detail_fmt, args);
    va_end (args);
    size_t len = 0;
    char *json = render_error_json (code, detail, &len);
    if (!json) {
        static const char fallback[] =
            "{\"error\":\"internal_error\",\"detail\":\"out of memory\"}";
        respond_json (req, 500, fallback, sizeof fallback - 1);
        return;
    }
    respond_json (req, status, json, len);
    free (json);
}

/*  ---------------------------------------------------------------------------------------
    The error filter. h2o answers some malformed requests itself, before any handler runs,
    with a text/plain body. The filter sees those answers as they start and swaps their
    body for the SPEC's JSON, keeping the status. The body is replaced when it is sent,
    which is before the headers go out, so Content-Length is still ours to set. */

/*  Replaces the text body h2o sends with the JSON error; h2o's text becomes the detail. */
static void
s_json_ostream_send (h2o_ostream_t *self, h2o_req_t *req, h2o_iovec_t *bufs, size_t bufcnt,
                     h2o_send_state_t state)
{
    if (h2o_send_state_is_in_progress (state)) {
        h2o_ostream_send_next (self, req, NULL, 0, state);
        return;
    }
    char detail[160];
    size_t n = 0;
    if (req->res.status == 413)
        n = (size_t) snprintf (detail, sizeof detail, "the request body is larger than %zu bytes",
                               req->conn->ctx->globalconf->max_request_entity_size);
    else
        for (size_t i = 0; i < bufcnt; i++)
            for (size_t k = 0; k < bufs[i].len && n + 1 < sizeof detail; k++) {
                unsigned char c = (unsigned char) bufs[i].base[k];
                detail[n++] = c >= 0x20 && c < 0x7F ? (char) c : ' ';
            }
    detail[n < sizeof detail ? n : sizeof detail - 1] = '\0';
    if (n == 0)
        snprintf (detail, sizeof detail, "%s", respond_reason (req->res.status));
    size_t len = 0;
    char *json = render_error_json (respond_code (req->res.status), detail, &len);
    h2o_iovec_t body = json ? h2o_strdup (&req->pool, json, len) : h2o_iovec_init (NULL, 0);
    free (json);
    req->res.content_length = body.len; /* headers go out with the next ostream's send */
    h2o_ostream_send_next (self, req, &body, 1, state);
}

/*  True for an error answer h2o made itself (text/plain; ours are application/json). */
static bool
s_is_text_error (h2o_req_t *req)
{
    if (req->res.status < 400)
        return false;
    ssize_t at = h2o_find_header (&req->res.headers, H2O_TOKEN_CONTENT_TYPE, -1);
    if (at == -1)
        return false;
    h2o_iovec_t type = req->res.headers.entries[at].value;
    return type.len >= 10 && memcmp (type.base, "text/plain", 10) == 0;
}

static void
s_on_setup_ostream (h2o_filter_t *self, h2o_req_t *req, h2o_ostream_t **slot)
{
    if (s_is_text_error (req)) {
        h2o_ostream_t *ostr = h2o_add_ostream (req, sizeof *ostr, slot);
        ostr->do_send = s_json_ostream_send;
        h2o_set_header (&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE,
                        H2O_STRLIT ("application/json"), 1);
        slot = &ostr->next;
    }
    h2o_setup_next_ostream (req, slot);
}

void
respond_register_error_filter (h2o_pathconf_t *pathconf)
{
    h2o_filter_t *filter = h2o_create_filter (pathconf, sizeof *filter);
    filter->on_setup_ostream = s_on_setup_ostream;
}
