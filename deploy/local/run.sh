#!/usr/bin/env bash
# `make run`: the whole platform on this machine, in the foreground.
#   deploy/local/run.sh BIN_DIR
# 1. reads .env (creating it from .env.example, with a fresh JWT_SECRET, on first run);
# 2. starts PostgreSQL and Redis in .local/ unless DATABASE_URL / REDIS_URL are set;
# 3. writes CurveZMQ certificates into .local/curve on first run (ecomctl keygen; CURVE_DIR
#    set elsewhere wins) so that only processes holding one reach the broker (SPEC §11);
# 4. migrates, and seeds demo data when the database is empty;
# 5. starts every service binary found in BIN_DIR, then the gateway and the dashboard;
# 6. on Ctrl-C (or when any of them dies) stops everything it started.
set -euo pipefail
bin=$(cd "$1" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

if [ ! -f .env ]; then
  secret=$(head -c 32 /dev/urandom | base64 | tr -d '/+=\n')
  sed "s|^JWT_SECRET=.*|JWT_SECRET=$secret|" .env.example > .env
  chmod 600 .env
  echo "created .env with a new JWT_SECRET"
fi
# Values already in the environment win over .env.
while IFS= read -r line; do
  [[ "$line" =~ ^[A-Z_][A-Z0-9_]*= ]] || continue
  name=${line%%=*}; value=${line#*=}
  [ -n "${!name:-}" ] || export "$name=$value"
done < .env
if [ -z "${JWT_SECRET:-}" ]; then
  JWT_SECRET=$(head -c 32 /dev/urandom | base64 | tr -d '/+=\n'); export JWT_SECRET
  echo "JWT_SECRET=$JWT_SECRET" >> .env
fi

pids=()
started_stack=0
stop_all() {
  trap - INT TERM EXIT
  echo
  echo "stopping..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ "$started_stack" = 0 ] || deploy/local/stack.sh stop "$root/.local"
  echo "stopped"
}
trap stop_all INT TERM EXIT

if [ -z "${DATABASE_URL:-}" ] || [ -z "${REDIS_URL:-}" ]; then
  if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$root"; then
    echo "run.sh: PostgreSQL runs as user 'postgres', which cannot enter $root;" >&2
    echo "        make the folder and its parents world-executable, or set DATABASE_URL" >&2
    exit 1
  fi
  deploy/local/stack.sh start "$root/.local"
  started_stack=1
  # shellcheck disable=SC1091
  stack_db=$(. .local/env; echo "$DATABASE_URL"); stack_redis=$(. .local/env; echo "$REDIS_URL")
  export DATABASE_URL=${DATABASE_URL:-$stack_db} REDIS_URL=${REDIS_URL:-$stack_redis}
fi

# CurveZMQ: the broker, each service and a client `ecomctl` (for internal RPC users) get a
# certificate on first start; later starts keep them (keygen writes only what is missing).
if [ -z "${CURVE_DIR:-}" ]; then
  export CURVE_DIR="$root/.local/curve"
  export CURVE_CERT=${CURVE_CERT:-$CURVE_DIR/ecomctl_secret}
fi
mkdir -p "$(dirname "$CURVE_DIR")"
"$bin/ecomctl" keygen "$CURVE_DIR" --client ecomctl > /dev/null

"$bin/ecomctl" migrate
"$bin/ecomctl" seed --if-empty

for svc in kpi product customer orders auth etl; do
  if [ -x "$bin/ecom-$svc" ]; then
    "$bin/ecom-$svc" & pids+=($!)
  fi
done
"$bin/ecom-gateway" & pids+=($!)
dashboard/serve.sh & pids+=($!)   # h2o: the pages, and /api/ forwarded to the gateway

api="http://${API_HOST:-127.0.0.1}:${API_PORT:-8000}"
for _ in $(seq 100); do curl -fs "$api/healthz" > /dev/null 2>&1 && break; sleep 0.1; done
cat <<INFO

ecommerce-analytics is running:
  API        $api/api/v1/kpis/   (health: $api/healthz)
  dashboard  http://${API_HOST:-127.0.0.1}:${DASHBOARD_PORT:-8050}/
  broker     ${BROKER_ENDPOINT:-tcp://127.0.0.1:5555} (CurveZMQ, certificates in $CURVE_DIR)
  PostgreSQL $(echo "${DATABASE_URL%%\?*}" | sed -E 's#://([^:/@]*):[^@]*@#://\1:***@#')
  Redis      $REDIS_URL
Press Ctrl-C to stop everything.
INFO
# Stop everything as soon as one process ends (or on Ctrl-C).
wait -n "${pids[@]}" || true
