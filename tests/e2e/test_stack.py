"""The shared fixtures (conftest.py, stack.py) with the real binaries: a seeded database of
the module's own, a private redis, the gateway and two ecom-kpi instances. Also shows how a
test module asks for such a stack."""
import time
from decimal import Decimal

import pytest
import requests


@pytest.fixture(scope="module")
def stack(make_stack):
    return make_stack(seed={"orders": 2000, "random_seed": 5}, services={"kpi": 2})


def test_the_stack_is_ready(stack):
    health = requests.get(stack.url("/healthz"), timeout=5).json()
    assert health["services"]["kpi"] == {"workers": 2}
    assert health["status"] == "degraded"  # only kpi runs here


def test_kpis_match_the_database(stack):
    with stack.db() as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*), sum(total_amount), min(order_date), max(order_date) "
                    "FROM fact_order")
        orders, revenue, first, last = cur.fetchone()
    assert orders == 2000
    r = requests.get(stack.url("/api/v1/kpis/"), timeout=30)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total_orders"] == orders
    assert Decimal(str(body["total_revenue"])) == revenue
    assert (body["start_date"], body["end_date"]) == (first.isoformat(), last.isoformat())
    assert r.headers["X-Cache"] in ("HIT", "MISS")
    again = requests.get(stack.url("/api/v1/kpis/"), timeout=30)
    assert again.headers["X-Cache"] == "HIT" and again.json()["cache"] == {"hit": True}


def test_a_stopped_instance_leaves_the_other_serving(stack):
    stack.signal("kpi-1")
    assert stack.procs["kpi-1"].wait(timeout=20) == 0
    stack.forget("kpi-1")  # its exit status was checked here
    deadline = time.time() + 10
    while stack.health()["services"]["kpi"]["workers"] != 1:
        assert time.time() < deadline
        time.sleep(0.05)
    r = requests.get(stack.url("/api/v1/revenue/trends/?granularity=monthly"), timeout=30)
    assert r.status_code == 200 and r.json()["granularity"] == "monthly"
