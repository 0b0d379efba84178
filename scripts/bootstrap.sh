#!/usr/bin/env bash
# Shared set-up for scripts/app and scripts/test: a project virtualenv with curator-tui
# installed in editable mode. Re-installs only when pyproject.toml changes.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
python="${PYTHON:-python3}"
if ! "$python" -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info < (3, 14) else 1)' 2>/dev/null; then
  echo "curator-tui needs Python 3.11 to 3.13 (found: $("$python" --version 2>&1))" >&2
  exit 1
fi
if [ ! -x "$venv/bin/python" ]; then
  echo "Creating $venv ..." >&2
  "$python" -m venv "$venv"
fi
stamp="$venv/.curator-installed"
if [ ! -f "$stamp" ] || [ "$root/pyproject.toml" -nt "$stamp" ]; then
  echo "Installing curator-tui and its dependencies into $venv ..." >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$root[dev]" >&2
  touch "$stamp"
fi
# Byte-compile the checkout's sources, as pip does for an installed wheel: an editable
# install leaves them as source, and where PYTHONDONTWRITEBYTECODE is set (as on this
# project's machines) every start compiled the whole package again (~0.2 s of CPU each
# time, about a fifth of the app's start-up). Only changed files are compiled.
"$venv/bin/python" -m compileall -q "$root/src" >/dev/null
