"""CurveZMQ on the broker's socket, with an allow-list (SPEC §11; issue 16).

The attack: a process on the network connects to BROKER_ENDPOINT, sends MDP READY for
`auth` and receives the logins (username, plaintext password) sent to
POST /api/v1/auth/token/, answering with a token of its own. With CURVE_DIR the broker
refuses it in every variant: no key, a client's key, another service's key, a key that is
not in the directory; each refusal is logged. Legitimate workers and clients still work.

stack.py turns CURVE on for every test (CURVE_DIR, CURVE_CERT); these tests use the same
certificates."""
import os
import stat
import subprocess
import time

import msgpack
import pytest
import requests

from mdp_peer import MdpWorker, mdp_call, service_cert
from stack import binary, free_port, keygen

pytestmark = pytest.mark.skipif(not os.environ.get("CURVE_DIR"),
                                reason="CURVE is off (ECOM_TEST_CURVE=0)")

CURVE_DIR = os.environ.get("CURVE_DIR", "")
LOGIN = {"username": "analyst", "password": "correct horse battery"}
FORGED = (200, {"access": "x", "refresh": "y"})


def public_key(path):
    """The Z85 public key of a zcert file."""
    with open(path) as f:
        for line in f:
            if line.strip().startswith("public-key"):
                return line.split("=", 1)[1].strip().strip('"')
    raise AssertionError(f"no public key in {path}")


@pytest.fixture(scope="module")
def gw(make_stack):
    return make_stack(services={}, env={"GATEWAY_START_GRACE_MS": "0"})


@pytest.fixture(scope="module")
def stranger(tmp_path_factory):
    """Certificates made with the same tool, but not in CURVE_DIR."""
    return keygen(str(tmp_path_factory.mktemp("stranger") / "curve"), "tests")


def auth_workers(gw):
    return gw.health()["services"]["auth"]["workers"]


def login(gw):
    return requests.post(gw.url("/api/v1/auth/token/"), json=LOGIN, timeout=10)


def wait_log(gw, text, timeout=5):
    deadline = time.time() + timeout
    while text not in gw.log("gateway"):
        assert time.time() < deadline, f"not logged: {text}\n{gw.log('gateway')[-2000:]}"
        time.sleep(0.05)


# ----------------------------------------------------------------------------------------
# keygen


def test_keygen_writes_every_certificate(tmp_path):
    directory = str(tmp_path / "keys")
    out = subprocess.run([binary("ecomctl"), "keygen", directory, "--client", "reporting"],
                         capture_output=True, text=True, check=True)
    assert "8 certificate(s)" in out.stdout
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    for name in ["broker", "kpi", "product", "customer", "orders", "auth", "etl", "reporting"]:
        public = os.path.join(directory, name)
        secret = public + "_secret"
        assert stat.S_IMODE(os.stat(secret).st_mode) == 0o600
        text = open(public).read()
        assert "secret-key" not in text and public_key(public) == public_key(secret)
        if name in ("broker", "reporting"):
            assert "service" not in text
        else:
            assert f'service = "{name}"' in text
    # a second run keeps every key
    before = public_key(os.path.join(directory, "auth"))
    out = subprocess.run([binary("ecomctl"), "keygen", directory], capture_output=True,
                         text=True, check=True)
    assert "0 certificate(s)" in out.stdout
    assert public_key(os.path.join(directory, "auth")) == before


@pytest.mark.parametrize("argv", [["keygen"], ["keygen", "d", "--client", "auth"],
                                  ["keygen", "d", "--client", "a/b"], ["keygen", "d", "e"],
                                  ["keygen", "d", "--client"]])
def test_keygen_bad_arguments(tmp_path, argv):
    r = subprocess.run([binary("ecomctl")] + argv, capture_output=True, text=True,
                       cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr


# ----------------------------------------------------------------------------------------
# the gateway's bind


def test_gateway_refuses_a_public_bind_without_curve(gw):
    env = gw.env({"BROKER_ENDPOINT": f"tcp://0.0.0.0:{free_port()}", "CURVE_DIR": None,
                  "API_PORT": str(free_port())})
    r = subprocess.run([binary("ecom-gateway")], env=env, capture_output=True, text=True,
                       timeout=20)
    assert r.returncode == 2, r.stderr
    assert r.stderr.count("\n") == 1 and "CURVE_DIR" in r.stderr and "loopback" in r.stderr


def test_gateway_binds_anywhere_with_curve(gw):
    env = gw.env({"BROKER_ENDPOINT": f"tcp://0.0.0.0:{free_port()}",
                  "API_PORT": str(free_port())})
    p = subprocess.Popen([binary("ecom-gateway")], env=env, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1.0)
        assert p.poll() is None, p.stderr.read()
    finally:
        p.terminate()
        assert p.wait(timeout=20) == 0


def test_gateway_refuses_a_missing_broker_certificate(gw, tmp_path):
    env = gw.env({"CURVE_DIR": str(tmp_path), "BROKER_ENDPOINT": f"tcp://127.0.0.1:{free_port()}",
                  "API_PORT": str(free_port())})
    r = subprocess.run([binary("ecom-gateway")], env=env, capture_output=True, text=True,
                       timeout=20)
    assert r.returncode == 1 and "broker_secret" in r.stderr, r.stderr


# ----------------------------------------------------------------------------------------
# the rogue worker


ROGUES = {
    "no key": False,
    "a client key": os.path.join(CURVE_DIR, "tests_secret"),
    "another service's key": os.path.join(CURVE_DIR, "kpi_secret"),
    "a key not in the directory": "stranger",  # the stranger's auth certificate
}


@pytest.mark.parametrize("variant", list(ROGUES))
def test_rogue_auth_worker_is_refused(gw, stranger, variant):
    cert = ROGUES[variant]
    if cert == "stranger":
        cert = os.path.join(stranger, "auth_secret")
    rogue = MdpWorker(gw.broker_endpoint, "auth", lambda req: FORGED, cert=cert,
                      ready_delay=0.2)
    rogue.start()
    try:
        time.sleep(1.5)     # a READY (and more after each DISCONNECT), heartbeats
        assert auth_workers(gw) == 0
        for _ in range(6):
            r = login(gw)
            assert r.status_code == 503, (r.status_code, r.text)
        assert rogue.received == []
        if variant == "no key":
            wait_log(gw, 'reason="CURVE handshake failed')
        elif variant == "a key not in the directory":
            wait_log(gw, f"public_key={public_key(cert)}")
            assert 'reason="public key not in CURVE_DIR"' in gw.log("gateway")
        else:
            wait_log(gw, f"public_key={public_key(cert)}")
            assert gw.log("gateway").count(f"public_key={public_key(cert)}") == 1, \
                "each refused key is logged once"
            assert rogue.disconnects >= 1
    finally:
        rogue.stop()


def test_rogue_next_to_the_real_worker_gets_nothing(gw, mdp_worker):
    real = mdp_worker(gw.broker_endpoint, "auth",
                      lambda req: (200, {"access": "real", "refresh": "real"}))
    rogue = MdpWorker(gw.broker_endpoint, "auth", lambda req: FORGED,
                      cert=service_cert("kpi"), ready_delay=0.2)
    rogue.start()
    try:
        deadline = time.time() + 10
        while auth_workers(gw) != 1:
            assert time.time() < deadline
            time.sleep(0.05)
        time.sleep(0.5)
        for _ in range(6):
            r = login(gw)
            assert r.status_code == 200 and r.json()["access"] == "real", r.text
        assert len(real.received) == 6 and rogue.received == []
        assert real.received[0]["params"]["username"] == "analyst" or real.received[0]
        assert auth_workers(gw) == 1
    finally:
        rogue.stop()


def test_legitimate_worker_and_client(gw, mdp_worker):
    """A kpi certificate serves kpi; a client certificate calls it over MDP."""
    worker = mdp_worker(gw.broker_endpoint, "kpi", lambda req: (200, {"ok": True}))
    deadline = time.time() + 10
    while gw.health()["services"]["kpi"]["workers"] != 1:
        assert time.time() < deadline
        time.sleep(0.05)
    assert requests.get(gw.url("/api/v1/kpis/"), timeout=10).json() == {"ok": True}
    assert mdp_call(gw.broker_endpoint, "kpi", {"op": "kpis", "params": {}}) == \
        {"status": 200, "body": {"ok": True}}
    assert len(worker.received) == 2


def test_client_without_an_allowed_key_gets_nothing(gw, mdp_worker, stranger):
    mdp_worker(gw.broker_endpoint, "kpi", lambda req: (200, {"ok": True}))
    for cert in (False, os.path.join(stranger, "tests_secret")):
        assert mdp_call(gw.broker_endpoint, "kpi", {"op": "kpis", "params": {}},
                        timeout=1.0, cert=cert) is None
    assert mdp_call(gw.broker_endpoint, "kpi", msgpack.packb({"op": "kpis", "params": {}})) \
        is not None
