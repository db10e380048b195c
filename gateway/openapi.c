#include "openapi.h"

#include <stdbool.h>
#include <string.h>

#include "ecom_embedded.h"
#include "respond.h"

/*  openapi.json and docs/index.html, compiled in by ecom_embed() (CMakeLists.txt). */
extern const ecom_embedded_t gateway_files[];

#define OPENAPI_PATH "/api/schema/"

const char *
openapi_document (void)
{
    const char *text = ecom_embedded_find (gateway_files, "openapi.json");
    return text ? text : "{}";
}

static int
s_on_req (h2o_handler_t *self, h2o_req_t *req)
{
    size_t plen = req->query_at != SIZE_MAX ? req->query_at : req->path.len;
    bool mine = plen == strlen (OPENAPI_PATH) && memcmp (req->path.base, OPENAPI_PATH, plen) == 0;
    if (!mine || !h2o_memis (req->method.base, req->method.len, H2O_STRLIT ("GET")))
        return -1;
    const char *doc = openapi_document ();
    respond_json (req, 200, doc, strlen (doc));
    return 0;
}

void
openapi_register (h2o_pathconf_t *pathconf)
{
    h2o_handler_t *handler = h2o_create_handler (pathconf, sizeof *handler);
    handler->on_req = s_on_req;
}
