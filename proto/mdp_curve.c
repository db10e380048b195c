/*  mdp_curve: CurveZMQ certificates, the broker's ZAP handler and the peers' keys. See
    mdp_curve.h.

    The ZAP handler is a CZMQ actor (its own thread) with a REP socket at
    inproc://zeromq.zap.01 (RFC 27). It answers each handshake by reading the certificate
    directory again: a handful of small files per new connection, and no state to go stale
    when an operator adds or removes a host's certificate. It also reads the ROUTER's
    monitor for handshakes that failed before ZAP (a peer without CURVE, or with the wrong
    broker key), which have no key to name. */

#include "mdp_curve.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "ecom_log.h"

const char *const mdp_curve_services[] = {"kpi", "product", "customer", "orders",
                                          "auth", "etl", NULL};

/*  Most refused keys remembered for "log once"; beyond it every refusal is logged. */
#define S_REFUSED_MAX 4096
/*  Peers refused in the handshake (no key to name) are summed up at most this often. */
#define S_HANDSHAKE_LOG_MS 60000
/*  What zcert_load() gives as the secret key of a public-only file. */
#define S_NO_SECRET "0000000000000000000000000000000000000000"

/*  =======================================================================================
    Certificates */

static bool
s_name_ok (const char *name)
{
    size_t len = name ? strlen (name) : 0;
    if (len == 0 || len > 64 || name[0] == '.')
        return false;
    for (size_t i = 0; i < len; i++)
        if (!(isalnum ((unsigned char) name[i]) || name[i] == '.' || name[i] == '_'
              || name[i] == '-'))
            return false;
    return len < 7 || strcmp (name + len - 7, "_secret") != 0;
}

/*  Writes dir/name(+_secret) with meta (name, value; NULL for none) unless dir/name exists.
    Returns 1 written, 0 kept, -1 error. */
static int
s_keygen_one (const char *dir, const char *name, const char *role, const char *service,
              char *err, size_t errlen)
{
    char path[4096], secret[4200];
    snprintf (path, sizeof path, "%s/%s", dir, name);
    snprintf (secret, sizeof secret, "%s_secret", path);
    struct stat st;
    if (stat (path, &st) == 0 && stat (secret, &st) == 0)
        return 0;
    zcert_t *cert = zcert_new ();
    if (!cert) {
        snprintf (err, errlen, "cannot create a key pair");
        return -1;
    }
    zcert_set_meta (cert, "name", "%s", name);
    zcert_set_meta (cert, "role", "%s", role);
    if (service)
        zcert_set_meta (cert, MDP_CURVE_META_SERVICE, "%s", service);
    mode_t old = umask (077);
    int rc = zcert_save (cert, path);
    umask (old);
    zcert_destroy (&cert);
    if (rc != 0) {
        snprintf (err, errlen, "cannot write %s: %s", path, strerror (errno));
        return -1;
    }
    chmod (secret, 0600);
    chmod (path, 0644);
    return 1;
}

int
mdp_curve_keygen (const char *dir, const char *client, char *err, size_t errlen)
{
    if (client) {
        bool taken = strcmp (client, "broker") == 0;
        for (size_t i = 0; mdp_curve_services[i]; i++)
            taken = taken || strcmp (client, mdp_curve_services[i]) == 0;
        if (!s_name_ok (client) || taken) {
            snprintf (err, errlen, "a client name is 1-64 characters of [A-Za-z0-9._-], not "
                                   "ending in _secret, and not broker or a service's name");
            return -1;
        }
    }
    if (mkdir (dir, 0700) != 0 && errno != EEXIST) {
        snprintf (err, errlen, "cannot create %s: %s", dir, strerror (errno));
        return -1;
    }
    int written = 0;
    int rc = s_keygen_one (dir, "broker", "broker", NULL, err, errlen);
    if (rc < 0)
        return -1;
    written += rc;
    for (size_t i = 0; mdp_curve_services[i]; i++) {
        rc = s_keygen_one (dir, mdp_curve_services[i], "service", mdp_curve_services[i], err,
                           errlen);
        if (rc < 0)
            return -1;
        written += rc;
    }
    if (client) {
        rc = s_keygen_one (dir, client, "client", NULL, err, errlen);
        if (rc < 0)
            return -1;
        written += rc;
    }
    return written;
}

/*  =======================================================================================
    Peer side */

static struct {
    bool on;
    char public_txt[MDP_CURVE_KEY_TXT + 1];
    char secret_txt[MDP_CURVE_KEY_TXT + 1];
    char server_txt[MDP_CURVE_KEY_TXT + 1];
} s_peer;

int
mdp_curve_use (const char *secret_path, const char *broker_path, char *err, size_t errlen)
{
    if (!secret_path && !broker_path) {
        memset (&s_peer, 0, sizeof s_peer);
        return 0;
    }
    zcert_t *own = secret_path ? zcert_load (secret_path) : NULL;
    if (!own || !*zcert_secret_txt (own) || strcmp (zcert_secret_txt (own), S_NO_SECRET) == 0) {
        snprintf (err, errlen, "cannot read a secret certificate from %s",
                  secret_path ? secret_path : "(none)");
        zcert_destroy (&own);
        return -1;
    }
    zcert_t *broker = broker_path ? zcert_load (broker_path) : NULL;
    if (!broker) {
        snprintf (err, errlen, "cannot read the broker's certificate from %s",
                  broker_path ? broker_path : "(none)");
        zcert_destroy (&own);
        return -1;
    }
    snprintf (s_peer.public_txt, sizeof s_peer.public_txt, "%s", zcert_public_txt (own));
    snprintf (s_peer.secret_txt, sizeof s_peer.secret_txt, "%s", zcert_secret_txt (own));
    snprintf (s_peer.server_txt, sizeof s_peer.server_txt, "%s", zcert_public_txt (broker));
    s_peer.on = true;
    zcert_destroy (&own);
    zcert_destroy (&broker);
    return 0;
}

int
mdp_curve_use_config (const char *curve_dir, const char *curve_cert, const char *service,
                      bool *used, char *err, size_t errlen)
{
    if (used)
        *used = false;
    char secret[4200], broker[4200];
    if (curve_dir && service)
        snprintf (secret, sizeof secret, "%s/%s_secret", curve_dir, service);
    else if (curve_cert)
        snprintf (secret, sizeof secret, "%s", curve_cert);
    else if (curve_dir) {
        snprintf (err, errlen, "CURVE_DIR is set but CURVE_CERT names no certificate to use");
        return -1;
    }
    else
        return mdp_curve_use (NULL, NULL, err, errlen);
    if (curve_dir)
        snprintf (broker, sizeof broker, "%s/broker", curve_dir);
    else {
        const char *slash = strrchr (curve_cert, '/');
        int dirlen = slash ? (int) (slash - curve_cert) : 1;
        snprintf (broker, sizeof broker, "%.*s/broker", dirlen, slash ? curve_cert : ".");
    }
    if (mdp_curve_use (secret, broker, err, errlen) != 0)
        return -1;
    if (used)
        *used = true;
    return 0;
}

void
mdp_curve_apply (zsock_t *sock)
{
    if (!s_peer.on)
        return;
    zsock_set_curve_publickey (sock, s_peer.public_txt);
    zsock_set_curve_secretkey (sock, s_peer.secret_txt);
    zsock_set_curve_serverkey (sock, s_peer.server_txt);
}

/*  =======================================================================================
    Broker side: the ZAP handler */

struct _mdp_curve_server_t {
    zactor_t *zap;
    zhashx_t *refused;   /* public keys whose READY was refused and logged */
};

/*  The certificate in dir whose public key is key_txt, or NULL. */
static zcert_t *
s_cert_find (const char *dir, const char *key_txt)
{
    DIR *d = opendir (dir);
    if (!d)
        return NULL;
    zcert_t *found = NULL;
    struct dirent *entry;
    while (!found && (entry = readdir (d))) {
        if (!s_name_ok (entry->d_name))
            continue;
        char path[4200];
        snprintf (path, sizeof path, "%s/%s", dir, entry->d_name);
        struct stat st;
        if (stat (path, &st) != 0 || !S_ISREG (st.st_mode) || st.st_size > 65536)
            continue;
        zcert_t *cert = zcert_load (path);
        if (cert && strcmp (zcert_public_txt (cert), key_txt) == 0)
            found = cert;
        else
            zcert_destroy (&cert);
    }
    closedir (d);
    return found;
}

/*  One ZMTP property (RFC 23): name length (1 byte), name, value length (4 bytes, network
    order), value. */
static size_t
s_property (unsigned char *out, const char *name, const char *value)
{
    size_t n = strlen (name), v = strlen (value);
    out[0] = (unsigned char) n;
    memcpy (out + 1, name, n);
    out[1 + n] = (unsigned char) (v >> 24);
    out[2 + n] = (unsigned char) (v >> 16);
    out[3 + n] = (unsigned char) (v >> 8);
    out[4 + n] = (unsigned char) v;
    memcpy (out + 5 + n, value, v);
    return 5 + n + v;
}

typedef struct {
    const char *dir;
    zhashx_t *logged;       /* keys refused and logged */
    size_t handshakes;      /* handshake failures since the last summary */
    int64_t handshake_log_at;
} s_zap_state_t;

static void
s_zap_refused (s_zap_state_t *state, const char *key_txt, const char *address,
               const char *why)
{
    if (zhashx_lookup (state->logged, key_txt))
        return;
    if (zhashx_size (state->logged) < S_REFUSED_MAX)
        zhashx_insert (state->logged, key_txt, (void *) 1);
    ecom_warn ("msg=\"peer refused\" reason=\"%s\" public_key=%s peer=%s", why, key_txt,
               address);
}

/*  Answers one ZAP request (RFC 27) on rep. */
static void
s_zap_answer (s_zap_state_t *state, zsock_t *rep)
{
    zmsg_t *request = zmsg_recv (rep);
    if (!request)
        return;
    char *version = zmsg_popstr (request);
    char *sequence = zmsg_popstr (request);
    char *domain = zmsg_popstr (request);
    char *address = zmsg_popstr (request);
    zframe_t *identity = zmsg_pop (request);
    char *mechanism = zmsg_popstr (request);
    zframe_t *key = zmsg_pop (request);

    const char *status = "400", *text = "refused";
    char key_txt[MDP_CURVE_KEY_TXT + 1] = "";
    unsigned char metadata[256];
    size_t metasize = 0;
    if (version && streq (version, "1.0") && mechanism && streq (mechanism, "CURVE") && key
        && zframe_size (key) == 32) {
        zmq_z85_encode (key_txt, zframe_data (key), 32);
        zcert_t *cert = s_cert_find (state->dir, key_txt);
        const char *service = cert ? zcert_meta (cert, MDP_CURVE_META_SERVICE) : NULL;
        if (!service)
            service = "";
        if (cert && strlen (service) <= 64) {
            status = "200";
            text = "OK";
            /*  Always set, "" for none: the ZAP handler's value wins over a property of the
                same name the peer might send itself. */
            metasize = s_property (metadata, MDP_CURVE_PROPERTY, service);
        }
        else
            s_zap_refused (state, key_txt, address ? address : "?",
                           "public key not in CURVE_DIR");
        zcert_destroy (&cert);
    }
    else
        ecom_warn ("msg=\"peer refused\" reason=\"not a CURVE handshake\" peer=%s",
                   address ? address : "?");

    zsock_send (rep, "sssssb", "1.0", sequence ? sequence : "", status, text,
                 streq (status, "200") ? key_txt : "", metadata, metasize);
    zstr_free (&version);
    zstr_free (&sequence);
    zstr_free (&domain);
    zstr_free (&address);
    zstr_free (&mechanism);
    zframe_destroy (&identity);
    zframe_destroy (&key);
    zmsg_destroy (&request);
}

/*  A monitor event of the ROUTER: handshakes that failed before ZAP. */
static void
s_monitor_event (s_zap_state_t *state, zsock_t *monitor)
{
    zmsg_t *msg = zmsg_recv (monitor);
    if (!msg)
        return;
    zframe_t *head = zmsg_first (msg);
    if (head && zframe_size (head) >= 6) {
        uint16_t event;
        memcpy (&event, zframe_data (head), 2);
        if (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
            || event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) {
            state->handshakes++;
            int64_t now = zclock_mono ();
            if (now >= state->handshake_log_at) {
                ecom_warn ("msg=\"peer refused\" reason=\"CURVE handshake failed (no key, or "
                           "not this broker's)\" count=%zu",
                           state->handshakes);
                state->handshakes = 0;
                state->handshake_log_at = now + S_HANDSHAKE_LOG_MS;
            }
        }
    }
    zmsg_destroy (&msg);
}

typedef struct {
    char *dir;
    char *monitor_endpoint;
} s_zap_args_t;

static void
s_zap_actor (zsock_t *pipe, void *arg)
{
    s_zap_args_t *args = arg;
    zsock_t *rep = zsock_new (ZMQ_REP);
    zsock_t *monitor = zsock_new (ZMQ_PAIR);
    if (!rep || !monitor || zsock_bind (rep, "inproc://zeromq.zap.01") != 0
        || zsock_connect (monitor, "%s", args->monitor_endpoint) != 0) {
        zsock_destroy (&rep);
        zsock_destroy (&monitor);
        zsock_signal (pipe, 1);
        return;
    }
    s_zap_state_t state = {args->dir, zhashx_new (), 0, 0};
    zsock_signal (pipe, 0);
    zpoller_t *poller = zpoller_new (pipe, rep, monitor, NULL);
    while (true) {
        void *which = zpoller_wait (poller, -1);
        if (which == rep)
            s_zap_answer (&state, rep);
        else if (which == monitor)
            s_monitor_event (&state, monitor);
        else
            break; /* $TERM from the pipe, or interrupted */
    }
    zpoller_destroy (&poller);
    zhashx_destroy (&state.logged);
    zsock_destroy (&rep);
    zsock_destroy (&monitor);
}

mdp_curve_server_t *
mdp_curve_server_new (zsock_t *router, const char *dir, char *err, size_t errlen)
{
    char path[4200];
    snprintf (path, sizeof path, "%s/broker_secret", dir);
    zcert_t *cert = zcert_load (path);
    if (!cert) {
        snprintf (err, errlen, "CURVE_DIR: cannot read %s (ecomctl keygen %s writes it)", path,
                  dir);
        return NULL;
    }
    zsock_set_curve_server (router, 1);
    zcert_apply (cert, router);
    zcert_destroy (&cert);

    static s_zap_args_t args; /* one server per process, for the actor's lifetime */
    static char monitor_endpoint[64];
    snprintf (monitor_endpoint, sizeof monitor_endpoint, "inproc://mdp-curve-monitor-%p",
              (void *) router);
    free (args.dir);
    args.dir = strdup (dir);
    args.monitor_endpoint = monitor_endpoint;
    if (zmq_socket_monitor (zsock_resolve (router), monitor_endpoint,
                            ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                                | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)
        != 0) {
        snprintf (err, errlen, "cannot monitor the broker socket: %s",
                  zmq_strerror (zmq_errno ()));
        return NULL;
    }
    mdp_curve_server_t *self = zmalloc (sizeof *self);
    self->zap = zactor_new (s_zap_actor, &args);
    self->refused = zhashx_new ();
    if (!self->zap) {
        snprintf (err, errlen, "cannot start the ZAP handler (is another one running?)");
        mdp_curve_server_destroy (&self);
        return NULL;
    }
    ecom_info ("msg=\"CURVE on\" curve_dir=%s", dir);
    return self;
}

void
mdp_curve_server_destroy (mdp_curve_server_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    mdp_curve_server_t *self = *self_p;
    zactor_destroy (&self->zap);
    zhashx_destroy (&self->refused);
    free (self);
    *self_p = NULL;
}

bool
mdp_curve_may_serve (mdp_curve_server_t *self, const char *peer_key, const char *peer_service,
                     const char *service)
{
    if (*peer_key && streq (peer_service, service))
        return true;
    const char *key = *peer_key ? peer_key : "none";
    if (!zhashx_lookup (self->refused, key)) {
        if (zhashx_size (self->refused) < S_REFUSED_MAX)
            zhashx_insert (self->refused, key, (void *) 1);
        ecom_warn ("msg=\"worker refused\" reason=\"its certificate does not name this "
                   "service\" mdp_service=%s certificate_service=\"%s\" public_key=%s",
                   service, peer_service, key);
    }
    return false;
}

/*  =======================================================================================
    Endpoints */

bool
mdp_endpoint_is_local (const char *endpoint)
{
    if (!endpoint)
        return false;
    if (strncmp (endpoint, "ipc://", 6) == 0 || strncmp (endpoint, "inproc://", 9) == 0)
        return true;
    if (strncmp (endpoint, "tcp://", 6) != 0)
        return false;
    const char *host = endpoint + 6;
    /*  A bind may name an interface ("tcp://eth0;..."): only these hosts count. */
    if (strncmp (host, "127.", 4) == 0) {
        const char *colon = strrchr (host, ':');
        for (const char *c = host; c < (colon ? colon : host + strlen (host)); c++)
            if (!isdigit ((unsigned char) *c) && *c != '.')
                return false;
        return colon != NULL;
    }
    return strncmp (host, "[::1]:", 6) == 0 || strncmp (host, "localhost:", 10) == 0;
}
