/*  docs: GET /api/docs/, Swagger UI on /api/schema/, with no CDN.

    /api/docs/ (and /api/docs/index.html) is docs/index.html and /api/docs/docs.js the script
    that starts Swagger UI on ../schema/ with persistAuthorization; both are compiled into the
    binary. Every other /api/docs/<name> is the file <name> of the swagger-ui-dist folder
    (npm package, gateway/docs/package-lock.json), read from disk on each request:
    - the folder is $SWAGGER_UI_DIR when set, else the build's
      <source>/gateway/docs/node_modules/swagger-ui-dist (ECOM_SWAGGER_UI_DIR);
    - <name> must be 1..128 bytes of [A-Za-z0-9._-], not starting with '.', naming a regular
      file (no symbolic link) of at most 32 MiB with a known extension (.js .css .png .html
      .map); anything else, path traversal included, is a 404. */
#ifndef GATEWAY_DOCS_H
#define GATEWAY_DOCS_H

#include <h2o.h>

/*  The swagger-ui-dist folder: configured (SWAGGER_UI_DIR, ecom_config) when not NULL, else
    the one the build found (ECOM_SWAGGER_UI_DIR). Never NULL. */
const char *docs_dir (const char *configured);

/*  Registers the handler of GET /api/docs/... on pathconf, after api's (which declines the
    route, routes.h ROUTE_LOCAL); dir (copied, at most PATH_MAX - 130 bytes, else the assets
    are 404) is the swagger-ui-dist folder. Logs a warning when it holds no
    swagger-ui-bundle.js: the page then loads without its assets. */
void docs_register (h2o_pathconf_t *pathconf, const char *dir);

#endif
