"""Two gateways behind Debian's haproxy with deploy/haproxy/haproxy.cfg (issue 16), and the
login throttle keyed on the real client: X-Forwarded-For counts only from TRUSTED_PROXIES.

Loopback has a whole /8, so clients and the balancer each use their own 127.0.0.x source
address: haproxy connects from 127.0.0.1, the gateways trust 127.0.0.1 only, and test
clients come from 127.0.0.2 and up."""
import http.client
import json
import os
import shutil
import subprocess
import time

import pytest

from stack import binary, free_port

pytestmark = pytest.mark.skipif(not shutil.which("haproxy"),
                                reason="haproxy is not installed (apt-get install haproxy)")

SERVICES = ("kpi", "product", "customer", "orders", "auth", "etl")
KPIS = "/api/v1/kpis/?start_date=2025-01-01&end_date=2025-12-31"
CONFIG = os.path.join(os.path.dirname(__file__), "..", "..", "deploy", "haproxy", "haproxy.cfg")


@pytest.fixture(scope="module")
def lb(make_stack):
    """Gateways a and b (TRUSTED_PROXIES=127.0.0.1), one instance of every service serving
    both, haproxy in front on lb.lb_port."""
    stack = make_stack(seed={"orders": 1000, "random_seed": 5}, services={},
                       env={"GATEWAY_START_GRACE_MS": "0", "TRUSTED_PROXIES": "127.0.0.1",
                            "ETL_SCHEDULE_SECONDS": "0"})
    stack.b_port = free_port()
    stack.b_endpoint = f"tcp://127.0.0.1:{free_port()}"
    stack._spawn("gateway-b", [binary("ecom-gateway")],
                 {"API_PORT": str(stack.b_port), "BROKER_ENDPOINT": stack.b_endpoint})
    both = f"{stack.broker_endpoint},{stack.b_endpoint}"
    for service in SERVICES:
        stack.start_service(service, {"BROKER_ENDPOINT": both})
    stack.lb_port = free_port()
    env = dict(os.environ, LB_BIND=f"127.0.0.1:{stack.lb_port}",
               GATEWAY_1=f"127.0.0.1:{stack.api_port}", GATEWAY_2=f"127.0.0.1:{stack.b_port}")
    log = open(stack.log_path("haproxy"), "w")
    stack.haproxy = subprocess.Popen(["haproxy", "-db", "-f", CONFIG], env=env,
                                     stdout=log, stderr=subprocess.STDOUT)
    # Both gateways healthy (every service present) and seen so by haproxy.
    deadline = time.time() + 30
    while not all(status(stack, port, "/healthz") == 200
                  for port in (stack.api_port, stack.b_port, stack.lb_port)):
        assert time.time() < deadline, stack.log("haproxy")[-2000:]
        time.sleep(0.1)
    time.sleep(2.5)  # rise 2 at 1 s: both servers up in both backends
    yield stack
    stack.haproxy.terminate()
    stack.haproxy.wait(timeout=10)
    log.close()


def request(port, method, path, source="127.0.0.1", body=None, headers=None):
    """(status, parsed JSON body) of one request sent from source (a loopback address)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15, source_address=(source, 0))
    try:
        data = json.dumps(body).encode() if body is not None else None
        hdrs = dict(headers or {})
        if data is not None:
            hdrs["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=hdrs)
        r = conn.getresponse()
        raw = r.read()
        try:
            return r.status, json.loads(raw)
        except ValueError:
            return r.status, raw
    finally:
        conn.close()


def status(stack, port, path):
    try:
        return request(port, "GET", path)[0]
    except OSError:
        return None


def bad_login(port, source, forwarded=None):
    headers = {"X-Forwarded-For": forwarded} if forwarded else None
    return request(port, "POST", "/api/v1/auth/token/", source,
                   {"username": "nobody", "password": "wrong password"}, headers)[0]


def kpi_requests(stack, name):
    return stack.log(name).count("path=/api/v1/kpis/ status=200")


def test_haproxy_spreads_over_both_gateways(lb):
    before = {n: kpi_requests(lb, n) for n in ("gateway", "gateway-b")}
    for _ in range(20):
        code, body = request(lb.lb_port, "GET", KPIS)
        assert code == 200, body
    (orders,), = lb.execute("SELECT count(*) FROM fact_order "
                            "WHERE order_date BETWEEN '2025-01-01' AND '2025-12-31'")
    assert body["total_orders"] == orders
    time.sleep(0.2)
    after = {n: kpi_requests(lb, n) for n in ("gateway", "gateway-b")}
    served = {n: after[n] - before[n] for n in after}
    assert sum(served.values()) == 20 and min(served.values()) >= 5, served


def test_forwarded_for_is_ignored_from_a_peer_that_is_not_trusted(lb):
    # Straight to gateway a from 127.0.0.2, claiming a new client each time: keyed on the peer.
    codes = [bad_login(lb.api_port, "127.0.0.2", f"198.51.100.{i}") for i in range(6)]
    assert codes == [401] * 5 + [429], codes


def test_forwarded_for_names_the_client_behind_the_trusted_proxy(lb):
    # From 127.0.0.1 (trusted), the last X-Forwarded-For entry is the client.
    codes = [bad_login(lb.api_port, "127.0.0.1", "192.0.2.1") for _ in range(6)]
    assert codes == [401] * 5 + [429], codes
    assert bad_login(lb.api_port, "127.0.0.1", "192.0.2.2") == 401  # another client
    # Only the last entry counts: what the client wrote before it is its own say.
    assert bad_login(lb.api_port, "127.0.0.1", "192.0.2.1, 192.0.2.3") == 401
    assert bad_login(lb.api_port, "127.0.0.1", "192.0.2.3, 192.0.2.1") == 429


def test_throttle_through_haproxy_keys_on_each_client(lb):
    # Each client goes to one gateway for its logins (balance source), so five failures
    # lock it out there; another client, and a client forging X-Forwarded-For, are not.
    codes = [bad_login(lb.lb_port, "127.0.0.6") for _ in range(6)]
    assert codes == [401] * 5 + [429], codes
    assert bad_login(lb.lb_port, "127.0.0.7") == 401
    assert bad_login(lb.lb_port, "127.0.0.7", "127.0.0.6") == 401  # haproxy appends the real one
    code, body = request(lb.lb_port, "POST", "/api/v1/auth/token/", "127.0.0.6",
                         {"username": "nobody", "password": "wrong password"})
    assert code == 429 and body["error"] == "too_many_requests", body


def test_haproxy_drains_a_lost_gateway(lb):
    lb.kill("gateway-b")
    codes = [request(lb.lb_port, "GET", KPIS)[0] for _ in range(30)]
    # A refused connection to the lost gateway is retried on the other one.
    assert codes == [200] * 30, codes
    time.sleep(1.5)  # fall 2 at 500 ms
    before = kpi_requests(lb, "gateway")
    codes = [request(lb.lb_port, "GET", KPIS)[0] for _ in range(10)]
    assert codes == [200] * 10, codes
    time.sleep(0.2)
    assert kpi_requests(lb, "gateway") - before == 10
    assert "gateway2 is DOWN" in lb.log("haproxy"), lb.log("haproxy")[-2000:]


@pytest.mark.skipif(not shutil.which("docker-compose"), reason="docker-compose is not installed")
def test_compose_runs_two_gateways_behind_haproxy():
    """deploy/haproxy/compose.gateways.yml over docker-compose.yml, as `docker-compose config`
    resolves it (no engine needed)."""
    import yaml
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    r = subprocess.run(["docker-compose", "--env-file", ".env.example", "-f", "docker-compose.yml",
                        "-f", "deploy/haproxy/compose.gateways.yml", "config"], cwd=root,
                       env=dict(os.environ, ECOM_ENV_FILE=".env.example"), capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    services = yaml.safe_load(r.stdout)["services"]
    both = "tcp://ecom-gateway:5555,tcp://ecom-gateway-2:5555"
    for name in SERVICES:
        assert services[f"ecom-{name}"]["environment"]["BROKER_ENDPOINT"] == both, name
    balancer = services["balancer"]
    address = balancer["networks"]["default"]["ipv4_address"]
    for gateway in ("ecom-gateway", "ecom-gateway-2"):
        env = services[gateway]["environment"]
        assert env["TRUSTED_PROXIES"] == address
        assert env["CURVE_DIR"] and env["BROKER_ENDPOINT"] == "tcp://0.0.0.0:5555"
        assert services[gateway]["command"] == ["ecom-gateway"]
    assert balancer["environment"]["GATEWAY_1"] == "ecom-gateway:8000"
    assert balancer["environment"]["GATEWAY_2"] == "ecom-gateway-2:8000"
    assert any(v.endswith(":/usr/local/etc/haproxy/haproxy.cfg:ro") for v in balancer["volumes"])
    assert [p.split(":")[1] for p in balancer["ports"]] == ["8080"]
    assert "ports" not in services["ecom-gateway-2"]
