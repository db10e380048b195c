"""Python MDP/0.1 (ZeroMQ RFC 7) peers for black-box tests: a worker that answers with a
test's handler, and a one-shot client. Frames as proto/mdp.h documents them; bodies are
msgpack (proto/envelope.h).

    worker = MdpWorker(endpoint, "kpi", lambda req: (200, {"echo": req["params"]}))
    worker.start()          # a thread: READY, heartbeats, answers
    ...
    worker.stop()           # DISCONNECT, close

A handler gets the decoded request map and returns (status, body) for a normal reply,
bytes to send as the raw body frame (malformed replies), or HOLD to keep the request
unanswered until release() (or forever).

CurveZMQ (SPEC §11): when CURVE_DIR is set (stack.py sets it), every socket here is a CURVE
client against CURVE_DIR/broker: a worker with CURVE_DIR/<service>_secret, a client with
CURVE_CERT. cert= names another secret certificate file, or False for none (a plain socket,
which a CURVE broker refuses)."""
import os
import queue
import threading
import time

import msgpack
import zmq

WORKER = b"MDPW01"
CLIENT = b"MDPC01"
READY, REQUEST, REPLY, HEARTBEAT, DISCONNECT = b"\x01", b"\x02", b"\x03", b"\x04", b"\x05"
HOLD = object()


def curve_socket(ctx, kind=zmq.DEALER, cert=None):
    """A socket of kind with CURVE keys: cert (a `_secret` file), or CURVE_CERT when cert
    is None; a plain socket when cert is False or CURVE_DIR is unset."""
    sock = ctx.socket(kind)
    directory = os.environ.get("CURVE_DIR")
    if cert is None:
        cert = os.environ.get("CURVE_CERT") if directory else False
    if cert:
        import zmq.auth
        public, secret = zmq.auth.load_certificate(cert)
        sock.curve_publickey, sock.curve_secretkey = public, secret
        sock.curve_serverkey = zmq.auth.load_certificate(os.path.join(directory, "broker"))[0]
    return sock


def service_cert(service):
    """CURVE_DIR/<service>_secret, or False without CURVE_DIR."""
    directory = os.environ.get("CURVE_DIR")
    return os.path.join(directory, service + "_secret") if directory else False


def reply_body(status, body):
    return msgpack.packb({"status": status, "body": body}, use_bin_type=True)


def echo(req):
    """The default handler: 200 with the request as the body."""
    return 200, {"op": req.get("op"), "params": req.get("params"), "sub": req.get("sub")}


class MdpWorker(threading.Thread):
    def __init__(self, endpoint, service, handler=None, heartbeat=1.0, cert=None,
                 ready_delay=0.0):
        super().__init__(daemon=True)
        self.cert = service_cert(service) if cert is None else cert
        self.ready_delay = ready_delay   # pause before READY again after a DISCONNECT
        self.disconnects = 0
        self.endpoint = endpoint
        self.service = service.encode()
        self.handler = handler or echo
        self.heartbeat = heartbeat
        self.received = []     # every request map received, in order
        self.held = []         # (client, request) waiting for release()
        self.malformed = []    # request bodies that were not a request map
        self.replied = 0
        self._commands = queue.Queue()
        self._running = True
        self._graceful = True

    # -- called from the test's thread -------------------------------------------------

    def release(self, handler=None):
        """Answers every held request with handler (default: echo); waits until done."""
        done = threading.Event()
        self._commands.put(("release", handler or echo, done))
        assert done.wait(10), "worker did not release"

    def stop(self, graceful=True, timeout=10):
        """Ends the worker; graceful sends DISCONNECT, else it just goes silent (a crash)."""
        self._graceful = graceful
        self._running = False
        self.join(timeout)

    def die(self):
        self.stop(graceful=False)

    def wait_received(self, n, timeout=10):
        deadline = time.time() + timeout
        while len(self.received) < n:
            assert time.time() < deadline, f"{len(self.received)} requests, wanted {n}"
            time.sleep(0.01)

    # -- the worker's thread -------------------------------------------------------------

    def run(self):
        ctx = zmq.Context()
        sock = curve_socket(ctx, cert=self.cert)
        sock.linger = 0
        sock.connect(self.endpoint)
        sock.send_multipart([b"", WORKER, READY, self.service])
        next_heartbeat = time.time() + self.heartbeat
        try:
            while self._running:
                self._run_commands(sock)
                if sock.poll(20, zmq.POLLIN):
                    frames = sock.recv_multipart()
                    self._handle(sock, frames)
                if time.time() >= next_heartbeat:
                    sock.send_multipart([b"", WORKER, HEARTBEAT])
                    next_heartbeat = time.time() + self.heartbeat
            if self._graceful:
                sock.send_multipart([b"", WORKER, DISCONNECT])
        finally:
            sock.close(linger=100 if self._graceful else 0)
            ctx.term()

    def _run_commands(self, sock):
        while True:
            try:
                command, handler, done = self._commands.get_nowait()
            except queue.Empty:
                return
            if command == "release":
                held, self.held = self.held, []
                for client, req in held:
                    self._answer(sock, client, handler(req))
                done.set()

    def _handle(self, sock, frames):
        if len(frames) < 3 or frames[0] != b"" or frames[1] != WORKER:
            return
        command = frames[2]
        if command == REQUEST and len(frames) == 6:
            client, body = frames[3], frames[5]
            try:
                req = msgpack.unpackb(body, raw=False)
            except (ValueError, msgpack.exceptions.ExtraData, msgpack.exceptions.FormatError,
                    msgpack.exceptions.StackError):
                req = None
            if not isinstance(req, dict) or not isinstance(req.get("op"), str) \
                    or not isinstance(req.get("params"), dict):
                # What a real service does with a malformed request (the broker passes
                # bodies through): a 400, never a crash.
                self.malformed.append(body)
                self._answer(sock, client, (400, {"error": "bad_request",
                                                  "detail": "malformed request"}))
                return
            self.received.append(req)
            result = self.handler(req)
            if result is HOLD:
                self.held.append((client, req))
            else:
                self._answer(sock, client, result)
        elif command == DISCONNECT:
            self.disconnects += 1
            time.sleep(self.ready_delay)
            sock.send_multipart([b"", WORKER, READY, self.service])

    def _answer(self, sock, client, result):
        body = result if isinstance(result, bytes) else reply_body(*result)
        sock.send_multipart([b"", WORKER, REPLY, client, b"", body])
        self.replied += 1


def mdp_call(endpoint, service, request, timeout=5.0, cert=None):
    """An external MDP client's call: sends request (a map, or raw bytes) to service and
    returns the decoded reply map, or None on timeout."""
    ctx = zmq.Context()
    sock = curve_socket(ctx, cert=cert)
    sock.linger = 0
    try:
        sock.connect(endpoint)
        body = request if isinstance(request, bytes) else msgpack.packb(request)
        sock.send_multipart([b"", CLIENT, service.encode(), body])
        if not sock.poll(int(timeout * 1000), zmq.POLLIN):
            return None
        frames = sock.recv_multipart()
        assert frames[:3] == [b"", CLIENT, service.encode()], frames
        return msgpack.unpackb(frames[3], raw=False)
    finally:
        sock.close()
        ctx.term()


def send_raw(endpoint, messages, identity=None, cert=None):
    """Sends each message (a list of frames) from one DEALER socket and closes it."""
    ctx = zmq.Context()
    sock = curve_socket(ctx, cert=cert)
    sock.linger = 500
    if identity:
        sock.setsockopt(zmq.IDENTITY, identity)
    try:
        sock.connect(endpoint)
        for frames in messages:
            sock.send_multipart(frames)
        time.sleep(0.2)
    finally:
        sock.close()
        ctx.term()
