#include "accesslog.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "ecom_log.h"
#include "routes.h"

/*  Copies at most size-1 bytes of data into out, replacing what would break a key=value
    log line (spaces, quotes, control bytes, non-ASCII) with '?'. */
static void
s_sanitize (char *out, size_t size, const char *data, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 1 < size; i++) {
        unsigned char c = (unsigned char) data[i];
        out[n++] = (c <= 0x20 || c >= 0x7F || c == '"' || c == '\\') ? '?' : (char) c;
    }
    out[n] = '\0';
}

static void
s_log_access (h2o_logger_t *self, h2o_req_t *req)
{
    int status = req->res.status ? req->res.status : 499;
    if (!ecom_log_enabled (status >= 500 ? ECOM_LOG_WARN : ECOM_LOG_INFO))
        return;
    size_t plen = req->query_at != SIZE_MAX ? req->query_at : req->path.len;
    char method[16], path[256], request_id[80] = "-";
    s_sanitize (method, sizeof method, req->method.base, req->method.len);
    s_sanitize (path, sizeof path, req->path.base, plen);
    ssize_t at = h2o_find_header_by_str (&req->res.headers, H2O_STRLIT ("x-request-id"), -1);
    if (at != -1)
        s_sanitize (request_id, sizeof request_id, req->res.headers.entries[at].value.base,
                    req->res.headers.entries[at].value.len);
    struct timeval now;
    gettimeofday (&now, NULL);
    struct timeval begin = req->timestamps.request_begin_at;
    double duration_ms = begin.tv_sec == 0 ? 0.0
                                           : (double) (now.tv_sec - begin.tv_sec) * 1000.0
                                                 + (double) (now.tv_usec - begin.tv_usec) / 1000.0;
    ecom_log (status >= 500 ? ECOM_LOG_WARN : ECOM_LOG_INFO,
              "msg=request method=%s path=%s status=%d duration_ms=%.1f upstream=%s "
              "request_id=%s",
              method, path, status, duration_ms, routes_service_of (req->path.base, plen),
              request_id);
}

void
accesslog_register (h2o_pathconf_t *pathconf)
{
    h2o_logger_t *logger = h2o_create_logger (pathconf, sizeof *logger);
    logger->log_access = s_log_access;
}
