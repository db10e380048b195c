"""A private stack of processes for one test module, on free loopback ports.

    stack = Stack(tmpdir, "mytests", database=True, seed={"orders": 5000, "random_seed": 7})
    stack.start(services={"kpi": 2})      # redis, gateway, 2 x ecom-kpi; waits for /healthz
    requests.get(stack.url("/api/v1/kpis/"))
    stack.stop(); stack.check_clean_exits()

What it does, given DATABASE_URL (a PostgreSQL superuser URL, any database) and the binaries
in ECOM_BIN_DIR (else <source>/build/bin):
- database=True: CREATE DATABASE <unique name> on DATABASE_URL's server, `ecomctl migrate`,
  and `ecomctl seed --orders N --random-seed S ...` when seed is a dict (keys are seed's
  options without dashes, underscores for dashes). Dropped again by stop().
- redis=True (the default whenever a database is made): a private redis-server on a free
  port, so test modules running in parallel never share cache keys.
- the gateway on a free API_PORT and BROKER_ENDPOINT, JWT_SECRET = stack.jwt_secret;
  any environment variable can be set with env= (e.g. REQUEST_TIMEOUT_MS).
- services: {"kpi": 2} starts two `ecom-kpi` processes; start_service() adds more later.
- CurveZMQ (SPEC §11) is on: at import, `ecomctl keygen` writes the certificates of the
  broker, every service and a client `tests` into a temporary directory, and CURVE_DIR and
  CURVE_CERT (the client's) are set in os.environ, so every process started and every
  Python MDP peer (mdp_peer.py) uses them. ECOM_TEST_CURVE=0 turns it off.
- every process writes its stderr to <tmpdir>/<name>.log (stack.log(name) reads it).
- stop(): SIGTERM to every process still running, services first, then the gateway;
  check_clean_exits() then wants exit status 0 and no sanitizer report from each process
  the test did not kill on purpose (forget(name) excuses one)."""
import atexit
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

import requests

SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                   "ERROR: UndefinedBehaviorSanitizer")


def free_port():
    """A TCP port nobody listens on right now (the kernel's pick)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def source_dir():
    return os.environ.get("ECOM_SOURCE_DIR",
                          os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))


def bin_dir():
    return os.environ.get("ECOM_BIN_DIR") or os.path.join(source_dir(), "build", "bin")


def binary(name):
    return os.path.join(bin_dir(), name)


def without_cache(body):
    """An analytics answer without its "cache" field, to compare a hit with a miss."""
    return {k: v for k, v in body.items() if k != "cache"}


def keygen(directory, client=None):
    """`ecomctl keygen directory [--client client]`."""
    argv = [binary("ecomctl"), "keygen", directory] + (["--client", client] if client else [])
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    return directory


def _curve_setup():
    """Certificates for every process of the test run (see the module's docstring)."""
    if os.environ.get("ECOM_TEST_CURVE", "1") == "0" or os.environ.get("CURVE_DIR"):
        return
    directory = tempfile.mkdtemp(prefix="ecom-curve-")
    atexit.register(shutil.rmtree, directory, True)
    keygen(directory, "tests")
    os.environ["CURVE_DIR"] = directory
    os.environ["CURVE_CERT"] = os.path.join(directory, "tests_secret")


_curve_setup()


class Stack:
    def __init__(self, tmpdir, name, database=False, seed=None, redis=None, env=None,
                 jwt_secret="e2e-test-secret-0123456789", redis_password=None):
        self.dir = str(tmpdir)
        self.name = name
        self.database = database or bool(seed)
        self.seed_args = seed
        self.want_redis = self.database if redis is None else redis
        self.jwt_secret = jwt_secret
        self.api_port = free_port()
        self.broker_port = free_port()
        self.broker_endpoint = f"tcp://127.0.0.1:{self.broker_port}"
        self.extra_env = dict(env or {})
        self.db_name = None
        self.db_url = os.environ.get("DATABASE_URL", "")
        self.redis_port = None
        self.redis_password = redis_password  # requirepass of the private redis-server
        self.redis_url = os.environ.get("REDIS_URL", "")
        self.procs = {}        # name -> Popen, in start order
        self.forgotten = set()  # names a test stopped or killed on purpose
        self.exits = {}        # name -> exit status after stop() ("hung" when it would not stop)
        self._counts = {}      # service -> instances started so far

    # -- environment ---------------------------------------------------------------------

    def env(self, extra=None):
        env = dict(os.environ)
        env.update({
            "DATABASE_URL": self.db_url,
            "REDIS_URL": self.redis_url,
            "BROKER_ENDPOINT": self.broker_endpoint,
            "API_HOST": "127.0.0.1",
            "API_PORT": str(self.api_port),
            "JWT_SECRET": self.jwt_secret,
            "LOG_LEVEL": "info",
        })
        env.update(self.extra_env)
        env.update(extra or {})
        return {k: v for k, v in env.items() if v is not None}

    def log_path(self, name):
        return os.path.join(self.dir, name + ".log")

    def log(self, name):
        with open(self.log_path(name), errors="replace") as f:
            return f.read()

    def url(self, path):
        return f"http://127.0.0.1:{self.api_port}{path}"

    # -- database and redis -------------------------------------------------------------

    def _admin(self):
        import psycopg2
        conn = psycopg2.connect(os.environ["DATABASE_URL"])
        conn.autocommit = True
        return conn

    def create_database(self):
        """A fresh, migrated (and, when asked, seeded) database of the stack's own."""
        assert os.environ.get("DATABASE_URL"), "DATABASE_URL must point at a test PostgreSQL"
        self.db_name = f"e2e_{self.name}_{uuid.uuid4().hex[:10]}".lower()
        with contextlib.closing(self._admin()) as admin, admin.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{self.db_name}"')
        parts = urlsplit(os.environ["DATABASE_URL"])
        self.db_url = urlunsplit(parts._replace(path="/" + self.db_name))
        self.ecomctl("migrate")
        if self.seed_args:
            argv = ["seed"]
            for key, value in self.seed_args.items():
                flag = "--" + key.replace("_", "-")
                argv += [flag] if value is True else [flag, str(value)]
            self.ecomctl(*argv)

    def ecomctl(self, *argv, check=True, input=None):
        """Runs ecomctl with the stack's environment; returns the CompletedProcess."""
        r = subprocess.run([binary("ecomctl"), *argv], env=self.env(), capture_output=True,
                           text=True, timeout=600, input=input)
        if check:
            assert r.returncode == 0, f"ecomctl {' '.join(argv)}: {r.stdout}{r.stderr}"
        return r

    def db(self):
        """A new psycopg2 connection to the stack's database (the caller closes it)."""
        import psycopg2
        return psycopg2.connect(self.db_url)

    def execute(self, sql, args=None):
        """Runs one statement in its own transaction; returns its rows (None when it has none)."""
        conn = self.db()
        try:
            with conn.cursor() as cur:
                cur.execute(sql, args)
                rows = cur.fetchall() if cur.description else None
            conn.commit()
            return rows
        finally:
            conn.close()

    def bump_data_version(self):
        """What the ETL does after a load (services/README.md, "Data version"): bump
        data_version in PostgreSQL, then publish the new value to Redis ecom:data_version."""
        (version,), = self.execute("UPDATE data_version SET version = version + 1 WHERE id = 1 "
                                   "RETURNING version")
        r = subprocess.run(["redis-cli", "-p", str(self.redis_port), "SET", "ecom:data_version",
                            str(version)], capture_output=True, text=True, timeout=10)
        assert r.stdout.strip() == "OK", r.stdout + r.stderr
        return version

    def drop_database(self):
        if not self.db_name:
            return
        with contextlib.closing(self._admin()) as admin, admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
        self.db_name = None

    def start_redis(self):
        self.redis_port = free_port()
        auth = f":{self.redis_password}@" if self.redis_password else ""
        self.redis_url = f"redis://{auth}127.0.0.1:{self.redis_port}/0"
        self._spawn("redis", ["redis-server", "--port", str(self.redis_port), "--bind",
                              "127.0.0.1", "--save", "", "--appendonly", "no"]
                    + (["--requirepass", self.redis_password] if self.redis_password else []))
        self.forgotten.add("redis")  # killed at the end; its exit status is not ours to judge
        deadline = time.time() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.redis_port), timeout=1) as s:
                    if self.redis_password:
                        s.sendall(f"AUTH {self.redis_password}\r\n".encode())
                        s.recv(16)
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            assert time.time() < deadline, "redis-server did not start: " + self.log("redis")
            time.sleep(0.05)

    # -- processes ----------------------------------------------------------------------

    def _spawn(self, name, argv, extra=None):
        assert name not in self.procs or self.procs[name].poll() is not None, name
        with open(self.log_path(name), "w") as err:
            self.procs[name] = subprocess.Popen(argv, env=self.env(extra),
                                                stdout=subprocess.DEVNULL, stderr=err)
        return self.procs[name]

    def start_gateway(self, extra_env=None):
        return self._spawn("gateway", [binary("ecom-gateway")], extra_env)

    def start_service(self, service, extra_env=None):
        """Starts one more ecom-<service>; returns its name ("kpi-0", "kpi-1", ...)."""
        i = self._counts.get(service, 0)
        self._counts[service] = i + 1
        name = f"{service}-{i}"
        self._spawn(name, [binary("ecom-" + service)], extra_env)
        return name

    def start(self, services=None, wait=True):
        """Database, redis, gateway and services as configured; waits until /healthz
        shows every requested service with at least the requested number of workers."""
        if self.database and not self.db_name:
            self.create_database()
        if self.want_redis and not self.redis_port:
            self.start_redis()
        self.start_gateway()
        for service, count in (services or {}).items():
            for _ in range(count):
                self.start_service(service)
        if wait:
            self.wait_workers(services or {})
        return self

    def health(self, timeout=5):
        """The /healthz body, or None while the gateway does not answer."""
        try:
            return requests.get(self.url("/healthz"), timeout=timeout).json()
        except (requests.RequestException, ValueError):
            return None

    def wait_workers(self, services, timeout=30):
        """Waits until the gateway answers and each service has >= its count of workers."""
        deadline = time.time() + timeout
        while True:
            body = self.health()
            if body is not None and all(
                    body["services"].get(s, {}).get("workers", 0) >= n
                    for s, n in services.items()):
                return body
            for name, p in self.procs.items():
                if name not in self.forgotten and p.poll() is not None:
                    raise AssertionError(f"{name} exited with {p.returncode}:\n"
                                         + self.log(name)[-3000:])
            assert time.time() < deadline, f"workers {services} not ready: {body}"
            time.sleep(0.05)

    def signal(self, name, signum=signal.SIGTERM):
        self.procs[name].send_signal(signum)

    def forget(self, name):
        """The test ends (or ended) this process itself: no exit status check for it."""
        self.forgotten.add(name)

    def kill(self, name):
        self.forget(name)
        p = self.procs[name]
        if p.poll() is None:
            p.kill()
        p.wait()

    # -- the end ------------------------------------------------------------------------

    @staticmethod
    def _wait(p, timeout):
        try:
            return p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            return "hung"

    def stop(self):
        """SIGTERM to the services, then the gateway; redis and the database last."""
        names = [n for n in self.procs if n not in ("gateway", "redis")]
        if "gateway" in self.procs:
            names.append("gateway")
        for n in names:
            if self.procs[n].poll() is None:
                self.procs[n].send_signal(signal.SIGTERM)
            self.exits[n] = self._wait(self.procs[n], timeout=20)
        if "redis" in self.procs:
            self.procs["redis"].kill()
            self.procs["redis"].wait()
        self.drop_database()

    def unclean_exits(self):
        """Messages for every process (not forgotten) that exited non-zero or printed a
        sanitizer report."""
        problems = []
        for name, status in self.exits.items():
            if name in self.forgotten:
                continue
            log = self.log(name)
            if status != 0:
                problems.append(f"{name} exited with {status}:\n{log[-3000:]}")
            for mark in SANITIZER_MARKS:
                if mark in log:
                    problems.append(f"{name}: {mark}\n{log[-3000:]}")
                    break
        return problems

    def check_clean_exits(self):
        problems = self.unclean_exits()
        assert not problems, "\n\n".join(problems)
