/*  mdp_curve: CurveZMQ on the MDP links, with an allow-list (SPEC §11).

    Certificates are CZMQ zcerts in one directory (CURVE_DIR): a public file NAME and a
    secret file NAME_secret per peer. `broker` is the broker's; a service's certificate
    carries the metadata `service = <name>`, the one MDP service it may serve; a client's
    carries none. mdp_curve_keygen() writes them (ecomctl keygen).

    Broker side: mdp_curve_server_new() makes the ROUTER a CURVE server with
    DIR/broker_secret and starts a ZAP handler (a thread) that accepts a peer only when its
    public key is one of the certificates in DIR (read again at every handshake, so a file
    added or removed takes effect for the next connection). The handler gives each accepted
    connection two properties, read per message with zmq_msg_gets(): "User-Id" (the peer's
    public key, Z85) and MDP_CURVE_PROPERTY (the service its certificate names, "" for
    none); mdp_router_msg_recv() copies them into the message. mdp_curve_may_serve() is the
    broker's check of a READY. Every refusal is logged once per public key (peers without
    a key, which the handshake refuses before the handler sees them, are logged once a
    minute with their count).

    Peer side: mdp_curve_use() makes every DEALER that mdp_frames.c creates afterwards (workers
    and clients) a CURVE client with the given certificate and broker key. */
#ifndef PROTO_MDP_CURVE_H
#define PROTO_MDP_CURVE_H

#include <czmq.h>
#include <stdbool.h>

/*  The certificate metadata naming the MDP service a service certificate may serve. */
#define MDP_CURVE_META_SERVICE "service"
/*  The connection property the ZAP handler sets to that service ("" for none). */
#define MDP_CURVE_PROPERTY "Mdp-Service"
/*  Length of a Z85 public key. */
#define MDP_CURVE_KEY_TXT 40

/*  The services that get a certificate from mdp_curve_keygen(), NULL-terminated. */
extern const char *const mdp_curve_services[];

/*  Writes into dir (created 0700 when missing) every certificate of `broker` and of each
    service that is missing there; with client (a name of [A-Za-z0-9._-], not one of the
    above), also that client's certificate. Existing certificates are kept. Secret files
    are mode 0600. Returns how many certificates were written, or -1 with a message. */
int mdp_curve_keygen (const char *dir, const char *client, char *err, size_t errlen);

/*  From now on every DEALER made by mdp_frames.c uses CURVE with the certificate secret_path (a
    `_secret` file) against the server key in broker_path (the broker's public file).
    NULL, NULL goes back to plain connections. Returns 0, or -1 with a message. */
int mdp_curve_use (const char *secret_path, const char *broker_path, char *err,
                   size_t errlen);

/*  The configuration of SPEC §11 for a peer: with service, DIR/<service>_secret of
    curve_dir; else curve_cert; the broker's key from curve_dir/broker, or from the
    `broker` file beside curve_cert when curve_dir is NULL. Neither set: plain connections,
    returns 0. *used (may be NULL) says whether CURVE is on. Returns 0, or -1 with a
    message. */
int mdp_curve_use_config (const char *curve_dir, const char *curve_cert, const char *service,
                          bool *used, char *err, size_t errlen);

/*  Applies the mdp_curve_use() settings to sock (before it connects). */
void mdp_curve_apply (zsock_t *sock);

/*  The broker's side. */
typedef struct _mdp_curve_server_t mdp_curve_server_t;

/*  Makes router (not yet bound) a CURVE server with dir/broker_secret and starts the ZAP
    handler for dir. One per process. Returns NULL with a message on failure. */
mdp_curve_server_t *mdp_curve_server_new (zsock_t *router, const char *dir, char *err,
                                          size_t errlen);

/*  Stops the handler and nulls the caller's pointer (before the router is closed is
    fine). NULL-safe. */
void mdp_curve_server_destroy (mdp_curve_server_t **self_p);

/*  True when the peer that sent READY (peer_key, peer_service of the message) may serve
    service; otherwise logs the refusal (once per public key) and returns false. */
bool mdp_curve_may_serve (mdp_curve_server_t *self, const char *peer_key,
                          const char *peer_service, const char *service);

/*  True when endpoint can only be reached from this host: ipc://, inproc://, or tcp:// on
    127.0.0.0/8, ::1 or localhost. */
bool mdp_endpoint_is_local (const char *endpoint);

#endif
