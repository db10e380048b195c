/*  healthz: GET /healthz. 200 {"status": "ok", ...} when every service of routes_services
    has a live worker, else 503 {"status": "degraded", ...}; "services" maps each service
    to {"workers": N}. */
#ifndef GATEWAY_HEALTHZ_H
#define GATEWAY_HEALTHZ_H

#include <h2o.h>

#include "broker.h"

/*  Answers req with the health of the services registered on broker. */
void healthz_respond (h2o_req_t *req, broker_t *broker);

#endif
