#!/usr/bin/env bash
# The browser tests of the dashboard (ctest: browser_dashboard):
#   tests/browser/run.sh [BUILD_DIR] [node --test options...]
# Installs the npm packages of dashboard/ and tests/browser/ when missing (npm ci), then runs
# dashboard.test.mjs under node's test runner. The tests start their own stack (a seeded
# database, redis, gateway, services: stack_helper.py) and dashboard server (h2o) on free
# ports, and drive Debian's Chromium (/usr/bin/chromium) with playwright-core.
# Needs DATABASE_URL (a PostgreSQL superuser URL: tests/harness/run.sh exports one); without
# it, a throwaway PostgreSQL is started with deploy/local/stack.sh for this run.
# Binaries: ECOM_BIN_DIR, else BUILD_DIR/bin, else build/bin.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if [ $# -gt 0 ] && [ -d "$1" ]; then
  export ECOM_BIN_DIR=${ECOM_BIN_DIR:-$(cd "$1" && pwd)/bin}; shift
fi
export ECOM_SOURCE_DIR=${ECOM_SOURCE_DIR:-$root}
export ECOM_BIN_DIR=${ECOM_BIN_DIR:-$root/build/bin}

# Debian's nodejs comes without npm (NodeSource's has it, and conflicts with Debian's npm).
command -v npm > /dev/null || "$root/deploy/local/install-deps.sh" <(echo npm)
for tool in node npm /usr/bin/chromium /usr/bin/python3 h2o; do
  command -v "$tool" > /dev/null || { echo "tests/browser/run.sh: $tool is missing (make deps installs it)" >&2; exit 1; }
done
for dir in "$root/dashboard" "$here"; do
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done

tmp=""
cleanup() {
  if [ -n "$tmp" ]; then "$root/deploy/local/stack.sh" stop "$tmp/stack" > /dev/null || true; rm -rf "$tmp"; fi
}
trap cleanup EXIT
if [ -z "${DATABASE_URL:-}" ]; then
  tmp=$(mktemp -d /tmp/ecom-browser.XXXXXX); chmod 755 "$tmp"
  PG_FSYNC=off "$root/deploy/local/stack.sh" start "$tmp/stack" > /dev/null
  # shellcheck disable=SC1091
  . "$tmp/stack/env"
  export DATABASE_URL REDIS_URL
fi

rm -rf "$root/tests/artifacts/browser"
cd "$here"
node --test --test-reporter=spec --test-concurrency=1 "$@" dashboard.test.mjs
