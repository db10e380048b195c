/*  mdp_client: a synchronous MDP/0.1 client, for tools and tests (mdp_client.h;
    proto/README.md). */

#include "mdp_client.h"

#include <stdlib.h>
#include <string.h>

#include "mdp_frames.h"

/*  Longest wait between checks of zsys_interrupted in mdp_client_call(). */
#define S_SLICE_MS 100

/*  True when frame holds exactly text. */
static bool
s_frame_is (zframe_t *frame, const char *text)
{
    size_t len = strlen (text);
    return zframe_size (frame) == len && memcmp (zframe_data (frame), text, len) == 0;
}

struct _mdp_client_t {
    char *endpoint;
    zsock_t *dealer;
};

mdp_client_t *
mdp_client_new (const char *endpoint)
{
    if (!endpoint)
        return NULL;
    mdp_client_t *self = zmalloc (sizeof *self);
    self->endpoint = strdup (endpoint);
    self->dealer = self->endpoint ? mdp_dealer_new (endpoint) : NULL;
    if (!self->dealer)
        mdp_client_destroy (&self);
    return self;
}

void
mdp_client_destroy (mdp_client_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    mdp_client_t *self = *self_p;
    zsock_destroy (&self->dealer);
    free (self->endpoint);
    free (self);
    *self_p = NULL;
}

/*  Returns the body of msg when it is a valid reply from service ("", MDPC01, service,
    body), else NULL. Destroys msg. */
static zframe_t *
s_client_reply_body (zmsg_t **msg_p, const char *service)
{
    zmsg_t *msg = *msg_p;
    zframe_t *body = NULL;
    if (zmsg_size (msg) == 4) {
        zframe_t *empty = zmsg_pop (msg);
        zframe_t *header = zmsg_pop (msg);
        zframe_t *name = zmsg_pop (msg);
        if (zframe_size (empty) == 0 && s_frame_is (header, MDP_CLIENT)
            && s_frame_is (name, service))
            body = zmsg_pop (msg);
        zframe_destroy (&empty);
        zframe_destroy (&header);
        zframe_destroy (&name);
    }
    zmsg_destroy (msg_p);
    return body;
}

zframe_t *
mdp_client_call (mdp_client_t *self, const char *service, zframe_t **body_p, int timeout_ms)
{
    if (!self->dealer)
        self->dealer = mdp_dealer_new (self->endpoint); /* a reconnect that failed */
    if (!mdp_service_valid (service) || !*body_p || !self->dealer) {
        zframe_destroy (body_p);
        return NULL;
    }
    mdp_part_t parts[] = {MDP_PART_TEXT (""),
                          MDP_PART_TEXT (MDP_CLIENT),
                          {service, strlen (service)},
                          MDP_PART_FRAME (*body_p)};
    int rc = mdp_send_parts (self->dealer, parts, sizeof parts / sizeof parts[0]);
    zframe_destroy (body_p);

    int64_t deadline = timeout_ms < 0 ? INT64_MAX : zclock_mono () + timeout_ms;
    void *handle = zsock_resolve (self->dealer);
    while (rc == 0 && !zsys_interrupted) {
        int64_t now = zclock_mono ();
        if (now >= deadline)
            break;
        long wait = deadline - now > S_SLICE_MS ? S_SLICE_MS : (long) (deadline - now);
        zmq_pollitem_t item = {handle, 0, ZMQ_POLLIN, 0};
        int ready = zmq_poll (&item, 1, wait);
        if (ready == -1)
            break;
        if (ready == 1) {
            zmsg_t *msg = zmsg_recv (self->dealer);
            zframe_t *body = msg ? s_client_reply_body (&msg, service) : NULL;
            if (body)
                return body;
        }
    }
    /*  No answer: start over on a new socket, so the late reply to this request goes to
        the old routing id, which no longer exists, and is never read as a newer reply. */
    zsock_destroy (&self->dealer);
    self->dealer = mdp_dealer_new (self->endpoint);
    return NULL;
}
