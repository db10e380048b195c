"""Several gateways (SPEC §11; issue 16): a service's BROKER_ENDPOINT lists several brokers
and each instance keeps one MDP session per broker.

Two ecom-gateway processes on their own API ports and broker endpoints, one ecom-kpi
connected to both: both gateways answer through it; one gateway killed, the other keeps
answering; restarted, the instance registers with it again and it answers again. A bad
list is a one-line configuration error, exit status 2."""
import signal
import subprocess
import time

import pytest
import requests

from stack import binary, free_port

KPIS = "/api/v1/kpis/?start_date=2025-01-01&end_date=2025-12-31"


@pytest.fixture(scope="module")
def pair(make_stack):
    """A stack (database, redis, gateway "a") plus gateway "b" and one ecom-kpi serving both."""
    stack = make_stack(seed={"orders": 2000, "random_seed": 3}, services={},
                       env={"GATEWAY_START_GRACE_MS": "0"})
    stack.b_port = free_port()
    stack.b_endpoint = f"tcp://127.0.0.1:{free_port()}"
    start_gateway_b(stack, "gateway-b")
    stack.start_service("kpi", {"BROKER_ENDPOINT": f"{stack.broker_endpoint},{stack.b_endpoint}"})
    wait_kpi_workers(stack, stack.api_port, 1)
    wait_kpi_workers(stack, stack.b_port, 1)
    return stack


def start_gateway_b(stack, name):
    return stack._spawn(name, [binary("ecom-gateway")],
                        {"API_PORT": str(stack.b_port), "BROKER_ENDPOINT": stack.b_endpoint})


def kpi_workers(port):
    """The kpi workers /healthz of the gateway on port shows, or None when it does not answer."""
    try:
        body = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).json()
    except (requests.RequestException, ValueError):
        return None
    return body["services"].get("kpi", {}).get("workers", 0)


def wait_kpi_workers(stack, port, count, timeout=15):
    """Seconds until the gateway on port shows count kpi workers."""
    start = time.time()
    while kpi_workers(port) != count:
        assert time.time() - start < timeout, (
            f"gateway :{port} shows {kpi_workers(port)} kpi workers, not {count}:\n"
            + stack.log("kpi-0")[-2000:])
        time.sleep(0.05)
    return time.time() - start


def kpis(port):
    return requests.get(f"http://127.0.0.1:{port}{KPIS}", timeout=10)


def test_both_gateways_answer_through_one_instance(pair):
    a, b = kpis(pair.api_port), kpis(pair.b_port)
    assert a.status_code == 200, a.text
    assert b.status_code == 200, b.text
    assert a.json()["total_orders"] == b.json()["total_orders"] > 0
    (orders,), = pair.execute("SELECT count(*) FROM fact_order "
                              "WHERE order_date BETWEEN '2025-01-01' AND '2025-12-31'")
    assert a.json()["total_orders"] == orders
    # The instance logs one line per request, whichever gateway sent it.
    assert pair.log("kpi-0").count("msg=request op=kpis") >= 2


def test_one_gateway_lost_the_other_answers_and_it_rejoins(pair):
    pair.kill("gateway-b")
    for _ in range(20):
        r = kpis(pair.api_port)
        assert r.status_code == 200, r.text
    assert kpi_workers(pair.api_port) == 1
    # Past the liveness window of the lost broker's session, gateway a still has its worker.
    time.sleep(3.5)
    assert kpis(pair.api_port).status_code == 200
    assert kpi_workers(pair.api_port) == 1

    start_gateway_b(pair, "gateway-b2")
    seconds = wait_kpi_workers(pair, pair.b_port, 1)
    r = kpis(pair.b_port)
    assert r.status_code == 200, r.text
    print(f"the instance registered with the restarted gateway in {seconds:.2f} s")
    # The liveness window (3 s) plus one heartbeat at most: the session reconnects on silence.
    assert seconds < 6
    assert kpis(pair.api_port).status_code == 200


@pytest.mark.parametrize("endpoint,reason", [
    ("tcp://127.0.0.1:5555,", "empty item"),
    (",tcp://127.0.0.1:5555", "empty item"),
    ("tcp://127.0.0.1:5555,tcp://127.0.0.1:5555", "twice"),
    ("tcp://127.0.0.1", "tcp://HOST:PORT"),
    ("tcp://127.0.0.1:5555, tcp://127.0.0.1:5556", "tcp://HOST:PORT"),
    ("http://127.0.0.1:5555", "tcp://HOST:PORT"),
    (",".join(f"tcp://127.0.0.1:{5555 + i}" for i in range(9)), "more than 8"),
])
def test_a_bad_broker_list_is_a_config_error(pair, endpoint, reason):
    env = pair.env({"BROKER_ENDPOINT": endpoint})
    r = subprocess.run([binary("ecom-kpi")], env=env, capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "BROKER_ENDPOINT" in lines[0] and reason in lines[0], r.stderr


def test_sigterm_with_two_brokers_is_clean(pair):
    name = pair.start_service("kpi", {"BROKER_ENDPOINT":
                                      f"{pair.broker_endpoint},{pair.b_endpoint}"})
    wait_kpi_workers(pair, pair.api_port, 2)
    wait_kpi_workers(pair, pair.b_port, 2)
    pair.signal(name, signal.SIGTERM)
    assert pair.procs[name].wait(timeout=10) == 0
    # Both brokers hear its DISCONNECT: the worker leaves at once, not after a purge.
    assert wait_kpi_workers(pair, pair.api_port, 1, timeout=2) < 2
    assert wait_kpi_workers(pair, pair.b_port, 1, timeout=2) < 2
    pair.forget(name)
    assert "ERROR: AddressSanitizer" not in pair.log(name)


def test_a_gateway_binds_one_broker(pair):
    env = pair.env({"BROKER_ENDPOINT": f"tcp://127.0.0.1:{free_port()},tcp://127.0.0.1:{free_port()}",
                    "API_PORT": str(free_port())})
    r = subprocess.run([binary("ecom-gateway")], env=env, capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 2, r.stderr
    assert r.stderr.count("\n") == 1 and "lists several endpoints" in r.stderr, r.stderr
