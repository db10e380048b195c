"""The cache is a trust boundary (issue 16, item 2): Redis behind a password, and a planted
value under a cache key is never served.

One stack: a seeded database, a private redis-server with requirepass (REDIS_URL carries
the password), the gateway and one ecom-kpi. Whoever can write to Redis could plant an
answer; a value that is not one well-formed msgpack map (what proto serves as a reply body)
is logged and treated as a miss, computed again and stored over."""
import os
import subprocess
import time

import msgpack
import pytest
import requests

from stack import without_cache

pytestmark = pytest.mark.skipif(not os.environ.get("DATABASE_URL"),
                                reason="needs DATABASE_URL (a PostgreSQL server to create databases on)")

PASSWORD = "e2e-redis-password-0123456789"
PATH, PARAMS = "/api/v1/kpis/", {"start_date": "2024-01-01", "end_date": "2024-06-30"}
GARBAGE = [b"garbage", msgpack.packb([1, 2, 3]), b"\x82\xa1a\x01",  # truncated map
           msgpack.packb({"total_revenue": 1}) + b"\x00", b"\xc1", b""]


@pytest.fixture(scope="module")
def stack(make_stack):
    return make_stack(seed={"orders": 2000, "random_seed": 5}, services={"kpi": 1},
                      redis_password=PASSWORD, env={"CACHE_TTL_SECONDS": "300"})


def redis_cli(stack, *args, input=None, password=PASSWORD):
    env = dict(os.environ)
    env.pop("REDISCLI_AUTH", None)
    if password:
        env["REDISCLI_AUTH"] = password
    r = subprocess.run(["redis-cli", "-p", str(stack.redis_port), *args], capture_output=True,
                       timeout=10, input=input, env=env)
    return r.stdout.decode(errors="replace").strip()


def kpi_keys(stack):
    out = redis_cli(stack, "KEYS", "ecom:cache:v*:kpi:kpis:*")
    return [k for k in out.split("\n") if k]


def get(stack):
    r = requests.get(stack.url(PATH), params=PARAMS, timeout=20)
    assert r.status_code == 200, r.text
    return r.json()


def test_redis_requires_the_password(stack):
    assert "NOAUTH" in redis_cli(stack, "GET", "ecom:data_version", password=None)
    assert redis_cli(stack, "PING") == "PONG"
    # and the services use it: an answer is cached and then served from the cache
    first = get(stack)
    deadline = time.time() + 10
    while not kpi_keys(stack):
        assert time.time() < deadline, "nothing cached"
        time.sleep(0.05)
    assert get(stack)["cache"]["hit"] is True
    assert without_cache(get(stack)) == without_cache(first)


@pytest.mark.parametrize("garbage", GARBAGE, ids=range(len(GARBAGE)))
def test_a_planted_value_is_a_miss(stack, garbage):
    expected = without_cache(get(stack))
    keys = kpi_keys(stack)
    assert keys
    before = stack.log("kpi-0").count("malformed cache entry treated as a miss")
    for key in keys:
        assert redis_cli(stack, "-x", "SET", key, input=garbage) == "OK"
    body = get(stack)
    assert body["cache"]["hit"] is False
    assert without_cache(body) == expected
    assert stack.log("kpi-0").count("malformed cache entry treated as a miss") > before
    # computed again and stored over the planted value: a hit with the real answer
    body = get(stack)
    assert body["cache"]["hit"] is True and without_cache(body) == expected
