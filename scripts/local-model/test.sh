#!/usr/bin/env bash
# `make test-local-model`: builds llama.cpp's llama-server and takes SmolLM2-135M (once;
# cached outside the repository), starts one server with tools and one without on free
# ports, and runs the tests marked local_model (chats/tests/test_local_model.py) against
# them in the embedded mode. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PWD/.venv/bin:$PATH"
log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
free_port() { python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

started=$(date +%s)
log "Building llama-server and taking the model (first time: many minutes on 2 cores)"
R=$(scripts/local-model/build.sh)
log "Ready in $(( $(date +%s) - started )) s: $R"

workdir=$(mktemp -d /tmp/anamnesis-local-model.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$workdir"
}
trap cleanup EXIT
tools_port=$(free_port)
pids+=("$(scripts/local-model/start.sh "$tools_port" tools)")
plain_port=$(free_port)
pids+=("$(scripts/local-model/start.sh "$plain_port" no-tools)")
log "llama-server on 127.0.0.1:$tools_port (tools) and 127.0.0.1:$plain_port (no tools)"

unset ANTHROPIC_API_KEY ANTHROPIC_BASE_URL DATABASE_URL REDIS_URL || true
mkdir -p "$workdir/data"
ANAMNESIS_TESTING=1 DATA_DIR="$workdir/data" \
  LOCAL_MODEL_URL="http://127.0.0.1:$tools_port" \
  LOCAL_MODEL_NO_TOOLS_URL="http://127.0.0.1:$plain_port" \
  pytest -p no:cacheprovider -m local_model chats/tests/test_local_model.py "$@"
