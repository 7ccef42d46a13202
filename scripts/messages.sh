#!/usr/bin/env bash
# Extracts the translatable strings into the .po files and compiles them.
# The shell (config, accounts, templates/) uses locale/; each feature app keeps its own
# <app>/locale/, so that work on one app never touches another's catalogue.
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"
export PATH="$PWD/.venv/bin:$PATH" DJANGO_SETTINGS_MODULE=config.settings PYTHONPATH="$PWD"
feature_apps=(chats labs documents memory skills notifications interop sharing telegram_bot)

ignore=(--ignore=.venv --ignore=frontend --ignore=.data --ignore=node_modules --ignore=bench
  --ignore='*/tests/*' --ignore=tests --ignore=conftest.py)
for app in "${feature_apps[@]}"; do ignore+=(--ignore="$app"); done
django-admin makemessages -l ru --no-obsolete --no-location "${ignore[@]}" >/dev/null

for app in "${feature_apps[@]}"; do
  mkdir -p "$app/locale"
  (cd "$app" && django-admin makemessages -l ru --no-obsolete --no-location \
     --ignore='tests/*' --ignore='migrations/*' >/dev/null)
done
django-admin compilemessages --ignore=.venv --ignore=node_modules >/dev/null
