/*  openapi: GET /api/schema/, the OpenAPI 3 document of the API (openapi.json beside this
    file, compiled into the binary). It describes every route of routes.c but /api/schema/
    and /api/docs/ themselves; openapi_test.c proves the two agree, so a route cannot be added
    without documenting it. */
#ifndef GATEWAY_OPENAPI_H
#define GATEWAY_OPENAPI_H

#include <h2o.h>

/*  The document: openapi.json's text, NUL-terminated. Never NULL. */
const char *openapi_document (void);

/*  Registers the handler of GET /api/schema/ on pathconf, after api's (which declines the
    route, routes.h ROUTE_LOCAL). It answers the document as application/json and passes
    every other request on. */
void openapi_register (h2o_pathconf_t *pathconf);

#endif
