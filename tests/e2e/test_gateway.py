"""Black-box tests of ecom-gateway's generic behaviour: routing, errors in the SPEC shape,
limits, timeouts, health, hostile input, the broker under rogue peers and load, keep-alive
and clean shutdown. Services are played by Python MDP workers (mdp_peer.py), so these tests
need no database."""
import concurrent.futures
import json
import re
import signal
import socket
import subprocess
import threading
import time

import jwt
import pytest
import requests

from mdp_peer import HOLD, CLIENT, WORKER, echo, mdp_call, send_raw
from stack import binary

SERVICES = ["kpi", "product", "customer", "orders", "auth", "etl"]
TIMEOUT_MS = 1500


@pytest.fixture(scope="module")
def gw(make_stack):
    """The gateway alone, with a short request timeout (no start grace: a call for a service
    without workers is refused at once; test_faults.py covers the grace)."""
    return make_stack(env={"REQUEST_TIMEOUT_MS": str(TIMEOUT_MS), "GATEWAY_START_GRACE_MS": "0"})


@pytest.fixture(scope="module")
def slow_gw(make_stack):
    """A second gateway whose timeout outlasts the broker's purge of a dead worker (3 s)."""
    return make_stack(env={"REQUEST_TIMEOUT_MS": "15000"})


def wait_count(stack, service, n, timeout=15):
    """Waits until /healthz shows exactly n workers for service."""
    deadline = time.time() + timeout
    while True:
        body = stack.health()
        if body and body["services"][service]["workers"] == n:
            return
        assert time.time() < deadline, f"{service}: wanted {n} workers, /healthz says {body}"
        time.sleep(0.05)


def start_workers(stack, mdp_worker, service, n=1, handler=None):
    before = stack.health()["services"][service]["workers"]
    workers = [mdp_worker(stack.broker_endpoint, service, handler) for _ in range(n)]
    wait_count(stack, service, before + n)
    return workers


def stop_workers(stack, workers):
    services = {w.service.decode() for w in workers}
    for w in workers:
        w.stop()
    for s in services:
        wait_count(stack, s, 0)


def assert_error(r, status, code=None, detail=None):
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["Content-Type"] == "application/json"
    body = r.json()
    assert set(body) == {"error", "detail"}, body
    assert isinstance(body["error"], str) and body["error"]
    assert isinstance(body["detail"], str) and body["detail"]
    if code:
        assert body["error"] == code, body
    if detail:
        assert re.search(detail, body["detail"]), body
    return body


def token(secret, sub="42", token_type="access", exp_in=300, alg="HS256"):
    now = int(time.time())
    claims = {"sub": sub, "iat": now, "exp": now + exp_in, "jti": "t-" + str(now),
              "token_type": token_type}
    return jwt.encode(claims, secret, algorithm=alg)


def raw_http(port, data, read_timeout=5.0):
    """Sends data on a fresh connection and returns everything read until the server
    closes or read_timeout passes without data."""
    with socket.create_connection(("127.0.0.1", port), timeout=read_timeout) as s:
        chunks = []
        try:
            s.sendall(data)
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        except (socket.timeout, ConnectionResetError, BrokenPipeError):
            pass  # the server may answer and close before it has read everything
        return b"".join(chunks)


def raw_get(port, target):
    """GET target exactly as given (requests would re-quote it); returns (status, JSON)."""
    answer = raw_http(port, b"GET " + target.encode("latin-1") + b" HTTP/1.1\r\nHost: x\r\n"
                      b"Connection: close\r\n\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"content-type: application/json" in head.lower(), answer[:300]
    return int(head.split(b" ")[1]), json.loads(body)


# -- command line ----------------------------------------------------------------------------


def test_help_and_bad_arguments():
    r = subprocess.run([binary("ecom-gateway"), "--help"], capture_output=True, text=True,
                       timeout=10)
    assert r.returncode == 0 and "usage: ecom-gateway" in r.stdout
    r = subprocess.run([binary("ecom-gateway"), "--bogus"], capture_output=True, text=True,
                       timeout=10)
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1 and "--bogus" in r.stderr


@pytest.mark.parametrize("secret", [None, ""])
def test_refuses_to_start_without_jwt_secret(gw, secret):
    env = gw.env()
    env.pop("JWT_SECRET", None)
    if secret is not None:
        env["JWT_SECRET"] = secret
    r = subprocess.run([binary("ecom-gateway")], env=env, capture_output=True, text=True,
                       timeout=10)
    assert r.returncode == 1
    assert "JWT_SECRET" in r.stderr


def test_bad_configuration_is_one_line_and_exit_1(gw):
    r = subprocess.run([binary("ecom-gateway")], env=gw.env({"API_PORT": "99999"}),
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 1 and "API_PORT" in r.stderr


# -- routing ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/nope", "/api/v1/kpis/x", "/API/V1/KPIS/",
                                  "/api/v1//kpis/", "/api/v2/kpis/", "/healthz/",
                                  "/api/v1/kpis%2F"])
def test_unknown_path_is_404(gw, path):
    assert_error(requests.get(gw.url(path), timeout=5), 404, "not_found")


def test_path_without_trailing_slash_is_404_with_a_hint(gw):
    r = requests.get(gw.url("/api/v1/kpis?granularity=daily"), timeout=5)
    assert_error(r, 404, "not_found", r"/api/v1/kpis/")


@pytest.mark.parametrize("method,path,allow", [
    ("DELETE", "/api/v1/kpis/", "GET"),
    ("POST", "/api/v1/revenue/trends/", "GET"),
    ("PUT", "/api/v1/orders/", "GET"),
    ("GET", "/api/v1/etl/trigger/", "POST"),
    ("GET", "/api/v1/auth/token/", "POST"),
    ("POST", "/healthz", "GET"),
    ("OPTIONS", "/api/v1/customers/segments/", "GET"),
])
def test_wrong_method_is_405_with_allow(gw, method, path, allow):
    r = requests.request(method, gw.url(path), timeout=5)
    assert_error(r, 405, "method_not_allowed")
    assert r.headers["Allow"] == allow


# -- limits ----------------------------------------------------------------------------------


def test_body_over_one_mib_is_413(gw):
    head = (b"POST /api/v1/auth/token/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % (1024 * 1024 + 1))
    answer = raw_http(gw.api_port, head)
    status, _, rest = answer.partition(b"\r\n")
    assert status.startswith(b"HTTP/1.1 413"), answer[:300]
    head, _, raw = rest.partition(b"\r\n\r\n")
    assert b"content-type: application/json" in head.lower()
    assert re.search(rb"(?i)content-length: %d\r\n" % len(raw), head + b"\r\n"), answer
    body = json.loads(raw)
    assert body["error"] == "payload_too_large" and "1048576" in body["detail"]


def test_h2o_own_errors_are_json_too(gw):
    for data, status, code, detail in [
            (b"POST /api/v1/auth/token/ HTTP/1.1\r\nHost: x\r\nExpect: 101-never\r\n"
             b"Content-Length: 2\r\n\r\n{}", 417, "expectation_failed", "unknown expectation"),
            (b"POST /api/v1/auth/token/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked"
             b"\r\n\r\nzz\r\n", 400, "bad_request", "broken chunked-encoding")]:
        answer = raw_http(gw.api_port, data)
        head, _, raw = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 %d" % status), answer[:300]
        assert b"content-type: application/json" in head.lower()
        assert re.search(rb"(?i)content-length: %d\r\n" % len(raw), head + b"\r\n"), answer
        assert json.loads(raw) == {"error": code, "detail": detail}


def test_chunked_body_over_one_mib_is_413(gw):
    chunk = b"x" * 65536
    with socket.create_connection(("127.0.0.1", gw.api_port), timeout=10) as s:
        s.sendall(b"POST /api/v1/auth/token/ HTTP/1.1\r\nHost: x\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\n")
        try:
            for _ in range(40):  # 2.5 MiB, unless the server answers and closes first
                s.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = b""
        try:
            while b"\r\n\r\n" not in answer or not answer.endswith(b"}"):
                data = s.recv(65536)
                if not data:
                    break
                answer += data
        except (ConnectionResetError, socket.timeout):
            pass
    if answer:  # a reset may eat the answer; then the connection was at least refused
        assert answer.startswith(b"HTTP/1.1 413"), answer[:300]
        assert b'"payload_too_large"' in answer
    assert requests.get(gw.url("/healthz"), timeout=5).status_code == 503


def test_body_of_exactly_one_mib_is_read(gw):
    body = b'{"username": "' + b"u" * (1024 * 1024 - 16) + b'"}'
    body += b" " * (1024 * 1024 - len(body))
    assert len(body) == 1024 * 1024
    r = requests.post(gw.url("/api/v1/auth/token/"), data=body, timeout=10,
                      headers={"Content-Type": "application/json"})
    assert_error(r, 400, "bad_request", "longer than")


# -- no service, health ------------------------------------------------------------------------


@pytest.mark.parametrize("method,path", [
    ("GET", "/api/v1/kpis/"), ("GET", "/api/v1/revenue/trends/"),
    ("GET", "/api/v1/customers/segments/"), ("GET", "/api/v1/products/top-sellers/"),
    ("POST", "/api/v1/auth/token/"), ("POST", "/api/v1/auth/token/refresh/"),
])
def test_no_worker_is_503_at_once(gw, method, path):
    started = time.time()
    r = requests.request(method, gw.url(path), timeout=5)
    assert time.time() - started < 1.0
    assert_error(r, 503, "service_unavailable", "no instance")


def test_healthz_degraded_then_ok(gw, mdp_worker):
    r = requests.get(gw.url("/healthz"), timeout=5)
    assert r.status_code == 503
    assert r.headers["Content-Type"] == "application/json"
    assert r.json() == {"status": "degraded",
                        "services": {s: {"workers": 0} for s in SERVICES}}
    workers = []
    for s in SERVICES:
        workers += start_workers(gw, mdp_worker, s)
    workers += start_workers(gw, mdp_worker, "kpi")
    r = requests.get(gw.url("/healthz"), timeout=5)
    assert r.status_code == 200
    expected = {s: {"workers": 1} for s in SERVICES}
    expected["kpi"] = {"workers": 2}
    assert r.json() == {"status": "ok", "services": expected}
    stop_workers(gw, [w for w in workers if w.service == b"etl"])
    r = requests.get(gw.url("/healthz"), timeout=5)
    assert r.status_code == 503 and r.json()["status"] == "degraded"
    assert r.json()["services"]["etl"] == {"workers": 0}
    stop_workers(gw, workers)


# -- replies ---------------------------------------------------------------------------------


def test_reply_passes_through(gw, mdp_worker):
    def handler(req):
        if req["params"].get("mode") == "error":
            return 400, {"error": "bad_request", "detail": "start_date is not a date"}
        body = {"total_revenue": 19.99, "total_orders": 3, "name": "café ✓",
                "start_date": None, "items": [1, 2.5, True, {"nested": []}],
                "echo": req["params"], "op": req["op"]}
        if "cached" in req["params"]:
            body["cache"] = {"hit": req["params"]["cached"] == "yes"}
        return 200, body

    workers = start_workers(gw, mdp_worker, "kpi", handler=handler)
    r = requests.get(gw.url("/api/v1/kpis/"), params={"start_date": "2024-01-01"}, timeout=5)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json"
    assert "X-Cache" not in r.headers
    assert '"total_revenue":19.99' in r.text
    assert r.json() == {"total_revenue": 19.99, "total_orders": 3, "name": "café ✓",
                        "start_date": None, "items": [1, 2.5, True, {"nested": []}],
                        "echo": {"start_date": "2024-01-01"}, "op": "kpis"}
    r = requests.get(gw.url("/api/v1/revenue/trends/?cached=yes"), timeout=5)
    assert r.headers["X-Cache"] == "HIT" and r.json()["cache"] == {"hit": True}
    assert r.json()["op"] == "revenue_trends"
    r = requests.get(gw.url("/api/v1/kpis/?cached=no"), timeout=5)
    assert r.headers["X-Cache"] == "MISS" and r.json()["cache"] == {"hit": False}
    r = requests.get(gw.url("/api/v1/kpis/?mode=error"), timeout=5)
    assert r.status_code == 400
    assert r.json() == {"error": "bad_request", "detail": "start_date is not a date"}
    stop_workers(gw, workers)


def test_request_id_is_echoed_or_made(gw, mdp_worker):
    workers = start_workers(gw, mdp_worker, "kpi")
    r = requests.get(gw.url("/api/v1/kpis/"), headers={"X-Request-Id": "abc-123"}, timeout=5)
    assert r.headers["X-Request-Id"] == "abc-123"
    r = requests.get(gw.url("/api/v1/kpis/"), headers={"X-Request-Id": "bad id\u00e9"},
                     timeout=5)
    assert r.headers["X-Request-Id"] not in ("", "bad id")
    stop_workers(gw, workers)
    log = gw.log("gateway")
    assert re.search(r"method=GET path=/api/v1/kpis/ status=200 duration_ms=[0-9.]+ "
                     r"upstream=kpi request_id=abc-123", log), log[-2000:]


@pytest.mark.parametrize("reply", [
    b"\x93\x01\x02\x03",                       # an array, not a map
    b"garbage",
    b"\x82\xa6status\xcd\x03\xe8\xa4body\x80",  # status 1000
    b"\x82\xa6status\xcc\xc8\xa4body\x81\xa1k\xa2\xff\xfe",  # invalid UTF-8 in the body
])
def test_malformed_reply_is_502(gw, mdp_worker, reply):
    workers = start_workers(gw, mdp_worker, "product", handler=lambda req: reply)
    r = requests.get(gw.url("/api/v1/products/top-sellers/"), timeout=5)
    assert_error(r, 502, "bad_gateway")
    stop_workers(gw, workers)


# -- timeouts and lost workers -------------------------------------------------------------------


def test_silent_worker_is_504_and_queued_call_503(gw, mdp_worker):
    workers = start_workers(gw, mdp_worker, "customer", handler=lambda req: HOLD)
    results = {}

    def call(key):
        started = time.time()
        results[key] = (requests.get(gw.url("/api/v1/customers/segments/"), timeout=10),
                        time.time() - started)

    first = threading.Thread(target=call, args=("first",))
    first.start()
    workers[0].wait_received(1)
    second = threading.Thread(target=call, args=("second",))  # queued behind the first
    second.start()
    first.join()
    second.join()
    r, took = results["first"]
    assert_error(r, 504, "gateway_timeout", str(TIMEOUT_MS))
    assert TIMEOUT_MS / 1000 - 0.1 <= took < TIMEOUT_MS / 1000 + 1.0
    r, took = results["second"]
    assert_error(r, 503, "service_unavailable", "free to answer")
    # The held call is answered late: the broker drops the reply; the gateway goes on.
    workers[0].release()
    r = requests.get(gw.url("/healthz"), timeout=5)
    assert r.json()["services"]["customer"]["workers"] == 1
    stop_workers(gw, workers)


def test_dead_worker_with_a_non_retryable_call_is_503(slow_gw, mdp_worker):
    workers = start_workers(slow_gw, mdp_worker, "etl", handler=lambda req: HOLD)
    auth = {"Authorization": "Bearer " + token(slow_gw.jwt_secret, sub="7")}
    result = {}
    t = threading.Thread(target=lambda: result.update(
        r=requests.post(slow_gw.url("/api/v1/etl/trigger/"), headers=auth, timeout=20)))
    t.start()
    workers[0].wait_received(1)
    assert workers[0].received[0]["op"] == "trigger"
    assert workers[0].received[0]["sub"] == "7"
    started = time.time()
    workers[0].die()
    t.join()
    assert_error(result["r"], 503, "service_unavailable")
    assert time.time() - started < 10
    wait_count(slow_gw, "etl", 0)


def test_dead_worker_with_a_retryable_call_is_retried(slow_gw, mdp_worker):
    holder = start_workers(slow_gw, mdp_worker, "kpi", handler=lambda req: HOLD)[0]
    helper = start_workers(slow_gw, mdp_worker, "kpi")[0]
    result = {}
    t = threading.Thread(target=lambda: result.update(
        r=requests.get(slow_gw.url("/api/v1/kpis/?n=1"), timeout=20)))
    t.start()
    holder.wait_received(1)
    holder.die()
    t.join()
    assert result["r"].status_code == 200, result["r"].text
    assert result["r"].json()["params"] == {"n": "1"}
    assert len(helper.received) == 1
    stop_workers(slow_gw, [helper])


def test_client_disconnect_cancels_its_call(gw, mdp_worker):
    worker = start_workers(gw, mdp_worker, "orders", handler=lambda req: HOLD)[0]
    auth = "Bearer " + token(gw.jwt_secret)
    first = {}
    t = threading.Thread(target=lambda: first.update(
        r=requests.get(gw.url("/api/v1/orders/?page=1"), headers={"Authorization": auth},
                       timeout=10)))
    t.start()
    worker.wait_received(1)
    # A second call queues behind the first; its client hangs up before any answer.
    with socket.create_connection(("127.0.0.1", gw.api_port)) as s:
        s.sendall(b"GET /api/v1/orders/?page=2 HTTP/1.1\r\nHost: x\r\nAuthorization: "
                  + auth.encode() + b"\r\n\r\n")
        time.sleep(0.2)
    time.sleep(0.6)  # the gateway looks at waiting clients every 200 ms
    worker.release()
    t.join()
    assert first["r"].status_code == 200 and first["r"].json()["params"] == {"page": "1"}
    time.sleep(0.3)
    assert [req["params"] for req in worker.received] == [{"page": "1"}]
    assert "path=/api/v1/orders/ status=499" in gw.log("gateway")
    stop_workers(gw, [worker])


# -- auth ------------------------------------------------------------------------------------


def test_protected_routes_need_a_valid_access_token(gw, mdp_worker):
    workers = start_workers(gw, mdp_worker, "orders") + start_workers(gw, mdp_worker, "etl")
    secret = gw.jwt_secret
    refused = {
        "none": {},
        "not bearer": {"Authorization": "Basic dTpw"},
        "empty bearer": {"Authorization": "Bearer "},
        "garbage": {"Authorization": "Bearer not.a.jwt"},
        "expired": {"Authorization": "Bearer " + token(secret, exp_in=-5)},
        "refresh": {"Authorization": "Bearer " + token(secret, token_type="refresh")},
        "foreign": {"Authorization": "Bearer " + token("another-secret-0123456789")},
        "hs512": {"Authorization": "Bearer " + token(secret, alg="HS512")},
        "alg none": {"Authorization": "Bearer " + jwt.encode(
            {"sub": "1", "exp": int(time.time()) + 300, "token_type": "access"}, None,
            algorithm="none")},
    }
    for name, headers in refused.items():
        for path in ("/api/v1/orders/", "/api/v1/etl/status/"):
            r = requests.get(gw.url(path), headers=headers, timeout=5)
            assert r.status_code == 401, (name, path, r.text)
            assert_error(r, 401, "unauthorized")
            assert r.headers["WWW-Authenticate"] == "Bearer"
    assert sum(len(w.received) for w in workers) == 0
    good = {"Authorization": "Bearer " + token(secret, sub="alice")}
    r = requests.get(gw.url("/api/v1/orders/?page=2"), headers=good, timeout=5)
    assert r.status_code == 200 and r.json() == {"op": "list", "params": {"page": "2"},
                                                 "sub": "alice"}
    r = requests.get(gw.url("/api/v1/etl/status/"), headers=good, timeout=5)
    assert r.json()["op"] == "status" and r.json()["sub"] == "alice"
    stop_workers(gw, workers)


def test_post_bodies_become_params(gw, mdp_worker):
    workers = start_workers(gw, mdp_worker, "auth")
    r = requests.post(gw.url("/api/v1/auth/token/"),
                      json={"username": "alice", "password": "p ä\"ss"}, timeout=5)
    assert r.status_code == 200
    assert r.json() == {"op": "token", "params": {"username": "alice", "password": "p ä\"ss"},
                        "sub": None}
    r = requests.post(gw.url("/api/v1/auth/token/refresh/"), json={"refresh": "x.y.z"},
                      timeout=5)
    assert r.json()["op"] == "token_refresh" and r.json()["params"] == {"refresh": "x.y.z"}
    for body, detail in [(b"{", "not valid JSON"), (b"[1]", "JSON object"),
                         (b'{"username": 1}', "'username' must be a string"),
                         (b'{"a": "1", "a": "2"}', "not valid JSON"),
                         (b'{"a": "x\\u0000y"}', "JSON|UTF-8"),
                         (b'{"a": "1"}', None)]:
        r = requests.post(gw.url("/api/v1/auth/token/?a=2"), data=body, timeout=5,
                          headers={"Content-Type": "application/json"})
        assert_error(r, 400, "bad_request", detail)
    # a body that is not sent as application/json is refused before it is parsed
    for headers in ({}, {"Content-Type": "text/plain"}, {"Content-Type": "application/jsonp"}):
        r = requests.post(gw.url("/api/v1/auth/token/"), data=b'{"username": "a"}',
                          headers=headers, timeout=5)
        assert_error(r, 400, "bad_request", "Content-Type: application/json")
    assert len(workers[0].received) == 2
    stop_workers(gw, workers)


# -- hostile input ---------------------------------------------------------------------------


@pytest.mark.parametrize("query,detail", [
    ("a=%", "percent-escape"),
    ("a=%G1", "percent-escape"),
    ("a=%4", "percent-escape"),
    ("%zz=1", "percent-escape"),
    ("a=%FF", "UTF-8"),
    ("a=%C3%28", "UTF-8"),
    ("a=%ED%A0%80", "UTF-8"),         # a surrogate
    ("a=%C0%AF", "UTF-8"),            # overlong '/'
    ("a=%00", "UTF-8"),
    ("limit=1&limit=2", "'limit' is given more than once"),
    ("start_date=&start_date=2024-01-01", "'start_date' is given more than once"),
    ("=1", "empty name"),
    ("a=" + "x" * 2000, "longer than"),
    ("n" * 100 + "=1", "longer than"),
    ("&".join(f"p{i}=1" for i in range(40)), "more than 32 parameters"),
    ("a=" + "x" * 5000, "longer than"),
], ids=lambda v: v[:24] if isinstance(v, str) else None)
def test_hostile_queries_are_400(gw, mdp_worker, query, detail):
    workers = start_workers(gw, mdp_worker, "kpi")
    status, body = raw_get(gw.api_port, "/api/v1/kpis/?" + query)
    assert status == 400, body
    assert body["error"] == "bad_request" and re.search(detail, body["detail"]), body
    assert workers[0].received == [] and workers[0].malformed == []
    stop_workers(gw, workers)


def test_raw_invalid_utf8_in_query_is_400(gw):
    status, body = raw_get(gw.api_port, "/api/v1/kpis/?a=\xff\xfe")
    assert status == 400 and "UTF-8" in body["detail"], body


def test_ten_kilobyte_query_is_400_and_harmless(gw):
    r = requests.get(gw.url("/api/v1/kpis/?" + "&".join(f"k{i}=" + "v" * 100
                                                        for i in range(100))), timeout=5)
    assert_error(r, 400, "bad_request", "query string is longer than 4096 bytes")
    assert requests.get(gw.url("/healthz"), timeout=5).status_code == 503


@pytest.mark.parametrize("value", [
    "'; DROP TABLE fact_order; --",
    "1 OR 1=1",
    "\" OR \"\"=\"",
    "2024-01-01' UNION SELECT * FROM users --",
    "%27%3B",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "ünïcødé ✓ 漢字 🎉",
    "a\tb\nc",
])
def test_odd_values_reach_the_service_unchanged(gw, mdp_worker, value):
    workers = start_workers(gw, mdp_worker, "kpi")
    r = requests.get(gw.url("/api/v1/kpis/"), params={"start_date": value, "x": "1"},
                     timeout=5)
    assert r.status_code == 200
    assert r.json()["params"] == {"start_date": value, "x": "1"}
    stop_workers(gw, workers)


def test_malformed_http_does_not_hurt(gw):
    for data in [b"\x00\x01\x02garbage\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n",
                 b"GET /healthz HTTP/1.1\r\n" + b"X-Long: " + b"a" * 500000 + b"\r\n\r\n",
                 b"POST /api/v1/auth/token/ HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
                 b"POST /api/v1/auth/token/ HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
                 b"POST /api/v1/auth/token/ HTTP/1.1\r\nExpect: 101-never\r\n"
                 b"Content-Length: 2\r\n\r\n{}",
                 b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"]:
        answer = raw_http(gw.api_port, data, read_timeout=2)
        assert answer == b"" or answer.startswith(b"HTTP/1.1 4"), (data[:40], answer[:200])
    assert requests.get(gw.url("/healthz"), timeout=5).status_code == 503


# -- the broker under rogue peers and load ----------------------------------------------------------


def test_external_mdp_client_calls_a_service(gw, mdp_worker):
    workers = start_workers(gw, mdp_worker, "kpi")
    reply = mdp_call(gw.broker_endpoint, "kpi", {"op": "kpis", "params": {"a": "1"}})
    assert reply == {"status": 200, "body": {"op": "kpis", "params": {"a": "1"}, "sub": None}}
    stop_workers(gw, workers)


def test_rogue_mdp_peers_change_nothing(gw, mdp_worker):
    workers = start_workers(gw, mdp_worker, "kpi")
    garbage = [
        [b"hello"],
        [b"", b"MDPX01", b"kpi", b"x"],
        [b"", CLIENT],
        [b"", CLIENT, b"kpi"],
        [b"", CLIENT, b"kpi", b"\xc1"],                   # not msgpack
        [b"", CLIENT, b"kpi", b"\x81\xa2op\x01"],          # op not a string
        [b"", CLIENT, b"k" * 300, b"\x80"],                # service name too long
        [b"", CLIENT, b"nosuchservice", b"\x80"],
        [b"", CLIENT, b"kpi", b"\x80", b"extra"],          # two body frames
        [b"", WORKER, b"\x09"],                            # unknown command
        [b"", WORKER, b"\x03", b"someclient", b"", b"\x80"],  # REPLY from a stranger
        [b"", WORKER, b"\x04"],                            # HEARTBEAT from a stranger
        [b"", WORKER, b"\x05"],                            # DISCONNECT from a stranger
        [b"", WORKER, b"\x01"],                            # READY without a service
        [b"", WORKER, b"\x01", b""],                       # READY for an empty service
        [b"", b"\xff" * 1000, b"\x00" * 1000],
        [b"\xde\xad\xbe\xef"] * 50,
    ]
    send_raw(gw.broker_endpoint, garbage)
    send_raw(gw.broker_endpoint, [[b"", WORKER, b"\x03", b"x", b"", b"\x80"]],
             identity=b"impostor")
    # Bodies are the services' to validate: the broker passes them on, and the worker
    # answered each malformed one with a 400 (proto_request_decode() does that in C).
    # The real worker still works, for HTTP and for MDP clients, and nothing registered.
    health = gw.health()
    assert health["services"]["kpi"]["workers"] == 1
    assert set(health["services"]) == set(SERVICES)
    assert requests.get(gw.url("/api/v1/kpis/?z=1"), timeout=5).json()["params"] == {"z": "1"}
    assert mdp_call(gw.broker_endpoint, "kpi", {"op": "kpis", "params": {}})["status"] == 200
    stop_workers(gw, workers)


def test_two_hundred_requests_in_flight_get_their_own_answers(gw, mdp_worker):
    def slow_echo(req):
        time.sleep(0.002)
        return echo(req)

    workers = start_workers(gw, mdp_worker, "kpi", n=3, handler=slow_echo)
    barrier = threading.Barrier(200)

    def one(i):
        with requests.Session() as session:
            barrier.wait(timeout=30)
            r = session.get(gw.url("/api/v1/kpis/"), params={"id": str(i)}, timeout=30)
            return i, r.status_code, r.json()

    with concurrent.futures.ThreadPoolExecutor(max_workers=200) as pool:
        results = list(pool.map(one, range(200)))
    for i, status, body in results:
        assert status == 200, body
        assert body["params"] == {"id": str(i)}
    assert sorted(int(req["params"]["id"]) for w in workers for req in w.received) == \
        list(range(200))
    assert all(w.malformed == [] for w in workers)
    assert all(len(w.received) > 0 for w in workers)  # the load was shared
    stop_workers(gw, workers)


def test_keep_alive_and_pipelining(gw, mdp_worker):
    workers = start_workers(gw, mdp_worker, "kpi")
    with socket.create_connection(("127.0.0.1", gw.api_port), timeout=5) as s:
        f = s.makefile("rb")

        def read_response():
            status = f.readline()
            length = None
            while True:
                line = f.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            return status, json.loads(f.read(length))

        for i in range(3):  # one after the other on one connection
            s.sendall(b"GET /api/v1/kpis/?i=%d HTTP/1.1\r\nHost: x\r\n\r\n" % i)
            status, body = read_response()
            assert status.startswith(b"HTTP/1.1 200") and body["params"] == {"i": str(i)}
        s.sendall(b"".join(b"GET /api/v1/kpis/?p=%d HTTP/1.1\r\nHost: x\r\n\r\n" % i
                           for i in range(3)))  # pipelined
        for i in range(3):
            status, body = read_response()
            assert status.startswith(b"HTTP/1.1 200") and body["params"] == {"p": str(i)}
        s.sendall(b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n")
        status, body = read_response()
        assert status.startswith(b"HTTP/1.1 404")
    stop_workers(gw, workers)


# -- shutdown --------------------------------------------------------------------------------


def test_sigterm_answers_pending_requests_and_exits_0(make_stack, mdp_worker):
    stack = make_stack(env={"REQUEST_TIMEOUT_MS": "20000"})
    worker = start_workers(stack, mdp_worker, "kpi", handler=lambda req: HOLD)[0]
    idle = socket.create_connection(("127.0.0.1", stack.api_port))  # an idle keep-alive
    result = {}
    t = threading.Thread(target=lambda: result.update(
        r=requests.get(stack.url("/api/v1/kpis/"), timeout=20)))
    t.start()
    worker.wait_received(1)
    started = time.time()
    stack.signal("gateway", signal.SIGTERM)
    t.join()
    assert_error(result["r"], 503, "service_unavailable", "shutting down")
    assert stack.procs["gateway"].wait(timeout=10) == 0
    assert time.time() - started < 5
    assert idle.recv(10) == b""  # the idle connection was closed
    idle.close()
    worker.stop()
