#!/usr/bin/env bash
# Benchmark: `ecomctl seed --orders 1000000` end to end (generate, COPY, index, commit),
# timed by hyperfine over 3 runs on a fresh PostgreSQL with default settings.
# Target (issue 2): under 15 s on a 2-core machine.   Usage: bench/seed.sh BIN_DIR
set -euo pipefail
bin=$(cd "${1:-build/release/bin}" && pwd)
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_stack_start
"$bin/ecomctl" migrate > /dev/null
hyperfine --runs 3 --warmup 0 --style basic \
  --export-markdown "$bench_tmp/seed.md" \
  "$bin/ecomctl seed --reset --orders 1000000 --random-seed 42"
cat "$bench_tmp/seed.md"
