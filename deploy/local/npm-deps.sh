#!/usr/bin/env bash
# Installs the npm packages of the given folders (each with a package.json and a
# package-lock.json) with `npm ci` when its node_modules is missing or older than its lock
# file. Used by `make build` / `make build-test` for gateway/docs (Swagger UI for
# /api/docs/ and the OpenAPI validator of the tests):
#   deploy/local/npm-deps.sh gateway/docs
# npm comes from the npm registry's client; when the npm command is missing, Debian's npm
# package is installed first (Debian's nodejs has no npm of its own; a NodeSource nodejs
# brings one). Install scripts are not run (swagger-ui-dist's only one is telemetry).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v npm > /dev/null; then
  list=$(mktemp)
  trap 'rm -f "$list"' EXIT
  printf 'nodejs\nnpm\n' > "$list"
  "$here/install-deps.sh" "$list"
fi
for dir in "$@"; do
  [ -f "$dir/package-lock.json" ] || { echo "npm-deps.sh: $dir has no package-lock.json" >&2; exit 1; }
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; then
    echo "npm ci in $dir"
    SCARF_ANALYTICS=false npm ci --prefix "$dir" --ignore-scripts --no-audit --no-fund --loglevel=error
    touch "$dir/node_modules"
  fi
done
