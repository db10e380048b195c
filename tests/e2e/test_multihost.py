"""Several hosts (issue 16): Linux network namespaces joined by veth pairs to a bridge (in a
namespace of its own) play the hosts, with addresses only inside those namespaces:

    db    10.77.0.2    PostgreSQL 15 and Redis (password), started by this test
    lb    10.77.0.5    haproxy (deploy/haproxy/haproxy.cfg) and the test's clients
    gw1   10.77.0.11   ecom-gateway, broker on tcp://10.77.0.11:5555
    gw2   10.77.0.12   ecom-gateway, broker on tcp://10.77.0.12:5555
    h1    10.77.0.21   one instance of every service, BROKER_ENDPOINT listing both brokers
    h2    10.77.0.22   the same

CURVE is on (stack.py's certificates). A steady, bounded load (a few client threads, a
fixed request rate, every answer compared with the expected one) runs through haproxy
while the test:
  1. cuts h1's link (`ip link set ... down` on its bridge port): requests keep succeeding;
     only those in flight on h1 wait for the broker's liveness window (3 s) and are re-sent
     to h2 (GETs may be) or fail;
  2. brings the link back: h1's instances register with both gateways again and serve;
  3. kills gw2 (SIGKILL): haproxy sends everything to gw1; only what was in flight on gw2
     fails.
For each fault it prints the requests failed and the seconds to recover (from the fault to
the end of the last request it slowed past 1 s or failed). Needs root (network namespaces);
skipped with a message otherwise. The namespaces are removed even when the test fails."""
import concurrent.futures
import ctypes
import json
import os
import secrets
import signal
import shutil
import subprocess
import tempfile
import threading
import time
import http.client

import pytest

from stack import SANITIZER_MARKS, binary, source_dir

SERVICES = ("kpi", "product", "customer", "orders", "auth", "etl")
HOSTS = {"db": "10.77.0.2", "lb": "10.77.0.5", "gw1": "10.77.0.11", "gw2": "10.77.0.12",
         "h1": "10.77.0.21", "h2": "10.77.0.22"}
ROUTES = ["/api/v1/kpis/?start_date=2025-01-01&end_date=2025-12-31",
          "/api/v1/products/top-sellers/?limit=5",
          "/api/v1/customers/segments/",
          "/api/v1/revenue/trends/?granularity=monthly"]
CLIENTS = 4
INTERVAL = 0.1          # seconds between one client's requests: ~40 requests a second in all
SLOW = 1.0              # a request slower than this counts as disturbed by a fault
LIVENESS_S = 3.0        # MDP_HEARTBEAT_MS * MDP_LIVENESS
PG_BIN = "/usr/lib/postgresql/15/bin"
CLONE_NEWNET = 0x40000000


def _namespaces_usable():
    if os.geteuid() != 0:
        return "needs root (Linux network namespaces); CI runs it as root"
    for tool in ("haproxy", "redis-server", os.path.join(PG_BIN, "postgres")):
        if subprocess.run(["sh", "-c", f"command -v {tool}"], capture_output=True).returncode:
            return f"{tool} is not installed"
    probe = f"emhprobe{os.getpid()}"
    if subprocess.run(["ip", "netns", "add", probe], capture_output=True).returncode != 0:
        return "cannot create a network namespace here (ip netns add failed)"
    subprocess.run(["ip", "netns", "delete", probe], capture_output=True)
    return None


SKIP = _namespaces_usable()
pytestmark = pytest.mark.skipif(SKIP is not None, reason=f"multi-host test skipped: {SKIP}")


def sh(*argv):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, f"{' '.join(argv)}: {r.stdout}{r.stderr}"
    return r.stdout


class Hosts:
    """The namespaces, their processes and logs; close() removes everything."""

    def __init__(self, tmp):
        self.tmp = str(tmp)
        self.prefix = f"emh{os.getpid() % 100000}"
        self.made = []
        self.procs = {}      # name -> (Popen, log file)
        self.killed = set()
        self.libc = ctypes.CDLL(None, use_errno=True)

    def ns(self, host):
        return f"{self.prefix}-{host}"

    def build(self):
        sw = self.ns("sw")
        for name in [sw] + [self.ns(h) for h in HOSTS]:
            sh("ip", "netns", "add", name)
            self.made.append(name)
            sh("ip", "-n", name, "link", "set", "lo", "up")
        sh("ip", "-n", sw, "link", "add", "br0", "type", "bridge")
        sh("ip", "-n", sw, "link", "set", "br0", "up")
        for host, addr in HOSTS.items():
            sh("ip", "link", "add", "eth0", "netns", self.ns(host), "type", "veth", "peer", "name",
               f"p-{host}", "netns", sw)
            sh("ip", "-n", sw, "link", "set", f"p-{host}", "master", "br0", "up")
            sh("ip", "-n", self.ns(host), "addr", "add", f"{addr}/24", "dev", "eth0")
            sh("ip", "-n", self.ns(host), "link", "set", "eth0", "up")

    def link(self, host, state):
        """The host's cable: its port on the bridge, "up" or "down"."""
        sh("ip", "-n", self.ns("sw"), "link", "set", f"p-{host}", state)

    def spawn(self, name, host, argv, env=None, user=None):
        log = open(os.path.join(self.tmp, name + ".log"), "w")
        prefix = ["ip", "netns", "exec", self.ns(host)]
        if user:
            prefix += ["runuser", "-u", user, "--"]
        p = subprocess.Popen(prefix + argv, env=env or dict(os.environ), stdout=log,
                             stderr=subprocess.STDOUT)
        self.procs[name] = (p, log)
        return p

    def run(self, host, argv, env=None, user=None, input=None):
        prefix = ["ip", "netns", "exec", self.ns(host)] + (["runuser", "-u", user, "--"]
                                                            if user else [])
        r = subprocess.run(prefix + argv, env=env or dict(os.environ), capture_output=True,
                           text=True, timeout=300, input=input)
        assert r.returncode == 0, f"{argv}: {r.stdout}{r.stderr}"
        return r.stdout

    def log(self, name):
        with open(os.path.join(self.tmp, name + ".log"), errors="replace") as f:
            return f.read()

    def kill(self, name, signum=signal.SIGKILL):
        self.killed.add(name)
        p = self.procs[name][0]
        p.send_signal(signum)
        p.wait(timeout=20)

    def enter(self, host):
        """Moves the calling thread into host's network namespace (its sockets live there)."""
        fd = os.open(f"/run/netns/{self.ns(host)}", os.O_RDONLY)
        try:
            if self.libc.setns(fd, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns")
        finally:
            os.close(fd)

    def close(self):
        """SIGTERM to every process (services first), SIGKILL after 15 s; then the
        namespaces go. Returns {name: exit status}."""
        exits = {}
        order = sorted(self.procs, key=lambda n: (n.startswith(("gw", "pg", "redis", "haproxy")),
                                                  n))
        for name in order:
            p, _ = self.procs[name]
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for name in order:
            p, log = self.procs[name]
            try:
                exits[name] = p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                exits[name] = "hung"
                p.wait()
            log.close()
        for name in self.made:
            subprocess.run(["ip", "netns", "delete", name], capture_output=True)
        return exits


def start_db(hosts):
    """PostgreSQL and Redis on db's address, with passwords; returns (DATABASE_URL, REDIS_URL)."""
    # Outside pytest's tmp_path, whose parents only root may enter.
    data = tempfile.mkdtemp(prefix="ecom-multihost-pg-")
    hosts.pg_dir = data
    os.chmod(data, 0o755)
    sh("chown", "postgres", data)
    password, redis_password = secrets.token_hex(12), secrets.token_hex(12)
    pwfile = os.path.join(data, "pgpw")
    with open(pwfile, "w") as f:
        f.write(password + "\n")
    os.chmod(pwfile, 0o644)
    sh("runuser", "-u", "postgres", "--", f"{PG_BIN}/initdb", "-D", data + "/data", "-U", "ecom",
       f"--pwfile={pwfile}", "-E", "UTF8", "--locale=C.UTF-8", "-A", "scram-sha-256")
    os.remove(pwfile)
    with open(data + "/data/pg_hba.conf", "a") as f:
        f.write("host all all 10.77.0.0/24 scram-sha-256\n")
    db = HOSTS["db"]
    hosts.run("db", [f"{PG_BIN}/pg_ctl", "-D", data + "/data", "-l", data + "/server.log", "-w",
                     "-t", "60", "-o", f"-c listen_addresses={db} -k {data} -c fsync=off",
                     "start"], user="postgres")
    env = dict(os.environ, PGPASSWORD=password)
    hosts.run("db", ["psql", "-q", "-h", db, "-U", "ecom", "-d", "postgres", "-c",
                     "CREATE DATABASE ecom"], env=env)
    hosts.spawn("redis", "db", ["redis-server", "--bind", db, "--port", "6379", "--save", "",
                                "--appendonly", "no", "--requirepass", redis_password])
    deadline = time.time() + 10
    while subprocess.run(["ip", "netns", "exec", hosts.ns("db"), "redis-cli", "-h", db, "--no-auth-warning",
                          "-a", redis_password, "ping"], capture_output=True,
                         text=True).stdout.strip() != "PONG":
        assert time.time() < deadline, hosts.log("redis")
        time.sleep(0.1)
    return (f"postgresql://ecom:{password}@{db}:5432/ecom",
            f"redis://:{redis_password}@{db}:6379/0")


class Load:
    """CLIENTS threads in the lb namespace, each sending GETs through haproxy every INTERVAL
    seconds (at most max_each), comparing every answer with the expected body."""

    def __init__(self, hosts, port, expected, max_each=600):
        self.hosts, self.port, self.expected, self.max_each = hosts, port, expected, max_each
        self.results = []       # (start, end, route, ok, detail)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.pool = concurrent.futures.ThreadPoolExecutor(CLIENTS)
        self.futures = []

    def _client(self, k):
        self.hosts.enter("lb")
        for i in range(self.max_each):
            if self.stop.is_set():
                return
            route = ROUTES[(i + k) % len(ROUTES)]
            start = time.monotonic()
            ok, detail = get(self.port, route, self.expected.get(route))
            with self.lock:
                self.results.append((start, time.monotonic(), route, ok, detail))
            time.sleep(max(0.0, INTERVAL - (time.monotonic() - start)))

    def start(self):
        self.futures = [self.pool.submit(self._client, k) for k in range(CLIENTS)]

    def finish(self):
        self.stop.set()
        for f in self.futures:
            f.result(timeout=60)
        self.pool.shutdown()

    def since(self, t0, t1=None):
        with self.lock:
            return [r for r in self.results if r[0] >= t0 and (t1 is None or r[0] < t1)]

    def fault_cost(self, fault_at, until):
        """(requests failed, seconds to recover) for the requests started in [fault_at - SLOW,
        until): recovered at the end of the last one that failed or took longer than SLOW."""
        window = self.since(fault_at - SLOW, until)
        failed = [r for r in window if not r[3]]
        hurt = [r for r in window if not r[3] or r[1] - r[0] > SLOW]
        recover = max((r[1] for r in hurt), default=fault_at) - fault_at
        return len(failed), max(0.0, recover), len(window), failed


def get(port, route, expected):
    """(ok, detail) of GET route through haproxy at lb:port; ok when it answers 200 with the
    expected body (without its "cache" field)."""
    try:
        conn = http.client.HTTPConnection(HOSTS["lb"], port, timeout=20)
        conn.request("GET", route)
        r = conn.getresponse()
        raw = r.read()
        conn.close()
    except OSError as e:
        return False, f"{type(e).__name__}: {e}"
    if r.status != 200:
        return False, f"{r.status} {raw[:200]!r}"
    body = json.loads(raw)
    body.pop("cache", None)
    if expected is not None and body != expected:
        return False, f"unexpected body {body}"
    return True, body


def requests_served(hosts, host):
    return sum(hosts.log(f"{s}-{host}").count("msg=request ") for s in SERVICES)


def gateway_served(hosts, gw):
    return hosts.log(gw).count("msg=request method=GET")


def in_lb(hosts, fn):
    """fn() run on a thread of its own in the lb namespace; returns its result."""
    out = {}

    def run():
        hosts.enter("lb")
        out["result"] = fn()

    t = threading.Thread(target=run)
    t.start()
    t.join()
    return out.get("result")


def health(hosts, gw):
    """The /healthz body of gateway gw, asked from the lb namespace (None when no answer)."""
    def ask():
        try:
            conn = http.client.HTTPConnection(HOSTS[gw], 8000, timeout=3)
            conn.request("GET", "/healthz")
            body = json.loads(conn.getresponse().read())
            conn.close()
            return body
        except (OSError, ValueError):
            return None

    return in_lb(hosts, ask)


def wait_workers(hosts, count, gateways=("gw1", "gw2"), timeout=30):
    """Seconds until every service shows count workers at each of gateways."""
    start = time.monotonic()
    while True:
        bodies = [health(hosts, gw) for gw in gateways]
        if all(b and all(b["services"].get(s, {}).get("workers") == count for s in SERVICES)
               for b in bodies):
            return time.monotonic() - start
        assert time.monotonic() - start < timeout, f"workers not {count}: {bodies}"
        time.sleep(0.1)


def test_multihost_faults(tmp_path):
    t_begin = time.monotonic()
    hosts = Hosts(tmp_path)
    problems = []
    try:
        hosts.build()
        database_url, redis_url = start_db(hosts)
        env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url,
                   JWT_SECRET="multihost-secret-0123456789", LOG_LEVEL="info",
                   ETL_SCHEDULE_SECONDS="0", TRUSTED_PROXIES=HOSTS["lb"])
        assert env.get("CURVE_DIR"), "CURVE is off: the multi-host route needs it"
        hosts.run("db", [binary("ecomctl"), "migrate"], env=env)
        hosts.run("db", [binary("ecomctl"), "seed", "--orders", "3000", "--random-seed", "11"],
                  env=env)
        for gw in ("gw1", "gw2"):
            hosts.spawn(gw, gw, [binary("ecom-gateway")],
                        dict(env, API_HOST=HOSTS[gw], API_PORT="8000",
                             BROKER_ENDPOINT=f"tcp://{HOSTS[gw]}:5555"))
        brokers = f"tcp://{HOSTS['gw1']}:5555,tcp://{HOSTS['gw2']}:5555"
        for host in ("h1", "h2"):
            for service in SERVICES:
                hosts.spawn(f"{service}-{host}", host, [binary("ecom-" + service)],
                            dict(env, BROKER_ENDPOINT=brokers))
        hosts.spawn("haproxy", "lb", ["haproxy", "-db", "-f",
                                      os.path.join(source_dir(), "deploy", "haproxy",
                                                   "haproxy.cfg")],
                    dict(env, LB_BIND=f"{HOSTS['lb']}:8000", GATEWAY_1=f"{HOSTS['gw1']}:8000",
                         GATEWAY_2=f"{HOSTS['gw2']}:8000"))
        wait_workers(hosts, 2, timeout=60)
        time.sleep(2.5)  # haproxy: rise 2 at 1 s

        # The expected answers: asked once, checked against SQL for the kpis.
        expected = {}
        for route in ROUTES:
            ok, body = in_lb(hosts, lambda: get(8000, route, None))
            assert ok, f"{route}: {body}"
            expected[route] = body
        count = hosts.run("db", ["psql", "-tA", database_url, "-c",
                                 "SELECT count(*) FROM fact_order WHERE order_date "
                                 "BETWEEN '2025-01-01' AND '2025-12-31'"])
        assert expected[ROUTES[0]]["total_orders"] == int(count) > 0

        load = Load(hosts, 8000, expected)
        load.start()
        time.sleep(3)
        steady = load.since(0)
        assert steady and all(r[3] for r in steady), [r for r in steady if not r[3]][:3]

        # 1. h1's cable cut.
        served_h1 = requests_served(hosts, "h1")
        cut_at = time.monotonic()
        hosts.link("h1", "down")
        time.sleep(LIVENESS_S + 3)
        failed, recover, sent, bad = load.fault_cost(cut_at, time.monotonic())
        print(f"\nh1 link down: {failed} of {sent} requests failed, recovered in {recover:.2f} s")
        figures = {"link_down": (failed, recover, sent)}
        # Only what was in flight on h1 can fail: at most one request per client.
        assert failed <= CLIENTS, bad
        assert recover <= LIVENESS_S + 1.5, recover
        late = load.since(cut_at + LIVENESS_S + 1.0)
        assert late and all(r[3] and r[1] - r[0] <= 2 * SLOW for r in late), late[:3]
        assert requests_served(hosts, "h1") - served_h1 <= CLIENTS * 2

        # 2. The cable back: h1's instances register again with both gateways and serve.
        back_at = time.monotonic()
        hosts.link("h1", "up")
        rejoin = wait_workers(hosts, 2, timeout=20)
        served_h1 = requests_served(hosts, "h1")
        deadline = time.monotonic() + 15
        while requests_served(hosts, "h1") < served_h1 + 10:
            assert time.monotonic() < deadline, "h1 takes no work after it rejoined"
            time.sleep(0.1)
        serving = time.monotonic() - back_at
        failed, _, sent, bad = load.fault_cost(back_at, time.monotonic())
        print(f"h1 link up: registered again at both gateways in {rejoin:.2f} s, serving 10 "
              f"requests {serving:.2f} s after; {failed} of {sent} requests failed meanwhile")
        figures["link_up"] = (failed, rejoin, sent)
        assert failed == 0, bad

        # 3. gw2 killed: haproxy sends everything to gw1.
        time.sleep(1)
        kill_at = time.monotonic()
        hosts.kill("gw2")
        time.sleep(4)
        failed, recover, sent, bad = load.fault_cost(kill_at, time.monotonic())
        print(f"gw2 killed: {failed} of {sent} requests failed, recovered in {recover:.2f} s")
        figures["gateway_killed"] = (failed, recover, sent)
        assert failed <= CLIENTS, bad
        on_gw1 = gateway_served(hosts, "gw1")
        time.sleep(2)
        after = load.since(time.monotonic() - 2)
        assert after and all(r[3] for r in after), after[:3]
        assert gateway_served(hosts, "gw1") - on_gw1 >= len(after) - CLIENTS
        load.finish()
        total = len(load.results)
        print(f"{total} requests in all, {sum(1 for r in load.results if not r[3])} failed; "
              f"test took {time.monotonic() - t_begin:.1f} s")
        with open(os.path.join(hosts.tmp, "figures.json"), "w") as f:
            json.dump(figures, f)
    finally:
        if "load" in locals():
            load.stop.set()
        exits = hosts.close()
        if getattr(hosts, "pg_dir", None):
            subprocess.run(["runuser", "-u", "postgres", "--", f"{PG_BIN}/pg_ctl", "-D",
                            hosts.pg_dir + "/data", "-m", "immediate", "-w", "stop"],
                           capture_output=True)
            shutil.rmtree(hosts.pg_dir, ignore_errors=True)
        for name, status in exits.items():
            if name in hosts.killed or name in ("redis", "haproxy"):
                continue
            log = hosts.log(name)
            if status != 0:
                problems.append(f"{name} exited with {status}: {log[-1500:]}")
            for mark in SANITIZER_MARKS:
                if mark in log:
                    problems.append(f"{name}: {mark}\n{log[-3000:]}")
    assert not problems, "\n\n".join(problems)
