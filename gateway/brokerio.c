#include "brokerio.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

struct _brokerio_t {
    h2o_loop_t *loop;
    broker_t *broker;
    h2o_socket_t *sock; /* wraps dup (ZMQ_FD) */
    uint64_t tick_at;   /* h2o_now() at which broker_tick() is due */
};

static void
s_on_readable (h2o_socket_t *sock, const char *err)
{
    brokerio_t *self = sock->data;
    broker_process (self->broker);
}

brokerio_t *
brokerio_new (h2o_loop_t *loop, broker_t *broker)
{
    brokerio_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    int fd = dup (broker_fd (broker));
    if (fd < 0) {
        free (self);
        return NULL;
    }
    self->loop = loop;
    self->broker = broker;
    self->sock = h2o_evloop_socket_create (loop, fd, H2O_SOCKET_FLAG_DONT_READ);
    self->sock->data = self;
    h2o_socket_read_start (self->sock, s_on_readable);
    self->tick_at = h2o_now (loop);
    return self;
}

void
brokerio_destroy (brokerio_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    brokerio_t *self = *self_p;
    h2o_socket_read_stop (self->sock);
    h2o_socket_close (self->sock);
    free (self);
    *self_p = NULL;
}

int32_t
brokerio_wait_ms (brokerio_t *self)
{
    uint64_t now = h2o_now (self->loop);
    if (self->tick_at <= now)
        return 0;
    uint64_t wait = self->tick_at - now;
    return wait > INT32_MAX ? INT32_MAX : (int32_t) wait;
}

void
brokerio_run_due (brokerio_t *self)
{
    broker_process (self->broker);
    if (h2o_now (self->loop) >= self->tick_at) {
        int64_t next = broker_tick (self->broker);
        self->tick_at = h2o_now (self->loop) + (uint64_t) (next > 0 ? next : 1);
        broker_process (self->broker);
    }
}
