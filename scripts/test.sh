#!/usr/bin/env bash
# The whole test suite: ruff, then every test on real PostgreSQL and Redis (throwaway
# servers started here unless TEST_DATABASE_URL / TEST_REDIS_URL are given) and the
# embedded-mode suite on SQLite with no Redis. Extra arguments go to both pytest runs.
#
# The two suites share nothing (each has its own DATA_DIR; only the first one uses the
# PostgreSQL server, which its fault tests restart, and Redis), so they run at the same
# time, each into its own log in test-artifacts/; each log is printed whole when both are
# done, first PostgreSQL then SQLite, then one summary line per suite. The exit status
# fails if either suite fails. TEST_PARALLEL=0 runs them one after the other, printing as
# they go (for -s, --pdb, or to rule out an interaction).
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
mkdir -p "$workdir/data-pg" "$workdir/data-sqlite"

workers=${TEST_WORKERS:-2}
[ "${TEST_PARALLEL:-1}" = 0 ] && workers=1

pytest_postgres() {
  DATA_DIR="$workdir/data-pg" DATABASE_URL="$TEST_DATABASE_URL" REDIS_URL="$TEST_REDIS_URL" \
    pytest -p no:cacheprovider "$@"
}
suite_postgres() {
  if [ "$workers" -le 1 ]; then pytest_postgres "$@"; return; fi
  # On several workers (pytest-xdist: a test database and a Redis database each), then
  # the tests marked exclusive alone: they restart the PostgreSQL server all workers use.
  local status=0 alone=0
  # What the app makes in DATA_DIR on first use (the secret key, the VAPID key), made once
  # before the workers share it, lest two make it at the same moment.
  DATA_DIR="$workdir/data-pg" DATABASE_URL="$TEST_DATABASE_URL" REDIS_URL="$TEST_REDIS_URL" \
    DJANGO_SETTINGS_MODULE=config.settings python -c \
    'import django; django.setup(); from notifications import vapid; vapid.keys()'
  TEST_EXCLUSIVE=without pytest_postgres -n "$workers" "$@" || status=$?
  echo "--- the tests marked exclusive, alone:"
  TEST_EXCLUSIVE=only pytest_postgres "$@" || alone=$?
  [ "$alone" -eq 5 ] && alone=0  # none among the ones asked for
  [ "$status" -ne 0 ] && return "$status"
  return "$alone"
}
suite_sqlite() {
  env -u DATABASE_URL -u REDIS_URL DATA_DIR="$workdir/data-sqlite" \
    pytest -p no:cacheprovider "$@"  # conftest.py deselects the postgres_only tests here
}

if [ "${TEST_PARALLEL:-1}" = 0 ]; then
  log "Suite 1/2: production mode (PostgreSQL + Redis)"
  suite_postgres "$@"
  log "Suite 2/2: embedded mode (SQLite, no Redis)"
  suite_sqlite "$@"
  exit 0
fi

logs=${TEST_LOG_DIR:-test-artifacts}
mkdir -p "$logs"
names=(postgres sqlite)
titles=("production mode (PostgreSQL + Redis)" "embedded mode (SQLite, no Redis)")
pids=()
# Job control: each suite is a process group of its own (pytest, its daphne servers and
# subprocesses), which an interrupt or an early exit of this script stops as a whole.
set -m
stop_suites() {
  local pid
  for pid in "${pids[@]}"; do kill -"${1:-TERM}" -- "-$pid" 2>/dev/null || true; done
}
trap 'stop_suites INT; wait; exit 130' INT
trap 'stop_suites TERM; exit 143' TERM
trap 'stop_suites TERM; services_cleanup' EXIT
started=$SECONDS
log "Both suites at once: ${titles[0]} and ${titles[1]} (logs: $logs/postgres.log, $logs/sqlite.log)"
suite_postgres "$@" </dev/null >"$logs/postgres.log" 2>&1 &
pids+=($!)
suite_sqlite "$@" </dev/null >"$logs/sqlite.log" 2>&1 &
pids+=($!)

progress() {  # pytest's "[ 42%]" at the end of its last progress line
  grep -ao '\[ *[0-9]*%\]' "$1" 2>/dev/null | tail -1 | tr -d '[] ' || true
}
statuses=()
report=60
while :; do
  running=0
  for i in 0 1; do kill -0 "${pids[$i]}" 2>/dev/null && running=$((running + 1)); done
  [ "$running" -eq 0 ] && break
  sleep 5
  if [ $((SECONDS - started)) -ge "$report" ]; then
    report=$((report + 60))
    log "$(( (SECONDS - started) / 60 )) min: PostgreSQL $(progress "$logs/postgres.log"), SQLite $(progress "$logs/sqlite.log")"
  fi
done
for i in 0 1; do
  status=0
  wait "${pids[$i]}" || status=$?
  statuses+=("$status")
done
pids=()

failed=0
for i in 0 1; do
  log "Suite $((i + 1))/2: ${titles[$i]} ($logs/${names[$i]}.log)"
  cat "$logs/${names[$i]}.log"
done
log "Summary after $(( (SECONDS - started) / 60 )) min $(( (SECONDS - started) % 60 )) s:"
for i in 0 1; do
  summary=$(grep -aE '^[= ]*[0-9]+ [a-z]+.* in [0-9.]+s' "$logs/${names[$i]}.log" \
    | sed -E 's/^[= ]+//; s/[= ]+$//' | paste -sd ';' | sed 's/;/; then /g' || true)
  if [ "${statuses[$i]}" -eq 0 ]; then verdict=passed; else verdict="FAILED (exit ${statuses[$i]})"; failed=1; fi
  printf '    %-10s %s  %s\n' "${names[$i]}" "$verdict" "${summary:-(no pytest summary)}" >&2
done
exit "$failed"
