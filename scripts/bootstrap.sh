#!/usr/bin/env bash
# Installs what Anamnesis needs and is missing: Debian packages (when root or with
# password-less sudo), uv, and the locked Python packages. Safe to run again: it only
# acts on what is missing. Usage: scripts/bootstrap.sh [run|test]
set -euo pipefail
cd "$(dirname "$0")/.."
purpose="${1:-run}"

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }

# --- Debian packages ----------------------------------------------------------------------
run_packages=(tesseract-ocr tesseract-ocr-eng tesseract-ocr-rus libmagic1 fonts-dejavu-core
  fonts-noto-core libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 gettext)
test_packages=(redis-server chromium docker-compose caddy poppler-utils postgresql)
packages=("${run_packages[@]}")
[ "$purpose" = test ] && packages+=("${test_packages[@]}")

missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == *"ok installed"* ]] || missing+=("$pkg")
done
# The PostgreSQL server may come from elsewhere than Debian's package (the image has it).
if [[ " ${missing[*]} " == *" postgresql "* ]] && { command -v pg_ctl >/dev/null || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; }; then
  missing=("${missing[@]/postgresql}")
fi
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | grep -v '^$' || true)

if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null; then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
      if sudo -n true 2>/dev/null; then sudo="sudo -n"; else
        log "Missing Debian packages: ${missing[*]}"
        log "Install them with: sudo apt-get install ${missing[*]}"
        exit 1
      fi
    fi
    log "Installing Debian packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    log "Not a Debian system: make sure these are installed: ${missing[*]}"
  fi
fi

# --- uv -----------------------------------------------------------------------------------
find_uv() {
  for candidate in uv "$HOME/.local/bin/uv"; do
    if "$candidate" --version >/dev/null 2>&1; then echo "$candidate"; return 0; fi
  done
  return 1
}
if ! uv_bin=$(find_uv); then
  log "Installing uv"
  python3 -m pip install --user --quiet uv 2>/dev/null \
    || python3 -m pip install --user --quiet --break-system-packages uv
  uv_bin=$(find_uv)
fi

# --- Python -------------------------------------------------------------------------------
# uv may not download an interpreter everywhere; a pyenv-installed 3.12 is used when present.
if [ -z "${UV_PYTHON:-}" ] && command -v pyenv >/dev/null; then
  if version=$(pyenv latest 3.12 2>/dev/null); then
    export UV_PYTHON="$(pyenv root)/versions/$version/bin/python3.12"
  fi
fi
groups=(--no-dev --inexact)  # keeps the test tools if a `make test` installed them
[ "$purpose" = test ] && groups=()
"$uv_bin" sync --frozen --quiet --compile-bytecode "${groups[@]}"
echo "$uv_bin"
