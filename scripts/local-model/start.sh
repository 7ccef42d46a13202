#!/usr/bin/env bash
# Starts a llama-server of scripts/local-model/build.sh on 127.0.0.1:PORT and prints its pid
# once it answers /health. Usage: start.sh PORT [tools|no-tools]
#   tools     llama.cpp's jinja chat template with tool calls (the default)
#   no-tools  --no-jinja: the server refuses requests with tools ("tools param requires
#             --jinja flag"), as a server set up without tool support does
# The model name in requests is ignored (answered as smollm2-135m). THREADS defaults to 1.
set -euo pipefail
R=${LOCAL_MODEL_DIR:-$HOME/.cache/anamnesis/llama}
PORT=$1
MODE=${2:-tools}
args=(-m "$R/models/SmolLM2-135M-Instruct.Q4_1.gguf" --alias smollm2-135m
  --host 127.0.0.1 --port "$PORT" -c 8192 -np 1 -t "${THREADS:-1}" --no-webui)
if [ "$MODE" = tools ]; then
  args+=(--jinja --chat-template-file "$R/templates/chatml-tools.jinja")
else
  args+=(--no-jinja)
fi
nohup nice -n 5 "$R/build/bin/llama-server" "${args[@]}" > "$R/server-$PORT.log" 2>&1 &
pid=$!
for _ in $(seq 1 120); do
  if curl -fs "http://127.0.0.1:$PORT/health" >/dev/null 2>&1; then echo "$pid"; exit 0; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.5
done
echo "the server did not come up; see $R/server-$PORT.log" >&2
kill "$pid" 2>/dev/null || true
exit 1
