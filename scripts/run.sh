#!/usr/bin/env bash
# Starts Anamnesis: migrations, the admin from ADMIN_EMAIL/ADMIN_PASSWORD, then the web
# server, the job worker and (with a bot token) the Telegram bot. Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"

python manage.py migrate --no-input
python manage.py ensure_admin

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

daphne -b "$HOST" -p "$PORT" config.asgi:application & pids+=($!)
python manage.py qcluster & pids+=($!)
if python manage.py telegram_bot --check-token >/dev/null 2>&1; then
  python manage.py telegram_bot & pids+=($!)
fi
echo "Anamnesis is running on http://$HOST:$PORT (Ctrl-C stops it)"
wait -n
