"""Read replicas (SPEC §11, issue 16 item 4): DATABASE_READ_URL pointed at a real streaming
standby that this module makes (pg_basebackup -R from the harness's PostgreSQL, started on a
free loopback port in a temporary folder, removed at the end).

Covered: the read-only services (kpi, product, customer, orders) hold their connections on
the standby and none on the primary, while etl writes to the primary (DATABASE_URL); with the
standby's replay paused (pg_wal_replay_pause()), a load through the ETL moves the data version
in Redis, yet the answers are the standby's older data, never cached (no key under the new
version, "cache": {"hit": false} every time, logged cache=behind); after
pg_wal_replay_resume() the answers show the load within a bounded time, cached under the new
version, every number checked against SQL on the primary, and the views warmed while the
standby lagged are warmed over; a Redis flushed while the standby lags takes the standby's
version and follows the standby when it catches up."""
import contextlib
import datetime
import os
import re
import shutil
import subprocess
import tempfile
import time
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlsplit, urlunsplit

import jwt
import psycopg2
import pytest
import requests

from stack import free_port

PGBIN = "/usr/lib/postgresql/15/bin"
SEED = {"orders": 3000, "customers": 400, "products": 30, "days": 120, "random_seed": 5}
READERS = ("kpi", "product", "customer", "orders")
HEADER = ("order_id,order_date,customer_id,customer_name,customer_email,customer_city,"
          "customer_country,product_id,product_name,product_category,quantity,unit_price")
NEW_ORDERS = 25
WARM_LINE = re.compile(r'msg="cache warmed" version=(\d+) .* behind=(\d+)')
CATCH_UP_S = 15  # the bound on answers showing the load once replay resumes


def as_postgres(argv):
    """argv as the postgres user when we are root (PostgreSQL refuses to run as root)."""
    return (["runuser", "-u", "postgres", "--"] + argv) if os.getuid() == 0 else argv


class Standby:
    """A hot standby of the harness's PostgreSQL (DATABASE_URL's server)."""

    def __init__(self):
        self.primary = urlsplit(os.environ["DATABASE_URL"])
        self.dir = tempfile.mkdtemp(prefix="ecom-standby-")
        os.chmod(self.dir, 0o755)
        if os.getuid() == 0:
            shutil.chown(self.dir, "postgres")
        self.data = os.path.join(self.dir, "data")
        self.port = free_port()
        self.started = False

    def _run(self, argv, timeout):
        env = dict(os.environ, PGPASSWORD=self.primary.password or "")
        r = subprocess.run(as_postgres(argv), env=env, capture_output=True, text=True,
                           timeout=timeout)
        assert r.returncode == 0, f"{' '.join(argv)}: {r.stdout}{r.stderr}"

    def start(self):
        self._run([f"{PGBIN}/pg_basebackup", "-h", self.primary.hostname, "-p",
                   str(self.primary.port), "-U", self.primary.username, "-D", self.data,
                   "-R", "-X", "stream", "-c", "fast", "--no-sync"], timeout=300)
        self._run([f"{PGBIN}/pg_ctl", "-D", self.data, "-l", os.path.join(self.dir, "log"),
                   "-w", "-t", "60", "-o",
                   f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} "
                   "-c hot_standby=on -c fsync=off", "start"], timeout=90)
        self.started = True

    def stop(self):
        if self.started:
            subprocess.run(as_postgres([f"{PGBIN}/pg_ctl", "-D", self.data, "-m", "immediate",
                                        "-w", "-t", "30", "stop"]),
                           capture_output=True, timeout=60)
        shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, database):
        netloc = f"{self.primary.username}:{self.primary.password}@127.0.0.1:{self.port}"
        return urlunsplit(self.primary._replace(netloc=netloc, path="/" + database))

    def query(self, database, sql):
        with contextlib.closing(psycopg2.connect(self.url(database))) as conn:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(sql)
                return cur.fetchall() if cur.description else None


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def replica(make_stack):
    """(stack, standby): a seeded database on the primary, its standby, every read-only
    service reading the standby, etl and the gateway on the primary."""
    stack = make_stack(seed=SEED, start=False)
    stack.create_database()
    standby = Standby()
    try:
        standby.start()
        primary_lsn = stack.execute("SELECT pg_current_wal_lsn()::text")[0][0]
        wait_for(lambda: standby.query(stack.db_name, "SELECT pg_last_wal_replay_lsn() >= "
                                       f"'{primary_lsn}'::pg_lsn")[0][0],
                 30, "the standby replays the seed")
        stack.extra_env.update({"DATABASE_READ_URL": standby.url(stack.db_name),
                                "ETL_SOURCE": os.path.join(stack.dir, "new.csv"),
                                "ETL_SCHEDULE_SECONDS": "0"})
        stack.start(services={s: 1 for s in READERS})
        yield stack, standby
    finally:
        stack.stop()  # the services let go of the standby before it stops
        standby.stop()


def service_connections(query, database):
    """The sessions of our binaries (application_name ecommerce-analytics) on database."""
    return query(f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{database}' "
                 "AND application_name = 'ecommerce-analytics'")[0][0]


def bearer(stack):
    now = int(time.time())
    token = jwt.encode({"sub": "tester", "iat": now, "exp": now + 600, "jti": "r1",
                        "token_type": "access"}, stack.jwt_secret, algorithm="HS256")
    return {"Authorization": "Bearer " + token}


def money(value):
    return float(Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def truth(stack):
    """What the answers should say, computed by SQL on the primary: the all-time KPIs, the
    order list's count and the best-selling product by units."""
    (orders, units, revenue, customers), = stack.execute(
        "SELECT count(*), sum(quantity), sum(quantity * unit_price), count(DISTINCT customer_key)"
        " FROM fact_order")
    (top_product, top_units), = stack.execute(
        "SELECT p.product_id, sum(f.quantity) FROM fact_order f JOIN dim_product p"
        " USING (product_key) GROUP BY p.product_id ORDER BY 2 DESC, 1 LIMIT 1")
    return {"total_orders": orders, "listed": orders, "units_sold": units, "total_revenue": money(revenue),
            "unique_customers": customers, "top": (top_product, top_units)}


def answers(stack):
    """The same figures as the API gives them, with each analytics answer's cache hit."""
    kpis = requests.get(stack.url("/api/v1/kpis/"), timeout=30)
    top = requests.get(stack.url("/api/v1/products/top-sellers/"),
                       params={"metric": "quantity", "limit": "1"}, timeout=30)
    listing = requests.get(stack.url("/api/v1/orders/"), params={"page_size": "1"},
                           headers=bearer(stack), timeout=30)
    for r in (kpis, top, listing):
        assert r.status_code == 200, r.text
    k, t = kpis.json(), top.json()
    item = t["items"][0]
    return ({"total_orders": k["total_orders"], "listed": listing.json()["count"],
             "units_sold": k["units_sold"],
             "total_revenue": k["total_revenue"], "unique_customers": k["unique_customers"],
             "top": (item["product_id"], item["units_sold"])},
            (k["cache"]["hit"], t["cache"]["hit"]))


def redis_cli(stack, *args):
    r = subprocess.run(["redis-cli", "-p", str(stack.redis_port), *args], capture_output=True,
                       text=True, timeout=10)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def cached_keys(stack, version):
    out = redis_cli(stack, "--scan", "--pattern", f"ecom:cache:v{version}:*")
    return sorted(out.split()) if out else []


def new_orders_csv(path, prefix):
    """NEW_ORDERS orders no seed has (ids prefix-NNNN), for customers and a product of
    their own."""
    with open(path, "w") as f:
        f.write(HEADER + "\n")
        for i in range(NEW_ORDERS):
            day = datetime.date(2025, 12, 1) + datetime.timedelta(days=i % 20)
            f.write(f"{prefix}-{i:04d},{day},REPL-C{i % 7},Replica {i % 7},r{i % 7}@example.com,"
                    f"Bergen,Norway,REPL-P1,Standby Lamp,Lighting,{40 + i},19.99\n")
    return path


def test_reads_go_to_the_standby_and_writes_to_the_primary(replica):
    stack, standby = replica
    # kpi, product and customer: a query connection and the store's; orders: one
    on_standby = service_connections(lambda sql: standby.query(stack.db_name, sql),
                                     stack.db_name)
    assert on_standby >= 7, on_standby
    assert service_connections(stack.execute, stack.db_name) == 0
    assert standby.query(stack.db_name, "SELECT pg_is_in_recovery()")[0][0] is True
    got, _ = answers(stack)
    assert got == truth(stack)
    # etl writes: it must not follow DATABASE_READ_URL (a standby refuses writes)
    start_etl(stack)
    wait_for(lambda: service_connections(stack.execute, stack.db_name) >= 1, 10,
             "etl connected to the primary")


def start_etl(stack):
    if "etl-0" not in stack.procs:
        stack.start_service("etl")
    stack.wait_workers({"etl": 1})


def load(stack, prefix):
    """One ETL run of new_orders_csv() (ETL_SOURCE), triggered over HTTP; waits for it."""
    new_orders_csv(os.path.join(stack.dir, "new.csv"), prefix)
    r = requests.post(stack.url("/api/v1/etl/trigger/"), headers=bearer(stack), timeout=10)
    assert r.status_code == 202, r.text
    task = r.json()["task_id"]

    def finished():
        runs = requests.get(stack.url("/api/v1/etl/status/"), params={"limit": "20"},
                            headers=bearer(stack), timeout=10).json()["runs"]
        return next((x for x in runs if x["task_id"] == task
                     and x["status"] in ("success", "failed")), None)
    run = wait_for(finished, 60, "the load")
    assert run["status"] == "success", run


def test_paused_replay_never_caches_old_data_under_the_new_version(replica):
    stack, standby = replica
    start_etl(stack)
    before = truth(stack)
    assert answers(stack)[0] == before
    (old_version,), = stack.execute("SELECT version FROM data_version WHERE id = 1")[0:1]

    loads = stack.log("kpi-0").count("analytics store loaded")
    pause(stack, standby)
    try:
        load(stack, "REPL")
        after = truth(stack)
        assert after["total_orders"] == before["total_orders"] + NEW_ORDERS
        (new_version,), = stack.execute("SELECT version FROM data_version WHERE id = 1")[0:1]
        assert new_version > old_version
        assert redis_cli(stack, "GET", "ecom:data_version") == str(new_version)
        # the standby has not replayed it
        assert standby.query(stack.db_name, "SELECT version FROM data_version")[0][0] \
            == old_version

        # Answers: the standby's data, computed every time, and nothing under the new version
        # (also not from the warm runs the version rise starts in kpi, product and customer).
        for _ in range(3):
            got, hits = answers(stack)
            assert got == before, (got, before, after)
            assert hits == (False, False)
            time.sleep(0.6)  # across SVC_SNAPSHOT_RETRY_MS: the store is tried again
        time.sleep(1.5)  # a warm check (once a second) and its run
        assert cached_keys(stack, new_version) == []
        assert "cache=behind" in stack.log("kpi-0")
        # the store is tried again once a second, but the standby's version says there is
        # nothing to read: kept, not read again
        assert stack.log("kpi-0").count("analytics store loaded") == loads
        assert "analytics store kept" in stack.log("kpi-0")
        # the warm runs the new version started computed from the standby: none cached
        for name in ("kpi-0", "product-0", "customer-0"):
            runs = [(int(m[1]), int(m[2])) for m in WARM_LINE.finditer(stack.log(name))]
            assert any(v == new_version and behind > 0 for v, behind in runs), (name, runs)
    finally:
        standby.query(stack.db_name, "SELECT pg_wal_replay_resume()")

    # Replay resumed: the load shows within CATCH_UP_S, then it is cached under its version.
    started = time.monotonic()
    wait_for(lambda: answers(stack)[0] == after, CATCH_UP_S, "the answers show the load")
    caught_up = time.monotonic() - started
    got, hits = answers(stack)
    assert got == after and hits == (True, True), (got, hits)
    keys = cached_keys(stack, new_version)
    assert any(":kpi:kpis:" in k for k in keys) and any(":product:" in k for k in keys), keys
    print(f"answers showed the load {caught_up:.2f} s after replay resumed")
    # views nobody asked for since: warmed over once the standby had the version
    wait_for(lambda: {":customer:segments:", ":customer:cohorts:"} <= {
        k[k.index(":customer:"):k.rindex(":") + 1] for k in cached_keys(stack, new_version)
        if ":customer:" in k}, CATCH_UP_S, "customer's views warmed at the new version")


def pause(stack, standby):
    standby.query(stack.db_name, "SELECT pg_wal_replay_pause()")
    wait_for(lambda: standby.query(stack.db_name, "SELECT pg_get_wal_replay_pause_state()")
             [0][0] == "paused", 10, "replay paused")


def test_a_redis_restart_while_the_standby_is_behind_follows_it_when_it_catches_up(replica):
    """Redis loses ecom:data_version (a restart: nothing is persisted) after a load the
    standby has not replayed: the services take the version from the standby (the older one:
    the data they have) and cache under it. When the standby catches up, Redis follows it
    (an instance reading a standby raises Redis to its version once a second), so the
    answers show the load without waiting for another one."""
    stack, standby = replica
    start_etl(stack)
    before = truth(stack)
    pause(stack, standby)
    try:
        load(stack, "REPL2")
        after = truth(stack)
        assert after["total_orders"] == before["total_orders"] + NEW_ORDERS
        (new_version,), = stack.execute("SELECT version FROM data_version WHERE id = 1")[0:1]
        (standby_version,), = standby.query(stack.db_name, "SELECT version FROM data_version")
        assert standby_version < new_version
        redis_cli(stack, "FLUSHALL")
        got, _ = answers(stack)
        assert got == before
        assert redis_cli(stack, "GET", "ecom:data_version") == str(standby_version)
        got, hits = answers(stack)
        assert got == before and hits == (True, True)  # cached under the standby's version
    finally:
        standby.query(stack.db_name, "SELECT pg_wal_replay_resume()")
    started = time.monotonic()
    wait_for(lambda: answers(stack)[0] == after, CATCH_UP_S, "the answers show the load")
    print(f"after a Redis flush, answers showed the load {time.monotonic() - started:.2f} s "
          "after replay resumed")
    assert redis_cli(stack, "GET", "ecom:data_version") == str(new_version)
