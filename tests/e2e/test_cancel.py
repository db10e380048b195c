"""Work stops when nobody waits (issue 20): a client that leaves while its answer is being
computed cancels the service's PostgreSQL query.

The order list's query is held on a lock (another session holds fact_order in ACCESS
EXCLUSIVE mode), so it waits in PostgreSQL, visible in pg_stat_activity, for as long as
the lock is held. A client that closes its connection then: the gateway notices within
API_SWEEP_MS, the broker sends the service's worker a CANCEL (proto/mdp.h), the service
cancels the query (PQcancel): it must vanish from pg_stat_activity within a second of the
client leaving, while the lock is still held. Control: while a client waits, the query
stays. Afterwards the service answers normally (its connection survived the cancel), and
its log says why the query ended."""
import datetime
import socket
import time

import jwt
import pytest
import requests

SEED = {"orders": 2000, "customers": 40, "products": 25, "days": 60, "random_seed": 5}
# Long enough that neither the gateway's timeout nor the statement timeout below it
# (svc_statement_timeout_ms) ends the query during the test.
ENV = {"REQUEST_TIMEOUT_MS": "30000"}

WAITING = ("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
           " AND query LIKE '%fact_order%' AND pid <> pg_backend_pid()")


@pytest.fixture(scope="module")
def stack(make_stack):
    return make_stack(seed=SEED, env=ENV, services={"orders": 1})


@pytest.fixture(scope="module")
def token(stack):
    now = int(datetime.datetime.now().timestamp())
    return jwt.encode({"sub": "tester", "iat": now, "exp": now + 3600, "jti": "c",
                       "token_type": "access"}, stack.jwt_secret, algorithm="HS256")


def waiting_queries(stack):
    return stack.execute(WAITING)[0][0]


def wait_until(predicate, seconds):
    """Polls predicate every 20 ms for up to seconds; returns the seconds it took, or None."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if predicate():
            return time.monotonic() - start
        time.sleep(0.02)
    return None


def send_order_list_request(stack, token):
    """Opens a connection and sends GET /api/v1/orders/ without reading the answer."""
    sock = socket.create_connection(("127.0.0.1", stack.api_port), timeout=10)
    sock.sendall((f"GET /api/v1/orders/?page_size=5 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  f"Authorization: Bearer {token}\r\n\r\n").encode())
    return sock


def test_a_client_that_leaves_cancels_the_query(stack, token):
    lock = stack.db()
    try:
        with lock.cursor() as cur:
            cur.execute("LOCK TABLE fact_order IN ACCESS EXCLUSIVE MODE")
        sock = send_order_list_request(stack, token)
        assert wait_until(lambda: waiting_queries(stack) == 1, 10) is not None, \
            "the order list's query never waited on the lock"
        # control: while the client waits, the query waits too
        time.sleep(1.0)
        assert waiting_queries(stack) == 1
        sock.close()
        gone = wait_until(lambda: waiting_queries(stack) == 0, 5)
        assert gone is not None, "the query outlived the client that left"
        assert gone <= 1.0, f"the query outlived the client by {gone:.2f} s"
        print(f"query gone {gone * 1000:.0f} ms after the client left")
    finally:
        lock.rollback()
        lock.close()
    assert "query cancelled: nobody waits" in stack.log("orders-0")
    # the service's connection survived: the next request is answered
    r = requests.get(stack.url("/api/v1/orders/?page_size=5"),
                     headers={"Authorization": "Bearer " + token}, timeout=10)
    assert r.status_code == 200, r.text
    assert r.json()["count"] == SEED["orders"]


def test_a_client_that_waits_gets_its_answer_after_the_lock(stack, token):
    """The cancel is not a timeout: a client that stays gets the answer once the lock goes."""
    lock = stack.db()
    sock = None
    try:
        with lock.cursor() as cur:
            cur.execute("LOCK TABLE fact_order IN ACCESS EXCLUSIVE MODE")
        sock = send_order_list_request(stack, token)
        assert wait_until(lambda: waiting_queries(stack) == 1, 10) is not None
        time.sleep(0.5)
        lock.rollback()
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(65536)
            assert chunk, "the gateway closed the connection without an answer"
            answer += chunk
        assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
    finally:
        lock.rollback()
        lock.close()
        if sock:
            sock.close()
