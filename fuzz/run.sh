#!/usr/bin/env bash
# libFuzzer targets (issue 20) built with Debian's clang under ASan and UBSan:
#   fuzz/run.sh [SECONDS]        each target for SECONDS (default 60) from its seed corpus
#   fuzz/run.sh --runs N         each target for a fixed N inputs (a smoke test)
# Targets: query (gateway/query.c: the HTTP query string), envelope (proto/envelope.c: the
# msgpack request and reply envelopes). Seeds: fuzz/corpus/<target>/ (in the repo); new
# inputs found go to build/fuzz/corpus/<target>/, crashes to build/fuzz/ (crash-*).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/build/fuzz
mkdir -p "$out"
limit=(-max_total_time="${1:-60}")
if [ "${1:-}" = "--runs" ]; then limit=(-runs="${2:?--runs needs a count}"); fi
CC=${FUZZ_CC:-clang}
flags=(-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -std=gnu11)
$CC "${flags[@]}" -I"$root/gateway" -o "$out/query_fuzz" "$root/fuzz/query_fuzz.c" "$root/gateway/query.c"
# shellcheck disable=SC2046
$CC "${flags[@]}" -I"$root/proto" $(pkg-config --cflags msgpack-c 2>/dev/null || pkg-config --cflags msgpack) \
    -o "$out/envelope_fuzz" "$root/fuzz/envelope_fuzz.c" "$root/proto/envelope.c" \
    $(pkg-config --libs msgpack-c 2>/dev/null || pkg-config --libs msgpack)
status=0
for target in query envelope; do
  mkdir -p "$out/corpus/$target"
  echo "== $target"
  rc=0
  (cd "$out" && ASAN_OPTIONS=detect_leaks=1 "./${target}_fuzz" "${limit[@]}" -max_len=8192 \
     -print_final_stats=1 "corpus/$target" "$root/fuzz/corpus/$target" > "$target.log" 2>&1) || rc=$?
  grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|Done [0-9]+ runs)" "$out/$target.log" || true
  if [ "$rc" -ne 0 ]; then
    echo "$target: the fuzzer failed (exit $rc):"; tail -40 "$out/$target.log"; status=1
  fi
done
exit $status
