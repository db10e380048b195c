"""API docs and observability (issue 4) against a real stack: every service whose binary is
in ECOM_BIN_DIR on a seeded database, behind the gateway.

- GET /api/schema/ is gateway/openapi.json byte for byte, and a real OpenAPI validator
  (@apidevtools/swagger-parser from gateway/docs/node_modules, run with node) accepts it.
- Every documented operation gets sample requests; each answer's status is one the document
  lists for it, and its body matches the documented schema (required fields, no undocumented
  field, types, enums, nullability, formats).
- GET /api/docs/ is Swagger UI from local files only: every asset the page names is a 200,
  nothing points off the host; path traversal is a 404.
- GET /metrics parses with prometheus_client's parser (and with promtool when installed)
  and counts what was asked: routes, statuses, "unmatched", cache hits, live workers.
- X-Request-Id reaches the service's log line and the gateway's access line; a malformed
  one is replaced. LOG_LEVEL filters the gateway's lines."""
import http.client
import json
import os
import re
import shutil
import subprocess
import time
from html.parser import HTMLParser

import pytest
import requests

from stack import binary, source_dir

SEED = {"orders": 1500, "customers": 60, "products": 30, "days": 120, "random_seed": 5}
SERVICES = ["kpi", "product", "customer", "orders", "auth", "etl"]
USER, PASSWORD = "docs-tester", "correct horse battery"
DOCS_DIR = os.path.join(source_dir(), "gateway", "docs")
ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
SERVICE_OF = {"/api/v1/kpis/": "kpi", "/api/v1/revenue/trends/": "kpi",
              "/api/v1/revenue/breakdown/": "kpi", "/api/v1/customers/cohorts/": "customer",
              "/api/v1/customers/segments/": "customer",
              "/api/v1/products/top-sellers/": "product", "/api/v1/orders/": "orders",
              "/api/v1/auth/token/": "auth", "/api/v1/auth/token/refresh/": "auth",
              "/api/v1/etl/status/": "etl", "/api/v1/etl/trigger/": "etl",
              "/api/v1/customers/": "customer", "/api/v1/products/": "product",
              "/api/v1/etl/runs/{task_id}/rejects/": "etl"}


def available():
    return [s for s in SERVICES if os.access(binary("ecom-" + s), os.X_OK)]


@pytest.fixture(scope="module")
def stack(make_stack, tmp_path_factory):
    csv = tmp_path_factory.mktemp("etl") / "orders.csv"
    csv.write_text("order_id,order_date,customer_id,customer_name,customer_email,customer_city,"
                   "customer_country,product_id,product_name,product_category,quantity,"
                   "unit_price\n"
                   "DOCS-1,2024-05-01,DC1,Doc Tester,doc@example.com,Lyon,France,DP1,Pen,"
                   "Office,2,1.50\n")
    s = make_stack(seed=SEED, start=False,
                   env={"ETL_SOURCE": str(csv), "ETL_SCHEDULE_SECONDS": "0"})
    s.start(services={name: 1 for name in available()})
    if "auth" in available():
        s.ecomctl("createuser", USER, "--password-stdin", input=PASSWORD + "\n")
    return s


@pytest.fixture(scope="module")
def schema(stack):
    r = requests.get(stack.url("/api/schema/"), timeout=10)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json"
    return r.json()


@pytest.fixture(scope="module")
def tokens(stack):
    """An access and a refresh token: from the auth service when it runs, else signed here."""
    if "auth" in available():
        r = requests.post(stack.url("/api/v1/auth/token/"),
                          json={"username": USER, "password": PASSWORD}, timeout=30)
        assert r.status_code == 200, r.text
        return r.json()
    import jwt
    now = int(time.time())
    make = lambda kind: jwt.encode({"sub": USER, "iat": now, "exp": now + 600, "jti": kind,
                                    "token_type": kind}, stack.jwt_secret, algorithm="HS256")
    return {"access": make("access"), "refresh": make("refresh")}


# -- the document ------------------------------------------------------------------------------


def test_schema_is_the_embedded_document(stack):
    r = requests.get(stack.url("/api/schema/?anything=1"), timeout=10)
    with open(os.path.join(source_dir(), "gateway", "openapi.json"), "rb") as f:
        assert r.content == f.read()
    assert re.match(ID_RE, r.headers["X-Request-Id"])


def test_schema_passes_a_real_openapi_validator(stack, tmp_path):
    node = shutil.which("node")
    parser = os.path.join(DOCS_DIR, "node_modules", "@apidevtools", "swagger-parser")
    assert node and os.path.isdir(parser), \
        "node and gateway/docs/node_modules are needed: deploy/local/npm-deps.sh gateway/docs"
    path = tmp_path / "schema.json"
    path.write_bytes(requests.get(stack.url("/api/schema/"), timeout=10).content)
    script = ("const p = require(process.argv[1]);"
              "p.validate(process.argv[2]).then("
              "  api => console.log('valid ' + api.openapi + ' ' + Object.keys(api.paths).length),"
              "  e => { console.error(e.message); process.exit(1); });")
    r = subprocess.run([node, "-e", script, parser, str(path)], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("valid 3.0.")
    # And it can fail: a broken document is refused.
    broken = json.loads(path.read_text())
    broken["paths"]["/api/v1/kpis/"]["get"]["responses"]["200"]["content"] = {"x": 1}
    path.write_text(json.dumps(broken))
    r = subprocess.run([node, "-e", script, parser, str(path)], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 1


# -- answers against the document ----------------------------------------------------------------


def deref(doc, node):
    while isinstance(node, dict) and "$ref" in node:
        target = doc
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


FORMATS = {
    "date": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    "date-time": re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"),
    "uuid": re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"),
    "uri": re.compile(r"^https?://"),
}


def conforms(doc, schema, value, where="body"):
    """Asserts that value matches the OpenAPI 3.0 schema (the subset our document uses)."""
    schema = deref(doc, schema)
    if value is None:
        assert schema.get("nullable"), f"{where} is null, which the schema does not allow"
        return
    kind = schema.get("type")
    if kind == "object":
        assert isinstance(value, dict), f"{where}: {value!r} is not an object"
        for name in schema.get("required", []):
            assert name in value, f"{where}: required field {name} missing"
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for name, v in value.items():
            if name in props:
                conforms(doc, props[name], v, f"{where}.{name}")
            else:
                assert isinstance(extra, dict), f"{where}: field {name} is not documented"
                conforms(doc, extra, v, f"{where}.{name}")
    elif kind == "array":
        assert isinstance(value, list), f"{where}: not an array"
        assert len(value) >= schema.get("minItems", 0), where
        assert len(value) <= schema.get("maxItems", len(value)), where
        for i, item in enumerate(value):
            conforms(doc, schema["items"], item, f"{where}[{i}]")
    elif kind == "string":
        assert isinstance(value, str), f"{where}: {value!r} is not a string"
        fmt = FORMATS.get(schema.get("format"))
        assert fmt is None or fmt.match(value), f"{where}: {value!r} is not a {schema['format']}"
    elif kind == "integer":
        assert isinstance(value, int) and not isinstance(value, bool), f"{where}: {value!r}"
    elif kind == "number":
        assert isinstance(value, (int, float)) and not isinstance(value, bool), where
    elif kind == "boolean":
        assert isinstance(value, bool), where
    if "enum" in schema:
        assert value in schema["enum"], f"{where}: {value!r} not in {schema['enum']}"
    if "minimum" in schema:
        assert value >= schema["minimum"], f"{where}: {value!r} < {schema['minimum']}"
    if "maximum" in schema:
        assert value <= schema["maximum"], f"{where}: {value!r} > {schema['maximum']}"


@pytest.fixture(scope="module")
def task(stack, tokens):
    """The task_id of an ETL run (queued here when ecom-etl runs), else an unknown one."""
    if "etl" not in available():
        return "00000000-0000-4000-8000-000000000000"
    r = requests.post(stack.url("/api/v1/etl/trigger/"), timeout=10,
                      headers={"Authorization": "Bearer " + tokens["access"]})
    assert r.status_code == 202, r.text
    return r.json()["task_id"]


def samples(tokens, task):
    """(method, path, request options, description) for every documented operation; a path
    parameter ({task_id}) is the option "task_id"."""
    bearer = {"Authorization": "Bearer " + tokens["access"]}
    rejects = "/api/v1/etl/runs/{task_id}/rejects/"
    return [
        ("get", "/api/v1/kpis/", {}, "all data"),
        ("get", "/api/v1/kpis/", {"params": {"start_date": "2030-01-01"}}, "no data"),
        ("get", "/api/v1/kpis/", {"params": {"start_date": "2024-13-01"}}, "bad date"),
        ("get", "/api/v1/revenue/trends/", {"params": {"granularity": "weekly"}}, "weekly"),
        ("get", "/api/v1/revenue/trends/", {"params": {"granularity": "DAILY"}}, "bad enum"),
        ("get", "/api/v1/kpis/", {"params": {"compare": "previous_year", "category": "Books"}},
         "filtered, compared"),
        ("get", "/api/v1/revenue/trends/",
         {"params": {"granularity": "monthly", "compare": "previous_period", "country": "x"}},
         "filtered, compared"),
        ("get", "/api/v1/revenue/breakdown/", {"params": {"by": "city", "limit": "5"}}, "by city"),
        ("get", "/api/v1/revenue/breakdown/", {"params": {"by": "region"}}, "bad by"),
        ("get", "/api/v1/customers/cohorts/", {"params": {"start_date": "2025-01-01"}}, "cohorts"),
        ("get", "/api/v1/customers/cohorts/", {"params": {"country": "x" * 101}}, "long filter"),
        ("get", "/api/v1/customers/segments/", {}, "all data"),
        ("get", "/api/v1/customers/segments/",
         {"params": {"start_date": "2031-01-01", "end_date": "2030-01-01"}}, "inverted"),
        ("get", "/api/v1/products/top-sellers/", {"params": {"metric": "quantity", "limit": "3"}},
         "by quantity"),
        ("get", "/api/v1/products/top-sellers/", {"params": {"limit": "x"}}, "bad limit"),
        ("get", "/api/v1/orders/", {"headers": bearer, "params": {"page_size": "5"}}, "page 1"),
        ("get", "/api/v1/orders/", {"headers": bearer, "params": {"page": "99999"}}, "past end"),
        ("get", "/api/v1/orders/", {"headers": bearer, "params": {"page": "0"}}, "page 0"),
        ("get", "/api/v1/orders/", {}, "no token"),
        ("get", "/api/v1/orders/", {"headers": {"Authorization": "Bearer " + tokens["refresh"]}},
         "refresh token"),
        ("post", "/api/v1/auth/token/", {"json": {"username": USER, "password": PASSWORD}},
         "good credentials"),
        ("post", "/api/v1/auth/token/", {"json": {"username": USER}}, "no password"),
        ("post", "/api/v1/auth/token/", {"data": "{", "headers":
                                         {"Content-Type": "application/json"}}, "broken JSON"),
        ("post", "/api/v1/auth/token/refresh/", {"json": {"refresh": tokens["refresh"]}},
         "good refresh"),
        ("post", "/api/v1/auth/token/refresh/", {"json": {"refresh": tokens["access"]}},
         "access as refresh"),
        ("get", "/api/v1/etl/status/", {"headers": bearer, "params": {"limit": "5"}}, "status"),
        ("get", "/api/v1/etl/status/", {}, "no token"),
        ("post", "/api/v1/etl/trigger/", {"headers": bearer}, "trigger"),
        ("post", "/api/v1/etl/trigger/", {}, "no token"),
        ("get", "/api/v1/customers/", {"headers": bearer, "params": {"search": "a",
                                                                      "ordering": "-revenue"}},
         "search"),
        ("get", "/api/v1/customers/", {"headers": bearer, "params": {"ordering": "revenue"}},
         "bad ordering"),
        ("get", "/api/v1/customers/", {"headers": bearer, "params": {"page": "99999"}},
         "past end"),
        ("get", "/api/v1/customers/", {}, "no token"),
        ("get", "/api/v1/products/", {"headers": bearer, "params": {"ordering": "-units_sold"}},
         "by units"),
        ("get", "/api/v1/products/", {"headers": bearer, "params": {"search": "x" * 101}},
         "long search"),
        ("get", rejects, {"headers": bearer, "task_id": task}, "a run"),
        ("get", rejects, {"headers": bearer, "task_id": "00000000-0000-4000-8000-000000000000"},
         "unknown run"),
        ("get", rejects, {"task_id": task}, "no token"),
        ("get", "/healthz", {}, "health"),
        ("get", "/metrics", {}, "metrics"),
        # The errors every route can give: another method, a body over 1 MiB.
        ("put", "/api/v1/kpis/", {}, "wrong method"),
        ("get", "/api/v1/kpis/", {"data": b"x" * (1024 * 1024 + 1)}, "body too large"),
    ]


def request_sample(method, url, options):
    """One sample's request. A body over the limit is answered 413 and the connection closed
    while the client may still be sending it: the kernel then resets the connection before
    the client reads the answer (a race of the test, not of the gateway: test_gateway reads
    the 413 over a raw socket). Such a request is tried again, a few times."""
    for attempt in range(5):
        try:
            return requests.request(method, url, timeout=30, **options)
        except requests.exceptions.ConnectionError:
            if len(options.get("data") or b"") <= 1024 * 1024 or attempt == 4:
                raise


def test_every_answer_is_documented(stack, schema, tokens, task):
    documented = {(m, p) for p, item in schema["paths"].items() for m in item}
    sampled = set()
    seen = {}
    for method, path, options, what in samples(tokens, task):
        url = path.replace("{task_id}", options.pop("task_id", ""))
        r = request_sample(method, stack.url(url), options)
        item = schema["paths"][path]
        op = item.get(method) or next(iter(item.values()))  # a 405 is documented on the path's
        sampled.add((method, path))                       # operations
        status = str(r.status_code)
        assert status in op["responses"], \
            f"{method.upper()} {path} ({what}): {status} is not documented: {r.text[:300]}"
        response = deref(schema, op["responses"][status])
        content = response.get("content", {})
        media = r.headers["Content-Type"].split(";")[0]
        assert any(m.split(";")[0] == media for m in content), (what, media, list(content))
        if media == "application/json":
            json_schema = next(v["schema"] for m, v in content.items()
                               if m.split(";")[0] == media)
            conforms(schema, json_schema, r.json(), f"{path} {status} ({what})")
        for header in response.get("headers", {}):
            if header in ("X-Request-Id", "Allow", "Retry-After", "WWW-Authenticate"):
                assert header in r.headers, (what, header)
        seen.setdefault((method, path), set()).add(r.status_code)
    assert documented <= sampled, documented - sampled
    # The samples reached real services: each answered its success at least once.
    everything = available() == SERVICES
    for method, path in documented:
        service = SERVICE_OF.get(path)
        must = service in available() if service else (path != "/healthz" or everything)
        assert not must or seen[(method, path)] & {200, 202}, (method, path, seen)


def test_a_missing_service_is_a_documented_503(stack, schema):
    body = requests.get(stack.url("/healthz"), timeout=10).json()
    absent = [s for s in SERVICES if s not in available()]
    assert all(body["services"][s]["workers"] == 0 for s in absent)
    r = requests.get(stack.url("/api/v1/kpis/"), timeout=10)
    assert str(r.status_code) in schema["paths"]["/api/v1/kpis/"]["get"]["responses"]


# -- Swagger UI ----------------------------------------------------------------------------------


class Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.urls.append(value)


def raw_get(stack, target):
    conn = http.client.HTTPConnection("127.0.0.1", stack.api_port, timeout=10)
    try:
        conn.request("GET", target)
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def test_docs_page_and_its_local_assets(stack):
    r = requests.get(stack.url("/api/docs/"), timeout=10)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/html")
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    page = Assets()
    page.feed(r.text)
    assert {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js",
            "docs.js"} <= set(page.urls)
    types = {".css": "text/css", ".js": "application/javascript", ".png": "image/png"}
    for url in page.urls:
        assert "//" not in url, f"{url}: the docs must not load anything from elsewhere"
        a = requests.get(stack.url("/api/docs/" + url), timeout=10)
        assert a.status_code == 200, (url, a.status_code, a.text[:200])
        assert a.headers["Content-Type"].startswith(types[os.path.splitext(url)[1]]), url
        assert len(a.content) > 100
    script = requests.get(stack.url("/api/docs/docs.js"), timeout=10).text
    assert '"../schema/"' in script and "persistAuthorization: true" in script
    bundle = requests.get(stack.url("/api/docs/swagger-ui-bundle.js"), timeout=10)
    with open(os.path.join(DOCS_DIR, "node_modules", "swagger-ui-dist",
                           "swagger-ui-bundle.js"), "rb") as f:
        assert bundle.content == f.read()
    assert requests.get(stack.url("/api/docs/index.html"), timeout=10).text == r.text


@pytest.mark.parametrize("target", [
    "/api/docs/../openapi.json", "/api/docs/..%2F..%2Fopenapi.json", "/api/docs/%2e%2e/x.js",
    "/api/docs/../../../../etc/passwd", "/api/docs//etc/passwd", "/api/docs/.bin/x.js",
    "/api/docs/package.json", "/api/docs/README.md", "/api/docs/nope.js",
    "/api/docs/swagger-ui.css/", "/api/docs/" + "a" * 300 + ".js", "/api/docs/a\\b.js"])
def test_docs_refuse_everything_else(stack, target):
    status, body = raw_get(stack, target)
    assert status == 404, (target, status)
    assert set(json.loads(body)) == {"error", "detail"}


def test_docs_other_methods_and_no_slash(stack):
    r = requests.post(stack.url("/api/docs/swagger-ui.css"), timeout=10)
    assert r.status_code == 405 and r.headers["Allow"] == "GET"
    r = requests.get(stack.url("/api/docs"), timeout=10)
    assert r.status_code == 404 and "/api/docs/" in r.json()["detail"]


# -- metrics -------------------------------------------------------------------------------------


def scrape(stack):
    r = requests.get(stack.url("/metrics"), timeout=10)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    return r.text


def samples_of(text):
    """{(name, frozenset(labels)): value} through prometheus_client's parser."""
    from prometheus_client.parser import text_string_to_metric_families
    out, types = {}, {}
    for family in text_string_to_metric_families(text):
        types[family.name] = family.type
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out, types


def value(parsed, name, **labels):
    return parsed.get((name, frozenset(labels.items())), 0)


def etl_idle(stack, tokens, timeout=30):
    """Waits until no ETL run is queued or running (a load invalidates cached answers)."""
    if "etl" not in available():
        return
    deadline = time.time() + timeout
    while True:
        runs = requests.get(stack.url("/api/v1/etl/status/"), timeout=10, headers={
            "Authorization": "Bearer " + tokens["access"]}).json()["runs"]
        if all(run["status"] in ("success", "failed") for run in runs):
            return
        assert time.time() < deadline, runs
        time.sleep(0.1)


def test_metrics_count_what_happened(stack, tokens):
    etl_idle(stack, tokens)
    before, _ = samples_of(scrape(stack))
    kpis = dict(route="/api/v1/kpis/", method="GET", status="200")
    if "kpi" in available():
        requests.get(stack.url("/api/v1/kpis/?start_date=2024-01-03"), timeout=10)
        r = requests.get(stack.url("/api/v1/kpis/?start_date=2024-01-03"), timeout=10)
        assert r.headers["X-Cache"] == "HIT"
    for path in ("/nope", "/random/123", "/api/v1/kpis", "/api/v1/kpis/x"):
        assert requests.get(stack.url(path), timeout=10).status_code == 404
    requests.get(stack.url("/api/v1/kpis/?start_date=bad"), timeout=10)
    requests.request("BREW", stack.url("/metrics"), timeout=10)
    text = scrape(stack)
    after, types = samples_of(text)
    assert types["ecom_http_requests"] == "counter"  # the parser drops _total
    assert types["ecom_http_request_duration_seconds"] == "histogram"
    assert types["ecom_http_requests_in_flight"] == "gauge"
    assert types["ecom_cache_requests"] == "counter"
    assert types["ecom_service_workers"] == "gauge"
    total = "ecom_http_requests_total"
    unmatched = dict(route="unmatched", method="GET", status="404")
    assert value(after, total, **unmatched) - value(before, total, **unmatched) == 4
    kx = dict(route="/api/v1/kpis/", method="GET",
              status="400" if "kpi" in available() else "503")
    assert value(after, total, **kx) - value(before, total, **kx) == 1
    assert value(after, total, route="/metrics", method="other", status="405") >= 1
    # Bounded labels: no request path but the table's and "unmatched".
    routes = {dict(labels).get("route") for (_, labels) in after} - {None}
    assert "/nope" not in routes and "/random/123" not in routes
    assert len(routes) <= 20
    if "kpi" in available():
        assert value(after, total, **kpis) - value(before, total, **kpis) == 2
        hits = ("ecom_cache_requests_total", dict(service="kpi", result="hit"))
        misses = ("ecom_cache_requests_total", dict(service="kpi", result="miss"))
        assert value(after, hits[0], **hits[1]) - value(before, hits[0], **hits[1]) == 1
        assert value(after, misses[0], **misses[1]) - value(before, misses[0], **misses[1]) == 1
    # Histogram: 13 buckets and +Inf, cumulative, +Inf equal to the count.
    bucket = "ecom_http_request_duration_seconds_bucket"
    les = sorted((float(dict(labels)["le"]), v) for (name, labels), v in after.items()
                 if name == bucket and dict(labels)["route"] == "unmatched")
    assert [le for le, _ in les] == [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                     1, 2.5, 5, 10, float("inf")]
    assert all(a[1] <= b[1] for a, b in zip(les, les[1:]))
    assert les[-1][1] == value(after, "ecom_http_request_duration_seconds_count",
                               route="unmatched")
    assert value(after, "ecom_http_requests_in_flight") >= 1
    for service in SERVICES:
        workers = value(after, "ecom_service_workers", service=service)
        assert workers == (1 if service in available() else 0), service


def test_metrics_pass_promtool(stack):
    promtool = shutil.which("promtool")
    if not promtool:
        pytest.skip("promtool (Debian package prometheus) is not installed")
    r = subprocess.run([promtool, "check", "metrics"], input=scrape(stack), capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr


# -- request ids and logs ------------------------------------------------------------------------


def wait_for(stack, name, needle, timeout=5):
    deadline = time.time() + timeout
    while needle not in stack.log(name):
        assert time.time() < deadline, f"{needle!r} not in {name}'s log:\n{stack.log(name)[-2000:]}"
        time.sleep(0.05)
    return [line for line in stack.log(name).splitlines() if needle in line]


@pytest.mark.skipif("kpi" not in available(), reason="ecom-kpi is not built")
def test_request_id_reaches_the_service_and_the_access_log(stack):
    r = requests.get(stack.url("/api/v1/kpis/"), headers={"X-Request-Id": "abc-123"}, timeout=10)
    assert r.status_code == 200 and r.headers["X-Request-Id"] == "abc-123"
    service = wait_for(stack, "kpi-0", "request_id=abc-123")
    assert len(service) == 1 and "msg=request op=kpis status=200" in service[0]
    assert "level=info service=kpi" in service[0]
    gateway = wait_for(stack, "gateway", "request_id=abc-123")
    assert len(gateway) == 1 and "path=/api/v1/kpis/ status=200" in gateway[0]


@pytest.mark.skipif("kpi" not in available(), reason="ecom-kpi is not built")
@pytest.mark.parametrize("given", ["x" * 65, "bad id", "abc/123", "a\"b", "é", "", None])
def test_malformed_or_missing_request_ids_are_replaced(stack, given):
    headers = {} if given is None else {"X-Request-Id": given.encode("utf-8")}
    r = requests.get(stack.url("/api/v1/kpis/"), headers=headers, timeout=10)
    assert r.status_code == 200
    made = r.headers["X-Request-Id"]
    assert made != given and ID_RE.match(made), made
    wait_for(stack, "kpi-0", f"request_id={made}")
    wait_for(stack, "gateway", f"request_id={made}")


def test_log_level_filters_the_gateway_lines(make_stack):
    quiet = make_stack(env={"LOG_LEVEL": "warn"})
    assert requests.get(quiet.url("/api/schema/"), headers={"X-Request-Id": "quiet-1"},
                        timeout=10).status_code == 200
    assert requests.get(quiet.url("/api/v1/kpis/"), headers={"X-Request-Id": "loud-1"},
                        timeout=10).status_code == 503
    line = wait_for(quiet, "gateway", "request_id=loud-1")[0]
    assert "level=warn service=gateway msg=request" in line
    assert "quiet-1" not in quiet.log("gateway")
    assert "level=info" not in quiet.log("gateway")
