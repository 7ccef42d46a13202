#!/usr/bin/env bash
# Starts Anamnesis: migrations, the admin from ADMIN_EMAIL/ADMIN_PASSWORD, then the web
# server, the job worker, the delivery worker (reminders have a cluster of their own) and
# the Telegram bot under scripts/supervise.py, which restarts a
# failed part (the others keep running) and stops them all on Ctrl-C or SIGTERM.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
export HOST="${HOST:-127.0.0.1}" PORT="${PORT:-8000}"

python manage.py migrate --no-input
python manage.py ensure_admin

echo "Anamnesis is starting on http://$HOST:$PORT (Ctrl-C stops it)"
exec python scripts/supervise.py
