#!/usr/bin/env bash
# The whole test suite: ruff, then every test on real PostgreSQL and Redis (throwaway
# servers started here unless TEST_DATABASE_URL / TEST_REDIS_URL are given), then the
# embedded-mode suite on SQLite with no Redis. Extra arguments go to both pytest runs.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
. scripts/services.sh
services_init test

log "ruff"
ruff check .

if [ -z "${TEST_DATABASE_URL:-}" ]; then
  start_postgres
  TEST_DATABASE_URL=$SERVICES_DATABASE_URL
  # The fault tests stop and start this server (a database restart under load).
  export TEST_PG_CTL="$pg_bin/pg_ctl" TEST_PG_DATA="$workdir/pg" TEST_PG_OPTS="$SERVICES_PG_OPTS" \
    TEST_PG_LOG="$workdir/pg/server.log" TEST_PG_USER="$([ "$(id -u)" -eq 0 ] && echo postgres || true)"
fi
if [ -z "${TEST_REDIS_URL:-}" ]; then
  start_redis
  TEST_REDIS_URL=$SERVICES_REDIS_URL
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
  pytest -p no:cacheprovider "$@"  # conftest.py deselects the postgres_only tests here
