#!/usr/bin/env bash
# The whole test suite: ruff, then every test on real PostgreSQL and Redis (throwaway
# servers started here unless TEST_DATABASE_URL / TEST_REDIS_URL are given), then the
# embedded-mode suite on SQLite with no Redis. Extra arguments go to both pytest runs.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }

workdir=$(mktemp -d /tmp/anamnesis-test.XXXXXX)
chmod 755 "$workdir"
cleanup() {
  if [ -n "${pg_bin:-}" ] && [ -f "$workdir/pg/postmaster.pid" ]; then
    as_postgres "$pg_bin/pg_ctl" -D "$workdir/pg" -m immediate stop >/dev/null 2>&1 || true
  fi
  if [ -f "$workdir/redis.pid" ]; then kill "$(cat "$workdir/redis.pid")" 2>/dev/null || true; fi
  rm -rf "$workdir"
}
trap cleanup EXIT

free_port() { python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# PostgreSQL refuses to run as root: there it runs as the `postgres` system user.
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

log "ruff"
ruff check .

if [ -z "${TEST_DATABASE_URL:-}" ]; then
  pg_bin=$(dirname "$(ls -1 /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -1)")
  [ -x "$pg_bin/pg_ctl" ] || pg_bin=$(dirname "$(command -v pg_ctl)")
  port=$(free_port)
  mkdir -p "$workdir/pg"
  [ "$(id -u)" -eq 0 ] && chown postgres "$workdir/pg"
  log "Starting a throwaway PostgreSQL on port $port"
  as_postgres "$pg_bin/initdb" -D "$workdir/pg" -U postgres -A trust -E UTF8 --no-locale >/dev/null
  pg_opts="-p $port -k $workdir/pg -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_connections=200"
  as_postgres "$pg_bin/pg_ctl" -D "$workdir/pg" -w -l "$workdir/pg/server.log" -o "$pg_opts" start >/dev/null
  TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/anamnesis"
  # The fault tests stop and start this server (a database restart under load).
  export TEST_PG_CTL="$pg_bin/pg_ctl" TEST_PG_DATA="$workdir/pg" TEST_PG_OPTS="$pg_opts" \
    TEST_PG_LOG="$workdir/pg/server.log" TEST_PG_USER="$([ "$(id -u)" -eq 0 ] && echo postgres || true)"
fi
if [ -z "${TEST_REDIS_URL:-}" ]; then
  port=$(free_port)
  log "Starting a throwaway Redis on port $port"
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --pidfile "$workdir/redis.pid" --logfile "$workdir/redis.log" >/dev/null
  TEST_REDIS_URL="redis://127.0.0.1:$port/0"
fi

export ANAMNESIS_TESTING=1 CI="${CI:-}"
unset ANTHROPIC_API_KEY ANTHROPIC_BASE_URL TELEGRAM_BOT_TOKEN EMAIL_URL ADMIN_EMAIL ADMIN_PASSWORD || true

log "Suite 1/2: production mode (PostgreSQL + Redis)"
mkdir -p "$workdir/data-pg"
DATA_DIR="$workdir/data-pg" DATABASE_URL="$TEST_DATABASE_URL" REDIS_URL="$TEST_REDIS_URL" \
  pytest -p no:cacheprovider "$@"

log "Suite 2/2: embedded mode (SQLite, no Redis)"
mkdir -p "$workdir/data-sqlite"
env -u DATABASE_URL -u REDIS_URL DATA_DIR="$workdir/data-sqlite" \
  pytest -p no:cacheprovider -m "not postgres_only" "$@"
