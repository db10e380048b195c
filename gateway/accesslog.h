/*  accesslog: one ecom_log line per HTTP request, written when h2o disposes the request:
      msg=request method=GET path=/api/v1/kpis/ status=200 duration_ms=3.2 service=kpi
      request_id=...
    The query string is not logged (it may carry personal data). A request the client gave
    up on before its answer is logged with status 499. */
#ifndef GATEWAY_ACCESSLOG_H
#define GATEWAY_ACCESSLOG_H

#include <h2o.h>

/*  Registers the access logger on pathconf. */
void accesslog_register (h2o_pathconf_t *pathconf);

#endif
