#!/usr/bin/env bash
# Install everything gongkai needs, idempotently: system packages (when missing), a Python 3.11
# virtualenv at .venv, and the project with its test extras (editable).
#   bash scripts/setup.sh            # then: .venv/bin/gongkai demo   or   .venv/bin/pytest
#   PYTHON=/path/to/python3.11 bash scripts/setup.sh   # to choose the interpreter
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv

# ── system packages (Debian), installed when dpkg does not list them ─────────────────────────
APT_PACKAGES=(
  libreoffice-writer-nogui   # .doc/.wps reports -> .docx (pipelines/read_doc.py)
  chromium                   # tests/browser: headless Chromium
  chromium-driver            # tests/browser: selenium drives it through chromedriver
  fonts-wqy-zenhei           # a CJK font, so pages and screenshots render Chinese
  libgl1                     # OpenCV (RapidOCR, pipelines/read_ocr.py) links against libGL
  libglib2.0-0               # … and GLib
  redis-server               # broker of the celery workers (dagster_project/distributed.py); tests start their own
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# ── Python virtualenv ───────────────────────────────────────────────────────────────────────
is_py311() { "$1" -c 'import sys, venv; sys.exit(sys.version_info[:2] != (3, 11))' >/dev/null 2>&1; }
if [ -z "${PYTHON:-}" ]; then
  for candidate in python3.11 /usr/bin/python3.11 /usr/local/bin/python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && is_py311 "$candidate"; then PYTHON="$candidate"; break; fi
  done
fi
if [ -z "${PYTHON:-}" ]; then
  echo "setup: no Python 3.11 found; installing it from Debian's packages"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3.11 python3.11-venv
  PYTHON=python3.11
fi
if [ -x "$VENV/bin/python" ] && ! "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
  echo "setup: $VENV is not Python 3.11; recreating it"
  rm -rf "$VENV"
fi
if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating $VENV with $PYTHON"
  "$PYTHON" -m venv "$VENV"
fi

# ── the project (skipped when pyproject.toml is unchanged since the last install) ─────────────
stamp="$VENV/.gongkai-installed"
want="$(sha256sum pyproject.toml | cut -d' ' -f1) $(pwd)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ] || ! "$VENV/bin/python" -c 'import gongkai.cli' 2>/dev/null; then
  echo "setup: installing gongkai and its pinned dependencies into $VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e '.[test]'
  echo "$want" >"$stamp"
fi
echo "setup: ready ($VENV/bin/gongkai, $VENV/bin/pytest)"
