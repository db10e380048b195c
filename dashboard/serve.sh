#!/usr/bin/env bash
# Serves the dashboard in the foreground with Debian's h2o (what `make run` starts):
#   dashboard/serve.sh
# - installs plotly.js with `npm ci` when node_modules is missing or older than the lock file;
# - fills deploy/dashboard/h2o.local.conf.in into .local/dashboard-h2o-<port>.conf (or
#   $DASHBOARD_CONF when set) and execs h2o, so a SIGTERM to this script's pid stops h2o.
# Environment (SPEC §3): DASHBOARD_PORT (8050), API_HOST / API_PORT (127.0.0.1 / 8000): the
# dashboard listens on API_HOST:DASHBOARD_PORT and forwards /api/ and /healthz to the gateway
# at API_HOST:API_PORT (over loopback when the gateway listens on every interface).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
port=${DASHBOARD_PORT:-8050}
api_host=${API_HOST:-127.0.0.1}
api_port=${API_PORT:-8000}

fail() { echo "dashboard/serve.sh: $*" >&2; exit 1; }
if ! [[ "$port" =~ ^[0-9]+$ ]] || [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
  fail "DASHBOARD_PORT must be a port number, not '$port'"
fi
[[ "$api_port" =~ ^[0-9]+$ ]] || fail "API_PORT must be a port number, not '$api_port'"
command -v h2o > /dev/null || fail "h2o is not installed (Debian package h2o: make deps)"

case "$api_host" in
  0.0.0.0 | '') listen_host=0.0.0.0; connect_host=127.0.0.1 ;;
  :: | '[::]') listen_host=::; connect_host='[::1]' ;;
  *:*) listen_host=${api_host#[}; listen_host=${listen_host%]}; connect_host="[$listen_host]" ;;
  *) listen_host=$api_host; connect_host=$api_host ;;
esac

# plotly.js comes from the npm registry (package-lock.json pins it).
plotly="$here/node_modules/plotly.js-basic-dist-min/plotly-basic.min.js"
if [ ! -f "$plotly" ] || [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
  # Debian's nodejs comes without npm (NodeSource's has it, and conflicts with Debian's npm).
  command -v npm > /dev/null || "$root/deploy/local/install-deps.sh" <(echo npm)
  echo "dashboard: installing plotly.js (npm ci)" >&2
  (cd "$here" && npm ci --omit=dev --no-audit --no-fund --loglevel=error >&2)
fi

# h2o started as root drops to a user: nobody when it can read the pages, else (a checkout
# in a private home folder) root itself, rather than failing.
user_line=""
if [ "$(id -u)" = 0 ]; then
  if runuser -u nobody -- test -r "$here/public/index.html" 2> /dev/null \
    && runuser -u nobody -- test -r "$plotly" 2> /dev/null; then
    user_line="user: nobody"
  else
    user_line="user: root"
  fi
fi

conf=${DASHBOARD_CONF:-$root/.local/dashboard-h2o-$port.conf}
mkdir -p "$(dirname "$conf")"
sed -e "s|@LISTEN_HOST@|$listen_host|" -e "s|@PORT@|$port|" -e "s|@USER_LINE@|$user_line|" \
    -e "s|@API_URL@|http://$connect_host:$api_port|" -e "s|@DASHBOARD_DIR@|$here|" \
    "$root/deploy/dashboard/h2o.local.conf.in" > "$conf"
exec h2o --conf "$conf"
