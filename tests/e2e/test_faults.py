"""Faults under load (issue 20): each test reproduces one fault with the e2e harness's real
processes (loopback only, bounded in time) and asserts what a client sees and how soon it
recovers. The figures each test prints (pytest -s) are the ones of docs/reliability.md.

- a hung (SIGSTOP'd) Redis: kpi keeps answering from PostgreSQL at a useful rate;
- PostgreSQL connections cut by the server (what a restart does to a service's connection):
  POST /api/v1/etl/trigger/ is answered at the first try;
- a restarted gateway: calls that come before the workers re-registered are held (start
  grace), not refused; the last worker of a service dying with calls logs the truth;
- a killed (SIGKILL) and restarted Redis: every answer right, none refused, caching resumes;
- ETL SIGKILLed mid-load: nothing of the load lands, the run is marked failed, the next
  trigger loads the file exactly once (fact_order checked against the file).
"""
import csv
import os
import re
import signal
import socket
import threading
import time
from decimal import Decimal

import jwt
import pytest
import requests

from mdp_peer import HOLD
from stack import without_cache

pytestmark = pytest.mark.skipif(not os.environ.get("DATABASE_URL"),
                                reason="needs DATABASE_URL (a PostgreSQL server to create databases on)")

SEED = {"orders": 3000, "random_seed": 20}


class Load:
    """A few keep-alive clients requesting one path in a loop; every answer is checked
    against the expected body (without its "cache" field)."""

    def __init__(self, stack, path, expected, clients=4):
        self.stack, self.path, self.expected = stack, path, expected
        self.stop_flag = threading.Event()
        self.lock = threading.Lock()
        self.done = []     # (finished at, status)
        self.hits = []     # sent at, of each 200 served from the cache (X-Cache: HIT): a
                           # request sent before a fault may finish after it, late on a
                           # loaded machine
        self.wrong = []
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(clients)]

    def _run(self):
        s = requests.Session()
        while not self.stop_flag.is_set():
            try:
                sent = time.time()
                r = s.get(self.stack.url(self.path), timeout=10)
                status = r.status_code
                if status == 200 and without_cache(r.json()) != self.expected:
                    with self.lock:
                        self.wrong.append(r.text[:200])
                if status == 200 and r.headers.get("X-Cache") == "HIT":
                    with self.lock:
                        self.hits.append(sent)
            except requests.RequestException:
                status = 0
                s = requests.Session()
            with self.lock:
                self.done.append((time.time(), status))

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop_flag.set()
        for t in self.threads:
            t.join(timeout=15)

    def window(self, start, end):
        """(requests per second, statuses other than 200) finished in [start, end)."""
        with self.lock:
            inside = [st for t, st in self.done if start <= t < end]
        return len(inside) / (end - start), [st for st in inside if st != 200]


def _bearer(stack):
    now = int(time.time())
    return {"Authorization": "Bearer " + jwt.encode(
        {"sub": "7", "iat": now, "exp": now + 600, "jti": "faults", "token_type": "access"},
        stack.jwt_secret, algorithm="HS256")}


def _whole_data(stack):
    """(orders, units, revenue) of fact_order, computed by PostgreSQL: what GET
    /api/v1/kpis/ without dates must say."""
    (orders, units, revenue), = stack.execute(
        "SELECT count(*), coalesce(sum(quantity), 0), coalesce(sum(total_amount), 0)"
        " FROM fact_order")
    return orders, units, Decimal(revenue)


def _kpis_match(body, data):
    orders, units, revenue = data
    return (body["total_orders"], body["units_sold"],
            Decimal(str(body["total_revenue"])).quantize(Decimal("0.01"))) == (orders, units, revenue)


# -- 1. a hung Redis -----------------------------------------------------------------------


def test_hung_redis_costs_one_timeout_per_second(make_stack):
    stack = make_stack(seed=SEED, services={"kpi": 2},
                       env={"CACHE_TTL_SECONDS": "300", "REQUEST_TIMEOUT_MS": "10000"})
    path = "/api/v1/kpis/"
    expected = without_cache(requests.get(stack.url(path), timeout=10).json())
    with Load(stack, path, expected) as load:
        time.sleep(3)
        t0 = time.time()
        stack.signal("redis", signal.SIGSTOP)
        try:
            time.sleep(6)
        finally:
            t1 = time.time()
            stack.signal("redis", signal.SIGCONT)
        time.sleep(3)
        t2 = time.time()
    before, bad_before = load.window(t0 - 2.5, t0)
    stalled, bad_stalled = load.window(t0 + 0.5, t1)
    after, bad_after = load.window(t1 + 1.5, t2)
    print(f"\nhung redis: {before:.0f} req/s before, {stalled:.0f} req/s during a 6 s SIGSTOP "
          f"({100 * stalled / before:.0f} %), {after:.0f} req/s after SIGCONT")
    assert not load.wrong, load.wrong[:3]
    assert not bad_before + bad_stalled + bad_after
    # Before the fix: ~2-5 % (every batch waited out the 250 ms command timeout).
    assert stalled >= 0.25 * before, (before, stalled)
    # The fault cut the rate to 3 % (issue 20); fixed, it stays within reach of the rate
    # before (62-119 % on a quiet machine, 35 % seen on a machine loaded with other builds).
    # The bound only has to tell those apart, not time anything.
    assert after >= 0.2 * before, (before, after)
    for name in ("kpi-0", "kpi-1"):
        log = stack.log(name)
        # One outage each, no flapping between "lost" and "reachable again".
        assert log.count("Redis is reachable again") <= 1, log[-2000:]


# -- 2. PostgreSQL connections cut --------------------------------------------------------


def test_etl_trigger_after_the_server_cut_connections(make_stack):
    stack = make_stack(database=True, services={"etl": 1},
                       env={"ETL_SCHEDULE_SECONDS": "0", "ETL_SOURCE": "/nonexistent.csv"})
    now = int(time.time())
    auth = {"Authorization": "Bearer " + jwt.encode(
        {"sub": "7", "iat": now, "exp": now + 300, "jti": "faults", "token_type": "access"},
        stack.jwt_secret, algorithm="HS256")}
    trigger = stack.url("/api/v1/etl/trigger/")
    assert requests.post(trigger, headers=auth, timeout=10).status_code == 202
    # What a PostgreSQL restart does to every connection of the service (without touching
    # the PostgreSQL the other tests share): the server ends them.
    (cut,), = stack.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                            " WHERE datname = current_database() AND pid <> pg_backend_pid()")
    assert cut >= 1
    started = time.time()
    r = requests.post(trigger, headers=auth, timeout=10)
    took = time.time() - started
    print(f"\netl trigger after its connection was cut: {r.status_code} in {1000 * took:.0f} ms")
    assert r.status_code == 202, r.text
    log = stack.log("etl-0")
    assert "PostgreSQL connection lost, resetting" in log
    assert 'error=""' not in log


# -- 3. a restarted gateway ----------------------------------------------------------------


def _wait_listening(stack, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            requests.get(stack.url("/healthz"), timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.005)
    raise AssertionError("the gateway does not listen")


def test_restarted_gateway_holds_calls_until_workers_return(make_stack):
    stack = make_stack(seed=SEED, services={"kpi": 2})
    path = "/api/v1/kpis/"
    expected = without_cache(requests.get(stack.url(path), timeout=10).json())
    stack.kill("gateway")
    killed = time.time()
    stack.start_gateway()
    stack.forget("gateway")
    _wait_listening(stack)
    listening = time.time()
    with Load(stack, path, expected, clients=4) as load:
        stack.wait_workers({"kpi": 2}, timeout=10)
        registered = time.time()
        time.sleep(1)
    rate, bad = load.window(listening, time.time())
    first_ok = min(t for t, st in load.done if st == 200)
    print(f"\nrestarted gateway: listening {1000 * (listening - killed):.0f} ms after the kill, "
          f"both workers back {1000 * (registered - listening):.0f} ms after that; "
          f"first 200 at +{1000 * (first_ok - listening):.0f} ms; {len(load.done)} requests, "
          f"{len(bad)} not 200")
    assert not load.wrong
    assert not bad, bad[:5]


def test_start_grace_is_bounded(make_stack):
    stack = make_stack(env={"GATEWAY_START_GRACE_MS": "1000", "REQUEST_TIMEOUT_MS": "5000"})
    started = time.time()
    r = requests.get(stack.url("/api/v1/kpis/"), timeout=10)
    took = time.time() - started
    assert r.status_code == 503 and "no instance" in r.json()["detail"], r.text
    assert took < 1.5
    # After the grace: refused at once.
    started = time.time()
    r = requests.get(stack.url("/api/v1/kpis/"), timeout=10)
    assert r.status_code == 503 and time.time() - started < 0.5


def test_last_worker_dying_logs_the_failed_calls(make_stack, mdp_worker):
    stack = make_stack(env={"REQUEST_TIMEOUT_MS": "15000", "GATEWAY_START_GRACE_MS": "0"})
    worker = mdp_worker(stack.broker_endpoint, "kpi", lambda req: HOLD)
    stack.wait_workers({"kpi": 1})
    results = []

    def call():
        results.append(requests.get(stack.url("/api/v1/kpis/"), timeout=20))

    threads = [threading.Thread(target=call) for _ in range(3)]
    for t in threads:
        t.start()
    worker.wait_received(1)
    time.sleep(0.3)
    worker.die()
    for t in threads:
        t.join()
    assert [r.status_code for r in results] == [503] * 3
    deadline = time.time() + 5
    while "worker gone" not in stack.log("gateway") and time.time() < deadline:
        time.sleep(0.1)
    line = [ln for ln in stack.log("gateway").splitlines() if "worker gone" in ln][-1]
    held = int(re.search(r"failed=(\d+)", line).group(1))
    queued = int(re.search(r"queue_failed=(\d+)", line).group(1))
    assert "requeued=0" in line and held + queued == 3 and "workers_left=0" in line, line


# -- work stops when nobody waits ---------------------------------------------------------


def test_query_stops_before_the_gateway_gives_up(make_stack):
    """A query that waits (here on a lock a test transaction holds on fact_order) is cancelled
    by its statement timeout (REQUEST_TIMEOUT_MS less a tenth) before the gateway's timeout:
    it is gone from pg_stat_activity within a second of the deadline."""
    timeout_ms = 3000
    stack = make_stack(seed=SEED, services={"orders": 1},
                       env={"REQUEST_TIMEOUT_MS": str(timeout_ms)})
    now = int(time.time())
    auth = {"Authorization": "Bearer " + jwt.encode(
        {"sub": "t", "iat": now, "exp": now + 300, "jti": "faults", "token_type": "access"},
        stack.jwt_secret, algorithm="HS256")}
    holder = stack.db()
    try:
        with holder.cursor() as cur:
            cur.execute("LOCK TABLE fact_order IN ACCESS EXCLUSIVE MODE")
        started = time.time()
        r = requests.get(stack.url("/api/v1/orders/?page=2"), headers=auth, timeout=20)
        answered = time.time() - started
        waiting = None
        while time.time() < started + timeout_ms / 1000 + 1.0:
            (waiting,), = stack.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock'")
            if waiting == 0:
                break
            time.sleep(0.05)
        gone = time.time() - started
    finally:
        holder.rollback()
        holder.close()
    print(f"\nblocked query: {r.status_code} after {1000 * answered:.0f} ms, no query waiting "
          f"{1000 * gone:.0f} ms after the request (gateway timeout {timeout_ms} ms)")
    assert r.status_code == 504, r.text
    assert waiting == 0
    assert gone < timeout_ms / 1000 + 1.0


# -- 4. Redis killed and started again ------------------------------------------------------


def _restart_redis(stack):
    """Starts redis-server again on the port the services know (empty, as after a crash);
    returns when it answers PING."""
    stack._spawn("redis", ["redis-server", "--port", str(stack.redis_port), "--bind",
                           "127.0.0.1", "--save", "", "--appendonly", "no"])
    stack.forget("redis")
    deadline = time.time() + 10
    while True:
        try:
            with socket.create_connection(("127.0.0.1", stack.redis_port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    return
        except OSError:
            pass
        assert time.time() < deadline, "redis-server did not start: " + stack.log("redis")
        time.sleep(0.02)


def test_killed_redis_costs_no_answer_and_caching_resumes(make_stack):
    stack = make_stack(seed=SEED, services={"kpi": 2},
                       env={"CACHE_TTL_SECONDS": "300", "REQUEST_TIMEOUT_MS": "10000"})
    path = "/api/v1/kpis/"
    expected = without_cache(requests.get(stack.url(path), timeout=10).json())
    assert _kpis_match(expected, _whole_data(stack)), expected
    with Load(stack, path, expected) as load:
        time.sleep(3)
        t0 = time.time()
        stack.kill("redis")                     # SIGKILL: connections reset, nothing kept
        time.sleep(4)
        _restart_redis(stack)
        t1 = time.time()
        deadline = t1 + 10
        while not [t for t in load.hits if t > t1] and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(2)
        t2 = time.time()
    before, bad_before = load.window(t0 - 2.5, t0)
    down, bad_down = load.window(t0 + 0.5, t1)
    after, bad_after = load.window(t1 + 1, t2)
    hits_down = [t for t in load.hits if t0 + 0.5 < t < t1]
    first_hit = min((t for t in load.hits if t > t1), default=None)
    recovered = f"{1000 * (first_hit - t1):.0f} ms" if first_hit else "never"
    print(f"\nkilled redis: {before:.0f} req/s before, {down:.0f} req/s without Redis "
          f"({100 * down / before:.0f} %), {after:.0f} req/s after the restart; "
          f"{len(load.done)} requests, {len(bad_before + bad_down + bad_after)} not 200; "
          f"first cache hit {recovered} after Redis answered again")
    assert not load.wrong, load.wrong[:3]
    assert not bad_before + bad_down + bad_after
    assert not hits_down              # nothing claimed to come from a cache that is gone
    assert first_hit is not None and first_hit - t1 < 3.0
    assert down >= 0.2 * before, (before, down)
    for name in ("kpi-0", "kpi-1"):
        log = stack.log(name)
        assert "Redis connection lost" in log and "Redis is reachable again" in log, log[-2000:]


# -- 5. ETL SIGKILLed mid-load --------------------------------------------------------------


def _orders_file(path, rows):
    """A CSV export of rows new orders (ids ETL-..., apart from the seed's ORD-...); returns
    (rows, units, revenue) computed from the file."""
    units, revenue = 0, Decimal(0)
    with open(path, "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["order_id", "order_date", "customer_id", "customer_name", "customer_email",
                      "customer_city", "customer_country", "product_id", "product_name",
                      "product_category", "quantity", "unit_price"])
        for i in range(rows):
            quantity, price = 1 + i % 4, Decimal(f"{1 + i % 97}.{i % 100:02d}")
            out.writerow([f"ETL-{i:08d}", f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}",
                          f"EC{i % 2000:05d}", f"Customer {i % 2000}", f"ec{i % 2000}@example.com",
                          "Oslo", "Norway", f"EP{i % 40:03d}", f"Thing {i % 40}", "Misc",
                          quantity, price])
            units += quantity
            revenue += quantity * price
    return rows, units, revenue


def _runs(stack):
    r = requests.get(stack.url("/api/v1/etl/status/"), params={"limit": 100},
                     headers=_bearer(stack), timeout=10)
    assert r.status_code == 200, r.text
    return {run["task_id"]: run for run in r.json()["runs"]}


def _trigger(stack):
    r = requests.post(stack.url("/api/v1/etl/trigger/"), headers=_bearer(stack), timeout=10)
    assert r.status_code == 202, r.text
    return r.json()["task_id"]


def _wait_run(stack, task, states, timeout):
    deadline = time.time() + timeout
    while True:
        run = _runs(stack).get(task)
        if run and run["status"] in states:
            return run
        assert time.time() < deadline, f"run {task} never reached {states}: {run}"
        time.sleep(0.05)


def test_etl_killed_mid_load_loses_and_duplicates_nothing(make_stack, tmp_path):
    rows, units, revenue = _orders_file(tmp_path / "orders.csv", 200000)
    stack = make_stack(seed=SEED, services={"kpi": 2, "etl": 1},
                       env={"ETL_SOURCE": str(tmp_path / "orders.csv"),
                            "ETL_SCHEDULE_SECONDS": "0", "REQUEST_TIMEOUT_MS": "10000"})
    path = "/api/v1/kpis/"
    expected = without_cache(requests.get(stack.url(path), timeout=10).json())
    seeded = _whole_data(stack)
    assert _kpis_match(expected, seeded), expected
    with Load(stack, path, expected) as load:
        time.sleep(1)
        task = _trigger(stack)
        _wait_run(stack, task, ("running",), timeout=30)
        time.sleep(0.3)
        stack.kill("etl-0")                     # SIGKILL mid-load
        killed = time.time()
        (status,), = stack.execute("SELECT status FROM etl_runs WHERE task_id::text = %s", (task,))
        assert status == "running"             # it was killed before it finished
        assert _whole_data(stack) == seeded    # nothing of the load committed
        stack.start_service("etl")
        stack.wait_workers({"etl": 1})
        restarted = time.time()
        # The killed loader's run lock (ETL_LOCK_CLASS 4242, the run id) is held by its
        # PostgreSQL backend until that backend ends: only then can a runner mark the run.
        held = restarted
        deadline = restarted + 20
        while True:
            (locks, status), = stack.execute(
                "SELECT (SELECT count(*) FROM pg_locks l WHERE l.locktype = 'advisory'"
                "        AND l.classid = 4242 AND l.objid = r.run_id AND l.granted),"
                "       r.status FROM etl_runs r WHERE r.task_id::text = %s", (task,))
            if locks:
                held = time.time()
            if status != "running" or time.time() > deadline:
                break
            time.sleep(0.05)
        marked = time.time()
        failed = _runs(stack)[task]
        time.sleep(1)
    print(f"\netl killed mid-load: {len(load.done)} kpi requests meanwhile, "
          f"{len(load.window(0, time.time())[1])} not 200; new instance registered "
          f"{1000 * (restarted - killed):.0f} ms after the kill; the dead loader's lock held "
          f"until {1000 * (held - killed):.0f} ms after the kill; the run marked failed "
          f"{1000 * (marked - killed):.0f} ms after the kill")
    assert failed["status"] == "failed" and "interrupted" in failed["error"], failed
    assert not load.wrong, load.wrong[:3]
    assert not load.window(0, time.time())[1]
    assert _whole_data(stack) == seeded

    started = time.time()
    again = _trigger(stack)
    run = _wait_run(stack, again, ("failed", "success"), timeout=180)
    took = time.time() - started
    assert (run["status"], run["rows_loaded"]) == ("success", rows), run
    (loaded, loaded_units, loaded_revenue, distinct), = stack.execute(
        "SELECT count(*), sum(quantity), sum(total_amount), count(DISTINCT order_id)"
        " FROM fact_order WHERE order_id LIKE 'ETL-%'")
    assert (loaded, loaded_units, Decimal(loaded_revenue), distinct) == (rows, units, revenue, rows)
    total = _whole_data(stack)
    assert total == (seeded[0] + rows, seeded[1] + units, seeded[2] + revenue)
    # The kpi instances see the new data (from a new data version), right to the cent.
    deadline = time.time() + 20
    while True:
        body = requests.get(stack.url(path), timeout=10).json()
        if _kpis_match(body, total):
            break
        assert time.time() < deadline, (body, total)
        time.sleep(0.2)
    visible = time.time() - started
    # The same file once more loads nothing.
    last = _wait_run(stack, _trigger(stack), ("failed", "success"), timeout=180)
    assert (last["status"], last["rows_loaded"], last["rows_skipped"]) == ("success", 0, rows), last
    assert _whole_data(stack) == total
    print(f"reload after the kill: {rows} rows in {1000 * took:.0f} ms, in the kpis "
          f"{1000 * visible:.0f} ms after the trigger; a third load skipped all {rows}")
