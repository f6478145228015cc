#!/usr/bin/env bash
# Build and test the Python package in a venv of its own (python/.venv, made once):
#   bash python/test.sh [PYTEST ARGS…]
# Needs python3 (3.9 or later) with venv, the Rust toolchain and PyPI (pytest, memelite,
# matplotlib for the tutorial). The tests compare
# with the command line: $EXPLAINN_BIN, else target/release/explainn or target/debug/explainn
# (`cargo build -p explainn`). Reads ../shared/data for the MEME goldens.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
venv=${VENV:-$here/.venv}
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip
fi
"$venv/bin/pip" install -q pytest memelite matplotlib
"$venv/bin/pip" install -q "$here"
cd "$here"
"$venv/bin/python" -m pytest -q tests "$@"
