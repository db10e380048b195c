#include "docs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ecom_embedded.h"
#include "ecom_log.h"
#include "respond.h"

#ifndef ECOM_SWAGGER_UI_DIR
#define ECOM_SWAGGER_UI_DIR "gateway/docs/node_modules/swagger-ui-dist"
#endif

#define DOCS_PREFIX "/api/docs/"
#define DOCS_MAX_NAME 128
#define DOCS_MAX_FILE (32 * 1024 * 1024)

/*  docs/index.html, docs/docs.js and openapi.json, compiled in (CMakeLists.txt). */
extern const ecom_embedded_t gateway_files[];

typedef struct {
    h2o_handler_t super; /* first: h2o calls us through it */
    char dir[PATH_MAX];
} docs_t;

/*  Content types by file extension; files of other types are not served. */
static const struct {
    const char *ext, *type;
} s_types[] = {
    {".js", "application/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".png", "image/png"},
    {".html", "text/html; charset=utf-8"},
    {".map", "application/json"},
};

const char *
docs_dir (const char *configured)
{
    return configured ? configured : ECOM_SWAGGER_UI_DIR;
}

/*  The content type for name, or NULL when its extension is not served. */
static const char *
s_type_of (const char *name)
{
    const char *dot = strrchr (name, '.');
    for (size_t i = 0; dot && i < sizeof s_types / sizeof s_types[0]; i++)
        if (strcmp (dot, s_types[i].ext) == 0)
            return s_types[i].type;
    return NULL;
}

/*  True when name (len bytes) is a plain file name: 1..DOCS_MAX_NAME bytes of
    [A-Za-z0-9._-], not starting with a dot. No '/', no "..": it stays in the folder. */
static bool
s_name_ok (const char *name, size_t len)
{
    if (len == 0 || len > DOCS_MAX_NAME || name[0] == '.')
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.'
              || c == '_' || c == '-'))
            return false;
    }
    return true;
}

/*  Sends body (in req->pool or static) as a 200 of type. */
static void
s_send (h2o_req_t *req, const char *type, const char *body, size_t len)
{
    static h2o_generator_t generator = {NULL, NULL};
    req->res.status = 200;
    req->res.reason = "OK";
    req->res.content_length = len;
    h2o_add_header (&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, type,
                    strlen (type));
    h2o_add_header_by_str (&req->pool, &req->res.headers, H2O_STRLIT ("x-content-type-options"), 0,
                           NULL, H2O_STRLIT ("nosniff"));
    /* Everything the page loads comes from here: a CDN reference would be blocked. */
    h2o_add_header_by_str (&req->pool, &req->res.headers, H2O_STRLIT ("content-security-policy"), 0,
                           NULL,
                           H2O_STRLIT ("default-src 'self'; img-src 'self' data:; "
                                       "style-src 'self' 'unsafe-inline'"));
    h2o_start_response (req, &generator);
    h2o_iovec_t buf = h2o_iovec_init (body, len);
    h2o_send (req, &buf, 1, H2O_SEND_STATE_FINAL);
}

/*  Reads dir/name into req->pool. Returns the bytes and sets *len, or NULL when there is no
    such regular file (or it is too large, or cannot be read). */
static char *
s_read_file (h2o_req_t *req, const char *dir, const char *name, size_t *len)
{
    char path[PATH_MAX];
    int n = snprintf (path, sizeof path, "%s/%s", dir, name);
    if (n < 0 || (size_t) n >= sizeof path)
        return NULL;
    int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0)
        return NULL;
    char *data = NULL;
    struct stat st;
    if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode) || st.st_size > DOCS_MAX_FILE)
        goto done;
    size_t size = (size_t) st.st_size;
    data = h2o_mem_alloc_pool (&req->pool, size + 1);
    size_t got = 0;
    while (got < size) {
        ssize_t r = read (fd, data + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t) r;
    }
    *len = got;
    if (got != size)
        data = NULL; /* changed under us; the pool frees it */
done:
    close (fd);
    return data;
}

static int
s_on_req (h2o_handler_t *handler, h2o_req_t *req)
{
    docs_t *self = (docs_t *) handler;
    size_t plen = req->query_at != SIZE_MAX ? req->query_at : req->path.len;
    size_t prefix = strlen (DOCS_PREFIX);
    if (plen < prefix || memcmp (req->path.base, DOCS_PREFIX, prefix) != 0
        || !h2o_memis (req->method.base, req->method.len, H2O_STRLIT ("GET")))
        return -1;
    const char *name = req->path.base + prefix;
    size_t len = plen - prefix;
    if (len == 0 || h2o_memis (name, len, H2O_STRLIT ("index.html"))) {
        const char *page = ecom_embedded_find (gateway_files, "index.html");
        s_send (req, "text/html; charset=utf-8", page, strlen (page));
        return 0;
    }
    if (h2o_memis (name, len, H2O_STRLIT ("docs.js"))) {
        const char *script = ecom_embedded_find (gateway_files, "docs.js");
        s_send (req, "application/javascript; charset=utf-8", script, strlen (script));
        return 0;
    }
    char file[DOCS_MAX_NAME + 1];
    const char *type = NULL;
    if (s_name_ok (name, len)) {
        memcpy (file, name, len);
        file[len] = '\0';
        type = s_type_of (file);
    }
    size_t size = 0;
    char *data = type ? s_read_file (req, self->dir, file, &size) : NULL;
    if (!data) {
        respond_error (req, 404, "not_found", "no such file in the API docs");
        return 0;
    }
    s_send (req, type, data, size);
    return 0;
}

void
docs_register (h2o_pathconf_t *pathconf, const char *dir)
{
    docs_t *self = (docs_t *) h2o_create_handler (pathconf, sizeof *self);
    self->super.on_req = s_on_req;
    self->dir[0] = '\0';
    if (strlen (dir) <= sizeof self->dir - DOCS_MAX_NAME - 2)
        snprintf (self->dir, sizeof self->dir, "%s", dir);
    char probe[PATH_MAX + 32];
    snprintf (probe, sizeof probe, "%s/swagger-ui-bundle.js", self->dir);
    if (access (probe, R_OK) != 0)
        ecom_warn ("msg=\"Swagger UI is not installed: /api/docs/ has no assets; run "
                   "deploy/local/npm-deps.sh gateway/docs or set SWAGGER_UI_DIR\" dir=\"%s\"",
                   dir);
}
