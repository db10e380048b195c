#include "server.h"

#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <h2o.h>

#include "accesslog.h"
#include "api.h"
#include "auth.h"
#include "broker.h"
#include "brokerio.h"
#include "docs.h"
#include "ecom_log.h"
#include "metrics.h"
#include "openapi.h"
#include "respond.h"
#include "throttle.h"

/*  Largest request body accepted (SPEC §6: larger is 413). */
#define SERVER_MAX_BODY (1024 * 1024)
/*  How long a stop waits for answers in flight before it cuts the connections. */
#define SERVER_DRAIN_MS 2000

struct _server_t {
    h2o_globalconf_t config;
    h2o_context_t ctx;
    bool ctx_ready;
    h2o_accept_ctx_t accept_ctx;
    h2o_loop_t *loop;
    h2o_socket_t *listener;
    h2o_socket_t *signals; /* read end of the signal pipe */
    broker_t *broker;
    brokerio_t *io;
    auth_t *auth;
    throttle_t *throttle;
    clientip_t *clientip; /* TRUSTED_PROXIES */
    api_t *api;
    metrics_t *metrics;
};

/*  The signal pipe: the handler writes a byte, the loop wakes up and stops. */
static int s_signal_pipe[2] = {-1, -1};
static volatile sig_atomic_t s_stop = 0;

static void
s_on_signal (int signum)
{
    int saved = errno;
    s_stop = 1;
    if (s_signal_pipe[1] >= 0) {
        ssize_t rc = write (s_signal_pipe[1], "s", 1);
        (void) rc;
    }
    errno = saved;
}

static void
s_on_signal_readable (h2o_socket_t *sock, const char *err)
{
    char buf[64];
    while (read (h2o_socket_get_fd (sock), buf, sizeof buf) > 0)
        ;
}

static void
s_on_accept (h2o_socket_t *listener, const char *err)
{
    server_t *self = listener->data;
    if (err)
        return;
    h2o_socket_t *sock = h2o_evloop_socket_accept (listener);
    if (sock)
        h2o_accept (&self->accept_ctx, sock);
}

/*  Binds and listens on host:port. Returns the fd, or -1 with a message in err. */
static int
s_listen (const char *host, int port, char *err, size_t errlen)
{
    char service[16];
    snprintf (service, sizeof service, "%d", port);
    struct addrinfo hints, *list = NULL;
    memset (&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int rc = getaddrinfo (host, service, &hints, &list);
    if (rc != 0) {
        snprintf (err, errlen, "cannot resolve API_HOST %s: %s", host, gai_strerror (rc));
        return -1;
    }
    int fd = -1, last_errno = 0;
    for (struct addrinfo *ai = list; ai && fd < 0; ai = ai->ai_next) {
        fd = socket (ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            last_errno = errno;
            continue;
        }
        int on = 1;
        setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
        if (bind (fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen (fd, SOMAXCONN) != 0) {
            last_errno = errno;
            close (fd);
            fd = -1;
        }
    }
    freeaddrinfo (list);
    if (fd < 0)
        snprintf (err, errlen, "cannot listen on %s:%d: %s", host, port, strerror (last_errno));
    return fd;
}

static int
s_signals_install (void)
{
    if (s_signal_pipe[0] < 0 && pipe2 (s_signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
        return -1;
    struct sigaction action;
    memset (&action, 0, sizeof action);
    action.sa_handler = s_on_signal;
    sigemptyset (&action.sa_mask);
    sigaction (SIGINT, &action, NULL);
    sigaction (SIGTERM, &action, NULL);
    signal (SIGPIPE, SIG_IGN);
    return 0;
}

server_t *
server_new (const ecom_config_t *config, char *err, size_t errlen)
{
    server_t *self = calloc (1, sizeof *self);
    if (!self) {
        snprintf (err, errlen, "out of memory");
        return NULL;
    }
    self->auth = auth_new (config->jwt_secret);
    if (!self->auth) {
        snprintf (err, errlen, "JWT_SECRET is not set; the gateway refuses to start without one");
        goto fail;
    }
    /* AUTH_THROTTLE_WINDOW_SECONDS: the failed-login window and lockout (throttle.h). */
    self->throttle = throttle_new (THROTTLE_SLOTS, THROTTLE_MAX_FAILURES,
                                   (double) config->auth_throttle_window_seconds);
    if (!self->throttle) {
        snprintf (err, errlen, "out of memory");
        goto fail;
    }
    /* TRUSTED_PROXIES: the load balancers whose X-Forwarded-For names the client (clientip.h). */
    self->clientip = clientip_new (config->trusted_proxies, err, errlen);
    if (!self->clientip)
        goto fail;
    /* CZMQ would replace our SIGINT/SIGTERM handlers with its own when the broker creates
       its first socket; ours wake the event loop, so CZMQ's are switched off. */
    zsys_handler_set (NULL);
    if (s_signals_install () != 0) {
        snprintf (err, errlen, "cannot create the signal pipe: %s", strerror (errno));
        goto fail;
    }
    int listen_fd = s_listen (config->api_host, config->api_port, err, errlen);
    if (listen_fd < 0)
        goto fail;
    self->broker = broker_new_curve (config->broker_endpoint, config->curve_dir, err, errlen);
    if (self->broker) /* a restarted gateway holds calls while its workers re-register */
        broker_set_grace (self->broker, config->gateway_start_grace_ms);
    self->metrics = self->broker ? metrics_new (self->broker) : NULL;
    if (!self->metrics) {
        if (self->broker)
            snprintf (err, errlen, "out of memory");
        close (listen_fd);
        goto fail;
    }

    /* h2o: HTTP/1.1 only (no h2c upgrade), one host, every path to the API handler. */
    h2o_config_init (&self->config);
    self->config.max_request_entity_size = SERVER_MAX_BODY;
    self->config.http1.upgrade_to_http2 = 0;
    self->config.server_name = h2o_iovec_init (H2O_STRLIT ("ecom-gateway"));
    h2o_hostconf_t *host =
        h2o_config_register_host (&self->config, h2o_iovec_init (H2O_STRLIT ("default")), 65535);
    h2o_pathconf_t *root = h2o_config_register_path (host, "/", 0);
    char default_host[300];
    snprintf (default_host, sizeof default_host, strchr (config->api_host, ':') ? "[%s]:%d" : "%s:%d",
              config->api_host, config->api_port);
    self->api = api_register (root, self->broker, self->auth, self->throttle, default_host,
                              config->request_timeout_ms);
    api_set_clientip (self->api, self->clientip);
    api_set_export_max_rows (self->api, config->export_max_rows);
    /* After api, which declines their routes (ROUTE_LOCAL): */
    openapi_register (root);
    docs_register (root, docs_dir (config->swagger_ui_dir));
    metrics_register (root, self->metrics);
    metrics_register_logger (root, self->metrics);
    metrics_register_logger (&host->fallback_path, self->metrics);
    respond_register_error_filter (root);
    respond_register_error_filter (&host->fallback_path);
    accesslog_register (root);
    accesslog_register (&host->fallback_path);

    self->loop = h2o_evloop_create ();
    h2o_context_init (&self->ctx, self->loop, &self->config);
    self->ctx_ready = true;
    self->accept_ctx.ctx = &self->ctx;
    self->accept_ctx.hosts = self->config.hosts;

    self->listener = h2o_evloop_socket_create (self->loop, listen_fd, H2O_SOCKET_FLAG_DONT_READ);
    self->listener->data = self;
    h2o_socket_read_start (self->listener, s_on_accept);
    self->signals =
        h2o_evloop_socket_create (self->loop, dup (s_signal_pipe[0]), H2O_SOCKET_FLAG_DONT_READ);
    h2o_socket_read_start (self->signals, s_on_signal_readable);
    self->io = brokerio_new (self->loop, self->broker);
    if (!self->io) {
        snprintf (err, errlen, "cannot watch the broker socket: %s", strerror (errno));
        goto fail;
    }
    ecom_info ("msg=listening http=%s:%d broker=%s request_timeout_ms=%d", config->api_host,
               config->api_port, config->broker_endpoint, config->request_timeout_ms);
    return self;
fail:
    server_destroy (&self);
    return NULL;
}

/*  foreach_request callback: shuts down the connection of a request that is idle (waiting
    for its next request), or of every connection when *force. */
static int
s_cut_connection (h2o_req_t *req, void *arg)
{
    bool force = *(bool *) arg;
    if (!force && req->version != 0)
        return 0; /* still answering */
    h2o_socket_t *sock =
        req->conn->callbacks->get_socket ? req->conn->callbacks->get_socket (req->conn) : NULL;
    if (sock && h2o_socket_get_fd (sock) >= 0)
        shutdown (h2o_socket_get_fd (sock), SHUT_RDWR);
    return 0;
}

int
server_run (server_t *self)
{
    int rc = 0;
    while (!s_stop) {
        if (h2o_evloop_run (self->loop, brokerio_wait_ms (self->io)) != 0 && errno != EINTR) {
            ecom_error ("msg=\"event loop failed\" error=\"%s\"", strerror (errno));
            rc = -1;
            break;
        }
        brokerio_run_due (self->io);
    }
    ecom_info ("msg=\"shutting down\" pending=%zu", api_pending_count (self->api));

    /* Stop accepting, answer what waits, let answers in flight finish, then cut. */
    h2o_socket_read_stop (self->listener);
    h2o_socket_close (self->listener);
    self->listener = NULL;
    api_shutdown (self->api);
    uint64_t deadline = h2o_now (self->loop) + SERVER_DRAIN_MS;
    while (!h2o_linklist_is_empty (&self->ctx.http1._conns)) {
        bool force = h2o_now (self->loop) >= deadline;
        self->config.http1.callbacks.foreach_request (&self->ctx, s_cut_connection, &force);
        h2o_evloop_run (self->loop, 10);
        brokerio_run_due (self->io);
    }
    return rc;
}

void
server_destroy (server_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    server_t *self = *self_p;
    brokerio_destroy (&self->io);
    if (self->signals) {
        h2o_socket_read_stop (self->signals);
        h2o_socket_close (self->signals);
    }
    if (self->listener) {
        h2o_socket_read_stop (self->listener);
        h2o_socket_close (self->listener);
    }
    if (self->ctx_ready) {
        h2o_multithread_queue_t *queue = self->ctx.queue;
        h2o_context_dispose (&self->ctx);
#if H2O_VERSION_MAJOR == 2 && H2O_VERSION_MINOR == 2
        /* h2o 2.2's h2o_multithread_destroy_queue() closes the queue but never frees it
           (fixed in later versions). */
        free (queue);
#else
        (void) queue;
#endif
    }
    if (self->loop)
        h2o_evloop_destroy (self->loop);
    if (self->ctx_ready)
        h2o_config_dispose (&self->config);
    broker_destroy (&self->broker);
    auth_destroy (&self->auth);
    throttle_destroy (&self->throttle);
    clientip_destroy (&self->clientip);
    metrics_destroy (&self->metrics);
    free (self);
    *self_p = NULL;
}
