# Throwaway PostgreSQL and Redis for the test suite and the benchmarks. Source it, then:
#   services_init            # a work directory, cleaned up on exit
#   start_postgres [NAME]    # sets SERVICES_DATABASE_URL (database NAME, default anamnesis)
#   start_redis              # sets SERVICES_REDIS_URL
# Both listen on 127.0.0.1 only, on free ports; PostgreSQL runs without fsync (throwaway).

services_log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }

free_port() { python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# PostgreSQL refuses to run as root: there it runs as the `postgres` system user.
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

services_cleanup() {
  if [ -n "${pg_bin:-}" ] && [ -f "$workdir/pg/postmaster.pid" ]; then
    as_postgres "$pg_bin/pg_ctl" -D "$workdir/pg" -m immediate stop >/dev/null 2>&1 || true
  fi
  if [ -f "$workdir/redis.pid" ]; then kill "$(cat "$workdir/redis.pid")" 2>/dev/null || true; fi
  rm -rf "$workdir"
}

services_init() {
  workdir=$(mktemp -d "/tmp/anamnesis-${1:-test}.XXXXXX")
  chmod 755 "$workdir"
  trap services_cleanup EXIT
}

start_postgres() {
  pg_bin=$(dirname "$(ls -1 /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -1)")
  [ -x "$pg_bin/pg_ctl" ] || pg_bin=$(dirname "$(command -v pg_ctl)")
  local port
  port=$(free_port)
  mkdir -p "$workdir/pg"
  [ "$(id -u)" -eq 0 ] && chown postgres "$workdir/pg"
  services_log "Starting a throwaway PostgreSQL on port $port"
  as_postgres "$pg_bin/initdb" -D "$workdir/pg" -U postgres -A trust -E UTF8 --no-locale >/dev/null
  SERVICES_PG_OPTS="-p $port -k $workdir/pg -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_connections=200"
  as_postgres "$pg_bin/pg_ctl" -D "$workdir/pg" -w -l "$workdir/pg/server.log" \
    -o "$SERVICES_PG_OPTS" start >/dev/null
  SERVICES_DATABASE_URL="postgres://postgres@127.0.0.1:$port/${1:-anamnesis}"
  SERVICES_PG_PORT=$port
}

start_redis() {
  local port
  port=$(free_port)
  services_log "Starting a throwaway Redis on port $port"
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --pidfile "$workdir/redis.pid" --logfile "$workdir/redis.log" >/dev/null
  SERVICES_REDIS_URL="redis://127.0.0.1:$port/0"
}
