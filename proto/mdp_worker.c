/*  mdp_worker: a worker's MDP/0.1 sessions with its brokers (mdp_worker.h;
    proto/README.md). */

#include "mdp_worker.h"

#include <stdlib.h>
#include <string.h>

#include "mdp_frames.h"

/*  How long a closing worker socket may try to deliver its DISCONNECT. */
#define S_LINGER_MS 200

/*  =======================================================================================
    A message from the broker */

int
mdp_worker_msg_parse (const mdp_part_t *parts, size_t count, mdp_part_t *client, mdp_part_t *body)
{
    if (count == 1 && parts[0].size > 0) {
        /*  Packed (mdp_protocol.h): anything but a REPLY, which never comes from a broker. */
        mdp_part_t packed_client, packed_body;
        int command = mdp_packed_parse (&parts[0], &packed_client, &packed_body);
        if (command == MDP_REPLY || command == 0)
            return 0;
        if (command == MDP_REQUEST || command == MDP_CANCEL)
            *client = packed_client;
        if (command == MDP_REQUEST)
            *body = packed_body;
        return command;
    }
    if (count < 3 || parts[0].size != 0 || !mdp_part_is (&parts[1], MDP_WORKER)
        || parts[2].size != 1)
        return 0;
    int command = ((const unsigned char *) parts[2].data)[0];
    if ((command == MDP_HEARTBEAT || command == MDP_DISCONNECT) && count == 3)
        return command;
    if (command == MDP_REQUEST && count == 6 && parts[3].size > 0 && parts[4].size == 0) {
        /*  "", MDPW01, 0x02, client, "", body */
        *client = parts[3];
        *body = parts[5];
        return command;
    }
    if (command == MDP_CANCEL && count == 4 && parts[3].size > 0) {
        /*  "", MDPW01, 0x06, client */
        *client = parts[3];
        return command;
    }
    return 0;
}

/*  =======================================================================================
    The endpoint list */

/*  Longest broker endpoint accepted in a BROKER_ENDPOINT list. */
#define S_ENDPOINT_MAX 255
#define S_STR_(x) #x
#define S_STR(x) S_STR_ (x)

/*  True when text (1..S_ENDPOINT_MAX bytes) holds only bytes of charset. */
static bool
s_all_of (const char *text, size_t len, const char *charset)
{
    return len > 0 && strspn (text, charset) >= len;
}

/*  True when endpoint is one a worker can connect to: tcp://HOST:PORT (HOST a name, an
    IPv4 address or a bracketed IPv6 one; PORT 1..65535), ipc://PATH or inproc://NAME
    (printable, no spaces). */
static bool
s_endpoint_valid (const char *endpoint)
{
    static const char printable[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                    "0123456789._-/@:+=~%[]";
    if (strncmp (endpoint, "ipc://", 6) == 0)
        return s_all_of (endpoint + 6, strlen (endpoint + 6), printable);
    if (strncmp (endpoint, "inproc://", 9) == 0)
        return s_all_of (endpoint + 9, strlen (endpoint + 9), printable);
    if (strncmp (endpoint, "tcp://", 6) != 0)
        return false;
    const char *host = endpoint + 6, *colon = strrchr (host, ':');
    if (!colon || !s_all_of (colon + 1, strlen (colon + 1), "0123456789") || strlen (colon + 1) > 5)
        return false;
    long port = strtol (colon + 1, NULL, 10); /* 1..5 digits: no overflow */
    if (port < 1 || port > 65535)
        return false;
    size_t host_len = (size_t) (colon - host);
    if (host_len > 2 && host[0] == '[' && host[host_len - 1] == ']')
        return s_all_of (host + 1, host_len - 2, "0123456789abcdefABCDEF:.");
    return s_all_of (host, host_len,
                     "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                     "0123456789.-_");
}

/*  =======================================================================================
    Worker: one DEALER socket per broker, owned by the caller's thread

    No thread of its own: the caller's calls drive it. mdp_worker_recv() waits for a
    request and meanwhile heartbeats, reads broker heartbeats and reconnects when a
    broker is silent for MDP_LIVENESS heartbeats; mdp_worker_wait_fd() does the same
    (but for reconnecting, see below) while the caller waits for a file descriptor in the
    middle of a request, so a handler that waits there (a slow SQL query) keeps its
    instance alive at every broker however long it takes.

    A worker serves every broker of its endpoint list through one session each (its own
    socket, liveness, heartbeats, credit and reconnects); the sessions are polled together
    and read in turn, so a busy broker does not starve the others. A request's reply_to
    names its session (first byte) and the client frame, so the reply goes back on the
    connection the request came on.

    While a request is in hand a session's connection may be lost (broker silent, or
    DISCONNECT): its socket is closed at once and the new one is opened by the next
    mdp_worker_recv(), when the worker is idle again. Its READY would otherwise invite a
    new request the busy caller could not take; and the reply to the old request is
    dropped either way, because the broker knew us by the old routing id and has already
    failed or re-sent that request. */

/*  One broker's session. */
typedef struct {
    char *endpoint;
    zsock_t *dealer;      /* NULL after a loss, until the next mdp_worker_recv() */
    int64_t expiry;       /* the broker is dead when it is silent until then */
    int64_t heartbeat_at; /* when we send the next HEARTBEAT */
    zlistx_t *held;       /* client frames of requests taken on this connection, unanswered */
    zlistx_t *pending;    /* s_request_t *: requests read by mdp_worker_wait_fd(), oldest
                              first, for the next mdp_worker_recv() calls */
    zlistx_t *cancelled;  /* client frames of held or pending requests the broker
                              cancelled (nobody waits for them), until answered */
    bool cancel_seen;     /* a CANCEL came since mdp_worker_wait_fd() last looked */
    bool packed;          /* the broker sent a packed message on this connection: we send
                             packed ones too (mdp_protocol.h) */
    bool broker_packs;    /* it ever did on any connection: every READY asks for packed */
    bool unanswered;      /* our last READY has had no HEARTBEAT, REQUEST or CANCEL yet */
    bool plain_ready;     /* the next READY does not ask for packed messages */
} s_session_t;

struct _mdp_worker_t {
    char *service;
    int credit;   /* requests each broker may give us at once (READY's credit) */
    size_t count; /* sessions in use */
    size_t next;  /* the session mdp_worker_recv() reads first (taking turns) */
    s_session_t sessions[MDP_BROKERS_MAX];
};

/*  A request read while the caller was busy. */
typedef struct {
    zframe_t *body;
    zframe_t *client;
} s_request_t;

static void
s_request_free (void **item)
{
    s_request_t *request = *item;
    if (!request)
        return;
    zframe_destroy (&request->body);
    zframe_destroy (&request->client);
    free (request);
    *item = NULL;
}

static void
s_frame_free (void **item)
{
    zframe_destroy ((zframe_t **) item);
}

/*  Orders frames by size, then bytes: 0 for frames of equal content. */
static int
s_frame_compare (const void *a, const void *b)
{
    size_t size_a = zframe_size ((zframe_t *) a), size_b = zframe_size ((zframe_t *) b);
    if (size_a != size_b)
        return size_a < size_b ? -1 : 1;
    return memcmp (zframe_data ((zframe_t *) a), zframe_data ((zframe_t *) b), size_a);
}

/*  What s_session_read() found. */
typedef enum {
    S_READ_NOTHING,   /* no message waiting */
    S_READ_OTHER,     /* a heartbeat or a malformed message: handled */
    S_READ_REQUEST,   /* a request: *body and *client are set */
    S_READ_DISCONNECT /* the broker sent DISCONNECT */
} s_read_t;

/*  Sends "", MDPW01, command [, a, b, c] (NULL frames are left out). Returns 0 or -1. */
static int
s_session_send (s_session_t *session, mdp_command_t command, zframe_t *a, zframe_t *b, zframe_t *c)
{
    if (!session->dealer)
        return -1;
    if (session->packed && (command == MDP_HEARTBEAT || command == MDP_DISCONNECT)) {
        int rc = mdp_send_packed (session->dealer, NULL, command, NULL, NULL);
        if (rc == 0)
            session->heartbeat_at = zclock_mono () + MDP_HEARTBEAT_MS;
        return rc;
    }
    mdp_part_t parts[6] = {MDP_PART_TEXT (""), MDP_PART_TEXT (MDP_WORKER),
                           MDP_PART_COMMAND (command)};
    size_t count = 3;
    zframe_t *extra[] = {a, b, c};
    for (size_t i = 0; i < 3; i++)
        if (extra[i])
            parts[count++] = MDP_PART_FRAME (extra[i]);
    int rc = mdp_send_parts (session->dealer, parts, count);
    /*  Any message is a sign of life to the broker: no heartbeat is due before the next
        interval. */
    if (rc == 0)
        session->heartbeat_at = zclock_mono () + MDP_HEARTBEAT_MS;
    return rc;
}

/*  Closes the connection: the requests taken or read on it will never be answered (the
    broker fails or re-sends them when it notices). */
static void
s_session_drop (s_session_t *session)
{
    zsock_destroy (&session->dealer);
    zlistx_purge (session->held);
    zlistx_purge (session->pending);
    zlistx_purge (session->cancelled);
    session->packed = false;
}

/*  Opens a new connection of session (a new routing id) and sends READY for self's service
    and credit, asking for packed messages; liveness restored.
    A broker older than packed messages drops a READY that asks for them as malformed and
    tells our next HEARTBEAT DISCONNECT (or stays silent): so until a broker has spoken
    packed once, a READY that went unanswered makes the next one ask the other way, and a
    worker newer than its gateway registers on its second try instead of never. */
static void
s_session_connect (mdp_worker_t *self, s_session_t *session)
{
    if (session->unanswered && !session->broker_packs)
        session->plain_ready = !session->plain_ready;
    s_session_drop (session);
    session->dealer = mdp_dealer_new (session->endpoint);
    zframe_t *service = zframe_new (self->service, strlen (self->service));
    char text[16];
    snprintf (text, sizeof text, "%d", self->credit);
    zframe_t *credit = zframe_new (text, strlen (text));
    zframe_t *packed = session->plain_ready && !session->broker_packs
                           ? NULL
                           : zframe_new (MDP_PACKED, strlen (MDP_PACKED));
    s_session_send (session, MDP_READY, service, credit, packed);
    session->unanswered = true;
    zframe_destroy (&service);
    zframe_destroy (&credit);
    zframe_destroy (&packed);
    int64_t now = zclock_mono ();
    session->expiry = now + MDP_HEARTBEAT_MS * MDP_LIVENESS;
    session->heartbeat_at = now + MDP_HEARTBEAT_MS;
}

/*  Whether pending holds a request of client. */
static bool
s_pending_has (zlistx_t *pending, zframe_t *client)
{
    for (s_request_t *request = zlistx_first (pending); request; request = zlistx_next (pending))
        if (s_frame_compare (request->client, client) == 0)
            return true;
    return false;
}

/*  Marks the request of client (taken) cancelled, when the session holds it or has read
    it; a CANCEL for anything else (answered already) is ignored. Takes client. */
static void
s_session_cancel (s_session_t *session, zframe_t **client_p)
{
    zframe_t *client = *client_p;
    *client_p = NULL;
    if (client && !zlistx_find (session->cancelled, client)
        && (zlistx_find (session->held, client) || s_pending_has (session->pending, client))) {
        zlistx_add_end (session->cancelled, client);
        session->cancel_seen = true;
        return;
    }
    zframe_destroy (&client);
}

/*  Reads one message from the session's broker without blocking. A valid HEARTBEAT or
    REQUEST refreshes liveness; malformed messages are dropped whole and do not count. */
static s_read_t
s_session_read (s_session_t *session, zframe_t **body, zframe_t **client)
{
    mdp_incoming_t in;
    size_t count = mdp_incoming_recv (session->dealer, &in);
    if (count == 0)
        return S_READ_NOTHING;

    mdp_part_t parts[MDP_MAX_FRAMES], client_part, body_part;
    mdp_incoming_parts (&in, parts);
    int command = in.overflow ? 0 : mdp_worker_msg_parse (parts, count, &client_part, &body_part);
    if (command && count == 1)
        session->packed = session->broker_packs = true; /* so do we from now on */
    if (command == MDP_HEARTBEAT || command == MDP_REQUEST || command == MDP_CANCEL)
        session->unanswered = false;
    s_read_t result = S_READ_OTHER;
    if (command == MDP_HEARTBEAT)
        session->expiry = zclock_mono () + MDP_HEARTBEAT_MS * MDP_LIVENESS;
    else if (command == MDP_DISCONNECT)
        result = S_READ_DISCONNECT;
    else if (command == MDP_REQUEST) {
        session->expiry = zclock_mono () + MDP_HEARTBEAT_MS * MDP_LIVENESS;
        *client = mdp_part_frame (&client_part);
        *body = mdp_part_frame (&body_part);
        result = S_READ_REQUEST;
    }
    else if (command == MDP_CANCEL) {
        session->expiry = zclock_mono () + MDP_HEARTBEAT_MS * MDP_LIVENESS;
        zframe_t *cancelled = mdp_part_frame (&client_part);
        s_session_cancel (session, &cancelled);
    }
    mdp_incoming_close (&in);
    return result;
}

/*  Sends the heartbeat that is due. Returns false when the broker has been silent too
    long (the caller decides what to do with the connection). */
static bool
s_session_tick (s_session_t *session, int64_t now)
{
    if (now >= session->expiry)
        return false;
    if (now >= session->heartbeat_at)
        s_session_send (session, MDP_HEARTBEAT, NULL, NULL, NULL);
    return true;
}

/*  The earliest of wake and the session's own timers. */
static int64_t
s_session_wake (const s_session_t *session, int64_t wake)
{
    if (session->dealer) {
        if (session->heartbeat_at < wake)
            wake = session->heartbeat_at;
        if (session->expiry < wake)
            wake = session->expiry;
    }
    return wake;
}

/*  Milliseconds from now until the earliest of deadline and every session's timers; a
    session without a socket (a reconnect that failed) is retried within a heartbeat when
    retry is set. -1: forever. */
static long
s_worker_wait_ms (const mdp_worker_t *self, int64_t now, int64_t deadline, bool retry)
{
    int64_t wake = deadline;
    for (size_t i = 0; i < self->count; i++) {
        wake = s_session_wake (&self->sessions[i], wake);
        if (retry && !self->sessions[i].dealer && now + MDP_HEARTBEAT_MS < wake)
            wake = now + MDP_HEARTBEAT_MS;
    }
    if (wake == INT64_MAX)
        return -1;
    return wake > now ? (long) (wake - now) : 0;
}

/*  Polls the sockets of every connected session (and fd, when >= 0, first) for up to
    wait ms. Returns zmq_poll's result; *fd_ready says whether fd is ready. */
static int
s_worker_poll (mdp_worker_t *self, int fd, short events, long wait, bool *fd_ready)
{
    zmq_pollitem_t items[MDP_BROKERS_MAX + 1];
    int count = 0;
    if (fd >= 0)
        items[count++] = (zmq_pollitem_t){NULL, fd, events, 0};
    for (size_t i = 0; i < self->count; i++)
        if (self->sessions[i].dealer)
            items[count++] =
                (zmq_pollitem_t){zsock_resolve (self->sessions[i].dealer), 0, ZMQ_POLLIN, 0};
    int rc = zmq_poll (items, count, wait);
    *fd_ready = rc > 0 && fd >= 0 && items[0].revents;
    return rc;
}

/*  Hands the request (body, client) of session index to the caller: remembers that the
    session holds it and makes *reply_to, the session's index byte then the client frame.
    Takes client. Returns body. */
static zframe_t *
s_worker_take (mdp_worker_t *self, size_t index, zframe_t *body, zframe_t *client,
               zframe_t **reply_to)
{
    s_session_t *session = &self->sessions[index];
    size_t size = zframe_size (client);
    zframe_t *tagged = zframe_new (NULL, size + 1);
    unsigned char *data = zframe_data (tagged);
    data[0] = (unsigned char) index;
    memcpy (data + 1, zframe_data (client), size);
    zlistx_add_end (session->held, client);
    *reply_to = tagged;
    self->next = (index + 1) % self->count;
    return body;
}

/*  Splits list at commas into the endpoints of sessions (each malloc()ed). Returns the
    count, or -1 with the reason in err (the endpoints made so far are freed). */
static int
s_endpoints_split (const char *list, s_session_t *sessions, char *err, size_t errlen)
{
    int count = 0;
    const char *item = list ? list : "";
    for (;;) {
        size_t len = strcspn (item, ",");
        char text[S_ENDPOINT_MAX + 1];
        snprintf (text, sizeof text, "%.*s", (int) (len < S_ENDPOINT_MAX ? len : S_ENDPOINT_MAX),
                  item);
        const char *reason = NULL;
        if (len == 0)
            reason = "has an empty item";
        else if (count == MDP_BROKERS_MAX)
            reason = "lists more than " S_STR (MDP_BROKERS_MAX) " brokers";
        else if (len > S_ENDPOINT_MAX || !s_endpoint_valid (text))
            reason = "has an item that is not tcp://HOST:PORT, ipc://PATH or inproc://NAME";
        for (int i = 0; i < count && !reason; i++)
            if (sessions[i].endpoint && strcmp (sessions[i].endpoint, text) == 0)
                reason = "lists a broker twice";
        if (reason) {
            snprintf (err, errlen, "BROKER_ENDPOINT %s: '%.80s'", reason, list ? list : "");
            while (count > 0) {
                count--;
                free (sessions[count].endpoint);
                sessions[count].endpoint = NULL;
            }
            return -1;
        }
        sessions[count++].endpoint = strdup (text);
        if (item[len] == '\0')
            return count;
        item += len + 1;
    }
}

int
mdp_endpoint_list_check (const char *list, char *err, size_t errlen)
{
    s_session_t sessions[MDP_BROKERS_MAX];
    memset (sessions, 0, sizeof sessions);
    int count = s_endpoints_split (list, sessions, err, errlen);
    for (int i = 0; i < count; i++)
        free (sessions[i].endpoint);
    return count;
}

mdp_worker_t *
mdp_worker_new (const char *endpoint, const char *service, int credit)
{
    char err[160];
    if (!mdp_service_valid (service) || credit < 1 || credit > MDP_CREDIT_MAX)
        return NULL;
    mdp_worker_t *self = zmalloc (sizeof *self);
    int count = self ? s_endpoints_split (endpoint, self->sessions, err, sizeof err) : -1;
    if (count < 1) {
        free (self);
        return NULL;
    }
    self->service = strdup (service);
    self->credit = credit;
    self->count = (size_t) count;
    bool ok = self->service != NULL;
    for (size_t i = 0; i < self->count; i++) {
        s_session_t *session = &self->sessions[i];
        session->held = zlistx_new ();
        session->pending = zlistx_new ();
        session->cancelled = zlistx_new ();
        if (!session->endpoint || !session->held || !session->pending || !session->cancelled) {
            ok = false;
            continue;
        }
        zlistx_set_destructor (session->held, s_frame_free);
        zlistx_set_comparator (session->held, s_frame_compare);
        zlistx_set_destructor (session->cancelled, s_frame_free);
        zlistx_set_comparator (session->cancelled, s_frame_compare);
        zlistx_set_destructor (session->pending, s_request_free);
        s_session_connect (self, session);
        /*  No socket here means a malformed endpoint: fail the constructor. */
        ok = ok && session->dealer != NULL;
    }
    if (!ok)
        mdp_worker_destroy (&self);
    return self;
}

void
mdp_worker_destroy (mdp_worker_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    mdp_worker_t *self = *self_p;
    for (size_t i = 0; i < self->count; i++) {
        s_session_t *session = &self->sessions[i];
        if (session->dealer) {
            zsock_set_linger (session->dealer, S_LINGER_MS);
            s_session_send (session, MDP_DISCONNECT, NULL, NULL, NULL);
            zsock_destroy (&session->dealer);
        }
        zlistx_destroy (&session->held);
        zlistx_destroy (&session->pending);
        zlistx_destroy (&session->cancelled);
        free (session->endpoint);
    }
    free (self->service);
    free (self);
    *self_p = NULL;
}

/*  The oldest request mdp_worker_wait_fd() read, in the sessions' turn, handed to the
    caller; NULL when there is none. */
static zframe_t *
s_worker_take_pending (mdp_worker_t *self, zframe_t **reply_to)
{
    for (size_t k = 0; k < self->count; k++) {
        size_t index = (self->next + k) % self->count;
        zlistx_t *pending = self->sessions[index].pending;
        s_request_t *request = zlistx_first (pending);
        if (!request)
            continue;
        zframe_t *body = request->body, *client = request->client;
        request->body = request->client = NULL;
        zlistx_delete (pending, zlistx_cursor (pending));
        return s_worker_take (self, index, body, client, reply_to);
    }
    return NULL;
}

zframe_t *
mdp_worker_recv (mdp_worker_t *self, int timeout_ms, zframe_t **reply_to)
{
    for (size_t i = 0; i < self->count; i++)
        if (!self->sessions[i].dealer)
            s_session_connect (self, &self->sessions[i]); /* lost during the last request */
    zframe_t *pending = s_worker_take_pending (self, reply_to);
    if (pending)
        return pending;
    int64_t deadline = timeout_ms < 0 ? INT64_MAX : zclock_mono () + timeout_ms;
    while (!zsys_interrupted) {
        int64_t now = zclock_mono ();
        for (size_t k = 0; k < self->count; k++) {
            size_t index = (self->next + k) % self->count;
            s_session_t *session = &self->sessions[index];
            if (!session->dealer || !s_session_tick (session, now))
                s_session_connect (self, session); /* silent broker (or a failed connect) */
            if (!session->dealer)
                continue;
            zframe_t *body = NULL, *client = NULL;
            s_read_t got;
            while ((got = s_session_read (session, &body, &client)) == S_READ_OTHER)
                ;
            if (got == S_READ_REQUEST)
                return s_worker_take (self, index, body, client, reply_to);
            if (got == S_READ_DISCONNECT) {
                s_session_connect (self, session);
                return NULL;
            }
        }
        if (now >= deadline)
            break;
        bool fd_ready;
        long wait = s_worker_wait_ms (self, now, deadline, true);
        if (s_worker_poll (self, -1, 0, wait, &fd_ready) == -1 && zmq_errno () != EINTR)
            break;
    }
    return NULL;
}

/*  mdp_worker_wait_fd()'s work on one session: the due heartbeat, then every message
    waiting (requests within our credit kept for mdp_worker_recv()). */
static void
s_session_serve_idle (mdp_worker_t *self, s_session_t *session, int64_t now)
{
    if (session->dealer && !s_session_tick (session, now))
        s_session_drop (session); /* the broker went silent: see the section comment */
    while (session->dealer) {
        zframe_t *body = NULL, *client = NULL;
        s_read_t got = s_session_read (session, &body, &client);
        if (got == S_READ_NOTHING)
            break;
        if (got == S_READ_DISCONNECT)
            s_session_drop (session);
        else if (got == S_READ_REQUEST
                 && zlistx_size (session->held) + zlistx_size (session->pending)
                        < (size_t) self->credit) {
            s_request_t *request = zmalloc (sizeof *request);
            request->body = body;
            request->client = client;
            zlistx_add_end (session->pending, request);
        }
        else if (got == S_READ_REQUEST) {
            /*  More than our credit: the broker broke the protocol. Dropped; the broker
                times the caller out. */
            zframe_destroy (&body);
            zframe_destroy (&client);
        }
    }
}

int
mdp_worker_wait_fd (mdp_worker_t *self, int fd, short events, int timeout_ms)
{
    int64_t deadline = timeout_ms < 0 ? INT64_MAX : zclock_mono () + timeout_ms;
    while (true) {
        int64_t now = zclock_mono ();
        bool connected = false, cancel = false;
        for (size_t i = 0; i < self->count; i++) {
            s_session_serve_idle (self, &self->sessions[i], now);
            connected = connected || self->sessions[i].dealer;
            cancel = cancel || self->sessions[i].cancel_seen;
            self->sessions[i].cancel_seen = false;
        }
        if (cancel)
            return MDP_WAIT_CANCEL;
        long wait = s_worker_wait_ms (self, now, deadline, false);
        if (wait == -1 && fd < 0 && !connected)
            return -1; /* nothing could ever end this wait */
        bool fd_ready = false;
        if (s_worker_poll (self, fd, events, wait, &fd_ready) == -1)
            return -1; /* a signal (zsys_interrupted tells which) */
        if (fd_ready)
            return 1;
        if (zclock_mono () >= deadline)
            return 0;
    }
}

/*  The session that reply_to names, with its client frame in *client (new), or NULL. */
static s_session_t *
s_reply_session (mdp_worker_t *self, const zframe_t *reply_to, zframe_t **client)
{
    size_t size = reply_to ? zframe_size ((zframe_t *) reply_to) : 0;
    const unsigned char *data = size > 1 ? zframe_data ((zframe_t *) reply_to) : NULL;
    if (!data || data[0] >= self->count)
        return NULL;
    *client = zframe_new (data + 1, size - 1);
    return *client ? &self->sessions[data[0]] : NULL;
}

bool
mdp_worker_cancelled (mdp_worker_t *self, const zframe_t *reply_to)
{
    zframe_t *client = NULL;
    s_session_t *session = s_reply_session (self, reply_to, &client);
    bool cancelled = session && zlistx_find (session->cancelled, client);
    zframe_destroy (&client);
    return cancelled;
}

/*  Sends the REPLY body to client on session's connection, packed when the broker speaks
    packed. Returns 0, or -1 when there is no connection or the socket refused it. */
static int
s_session_reply (s_session_t *session, zframe_t *client, zframe_t *body)
{
    if (!session->dealer)
        return -1;
    mdp_part_t client_part = MDP_PART_FRAME (client), body_part = MDP_PART_FRAME (body);
    int rc;
    if (session->packed)
        rc = mdp_send_packed (session->dealer, NULL, MDP_REPLY, &client_part, &body_part);
    else {
        mdp_part_t parts[] = {MDP_PART_TEXT (""),           MDP_PART_TEXT (MDP_WORKER),
                              MDP_PART_COMMAND (MDP_REPLY), client_part,
                              MDP_PART_TEXT (""),           body_part};
        rc = mdp_send_parts (session->dealer, parts, sizeof parts / sizeof parts[0]);
    }
    if (rc == 0)
        session->heartbeat_at = zclock_mono () + MDP_HEARTBEAT_MS;
    return rc;
}

int
mdp_worker_send (mdp_worker_t *self, zframe_t **reply_to, zframe_t **body_p)
{
    int rc = -1;
    zframe_t *client = NULL;
    s_session_t *session = s_reply_session (self, *reply_to, &client);
    void *handle = session ? zlistx_find (session->held, client) : NULL;
    if (handle) {
        zlistx_delete (session->held, handle);
        void *cancelled = zlistx_find (session->cancelled, client);
        if (cancelled)
            zlistx_delete (session->cancelled, cancelled);
        if (*body_p)
            rc = s_session_reply (session, client, *body_p);
    }
    zframe_destroy (&client);
    zframe_destroy (reply_to);
    zframe_destroy (body_p);
    return rc;
}
