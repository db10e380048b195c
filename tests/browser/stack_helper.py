"""A private API stack for the browser tests, driven over stdin/stdout by the node tests.

    /usr/bin/python3 tests/browser/stack_helper.py

Starts, with tests/e2e/stack.py (DATABASE_URL must point at a test PostgreSQL; binaries from
ECOM_BIN_DIR): a seeded database of its own, a private redis, the gateway and one instance of
each of ecom-kpi, ecom-product, ecom-customer, ecom-orders, ecom-auth and ecom-etl that
exists, plus an API user when ecom-auth does. ecom-etl loads ETL_CSV (a file of the stack's
folder) when triggered, never on a schedule. Then prints one JSON line:

    {"api_port": 41234, "jwt_secret": "...", "services": [...], "user": {...} | null}

and reads commands, one a line, answering each with one line `ok` or `error: <why>`:

    stop gateway     SIGTERM to the gateway; waits for a clean exit (status 0)
    start gateway    starts it again on the same port; waits until every service is back

End of input stops everything; the exit status is 1 when a process did not exit cleanly or
printed a sanitizer report (the reasons go to stderr)."""
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))

from stack import SANITIZER_MARKS, Stack, binary  # noqa: E402

SERVICES = ("kpi", "product", "customer", "orders", "auth", "etl")
SEED = {"customers": 400, "products": 60, "orders": 6000, "days": 730, "random_seed": 20251}
# What ecom-etl loads on "Run now" (the Loads page): two good rows and three bad ones, at
# lines 3, 5 and 6 (line 1 is the header). No scheduled run during the tests.
ETL_CSV = """order_id,order_date,customer_id,customer_name,customer_email,customer_city,\
customer_country,product_id,product_name,product_category,quantity,unit_price
BR-1,2025-06-01,BRC-1,Browser Tester,tester@example.com,Oslo,Norway,BRP-1,Test Mug,Kitchen,2,9.50
BR-2,2025-13-01,BRC-1,Browser Tester,tester@example.com,Oslo,Norway,BRP-1,Test Mug,Kitchen,1,9.50
BR-3,2025-06-02,BRC-1,Browser Tester,tester@example.com,Oslo,Norway,BRP-1,Test Mug,Kitchen,1,9.50
BR-4,2025-06-03,BRC-1,Browser Tester,tester@example.com,Oslo,Norway,BRP-1,Test Mug,Kitchen,0,9.50
"only, three, fields"
"""
ETL_ENV = {"ETL_SCHEDULE_SECONDS": "86400"}


def gateway_check(stack, status):
    """Problems with the exit of the gateway process that was just stopped."""
    log = stack.log("gateway")
    problems = []
    if status != 0:
        problems.append(f"gateway exited with {status}: {log[-2000:]}")
    problems += [f"gateway: {m}" for m in SANITIZER_MARKS if m in log]
    return problems


class Terminated(Exception):
    pass


def on_sigterm(*_):
    raise Terminated()


def main():
    tmp = tempfile.mkdtemp(prefix="ecom-browser-")
    source = os.path.join(tmp, "etl.csv")
    with open(source, "w", encoding="utf-8") as f:
        f.write(ETL_CSV)
    stack = Stack(tmp, "browser", seed=SEED, env={**ETL_ENV, "ETL_SOURCE": source})
    services = {s: 1 for s in SERVICES if os.access(binary("ecom-" + s), os.X_OK)}
    problems = []
    # Stop cleanly on SIGTERM too (the node side ends this process that way on a timeout).
    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        stack.start(services=services)
        user = None
        if "auth" in services:
            user = {"username": "dashboard-tester", "password": secrets.token_urlsafe(12)}
            stack.ecomctl("createuser", user["username"], "--password-stdin",
                          input=user["password"] + "\n")
        print(json.dumps({"api_port": stack.api_port, "jwt_secret": stack.jwt_secret,
                          "services": sorted(services), "user": user, "dir": tmp}), flush=True)
        for line in sys.stdin:
            command = line.strip()
            try:
                if command == "stop gateway":
                    stack.signal("gateway", signal.SIGTERM)
                    status = Stack._wait(stack.procs["gateway"], timeout=20)
                    found = gateway_check(stack, status)
                    # Keep its log: the restarted gateway writes a new one.
                    os.replace(stack.log_path("gateway"), stack.log_path("gateway-stopped"))
                    problems += found
                    print("error: " + found[0] if found else "ok", flush=True)
                elif command == "start gateway":
                    stack.start_gateway()
                    stack.wait_workers(services, timeout=60)
                    print("ok", flush=True)
                else:
                    print(f"error: unknown command {command!r}", flush=True)
            except (AssertionError, OSError, subprocess.SubprocessError) as e:
                print(f"error: {str(e).splitlines()[0] if str(e) else type(e).__name__}",
                      flush=True)
    except Terminated:
        problems.append("stopped by SIGTERM before the tests closed the stack")
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stack.stop()
        problems += stack.unclean_exits()
    if problems:
        print("\n\n".join(problems) + f"\n(logs kept in {tmp})", file=sys.stderr)
        sys.exit(1)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
