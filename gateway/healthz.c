#include "healthz.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "respond.h"
#include "routes.h"

void
healthz_respond (h2o_req_t *req, broker_t *broker)
{
    json_t *root = json_object ();
    json_t *services = json_object ();
    bool all_up = true;
    for (size_t i = 0; routes_services[i]; i++) {
        size_t workers = broker_worker_count (broker, routes_services[i]);
        if (workers == 0)
            all_up = false;
        json_t *entry = json_object ();
        json_object_set_new (entry, "workers", json_integer ((json_int_t) workers));
        json_object_set_new (services, routes_services[i], entry);
    }
    json_object_set_new (root, "status", json_string (all_up ? "ok" : "degraded"));
    json_object_set_new (root, "services", services);
    char *text = json_dumps (root, JSON_COMPACT);
    json_decref (root);
    if (!text) {
        respond_error (req, 500, "internal_error", "out of memory");
        return;
    }
    respond_json (req, all_up ? 200 : 503, text, strlen (text));
    free (text);
}
