#!/usr/bin/env bash
# Runs bench/fts.py (or the bench script given, e.g. bench/retrieval.py) on a throwaway
# PostgreSQL (as scripts/test.sh starts one), then on SQLite. FTS_SQLITE=0 skips SQLite.
# bench/fts.py prints each function's median, p99 and ratio to the 30 ms limit.
set -euo pipefail
cd "$(dirname "$0")/.."
script=${1:-bench/fts.py}
workdir=$(mktemp -d /tmp/anamnesis-bench.XXXXXX)
chmod 755 "$workdir"
as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_bin=$(dirname "$(ls -1 /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -1)")
port=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$workdir/pg"
[ "$(id -u)" -eq 0 ] && chown postgres "$workdir/pg"
as_postgres "$pg_bin/initdb" -D "$workdir/pg" -U postgres -A trust -E UTF8 --no-locale >/dev/null
as_postgres "$pg_bin/pg_ctl" -D "$workdir/pg" -w -l "$workdir/pg/server.log" \
  -o "-p $port -k $workdir/pg -c listen_addresses=127.0.0.1" start >/dev/null
trap 'as_postgres "$pg_bin/pg_ctl" -D "$workdir/pg" -m fast stop >/dev/null; rm -rf "$workdir"' EXIT
as_postgres "$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U postgres bench
started=$(date +%s)
# The app makes DATA_DIR private (0700): a directory of its own, so that the postgres user
# can still reach $workdir/pg to stop the server.
DATA_DIR="$workdir/data-pg" DATABASE_URL="postgres://postgres@127.0.0.1:$port/bench" \
  .venv/bin/python "$script"
echo
if [ "${FTS_SQLITE:-1}" = 1 ]; then
  env -u DATABASE_URL DATA_DIR="$workdir/data-sqlite" .venv/bin/python "$script"
fi
echo
echo "<!-- $script on PostgreSQL and SQLite, corpus building included: $(( $(date +%s) - started )) s -->"
