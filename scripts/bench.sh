#!/usr/bin/env bash
# Every benchmark in bench/ at its stated size, in both modes where it has two: the
# embedded mode (SQLite, in-memory layer) and the production mode on a throwaway
# PostgreSQL + Redis (scripts/services.sh, as scripts/test.sh starts them). Each prints
# medians, p99 and its ratio to the limit; this script prints how long each took.
# BENCH_ONLY="streaming turn" runs only those (names: turn streaming fts reminders documents
# scale pages labs apple).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
. scripts/services.sh
services_init bench
unset ANAMNESIS_TESTING ANTHROPIC_API_KEY ANTHROPIC_BASE_URL TELEGRAM_BOT_TOKEN EMAIL_URL || true

only=" ${BENCH_ONLY:-turn streaming fts reminders documents scale pages labs apple} "
wanted() { [[ "$only" == *" $1 "* ]]; }
started=$(date +%s)
section() {
  printf '\n\033[1;34m==== %s\033[0m  (%ss so far; load average %s)\n' "$1" "$(( $(date +%s) - started ))" \
    "$(cut -d' ' -f1-3 /proc/loadavg)"
}

echo "Machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; load average $(cut -d' ' -f1-3 /proc/loadavg)"

start_postgres bench
start_redis
as_postgres createdb -h 127.0.0.1 -p "$SERVICES_PG_PORT" -U postgres bench
pg() { DATABASE_URL="$SERVICES_DATABASE_URL" REDIS_URL="$SERVICES_REDIS_URL" "$@"; }
fresh_db() {  # a new database for each production-mode benchmark
  as_postgres dropdb -h 127.0.0.1 -p "$SERVICES_PG_PORT" -U postgres --if-exists bench
  as_postgres createdb -h 127.0.0.1 -p "$SERVICES_PG_PORT" -U postgres bench
  redis-cli -u "$SERVICES_REDIS_URL" flushall >/dev/null
}
data() { mkdir -p "$workdir/data-$1"; echo "$workdir/data-$1"; }
both_modes() {  # TITLE NAME SCRIPT [ARGS...]: the script in the embedded mode, then on PG + Redis
  local title=$1 name=$2; shift 2
  section "$title — embedded mode"
  env -u DATABASE_URL -u REDIS_URL DATA_DIR="$(data "$name-sqlite")" python "$@"
  section "$title — production mode (PostgreSQL + Redis)"
  fresh_db
  pg env DATA_DIR="$(data "$name-pg")" python "$@"
}

if wanted streaming; then
  both_modes "Streaming: the SDK's ceiling and the app's delay" stream bench/streaming.py
fi
if wanted turn; then
  both_modes "Turn overhead" turn bench/chat_turn_overhead.py --messages 5000 --runs 40
fi
if wanted fts; then
  section "Full-text search, worst case (every document matches), PostgreSQL then SQLite"
  FTS_DENSE=1 bench/fts.sh
fi
if wanted reminders; then
  section "Reminder delivery — embedded mode"
  env -u DATABASE_URL -u REDIS_URL DATA_DIR="$(data reminders)" python bench/reminder_delivery.py
fi
if wanted documents; then
  section "Document pipeline"
  DATA_DIR="$(data documents)" python bench/document_pipeline.py
  section "Upload checks in the sandbox"
  DATA_DIR="$(data documents)" python bench/upload_inspect.py
fi
if wanted scale; then
  section "Several processes as one instance: two daphne, two qcluster, one PostgreSQL + Redis"
  fresh_db
  pg env DATA_DIR="$(data scale)" python bench/scale_out.py
fi
if wanted labs; then
  both_modes "Lab values: a report of 60 normalised; five analytes of 10,000 values" labs \
    bench/lab_values.py
fi
if wanted pages; then
  both_modes "Pages: chat, documents, memory, notifications" pages bench/pages.py
fi
if wanted apple; then
  both_modes "Apple Health import: an export of 500,000 records, streamed, then into the record" \
    apple bench/apple_health_import.py --into-record
fi
section "Done"
