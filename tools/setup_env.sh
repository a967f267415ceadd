#!/usr/bin/env bash
# Create or refresh the project's virtual environment (.venv) at the repo root.
#
# Usage: bash tools/setup_env.sh        (what `make setup` runs)
#
# Idempotent: a stamp inside .venv records the hash of this script, requirements.txt and
# setup.py; when it matches, the script returns at once. The slow step, building mmcv 2.1.0
# with its compiled ops from the PyPI source (~30 min on 2 cores), is done once and the wheel is
# kept in $MMDSGAN_CACHE (default ~/.cache/mmdsgan), outside the repo, so a fresh .venv takes
# seconds to minutes. Each step prints one line; a failing step prints the tail of its log and
# the log's path instead of a wall of compiler output.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"
CACHE="${MMDSGAN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mmdsgan}"
TORCH_VERSION=2.14.1
TORCHVISION_VERSION=0.29.1
MMCV_VERSION=2.1.0
LOG_DIR="$CACHE/logs"
mkdir -p "$LOG_DIR"

say() { printf '[setup] %s\n' "$*"; }
fail() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

# run NAME CMD...: run a step with its output in a log; on failure show the log's tail.
run() {
  local name="$1"; shift
  local log="$LOG_DIR/$name.log"
  if ! "$@" >"$log" 2>&1; then
    printf '[setup] ERROR: step "%s" failed. Last lines of %s:\n' "$name" "$log" >&2
    tail -n 25 "$log" | sed 's/^/    /' >&2
    exit 1
  fi
}

stamp_hash() {
  cat "$ROOT/tools/setup_env.sh" "$ROOT/requirements.txt" "$ROOT/setup.py" 2>/dev/null \
    | sha256sum | cut -c1-16
}
STAMP="$VENV/.mmdsgan-setup-$(stamp_hash)"
if [ -f "$STAMP" ]; then
  say "environment up to date ($VENV)"
  exit 0
fi

command -v "$PYTHON" >/dev/null || fail "$PYTHON not found; install Python 3.10-3.12 or set PYTHON=..."
if [ ! -x "$VENV/bin/python" ]; then
  say "creating $VENV"
  run venv "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
PIP=("$PY" -m pip install --disable-pip-version-check)

if ! "$PY" -c "import torch, torchvision, sys; sys.exit(not (torch.__version__.startswith('$TORCH_VERSION') and torchvision.__version__.startswith('$TORCHVISION_VERSION')))" 2>/dev/null; then
  say "installing torch $TORCH_VERSION + torchvision $TORCHVISION_VERSION (several GB, first time only)"
  run torch "${PIP[@]}" "torch==$TORCH_VERSION" "torchvision==$TORCHVISION_VERSION"
fi

# setuptools < 81: mmcv's setup.py imports pkg_resources, removed in setuptools 81; torch 2.14
# requires >= 77.0.3. Installed after torch, which would otherwise pull the newest.
say "installing build tools (setuptools>=77.0.3,<81, wheel, ninja)"
run build-tools "${PIP[@]}" "setuptools>=77.0.3,<81" wheel ninja

PYTAG="$("$PY" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')"
WHEEL_DIR="$CACHE/wheels/mmcv-$MMCV_VERSION-torch$TORCH_VERSION-$PYTAG"
mkdir -p "$WHEEL_DIR"
if ! ls "$WHEEL_DIR"/mmcv-*.whl >/dev/null 2>&1; then
  say "building mmcv $MMCV_VERSION with compiled ops from source (~30 min on 2 cores, once;"
  say "  the wheel is kept in $WHEEL_DIR; log: $LOG_DIR/mmcv-build.log)"
  SRC="$CACHE/src"
  rm -rf "$SRC"; mkdir -p "$SRC"
  run mmcv-download "$PY" -m pip download --no-deps --no-build-isolation --no-binary :all: -d "$SRC" "mmcv==$MMCV_VERSION"
  tar -xzf "$SRC"/mmcv-"$MMCV_VERSION".tar.gz -C "$SRC"
  # The current torch headers need C++20; mmcv's setup.py hard-codes -std=c++17.
  sed -i 's/-std=c++17/-std=c++20/g' "$SRC/mmcv-$MMCV_VERSION/setup.py"
  grep -q -- '-std=c++20' "$SRC/mmcv-$MMCV_VERSION/setup.py" \
    || fail "could not switch mmcv's setup.py to C++20 (its layout changed?)"
  BUILD_OUT="$SRC/dist"
  MMCV_WITH_OPS=1 FORCE_CUDA=0 MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
    run mmcv-build "$PY" -m pip wheel --no-build-isolation --no-deps -w "$BUILD_OUT" \
    "$SRC/mmcv-$MMCV_VERSION"
  # Publish atomically: a killed build never leaves a half-written wheel in the cache.
  WHL="$(ls "$BUILD_OUT"/mmcv-*.whl)"
  cp "$WHL" "$WHEEL_DIR/.tmp-$(basename "$WHL")"
  mv "$WHEEL_DIR/.tmp-$(basename "$WHL")" "$WHEEL_DIR/$(basename "$WHL")"
  rm -rf "$SRC"
fi
say "installing mmcv from $WHEEL_DIR"
run mmcv-install "${PIP[@]}" "$WHEEL_DIR"/mmcv-*.whl

say "installing requirements.txt (mmengine, mmsegmentation, lpips, ...) and mmdsgan (editable)"
run requirements "${PIP[@]}" -r "$ROOT/requirements.txt"
run mmdsgan "${PIP[@]}" --no-build-isolation --no-deps -e "$ROOT"

say "checking imports"
run check-imports "$PY" -c "import mmcv.ops, mmseg.models, lpips, mmdsgan"

rm -f "$VENV"/.mmdsgan-setup-*
touch "$STAMP"
say "done: $(du -sh "$VENV" | cut -f1) in $VENV"
