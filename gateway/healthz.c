/*  healthz: GET /healthz (healthz.h), its body written with proto_writer_t and rendered as
    JSON by render.h, the gateway's one JSON writer. */
#include "healthz.h"

#include <stdbool.h>
#include <stdlib.h>

#include "envelope.h"
#include "render.h"
#include "respond.h"
#include "routes.h"

/*  Writes {"status": "ok"|"degraded", "services": {name: {"workers": N}, ...}} into w.
    Returns true when every service has a live worker. */
static bool
s_write_health (proto_writer_t *w, broker_t *broker)
{
    size_t count = 0;
    bool all_up = true;
    for (; routes_services[count]; count++)
        if (broker_worker_count (broker, routes_services[count]) == 0)
            all_up = false;
    proto_writer_map (w, 2);
    proto_writer_str (w, "status");
    proto_writer_str (w, all_up ? "ok" : "degraded");
    proto_writer_str (w, "services");
    proto_writer_map (w, (uint32_t) count);
    for (size_t i = 0; i < count; i++) {
        proto_writer_str (w, routes_services[i]);
        proto_writer_map (w, 1);
        proto_writer_str (w, "workers");
        proto_writer_int (w, (int64_t) broker_worker_count (broker, routes_services[i]));
    }
    return all_up;
}

void
healthz_respond (h2o_req_t *req, broker_t *broker)
{
    proto_writer_t *w = proto_writer_new ();
    bool all_up = w ? s_write_health (w, broker) : false;
    size_t len = 0;
    char *json = w && proto_writer_data (w)
                     ? render_body_json (proto_writer_data (w), proto_writer_size (w), &len)
                     : NULL;
    proto_writer_destroy (&w);
    if (!json) {
        respond_error (req, 500, "internal_error", "out of memory");
        return;
    }
    respond_json (req, all_up ? 200 : 503, json, len);
    free (json);
}
