#!/usr/bin/env bash
# Create .venv (if missing) and install pixelsvc with its test extras.
# torch is pinned to the CPU build first so pip never pulls a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
. .venv/bin/activate
python -m pip install -q --upgrade pip
python -m pip install -q "torch==${PIXELSVC_TORCH_VERSION:-2.13.0}"
python -m pip install -q -e '.[test]'
