"""Caches across instances, end to end (services/README.md, "Caching"; issue 15):

- identical misses arriving at several instances at once are computed once: the instance
  that takes the key's Redis lock computes, the others wait for its answer (their log line
  says cache=wait), and an instance whose lock holder died computes after the lock expires;
- after a load that changes data, every instance notices the new data version within a
  second and the views the dashboard opens with are computed once among the instances and
  cached, so that they are hits within 10 s of the load returning, with the new data.

One stack for the module: a seeded database, a private redis-server, the gateway and two
instances each of ecom-kpi, ecom-product and ecom-customer. Computations are counted from
the services' request log lines (one per request: cache=miss is a computation) and from
their warm-run lines (msg="cache warmed" ... computed=N)."""
import hashlib
import os
import re
import subprocess
import threading
import time

import pytest
import requests

from stack import without_cache

pytestmark = pytest.mark.skipif(not os.environ.get("DATABASE_URL"),
                                reason="needs DATABASE_URL (a PostgreSQL server to create databases on)")

SERVICES = {"kpi": 2, "product": 2, "customer": 2}
INSTANCES = [f"{s}-{i}" for s, n in SERVICES.items() for i in range(n)]
ENV = {"CACHE_TTL_SECONDS": "300", "REQUEST_TIMEOUT_MS": "20000"}
HEADER = ("order_id,order_date,customer_id,customer_name,customer_email,customer_city,"
          "customer_country,product_id,product_name,product_category,quantity,unit_price")

# What the dashboard asks for when the Overview and the Customers pages open without a date
# range (dashboard/public/js/views/overview.js, customers.js), and each analytics route
# without parameters: service -> [(path, params)].
DEFAULT_VIEWS = {
    "kpi": [("/api/v1/kpis/", {}), ("/api/v1/kpis/", {"compare": "previous_period"}),
            ("/api/v1/revenue/trends/", {}),
            ("/api/v1/revenue/trends/", {"granularity": "monthly"}),
            ("/api/v1/revenue/trends/", {"granularity": "monthly", "compare": "previous_period"}),
            ("/api/v1/revenue/breakdown/", {}),
            ("/api/v1/revenue/breakdown/", {"by": "country", "limit": "10"}),
            ("/api/v1/revenue/breakdown/", {"by": "country", "limit": "100"}),
            ("/api/v1/revenue/breakdown/", {"by": "category", "limit": "100"})],
    "product": [("/api/v1/products/top-sellers/", {}),
                ("/api/v1/products/top-sellers/", {"metric": "revenue", "limit": "10"})],
    "customer": [("/api/v1/customers/segments/", {}), ("/api/v1/customers/cohorts/", {})],
}

REQUEST_LINE = re.compile(r"msg=request op=(\S+) status=(\d+) cache=(\S+) duration_ms=(\S+) "
                          r"request_id=(\S+)")
WARM_LINE = re.compile(r'msg="cache warmed" version=(\d+) views=(\d+) computed=(\d+) '
                       r"cached=(\d+) skipped=(\d+) failed=(\d+) duration_ms=(\S+)")


@pytest.fixture(scope="module")
def stack(make_stack):
    s = make_stack(seed={"orders": 5000, "random_seed": 23}, services=SERVICES, env=ENV)
    # every instance has done its first warm run (at start) before the tests count anything
    wait_for(lambda: all(warm_runs(s, name) for name in INSTANCES), 30, "first warm runs")
    return s


def wait_for(predicate, timeout, what):
    deadline = time.time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.time() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def redis_cli(stack, *args):
    r = subprocess.run(["redis-cli", "-p", str(stack.redis_port), *args], capture_output=True,
                       text=True, timeout=10)
    return r.stdout.strip()


def version(stack):
    return int(redis_cli(stack, "GET", "ecom:data_version"))


def cache_key(version, service, op, params):
    """The entry's key as svc_cache_key() makes it: BLAKE2b-128 over the parameters, sorted
    by name, each as "<len>:<name><len>:<value>" (params: exactly the op's declared
    parameters that the request gives, non-empty)."""
    h = hashlib.blake2b(digest_size=16)
    for name in sorted(params):
        for text in (name, params[name]):
            data = text.encode()
            h.update(f"{len(data)}:".encode() + data)
    return f"ecom:cache:v{version}:{service}:{op}:{h.hexdigest()}"


def request_lines(stack, name, prefix):
    """(op, status, cache, duration_ms, request_id) of the instance's request lines whose
    request id starts with prefix."""
    return [(op, int(status), cache, float(ms), rid)
            for op, status, cache, ms, rid in REQUEST_LINE.findall(stack.log(name))
            if rid.startswith(prefix)]


def warm_runs(stack, name):
    """The instance's warm-run lines as dicts."""
    keys = ("version", "views", "computed", "cached", "skipped", "failed")
    return [dict(zip(keys, map(int, m[:6])), duration_ms=float(m[6]))
            for m in WARM_LINE.findall(stack.log(name))]


def burst(stack, path, params, prefix, count=40):
    """count identical requests at once (threads released together), each with request
    id <prefix><i>; returns the responses."""
    start = threading.Barrier(count)
    responses, errors = [None] * count, []

    def one(i):
        try:
            start.wait()
            responses[i] = requests.get(stack.url(path), params=params, timeout=30,
                                        headers={"X-Request-Id": f"{prefix}{i}"})
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(repr(e))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return responses


def served(stack, service, prefix, count):
    """Waits for the log lines of the count requests with prefix at service's instances;
    returns {instance: [line, ...]}."""
    names = [n for n in INSTANCES if n.startswith(service + "-")]
    lines = wait_for(lambda: (lambda ls: ls if sum(map(len, ls.values())) >= count else None)(
        {n: request_lines(stack, n, prefix) for n in names}), 10, f"the lines of {prefix}*")
    assert sum(map(len, lines.values())) == count
    return lines


# ----------------------------------------------------------------------------------------
# identical misses at several instances


def test_identical_misses_at_two_instances_compute_once(stack):
    params = {"start_date": "2024-03-17", "end_date": "2025-09-12"}
    responses = burst(stack, "/api/v1/kpis/", params, "same-")
    assert all(r.status_code == 200 for r in responses)
    bodies = [r.json() for r in responses]
    assert all(without_cache(b) == without_cache(bodies[0]) for b in bodies)
    lines = served(stack, "kpi", "same-", 40)
    states = [line[2] for ls in lines.values() for line in ls]
    assert states.count("miss") == 1, lines
    assert set(states) <= {"miss", "wait", "hit"}, lines
    # both instances took part (the broker gives each call to the one holding fewer)
    assert all(lines.values()), lines
    # the computed answer is the one every request got, and a hit now
    assert sum(b["cache"]["hit"] is False for b in bodies) == 1
    again = requests.get(stack.url("/api/v1/kpis/"), params=params, timeout=10)
    assert again.headers["X-Cache"] == "HIT"
    assert without_cache(again.json()) == without_cache(bodies[0])
    assert redis_cli(stack, "KEYS", "ecom:lock:*") == ""


def test_waiters_at_both_instances_and_a_holder_that_died(stack):
    """A lock whose holder died (planted here, never released): the requests at both
    instances wait until it expires, then exactly one computes and the others get its
    answer. The wait outlasts the broker's liveness window (3 s): the waiting instances go
    on heartbeating and are not purged."""
    params = {"start_date": "2024-05-02", "end_date": "2025-04-30"}
    key = cache_key(version(stack), "kpi", "kpis", params)
    gone_before = stack.log("gateway").count('msg="worker gone"')
    assert redis_cli(stack, "SET", "ecom:lock:" + key, "a-dead-instance", "PX", "4000") == "OK"
    started = time.time()
    responses = burst(stack, "/api/v1/kpis/", params, "dead-")
    assert all(r.status_code == 200 for r in responses)
    assert time.time() - started >= 3.9
    assert stack.log("gateway").count('msg="worker gone"') == gone_before
    lines = served(stack, "kpi", "dead-", 40)
    states = [line[2] for ls in lines.values() for line in ls]
    assert states.count("miss") == 1, lines
    assert set(states) <= {"miss", "wait", "hit"}, lines
    # every instance had a request waiting for the lock (those that arrived meanwhile
    # queued behind it and were hits after)
    assert all(any(line[3] >= 3100 for line in ls) for ls in lines.values()), lines
    assert redis_cli(stack, "EXISTS", key) == "1"
    assert redis_cli(stack, "EXISTS", "ecom:lock:" + key) == "0"


# ----------------------------------------------------------------------------------------
# warm after a load


def test_default_views_are_hits_within_10s_of_a_load(stack, tmp_path):
    before = requests.get(stack.url("/api/v1/kpis/"), timeout=10).json()
    v0 = version(stack)
    runs_before = {name: len(warm_runs(stack, name)) for name in INSTANCES}
    csv = tmp_path / "one_order.csv"
    csv.write_text(HEADER + "\n" + "CACHE-WARM-1,2025-12-31,CUST-WARM,Warm Tester,"
                   "warm@example.com,Bergen,Norway,SKU-WARM,Warm Widget,Testing,2,10.50\n")
    stack.ecomctl("load-csv", str(csv))
    loaded = time.time()
    v1 = version(stack)
    assert v1 > v0

    # a request right after the load never shows the old data, whoever answers it
    now = requests.get(stack.url("/api/v1/kpis/"), timeout=10).json()
    assert now["total_orders"] == before["total_orders"] + 1

    # every instance notices the new version and runs its warm list
    def new_runs():
        runs = {name: [r for r in warm_runs(stack, name)[runs_before[name]:]
                       if r["version"] == v1] for name in INSTANCES}
        return runs if all(runs.values()) else None

    runs = wait_for(new_runs, 10, f"warm runs at version {v1}")
    warmed = time.time() - loaded
    # each view computed once among a service's instances (the others found it cached or
    # left it to the one computing it), none failed
    for service, views in DEFAULT_VIEWS.items():
        mine = [runs[n][0] for n in INSTANCES if n.startswith(service + "-")]
        assert all(r["views"] == len(views) and r["failed"] == 0 for r in mine), mine
        # the kpis request above may have computed one view itself, before the runs did
        assert sum(r["computed"] for r in mine) + (service == "kpi") >= len(views), mine
        assert sum(r["computed"] for r in mine) <= len(views), mine

    # the entries are in Redis under the new version, and the dashboard's first view hits
    for service, views in DEFAULT_VIEWS.items():
        for path, params in views:
            r = requests.get(stack.url(path), params=params, timeout=10)
            assert r.status_code == 200, r.text
            assert r.headers["X-Cache"] == "HIT", (path, params)
    kpis = requests.get(stack.url("/api/v1/kpis/"), timeout=10).json()
    assert kpis["total_orders"] == before["total_orders"] + 1
    assert kpis["cache"]["hit"] is True
    trend = requests.get(stack.url("/api/v1/revenue/trends/"), params={"granularity": "monthly"},
                         timeout=10).json()
    assert trend["points"][-1]["period"] == "2025-12-01"
    hit_by = time.time() - loaded
    assert hit_by < 10, f"{hit_by:.1f} s from the load to the dashboard's views being hits"
    print(f"\nload returned -> every instance warmed: {warmed:.2f} s; "
          f"-> all {sum(map(len, DEFAULT_VIEWS.values()))} default views hits: {hit_by:.2f} s; "
          f"warm runs: {[(n, runs[n][0]['computed'], runs[n][0]['duration_ms']) for n in INSTANCES]}")


def test_warm_keys_are_the_dashboards(stack):
    """The warm lists name exactly the requests the dashboard sends (the keys are the
    entries a warm run left in Redis)."""
    v = version(stack)
    for service, views in DEFAULT_VIEWS.items():
        for path, params in views:
            op = {"/api/v1/kpis/": "kpis", "/api/v1/revenue/trends/": "revenue_trends",
                  "/api/v1/products/top-sellers/": "top_sellers",
                  "/api/v1/customers/segments/": "segments",
                  "/api/v1/revenue/breakdown/": "revenue_breakdown",
                  "/api/v1/customers/cohorts/": "cohorts"}[path]
            assert redis_cli(stack, "EXISTS", cache_key(v, service, op, params)) == "1", (op, params)
