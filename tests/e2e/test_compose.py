"""The container route (docker-compose.yml, deploy/docker/, deploy/dashboard/h2o.conf).

There is no Docker engine on the test machine, so this checks what can be checked without
one: Debian's docker-compose (v1.29) resolves the compose file exactly as `docker compose`
would read it (`docker-compose config`, no engine needed), and the assertions below hold
the resolved model to SPEC §2-§4; the runtime package list of the image is checked against
the libraries the binaries of this build need; and Debian's h2o serves the dashboard
configuration for real, with a stand-in for the gateway.

The check uses .env.example (not .env), so it works on a fresh clone: `ECOM_ENV_FILE` picks
the env_file of the containers and `--env-file` the values for interpolation.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import yaml

ROOT = Path(os.environ.get("ECOM_SOURCE_DIR", Path(__file__).resolve().parents[2]))
BIN_DIR = Path(os.environ["ECOM_BIN_DIR"]) if os.environ.get("ECOM_BIN_DIR") else None

# SPEC §4: every binary but ecomctl runs as a long-lived container.
SPEC_BINARIES = ["ecom-gateway", "ecom-kpi", "ecom-product", "ecom-customer", "ecom-orders",
                 "ecom-etl"]
ANALYTICS = ["ecom-kpi", "ecom-product", "ecom-customer", "ecom-orders", "ecom-etl"]
ONE_SHOT = {"migrate": ["ecomctl", "migrate"], "seed": ["ecomctl", "seed", "--if-empty"],
            "secrets": ["ecom-secrets", "/run/ecom"]}
# Libraries every Debian image has, and the sanitizer runtimes of the test build.
BASE_PACKAGES = {"libc6", "libgcc-s1", "libstdc++6", "libasan8", "libubsan1"}


def compose_config(env_file, extra_env=None, quiet=False):
    """Runs `docker-compose config` on the root compose file with env_file as both the
    containers' env_file and the interpolation source; returns the resolved model. With
    quiet, also runs `config -q` (the plain validation) first."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/"),
           "ECOM_ENV_FILE": str(env_file)}
    env.update(extra_env or {})
    base = ["docker-compose", "--env-file", str(env_file), "-f", str(ROOT / "docker-compose.yml")]
    if quiet:
        check = subprocess.run(base + ["config", "-q"], cwd=ROOT, env=env, capture_output=True,
                               text=True, timeout=120)
        assert check.returncode == 0, check.stderr
    full = subprocess.run(base + ["config"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert full.returncode == 0, full.stderr
    return yaml.safe_load(full.stdout)


@pytest.fixture(scope="module")
def model():
    assert shutil.which("docker-compose"), "docker-compose missing (deploy/local/packages.txt)"
    return compose_config(ROOT / ".env.example", quiet=True)


@pytest.fixture(scope="module")
def services(model):
    return model["services"]


def published(service):
    """[(host_ip, host_port, container_port)] of a service's ports, as config resolves them."""
    out = []
    for port in service.get("ports", []):
        if isinstance(port, dict):
            out.append((port.get("host_ip", ""), str(port["published"]), str(port["target"])))
        else:
            m = re.fullmatch(r"(?:(.*):)?(\d+):(\d+)(?:/tcp)?", port)
            assert m, port
            out.append((m.group(1) or "", m.group(2), m.group(3)))
    return out


def test_every_binary_has_a_service(services):
    for name in SPEC_BINARIES:
        assert name in services, f"no service for {name}"
        assert services[name]["command"][0] == name
    # A binary added later (an ecom-auth, say) must get its container too.
    if BIN_DIR and BIN_DIR.is_dir():
        for path in BIN_DIR.glob("ecom-*"):
            assert path.name in services, f"build has {path.name}, compose has no service"


def test_expected_services(services):
    expected = {"postgres", "redis", "migrate", "seed", "dashboard", *SPEC_BINARIES}
    assert expected <= set(services)


def test_images_of_the_servers(services):
    assert services["postgres"]["image"].startswith("postgres:15")
    assert services["redis"]["image"].startswith("redis:7")


def test_healthchecks(services):
    for name in ["postgres", "redis", "ecom-gateway", "dashboard"]:
        check = services[name].get("healthcheck")
        assert check and check.get("test"), f"{name} has no health check"
        assert check["test"][0] in ("CMD", "CMD-SHELL")
        assert not check.get("disable")
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    redis_check = " ".join(services["redis"]["healthcheck"]["test"])
    assert "redis-cli ping" in redis_check and "REDISCLI_AUTH" in redis_check


def test_secrets_are_generated_and_mounted_read_only(services):
    """Issue 16: CurveZMQ certificates and the Redis and PostgreSQL passwords come from the
    one-shot secrets job's volume; every other container mounts it read-only."""
    def mounts(service):
        """target -> read-only, of the ecomsecrets mounts (short or long syntax)."""
        found = {}
        for v in services[service].get("volumes", []):
            if isinstance(v, str):
                parts = v.split(":")
                if parts[0] == "ecomsecrets":
                    found[parts[1]] = len(parts) > 2 and "ro" in parts[2].split(",")
            elif v.get("source") == "ecomsecrets":
                found[v["target"]] = bool(v.get("read_only"))
        return found
    assert mounts("secrets") == {"/run/ecom": False}
    for name, service in services.items():
        if name in ("secrets", "dashboard"):
            continue
        assert mounts(name) == {"/run/ecom": True}, name
        if name not in ("postgres", "redis"):
            assert service["entrypoint"] == ["ecom-env"], name
            assert service["environment"]["CURVE_DIR"] == "/run/ecom/curve", name
        assert service["depends_on"].get("secrets", {}).get("condition") \
            == "service_completed_successfully" or name not in ("postgres", "redis"), name
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD_FILE"] == \
        "/run/ecom/postgres_password"
    assert "POSTGRES_PASSWORD" not in services["postgres"]["environment"]
    assert services["redis"]["command"] == ["redis-server", "/run/ecom/redis.conf"]
    # no password in the URLs compose sets: they come from /run/ecom/secrets.env
    env = services["ecom-kpi"]["environment"]
    assert ":" not in env["DATABASE_URL"].split("@")[0].split("//")[1]


def test_named_volumes(model, services):
    assert {"pgdata", "redisdata"} <= set(model.get("volumes", {}))

    def mounts(name):
        out = {}
        for vol in services[name].get("volumes", []):
            if isinstance(vol, dict):
                out[vol["target"]] = (vol["type"], vol["source"])
            else:
                src, dst = vol.split(":")[:2]
                out[dst] = ("volume" if "/" not in src else "bind", src)
        return out

    assert mounts("postgres")["/var/lib/postgresql/data"] == ("volume", "pgdata")
    assert mounts("redis")["/data"] == ("volume", "redisdata")


def test_one_shot_jobs(services):
    for name, command in ONE_SHOT.items():
        assert services[name]["command"] == command
        assert services[name].get("restart", "no") == "no"
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert services["seed"]["depends_on"] == {
        "migrate": {"condition": "service_completed_successfully"}}


def test_depends_on_conditions(services):
    for name, service in services.items():
        for target, dep in (service.get("depends_on") or {}).items():
            assert target in services, f"{name} depends on unknown {target}"
            if target in ONE_SHOT:
                want = "service_completed_successfully"
            else:
                want = "service_healthy"
                assert services[target].get("healthcheck"), f"{target} cannot be healthy"
            assert dep["condition"] == want, f"{name} -> {target}"
    for name in ANALYTICS:
        deps = services[name]["depends_on"]
        assert deps["postgres"]["condition"] == "service_healthy"
        assert deps["redis"]["condition"] == "service_healthy"
        assert deps["seed"]["condition"] == "service_completed_successfully"
        assert deps["ecom-gateway"]["condition"] == "service_healthy"
    assert services["ecom-gateway"]["depends_on"]["migrate"]["condition"] == \
        "service_completed_successfully"
    assert services["dashboard"]["depends_on"]["ecom-gateway"]["condition"] == "service_healthy"


def test_dashboard_container(services):
    dash = services["dashboard"]
    assert dash["container_name"] == "ecommerce_dashboard"
    assert dash["build"]["dockerfile"] == "deploy/docker/Dockerfile.dashboard"
    assert ("127.0.0.1", "8050", "8050") in published(dash)
    named = [n for n, s in services.items() if s.get("container_name")]
    assert named == ["dashboard"]


def test_analytics_services_scale(services):
    # --scale needs no fixed name and no fixed host port.
    for name in ANALYTICS:
        assert "container_name" not in services[name]
        assert not services[name].get("ports")
        assert services[name]["restart"] == "unless-stopped"


def test_one_image_for_every_binary(services):
    c_services = SPEC_BINARIES + list(ONE_SHOT)
    images = {services[n]["image"] for n in c_services}
    assert len(images) == 1
    for n in c_services:
        assert services[n]["build"]["dockerfile"] == "deploy/docker/Dockerfile"


def test_urls_point_at_the_compose_hosts(services):
    for name in SPEC_BINARIES + list(ONE_SHOT):
        env = services[name]["environment"]
        assert re.fullmatch(r"postgresql://[^@]+@postgres:5432/\w+", env["DATABASE_URL"]), name
        assert env["REDIS_URL"].startswith("redis://redis:6379/"), name
        # Everything else from .env: a value only .env.example has reaches the container.
        assert env["ETL_SOURCE"] == "data/raw/orders.csv"
        assert env["CACHE_TTL_SECONDS"] == "300"


def test_broker_endpoints(services):
    gw = services["ecom-gateway"]["environment"]
    m = re.fullmatch(r"tcp://(\*|0\.0\.0\.0):(\d+)", gw["BROKER_ENDPOINT"])
    assert m, "the gateway must bind its broker on every interface of its container"
    for name in ANALYTICS:
        assert services[name]["environment"]["BROKER_ENDPOINT"] == \
            f"tcp://ecom-gateway:{m.group(2)}"
    # The broker is for the compose network only.
    assert all(p[2] != m.group(2) for p in published(services["ecom-gateway"]))


def test_gateway_publishes_api_port(services):
    gw = services["ecom-gateway"]
    assert gw["environment"]["API_HOST"] == "0.0.0.0"
    inner = gw["environment"]["API_PORT"]
    assert published(gw) == [("127.0.0.1", "8000", inner)]


def test_values_come_from_the_env_file(tmp_path):
    env = tmp_path / "custom.env"
    env.write_text((ROOT / ".env.example").read_text()
                   .replace("API_PORT=8000", "API_PORT=9123")
                   .replace("DASHBOARD_PORT=8050", "DASHBOARD_PORT=9124")
                   .replace("API_HOST=127.0.0.1", "API_HOST=0.0.0.0")
                   .replace("JWT_SECRET=", "JWT_SECRET=s3cret-for-the-test")
                   + "POSTGRES_PASSWORD=other-pw\n")
    svc = compose_config(env)["services"]
    assert published(svc["ecom-gateway"]) == [("0.0.0.0", "9123", "8000")]
    assert published(svc["dashboard"]) == [("0.0.0.0", "9124", "8050")]
    assert svc["ecom-gateway"]["environment"]["JWT_SECRET"] == "s3cret-for-the-test"
    # a POSTGRES_PASSWORD of .env is the one the secrets job writes (instead of a random one)
    assert svc["secrets"]["environment"]["POSTGRES_PASSWORD"] == "other-pw"
    assert svc["ecom-kpi"]["environment"]["DATABASE_URL"] == "postgresql://ecom@postgres:5432/ecom"


def test_missing_env_file_is_an_error():
    # The real route reads .env; a missing one must fail loudly, not start half-configured.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
           "ECOM_ENV_FILE": "/nonexistent/ecom.env"}
    r = subprocess.run(["docker-compose", "--env-file", str(ROOT / ".env.example"), "-f",
                        str(ROOT / "docker-compose.yml"), "config", "-q"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode != 0
    assert "ecom.env" in r.stderr


# ---------------------------------------------------------------------------------------
# Images


def dockerfile_stages(path):
    text = path.read_text()
    froms = re.findall(r"^FROM\s+(\S+)", text, re.M)
    users = re.findall(r"^USER\s+(\S+)", text, re.M)
    return froms, users


@pytest.mark.parametrize("name", ["Dockerfile", "Dockerfile.dashboard"])
def test_dockerfiles_multi_stage_non_root(name):
    froms, users = dockerfile_stages(ROOT / "deploy/docker" / name)
    assert froms[0] == "debian:12", froms
    assert froms[-1] == "debian:12-slim", froms
    assert len(froms) == 2
    assert users and users[-1] not in ("root", "0")


def test_runtime_packages_cover_the_binaries():
    """Every shared library a binary of this build needs comes from a package of
    deploy/docker/runtime-packages.txt (or one every Debian image has)."""
    if not BIN_DIR or not BIN_DIR.is_dir():
        pytest.skip("ECOM_BIN_DIR not set")
    wanted = {line.split("#")[0].strip()
              for line in (ROOT / "deploy/docker/runtime-packages.txt").read_text().splitlines()}
    wanted.discard("")
    r = subprocess.run(["apt-cache", "show", "--no-all-versions", *sorted(wanted)],
                       capture_output=True, text=True)
    known = set(re.findall(r"^Package: (\S+)$", r.stdout, re.M))
    assert wanted <= known, f"not Debian packages: {sorted(wanted - known)}"
    cache = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True).stdout
    binaries = sorted(p for p in BIN_DIR.iterdir() if p.is_file() and os.access(p, os.X_OK))
    assert binaries
    needs = {}   # soname -> the binaries that need it
    for binary in binaries:
        dyn = subprocess.run(["readelf", "-d", str(binary)], capture_output=True, text=True).stdout
        for soname in re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", dyn):
            needs.setdefault(soname, []).append(binary.name)
    paths = {}   # soname -> the library's path, with and without /usr (merged /usr)
    for soname in needs:
        m = re.search(r"\t" + re.escape(soname) + r" \(libc6,x86-64\) => (\S+)", cache)
        assert m, f"{needs[soname]}: {soname} not in the linker cache"
        path = m.group(1)
        paths[soname] = {path, path[4:] if path.startswith("/usr/") else "/usr" + path}
    every = sorted(set().union(*paths.values()))
    out = subprocess.run(["dpkg", "-S", *every], capture_output=True, text=True).stdout
    owners = {}
    for line in out.splitlines():
        pkgs, path = line.split(": ", 1)
        owners.setdefault(path, set()).update(p.split(":")[0] for p in pkgs.split(", "))
    for soname, candidates in paths.items():
        found = set().union(*(owners.get(c, set()) for c in candidates))
        assert found, f"no package owns {soname}"
        assert found & (wanted | BASE_PACKAGES), \
            f"{needs[soname]} need {soname} from {found}: add it to runtime-packages.txt"


def test_build_packages_come_from_the_local_list():
    # The build stage installs the -dev packages of deploy/local/packages.txt: check that the
    # filter in the Dockerfile picks every library the CMake build looks for.
    text = (ROOT / "deploy/docker/Dockerfile").read_text()
    m = re.search(r"grep -E '([^']+)'", text)
    assert m
    rx = re.compile(m.group(1))
    listed = [line.split("#")[0].strip()
              for line in (ROOT / "deploy/local/packages.txt").read_text().splitlines()]
    picked = {p for p in listed if p and rx.match(p)}
    for pkg in ["build-essential", "cmake", "pkg-config", "libczmq-dev", "libpq-dev",
                "libhiredis-dev", "libmsgpack-dev", "libh2o-evloop-dev", "libjwt-dev",
                "libcmocka-dev"]:
        assert pkg in picked, pkg
    assert not {p for p in picked if p.startswith("python3") or p.startswith("postgresql")}


# ---------------------------------------------------------------------------------------
# The dashboard's h2o configuration, served for real


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakeGateway(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"path": self.path, "host": self.headers["Host"]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def served_dir():
    # h2o started by root serves files as 'nobody': every parent must be traversable, which
    # pytest's tmp_path is not.
    path = Path(tempfile.mkdtemp(prefix="ecom-h2o-"))
    os.chmod(path, 0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_dashboard_h2o_conf(served_dir, services):
    if not shutil.which("h2o"):
        pytest.skip("Debian's h2o is not installed here")
    tmp_path = served_dir
    conf = yaml.safe_load((ROOT / "deploy/dashboard/h2o.conf").read_text())
    paths = conf["hosts"]["default"]["paths"]
    gw_port = services["ecom-gateway"]["environment"]["API_PORT"]
    assert paths["/api/"]["proxy.reverse.url"] == f"http://ecom-gateway:{gw_port}/api/"
    assert conf["listen"]["port"] == 8050

    # The container's layout (deploy/docker/Dockerfile.dashboard): the pages in public/,
    # plotly.js from the npm install in node_modules/.
    www = tmp_path / "www"
    (www / "public").mkdir(parents=True)
    (www / "public" / "index.html").write_text("<html>dashboard</html>")
    (www / "public" / "app.js").write_text("// app")
    plotly = www / "node_modules" / "plotly.js-basic-dist-min"
    plotly.mkdir(parents=True)
    (plotly / "plotly-basic.min.js").write_text("// plotly")
    upstream = HTTPServer(("127.0.0.1", 0), FakeGateway)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    port = free_port()
    text = (ROOT / "deploy/dashboard/h2o.conf").read_text()
    text = (text.replace("/srv/dashboard", str(www))
            .replace(f"ecom-gateway:{gw_port}", f"127.0.0.1:{upstream.server_port}")
            .replace("port: 8050", f"port: {port}")
            .replace("/dev/stdout", str(tmp_path / "access.log"))
            .replace("/dev/stderr", str(tmp_path / "error.log")))
    (tmp_path / "h2o.conf").write_text(text)
    proc = subprocess.Popen(["h2o", "-c", str(tmp_path / "h2o.conf")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/app.js", timeout=1)
                break
            except OSError:
                time.sleep(0.05)

        def get(path):
            try:
                with urllib.request.urlopen(base + path, timeout=5) as r:
                    return r.status, r.read().decode()
            except urllib.error.HTTPError as e:
                return e.code, e.read().decode()

        assert get("/") == (200, "<html>dashboard</html>")
        assert get("/customers") == (200, "<html>dashboard</html>")
        assert get("/app.js") == (200, "// app")
        assert get("/vendor/plotly/plotly-basic.min.js") == (200, "// plotly")
        assert get("/nope.js")[0] == 404
        status, body = get("/api/v1/kpis/?start_date=2025-01-01")
        assert status == 200
        seen = json.loads(body)
        assert seen["path"] == "/api/v1/kpis/?start_date=2025-01-01"
        # Same origin: the gateway sees the browser's Host (for next/previous URLs).
        assert seen["host"] == f"127.0.0.1:{port}"
        assert json.loads(get("/healthz")[1])["path"] == "/healthz"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        upstream.shutdown()


def test_every_container_has_rotated_logs(services):
    """Issue 20 item 4: no container's log grows without bound (json-file, rotated)."""
    for name, service in services.items():
        logging = service.get("logging", {})
        assert logging.get("driver") == "json-file", name
        assert logging.get("options", {}).get("max-size") == "20m", name
        assert logging.get("options", {}).get("max-file") == "5", name
