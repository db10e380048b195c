"""End-to-end tests of the KPI service (ecom-kpi) behind the gateway: GET /api/v1/kpis/ and
GET /api/v1/revenue/trends/ (SPEC §6), the MDP service `kpi` (SPEC §7), caching, several
instances, instance death, and Redis outages.

Every number is checked against SQL computed here, directly on fact_order (not on the
agg_daily_sales rollup the service reads, and not with the service's SQL), on a database seeded
by `ecomctl seed`. The module runs its own stack (tests/e2e/stack.py, through conftest's
make_stack): a database, a private redis-server (so cache keys and the data version are not
shared with other tests, and Redis can be stopped), the gateway and ecom-kpi instances, all on
free ports; at the end every process must exit 0 without a sanitizer report.
"""
import contextlib
import datetime as dt
import os
import re
import signal
import subprocess
import threading
import time
from decimal import ROUND_HALF_UP, Decimal

import msgpack
import pytest
import requests
import zmq

from mdp_peer import curve_socket
from stack import binary, without_cache

pytestmark = pytest.mark.skipif(not os.environ.get("DATABASE_URL"),
                                reason="needs DATABASE_URL (a PostgreSQL server to create databases on)")

GAP = (dt.date(2025, 3, 10), dt.date(2025, 3, 20))  # orders deleted: a zero-filled stretch


# ----------------------------------------------------------------------------------------
# Fixtures


ENV = {"CACHE_TTL_SECONDS": "300", "REQUEST_TIMEOUT_MS": "20000"}


class Kpi:
    """What these tests need of a Stack (tests/e2e/stack.py)."""

    def __init__(self, stack):
        self.stack = stack
        self.broker_endpoint = stack.broker_endpoint

    @property
    def redis_port(self):
        return self.stack.redis_port

    def url(self, path):
        return self.stack.url(path)

    def get(self, path, params=None, timeout=30):
        return requests.get(self.url(path), params=params, timeout=timeout)

    @contextlib.contextmanager
    def db(self):
        """A connection to the stack's database, committed and closed after the block."""
        conn = self.stack.db()
        try:
            yield conn
            conn.commit()
        finally:
            conn.close()

    def live_kpis(self):
        return [n for n, p in self.stack.procs.items()
                if n.startswith("kpi-") and p.poll() is None]

    def start_kpi(self, env=None):
        """One more ecom-kpi instance, registered at the broker; returns its name."""
        name = self.stack.start_service("kpi", env)
        self.stack.wait_workers({"kpi": len(self.live_kpis())})
        return name

    def log(self, name):
        return self.stack.log(name)

    def stop_redis(self):
        redis = self.stack.procs["redis"]
        redis.kill()
        redis.wait()

    def restart_redis(self):
        """redis-server again on the same port (the services keep their REDIS_URL)."""
        self.stack._spawn("redis", ["redis-server", "--port", str(self.redis_port), "--bind",
                                    "127.0.0.1", "--save", "", "--appendonly", "no"])
        deadline = time.time() + 10
        while redis_cli(self.redis_port, "PING") != "PONG":
            assert time.time() < deadline, "redis-server did not restart"
            time.sleep(0.05)


def redis_cli(port, *args):
    r = subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True, text=True,
                       timeout=10)
    return r.stdout.strip()


@pytest.fixture(scope="module")
def kstack(make_stack):
    s = make_stack(seed={"orders": 5000, "random_seed": 11}, env=ENV, start=False)
    s.create_database()
    k = Kpi(s)
    with k.db() as conn, conn.cursor() as cur:
        # a gap spanning a whole ISO week (2025-03-10 is a Monday) and parts of two others
        cur.execute("DELETE FROM fact_order WHERE order_date BETWEEN %s AND %s", GAP)
    s.start(services={"kpi": 1})
    return k


@pytest.fixture(scope="module")
def empty_kstack(make_stack):
    return Kpi(make_stack(database=True, env=ENV, services={"kpi": 1}))


# ----------------------------------------------------------------------------------------
# The independent computation


def money(value):
    """A Decimal rounded half up to cents, as the float a JSON client reads."""
    return float(Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def data_bounds(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT min(order_date), max(order_date) FROM fact_order")
        return cur.fetchone()


def effective_range(conn, start, end):
    first, last = data_bounds(conn)
    start = dt.date.fromisoformat(start) if start else first
    end = dt.date.fromisoformat(end) if end else last
    return start, end


def expected_kpis(conn, start=None, end=None):
    start, end = effective_range(conn, start, end)
    orders = units = customers = new = 0
    revenue = Decimal(0)
    if start and end:
        with conn.cursor() as cur:
            cur.execute("""SELECT count(*), coalesce(sum(quantity), 0),
                                  coalesce(sum(quantity * unit_price), 0),
                                  count(DISTINCT customer_key),
                                  (SELECT count(*) FROM (SELECT min(order_date) AS first
                                     FROM fact_order GROUP BY customer_key) f
                                   WHERE first >= %s AND first <= %s)
                           FROM fact_order WHERE order_date >= %s AND order_date <= %s""",
                        (start, end, start, end))
            orders, units, revenue, customers, new = cur.fetchone()
    return {
        "start_date": start.isoformat() if start else None,
        "end_date": end.isoformat() if end else None,
        "total_revenue": money(revenue),
        "total_orders": orders,
        "average_order_value": money(Decimal(revenue) / orders) if orders else 0,
        "unique_customers": customers,
        "units_sold": units,
        "new_customers": new,
        "returning_customers": customers - new,
    }


def period_start(day, granularity):
    if granularity == "daily":
        return day
    if granularity == "weekly":
        return day - dt.timedelta(days=day.weekday())
    return day.replace(day=1)


def next_period(day, granularity):
    if granularity == "daily":
        return day + dt.timedelta(days=1)
    if granularity == "weekly":
        return day + dt.timedelta(days=7)
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def expected_trends(conn, granularity, start=None, end=None):
    start, end = effective_range(conn, start, end)
    points = []
    if start and end and start <= end:
        with conn.cursor() as cur:
            cur.execute("""SELECT order_date, sum(quantity * unit_price), count(*) FROM fact_order
                           WHERE order_date >= %s AND order_date <= %s GROUP BY order_date""",
                        (start, end))
            days = cur.fetchall()
        sums = {}
        for day, revenue, orders in days:
            p = period_start(day, granularity)
            r, o = sums.get(p, (Decimal(0), 0))
            sums[p] = (r + revenue, o + orders)
        p = period_start(start, granularity)
        while p <= end:
            r, o = sums.get(p, (Decimal(0), 0))
            points.append({"period": p.isoformat(), "revenue": money(r), "orders": o})
            p = next_period(p, granularity)
    return {
        "granularity": granularity,
        "start_date": start.isoformat() if start else None,
        "end_date": end.isoformat() if end else None,
        "points": points,
    }


def get_ok(kstack, path, params=None):
    r = kstack.get(path, params)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    assert isinstance(body["cache"]["hit"], bool)
    assert r.headers["X-Cache"] == ("HIT" if body["cache"]["hit"] else "MISS")
    return body


KPI_KEYS = ["start_date", "end_date", "total_revenue", "total_orders", "average_order_value",
            "unique_customers", "units_sold", "new_customers", "returning_customers", "cache"]
TREND_KEYS = ["granularity", "start_date", "end_date", "points", "cache"]

# (start_date, end_date): none, both inside the data starting mid-week and mid-month, one-sided,
# a single day, a range inside the gap, a range beyond the data.
RANGES = [
    (None, None),
    ("2024-03-13", "2025-03-19"),
    ("2025-01-15", None),
    (None, "2024-06-30"),
    ("2024-07-04", "2024-07-04"),
    ("2025-03-11", "2025-03-19"),
    ("2019-01-01", "2019-12-31"),
]


# ----------------------------------------------------------------------------------------
# kpis


@pytest.mark.parametrize("start,end", RANGES)
def test_kpis_numbers(kstack, start, end):
    params = {k: v for k, v in (("start_date", start), ("end_date", end)) if v}
    body = get_ok(kstack, "/api/v1/kpis/", params)
    assert list(body) == KPI_KEYS
    with kstack.db() as conn:
        expected = expected_kpis(conn, start, end)
    assert without_cache(body) == expected
    for key in ("total_orders", "unique_customers", "units_sold"):
        assert isinstance(body[key], int)


def test_kpis_full_range_is_the_data(kstack):
    with kstack.db() as conn:
        first, last = data_bounds(conn)
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM fact_order")
            (count,) = cur.fetchone()
    body = get_ok(kstack, "/api/v1/kpis/")
    assert (body["start_date"], body["end_date"]) == (first.isoformat(), last.isoformat())
    assert body["total_orders"] == count > 4000
    assert body["unique_customers"] > 0 and body["units_sold"] >= count
    assert body["average_order_value"] == money(Decimal(str(body["total_revenue"])) / count)


def test_kpis_empty_values_count_as_absent(kstack):
    a = get_ok(kstack, "/api/v1/kpis/", {"start_date": "", "end_date": ""})
    b = get_ok(kstack, "/api/v1/kpis/")
    assert without_cache(a) == without_cache(b)


def test_kpis_range_without_orders(kstack):
    body = get_ok(kstack, "/api/v1/kpis/", {"start_date": "2025-03-12", "end_date": "2025-03-14"})
    assert without_cache(body) == {
        "start_date": "2025-03-12", "end_date": "2025-03-14", "total_revenue": 0,
        "total_orders": 0, "average_order_value": 0, "unique_customers": 0, "units_sold": 0,
        "new_customers": 0, "returning_customers": 0}


def test_kpis_start_beyond_the_data(kstack):
    """services/README.md: the missing end is still the data's last order date; the range is
    then inverted and holds nothing."""
    with kstack.db() as conn:
        _, last = data_bounds(conn)
    body = get_ok(kstack, "/api/v1/kpis/", {"start_date": "2030-01-01"})
    assert body["start_date"] == "2030-01-01" and body["end_date"] == last.isoformat()
    assert body["total_orders"] == 0 and body["total_revenue"] == 0
    trends = get_ok(kstack, "/api/v1/revenue/trends/", {"start_date": "2030-01-01"})
    assert trends["points"] == []


# ----------------------------------------------------------------------------------------
# revenue trends


@pytest.mark.parametrize("granularity", ["daily", "weekly", "monthly"])
@pytest.mark.parametrize("start,end", RANGES)
def test_trends_numbers(kstack, granularity, start, end):
    params = {k: v for k, v in (("start_date", start), ("end_date", end),
                                ("granularity", granularity)) if v}
    body = get_ok(kstack, "/api/v1/revenue/trends/", params)
    assert list(body) == TREND_KEYS
    with kstack.db() as conn:
        expected = expected_trends(conn, granularity, start, end)
    assert without_cache(body) == expected


def test_trends_default_granularity_is_daily(kstack):
    for params in ({}, {"granularity": ""}):
        body = get_ok(kstack, "/api/v1/revenue/trends/", params)
        assert body["granularity"] == "daily"
    with kstack.db() as conn:
        assert without_cache(body) == expected_trends(conn, "daily")


def test_trends_periods_and_zero_fill(kstack):
    """A range starting mid-week and mid-month: periods are named by their first day, only
    orders inside the range count, and the gap shows as zeros."""
    params = {"start_date": "2025-02-13", "end_date": "2025-03-26"}  # a Thursday .. a Wednesday
    weekly = get_ok(kstack, "/api/v1/revenue/trends/", dict(params, granularity="weekly"))
    periods = [p["period"] for p in weekly["points"]]
    assert periods == ["2025-02-10", "2025-02-17", "2025-02-24", "2025-03-03", "2025-03-10",
                       "2025-03-17", "2025-03-24"]
    assert weekly["points"][4] == {"period": "2025-03-10", "revenue": 0, "orders": 0}
    monthly = get_ok(kstack, "/api/v1/revenue/trends/", dict(params, granularity="monthly"))
    assert [p["period"] for p in monthly["points"]] == ["2025-02-01", "2025-03-01"]
    daily = get_ok(kstack, "/api/v1/revenue/trends/", dict(params, granularity="daily"))
    assert len(daily["points"]) == 42
    gap = [p for p in daily["points"] if "2025-03-10" <= p["period"] <= "2025-03-20"]
    assert len(gap) == 11 and all(p["revenue"] == 0 and p["orders"] == 0 for p in gap)
    # every granularity adds up to the same totals, equal to the KPIs of the range
    kpis = get_ok(kstack, "/api/v1/kpis/", params)
    for body in (daily, weekly, monthly):
        assert sum(p["orders"] for p in body["points"]) == kpis["total_orders"]
        assert round(sum(p["revenue"] for p in body["points"]), 2) == kpis["total_revenue"]


def test_trends_too_many_points(kstack):
    """A trend holds at most 10,000 points (services/README.md): 0001..9999 daily is 400,
    31 years monthly is fine."""
    for granularity in ("daily", "monthly"):
        r = kstack.get("/api/v1/revenue/trends/", {"start_date": "0001-01-01",
                                                  "end_date": "9999-12-31",
                                                  "granularity": granularity})
        assert r.status_code == 400 and r.json()["error"] == "bad_request"
    body = get_ok(kstack, "/api/v1/revenue/trends/", {"start_date": "2000-01-01",
                                                     "end_date": "2030-12-31",
                                                     "granularity": "monthly"})
    assert len(body["points"]) == 31 * 12


# ----------------------------------------------------------------------------------------
# errors (SPEC §6: 400 with {"error", "detail"})

BAD = [
    {"start_date": "2024-2-01"},
    {"start_date": "2024-02-30"},
    {"end_date": "2023-02-29"},
    {"end_date": "2024-13-01"},
    {"start_date": "24-02-01"},
    {"start_date": "2024-02-01T00:00:00"},
    {"start_date": " 2024-02-01"},
    {"start_date": "2024/02/01"},
    {"end_date": "0000-01-01"},
    {"start_date": "２０２４-02-01"},
    {"start_date": "2024-03-02", "end_date": "2024-03-01"},
]
BAD_GRANULARITY = ["DAILY", "Weekly", "month", "yearly", " daily", "daily "]


@pytest.mark.parametrize("path", ["/api/v1/kpis/", "/api/v1/revenue/trends/"])
@pytest.mark.parametrize("params", BAD)
def test_bad_dates(kstack, path, params):
    r = kstack.get(path, params)
    assert r.status_code == 400, r.text
    body = r.json()
    assert set(body) == {"error", "detail"}
    assert body["error"] == "bad_request" and body["detail"]


@pytest.mark.parametrize("granularity", BAD_GRANULARITY)
def test_bad_granularity(kstack, granularity):
    r = kstack.get("/api/v1/revenue/trends/", {"granularity": granularity})
    assert r.status_code == 400, r.text
    body = r.json()
    assert set(body) == {"error", "detail"} and body["error"] == "bad_request"
    assert "granularity" in body["detail"]


def test_leap_day_is_a_date(kstack):
    body = get_ok(kstack, "/api/v1/kpis/", {"start_date": "2024-02-29", "end_date": "2024-02-29"})
    with kstack.db() as conn:
        assert without_cache(body) == expected_kpis(conn, "2024-02-29", "2024-02-29")


# ----------------------------------------------------------------------------------------
# cache


def test_cache_hit_and_miss(kstack):
    params = {"start_date": "2024-05-05", "end_date": "2024-09-09"}
    first = get_ok(kstack, "/api/v1/kpis/", params)
    assert first["cache"] == {"hit": False}
    second = get_ok(kstack, "/api/v1/kpis/", params)
    assert second["cache"] == {"hit": True}
    assert without_cache(first) == without_cache(second)
    # the same parameters in another order, plus an empty one: the same answer, a hit
    r = kstack.get("/api/v1/kpis/?end_date=2024-09-09&granularity=&start_date=2024-05-05")
    assert r.status_code == 200 and r.json()["cache"]["hit"] is True
    # other parameters miss
    assert get_ok(kstack, "/api/v1/kpis/", {"start_date": "2024-05-06", "end_date": "2024-09-09"}) \
        ["cache"]["hit"] is False
    t1 = get_ok(kstack, "/api/v1/revenue/trends/", dict(params, granularity="weekly"))
    t2 = get_ok(kstack, "/api/v1/revenue/trends/", dict(params, granularity="monthly"))
    t3 = get_ok(kstack, "/api/v1/revenue/trends/", dict(params, granularity="weekly"))
    assert (t1["cache"]["hit"], t2["cache"]["hit"], t3["cache"]["hit"]) == (False, False, True)
    # errors are never cached, and say nothing about a cache
    for _ in range(2):
        r = kstack.get("/api/v1/kpis/", {"start_date": "2024-02-30"})
        assert r.status_code == 400 and "cache" not in r.json()


def test_data_version_bump_invalidates(kstack):
    """What the ETL does after a load: the version is bumped in PostgreSQL (in the load's
    transaction) and published to Redis key ecom:data_version (services/README.md)."""
    params = {"start_date": "2024-08-01", "end_date": "2024-08-31"}
    before = get_ok(kstack, "/api/v1/kpis/", params)
    assert get_ok(kstack, "/api/v1/kpis/", params)["cache"]["hit"] is True
    trend_before = get_ok(kstack, "/api/v1/revenue/trends/", dict(params, granularity="monthly"))
    with kstack.db() as conn, conn.cursor() as cur:
        cur.execute("""INSERT INTO fact_order (order_id, order_date, customer_key, product_key,
                                               quantity, unit_price)
                       SELECT 'E2E-VERSION-1', DATE '2024-08-15', min(customer_key), 1, 3, 1000.50
                       FROM dim_customer""")
        cur.execute("UPDATE data_version SET version = version + 1 WHERE id = 1 RETURNING version")
        (version,) = cur.fetchone()
    # committed but not yet published: the cached (old) answer may still be served
    assert get_ok(kstack, "/api/v1/kpis/", params)["total_orders"] == before["total_orders"]
    assert redis_cli(kstack.redis_port, "SET", "ecom:data_version", str(version)) == "OK"
    after = get_ok(kstack, "/api/v1/kpis/", params)
    assert after["cache"]["hit"] is False
    assert after["total_orders"] == before["total_orders"] + 1
    assert after["units_sold"] == before["units_sold"] + 3
    assert after["total_revenue"] == round(before["total_revenue"] + 3001.50, 2)
    with kstack.db() as conn:
        assert without_cache(after) == expected_kpis(conn, *params.values())
    assert get_ok(kstack, "/api/v1/kpis/", params)["cache"]["hit"] is True
    trend_after = get_ok(kstack, "/api/v1/revenue/trends/", dict(params, granularity="monthly"))
    assert trend_after["cache"]["hit"] is False
    assert trend_after["points"][0]["orders"] == trend_before["points"][0]["orders"] + 1


def test_version_key_lost(kstack):
    """A flushed Redis: the version is copied back from PostgreSQL."""
    params = {"start_date": "2024-10-01"}
    get_ok(kstack, "/api/v1/kpis/", params)
    redis_cli(kstack.redis_port, "FLUSHALL")
    assert get_ok(kstack, "/api/v1/kpis/", params)["cache"]["hit"] is False
    with kstack.db() as conn, conn.cursor() as cur:
        cur.execute("SELECT version FROM data_version WHERE id = 1")
        (version,) = cur.fetchone()
    assert redis_cli(kstack.redis_port, "GET", "ecom:data_version") == str(version)
    assert get_ok(kstack, "/api/v1/kpis/", params)["cache"]["hit"] is True


def test_redis_outage(kstack):
    """Redis stopped: answers still right (from PostgreSQL), never a hit; back: hits again."""
    params = {"start_date": "2024-04-01", "end_date": "2024-04-30"}
    get_ok(kstack, "/api/v1/kpis/", params)
    assert get_ok(kstack, "/api/v1/kpis/", params)["cache"]["hit"] is True
    kstack.stop_redis()
    try:
        with kstack.db() as conn:
            expected = expected_kpis(conn, *params.values())
            expected_trend = expected_trends(conn, "weekly", *params.values())
        for _ in range(3):
            body = get_ok(kstack, "/api/v1/kpis/", params)
            assert body["cache"]["hit"] is False
            assert without_cache(body) == expected
            trend = get_ok(kstack, "/api/v1/revenue/trends/", dict(params, granularity="weekly"))
            assert trend["cache"]["hit"] is False and without_cache(trend) == expected_trend
    finally:
        kstack.restart_redis()
    time.sleep(1.5)  # the service retries Redis at most once a second
    hits = [get_ok(kstack, "/api/v1/kpis/", params)["cache"]["hit"] for _ in range(3)]
    assert hits == [False, True, True]
    outage_lines = [l for l in kstack.log("kpi-0").splitlines() if "Redis" in l and "level=warn" in l]
    assert len(outage_lines) == 1, outage_lines  # logged once, not once per request


# ----------------------------------------------------------------------------------------
# MDP: the service called directly at the broker


def mdp_call(endpoint, service, body, timeout_ms=10000):
    ctx = zmq.Context.instance()
    sock = curve_socket(ctx)      # CURVE_CERT's keys when stack.py turned CURVE on
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(endpoint)
    try:
        sock.send_multipart([b"", b"MDPC01", service.encode(), body])
        assert sock.poll(timeout_ms), "no reply from the broker"
        frames = sock.recv_multipart()
    finally:
        sock.close()
    assert frames[:3] == [b"", b"MDPC01", service.encode()] and len(frames) == 4
    return msgpack.unpackb(frames[3], raw=False)


def test_mdp_client_gets_the_http_body(kstack):
    for op, path, params in [
        ("kpis", "/api/v1/kpis/", {"start_date": "2024-06-01"}),
        ("revenue_trends", "/api/v1/revenue/trends/", {"granularity": "weekly",
                                                       "end_date": "2024-03-31"}),
    ]:
        reply = mdp_call(kstack.broker_endpoint, "kpi",
                         msgpack.packb({"op": op, "params": params}))
        assert set(reply) == {"status", "body"} and reply["status"] == 200
        http = get_ok(kstack, path, params)
        assert without_cache(reply["body"]) == without_cache(http)
        assert isinstance(reply["body"]["cache"]["hit"], bool)


def test_mdp_bad_requests(kstack):
    reply = mdp_call(kstack.broker_endpoint, "kpi", msgpack.packb({"op": "nope", "params": {}}))
    assert reply["status"] == 404 and reply["body"]["error"] == "not_found"
    for garbage in [b"", b"\xc1", msgpack.packb([1, 2]), msgpack.packb({"op": 5}),
                    msgpack.packb({"op": "kpis", "params": {"start_date": 7}}),
                    msgpack.packb({"op": "kpis", "params": {}}) + b"\x00"]:
        reply = mdp_call(kstack.broker_endpoint, "kpi", garbage)
        assert reply["status"] == 400 and reply["body"]["error"] == "bad_request"
        assert set(reply["body"]) == {"error", "detail"}
    # and the service is still fine
    reply = mdp_call(kstack.broker_endpoint, "kpi", msgpack.packb({"op": "kpis", "params": {}}))
    assert reply["status"] == 200


# ----------------------------------------------------------------------------------------
# several instances


def test_two_instances_share_and_survive_sigkill(kstack):
    """A second instance takes part of the load; SIGKILL of it during a burst loses no
    request: the broker re-sends an idempotent request held by a dead instance."""
    extra = kstack.start_kpi(env={"CACHE_TTL_SECONDS": "0"})
    with kstack.db() as conn:
        first, last = data_bounds(conn)
    days = [(first + dt.timedelta(days=i)).isoformat() for i in range(0, 120)]
    results, errors = {}, []

    def worker(items):
        session = requests.Session()
        for day in items:
            try:
                r = session.get(kstack.url("/api/v1/kpis/"), params={"start_date": day},
                                timeout=30)
                results[day] = (r.status_code, r.json())
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append((day, repr(e)))

    threads = [threading.Thread(target=worker, args=(days[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    # let both instances work, then freeze the extra one (so it surely holds a request when
    # it dies) and kill it
    deadline = time.time() + 10
    while time.time() < deadline and "msg=request" not in kstack.log(extra):
        time.sleep(0.02)
    time.sleep(0.1)
    kstack.stack.signal(extra, signal.SIGSTOP)
    time.sleep(0.3)
    kstack.stack.kill(extra)
    for t in threads:
        t.join()
    assert not errors
    assert sorted(results) == sorted(days)
    assert all(status == 200 for status, _ in results.values())
    with kstack.db() as conn:
        for day in days[::7]:
            assert without_cache(results[day][1]) == expected_kpis(conn, day, None)
    assert "msg=request" in kstack.log("kpi-0")
    assert "msg=request" in kstack.log(extra)
    # the dead instance did hold a request, which the broker re-sent (gateway/broker.h)
    assert re.search(r"requeued=[1-9]", kstack.log("gateway")), "the killed instance held no request"
    assert kstack.get("/api/v1/kpis/").status_code == 200


# ----------------------------------------------------------------------------------------
# an empty database


def test_empty_database(empty_kstack):
    s = empty_kstack
    zero = {"total_revenue": 0, "total_orders": 0, "average_order_value": 0,
            "unique_customers": 0, "units_sold": 0, "new_customers": 0, "returning_customers": 0}
    body = get_ok(s, "/api/v1/kpis/")
    assert without_cache(body) == dict(zero, start_date=None, end_date=None)
    body = get_ok(s, "/api/v1/kpis/", {"start_date": "2024-01-01"})
    assert without_cache(body) == dict(zero, start_date="2024-01-01", end_date=None)
    body = get_ok(s, "/api/v1/kpis/", {"start_date": "2024-01-01", "end_date": "2024-01-31"})
    assert without_cache(body) == dict(zero, start_date="2024-01-01", end_date="2024-01-31")
    for g in ("daily", "weekly", "monthly"):
        body = get_ok(s, "/api/v1/revenue/trends/", {"granularity": g})
        assert without_cache(body) == {"granularity": g, "start_date": None, "end_date": None,
                                       "points": []}
    body = get_ok(s, "/api/v1/revenue/trends/", {"granularity": "weekly",
                                                "start_date": "2024-01-03",
                                                "end_date": "2024-01-15"})
    assert body["points"] == [{"period": d, "revenue": 0, "orders": 0}
                              for d in ("2024-01-01", "2024-01-08", "2024-01-15")]


# ----------------------------------------------------------------------------------------
# the binary


def test_help_and_bad_arguments(kstack):
    r = subprocess.run([binary("ecom-kpi"), "--help"], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 0 and "kpis" in r.stdout and "revenue_trends" in r.stdout
    r = subprocess.run([binary("ecom-kpi"), "--frobnicate"], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1 and "--frobnicate" in r.stderr


def test_sigterm_finishes_cleanly(kstack):
    name = kstack.start_kpi()
    for _ in range(5):
        assert kstack.get("/api/v1/kpis/", {"end_date": "2024-12-31"}).status_code == 200
    kstack.stack.signal(name, signal.SIGTERM)
    assert kstack.stack.procs[name].wait(timeout=20) == 0
    assert "stopping on signal" in kstack.log(name)
    # (its log is checked for sanitizer reports, leaks included, when the module ends)
