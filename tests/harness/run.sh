#!/usr/bin/env bash
# Runs the whole test suite of a build against throwaway servers:
#   tests/harness/run.sh BUILD_DIR [ctest arguments...]
# Starts PostgreSQL and Redis on free loopback ports in a temporary folder (never the ones
# `make run` uses), exports DATABASE_URL and REDIS_URL, runs ctest, and removes everything.
set -euo pipefail
build=$(cd "$1" && pwd); shift
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d /tmp/ecom-test.XXXXXX)
chmod 755 "$tmp"   # PostgreSQL runs as user postgres when we are root
cleanup() {
  "$root/deploy/local/stack.sh" stop "$tmp/stack" || true
  rm -rf "$tmp"
}
trap cleanup EXIT
# Durability is irrelevant for throwaway data. Ports: the first free ones from 25432 and
# 26379 up, which no default setup uses (two test runs at once each get their own).
free_from() {
  local p=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
  echo "$p"
}
PG_FSYNC=off "$root/deploy/local/stack.sh" start "$tmp/stack" "$(free_from 25432)" "$(free_from 26379)"
# shellcheck disable=SC1091
. "$tmp/stack/env"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LOG_LEVEL=${LOG_LEVEL:-info}
echo "test servers: $DATABASE_URL $REDIS_URL"
cd "$build"
ctest --output-on-failure -j2 "$@"
